package store

// Proposals: a change the LLM inferred from free text waits here until its
// sender confirms (确认) or cancels (取消) it.
//
//	proposal/<userid>             Proposal  at most one per person, expires after a day
//	recorded/<msg key>/<task id>  empty     a history-only entry a message left (TTL 7 days)

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

const proposalTTL = 24 * time.Hour

// Kinds of proposals besides a task change.
const (
	ProposeBulletin = "bulletin" // publish the 工作通报 previewed
	ProposeLetter   = "letter"   // issue the 专函督办 previewed to Unit
)

// Proposal is a pending inferred change, or a previewed document waiting
// to be published (Kind).
type Proposal struct {
	ID   string `json:"id"`             // unique, used in card button keys
	Kind string `json:"kind,omitempty"` // "" for a task change, ProposeBulletin, ProposeLetter
	// Unit is the unit of a previewed letter; Done the units whose drafts
	// were sent or discarded before it in the same walk through the drafts.
	Unit     string       `json:"unit,omitempty"`
	Done     []string     `json:"done,omitempty"`
	TaskID   string       `json:"task"`
	Action   duban.Action `json:"action"`
	Note     string       `json:"note,omitempty"`
	Deadline duban.Date   `json:"deadline,omitempty"`
	MsgKey   string       `json:"msg"` // the free-text message it came from
	Text     string       `json:"text"`
	At       time.Time    `json:"at"`
	// Asked is an offer made in answer to a question: neither it nor its
	// 取消 is a line in the task's history, as the question was none.
	Asked bool `json:"asked,omitempty"`
}

// Propose stores p as userid's pending proposal, replacing any earlier one,
// and records it in the task's history (entry, unless it names no task),
// in one transaction.
func (s *Store) Propose(ctx context.Context, userid string, p Proposal, entry duban.Change) error {
	err := s.updateLedger(ctx, func(txn *badger.Txn) error {
		b, err := jsonBytes(p)
		if err != nil {
			return err
		}
		if err := txn.SetEntry(badger.NewEntry(proposalKey(userid), b).WithTTL(proposalTTL)); err != nil {
			return fmt.Errorf("write proposal: %w", err)
		}
		if entry.TaskID == "" {
			return nil
		}
		return recordOnce(txn, entry)
	})
	if err != nil {
		return fmt.Errorf("store proposal of %s: %w", userid, err)
	}
	return nil
}

// Proposal returns userid's pending proposal, or ErrNotFound.
func (s *Store) Proposal(ctx context.Context, userid string) (Proposal, error) {
	var p Proposal
	err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, proposalKey(userid), &p) })
	if err != nil {
		return p, fmt.Errorf("proposal of %s: %w", userid, err)
	}
	return p, nil
}

// DropProposal deletes userid's pending proposal if its id is id, and
// appends entry (if it has a task) to that task's history.
func (s *Store) DropProposal(ctx context.Context, userid, id string, entry *duban.Change) error {
	err := s.updateLedger(ctx, func(txn *badger.Txn) error {
		var p Proposal
		if err := getJSON(txn, proposalKey(userid), &p); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			return err
		}
		if p.ID != id {
			return nil
		}
		if err := txn.Delete(proposalKey(userid)); err != nil {
			return fmt.Errorf("delete proposal: %w", err)
		}
		if entry != nil {
			_, err := appendHistory(txn, *entry)
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("drop proposal of %s: %w", userid, err)
	}
	return nil
}

// recordOnce appends a history-only entry unless the message it comes from
// already left one on the task (a message reprocessed after a crash). Its
// marker is not Apply's: a recorded refusal is not an applied change.
func recordOnce(txn *badger.Txn, c duban.Change) error {
	marker := recordedKey(c.MsgID, c.TaskID)
	if c.MsgID != "" {
		if _, err := txn.Get(marker); err == nil {
			return nil
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("read %s: %w", marker, err)
		}
	}
	if _, err := appendHistory(txn, c); err != nil {
		return err
	}
	if c.MsgID == "" {
		return nil
	}
	if err := txn.SetEntry(badger.NewEntry(marker, nil).WithTTL(appliedTTL)); err != nil {
		return fmt.Errorf("write %s: %w", marker, err)
	}
	return nil
}

// Record appends a history-only entry (a refusal, an acknowledgement) to an
// existing task.
func (s *Store) Record(ctx context.Context, c duban.Change) error {
	c.TaskID = duban.CanonicalID(c.TaskID)
	err := s.updateLedger(ctx, func(txn *badger.Txn) error {
		if _, err := txn.Get(taskKey(c.TaskID)); err != nil {
			if errors.Is(err, badger.ErrKeyNotFound) {
				return fmt.Errorf("task %s: %w", c.TaskID, ErrNotFound)
			}
			return err
		}
		return recordOnce(txn, c)
	})
	if err != nil {
		return fmt.Errorf("record %s on task %s: %w", c.Action, c.TaskID, err)
	}
	return nil
}
