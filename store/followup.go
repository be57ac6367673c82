package store

// Follow-ups: when the bot asks a sender for something (a new deadline and a
// reason after the 申请延期 button, a reason after 不同意), the question waits
// here so the sender's next message is read as its answer.
//
//	followup/<userid>  Followup  at most one per person, expires after the window

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// Followup is a question the bot asked a sender and waits to have answered.
type Followup struct {
	Action   duban.Action `json:"action"` // what the answer completes: 延期, 驳回, 不同意延期, 进展
	TaskID   string       `json:"task"`
	Deadline duban.Date   `json:"deadline,omitempty"` // an extension's date, when already given
	Note     string       `json:"note,omitempty"`     // an extension's reason, when already given
	Ref      string       `json:"ref,omitempty"`      // a card's decision acts only on the request it showed
	MsgKey   string       `json:"msg"`                // the message or click that asked
	At       time.Time    `json:"at"`
}

func followupKey(userid string) []byte { return keyPath("followup/", duban.CanonicalUserID(userid)) }

// SetFollowup stores f as userid's pending question for ttl, replacing any
// earlier one.
func (s *Store) SetFollowup(ctx context.Context, userid string, f Followup, ttl time.Duration) error {
	err := s.update(ctx, func(txn *badger.Txn) error {
		b, err := jsonBytes(f)
		if err != nil {
			return err
		}
		return txn.SetEntry(badger.NewEntry(followupKey(userid), b).WithTTL(ttl))
	})
	if err != nil {
		return fmt.Errorf("store follow-up of %s: %w", userid, err)
	}
	return nil
}

// Followup returns userid's pending question, or ErrNotFound.
func (s *Store) Followup(ctx context.Context, userid string) (Followup, error) {
	var f Followup
	err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, followupKey(userid), &f) })
	if err != nil {
		return f, fmt.Errorf("follow-up of %s: %w", userid, err)
	}
	return f, nil
}

// DropFollowup deletes userid's pending question, if any.
func (s *Store) DropFollowup(ctx context.Context, userid string) error {
	err := s.update(ctx, func(txn *badger.Txn) error {
		err := txn.Delete(followupKey(userid))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("drop follow-up of %s: %w", userid, err)
	}
	return nil
}
