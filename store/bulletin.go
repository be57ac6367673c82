package store

// Published 工作通报, numbered 第N期:
//
//	bulletin/seq          uint64 (binary)   last number handed out
//	bulletin/<no:020>     BulletinRecord    the archived bulletin, its text and recipients
//	bulletin/msg/<key>    int (JSON)        the number a chat message published (TTL 7 days)
//
// Numbering, archive and the outbox entries for the recipients are one
// transaction: a number is never skipped, reused, or published unsent.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

const prefixBulletin = "bulletin/"

var keyBulletinSeq = []byte("bulletin/seq")

func bulletinKey(no int) []byte { return seqKey(prefixBulletin, uint64(no)) }

// BulletinRecord is one published bulletin.
type BulletinRecord struct {
	No       int             `json:"no"`
	At       time.Time       `json:"at"` // when it was published
	By       string          `json:"by"` // userid, or "scheduler"
	To       []string        `json:"to"`
	Text     string          `json:"text"`     // exactly what was sent
	Bulletin json.RawMessage `json:"bulletin"` // its figures, as the reminder package computed them
}

// IssueFunc renders a bulletin once its number is known: the text to send
// and the figures to archive.
type IssueFunc func(no int) (text string, figures any, err error)

// PublishBulletin gives the next bulletin its number, has issue render it,
// archives it and queues it to every recipient in to, in one transaction.
// msgKey names the chat message that asked for it ("" for none): asked
// again by the same message (reprocessed after a crash), it returns the
// bulletin already published instead of a second one.
func (s *Store) PublishBulletin(ctx context.Context, issue IssueFunc, to []string, by, msgKey string, at time.Time) (BulletinRecord, error) {
	var rec BulletinRecord
	var ids []string
	marker := []byte("bulletin/msg/" + msgKey)
	err := s.update(ctx, func(txn *badger.Txn) error {
		ids = ids[:0]
		if msgKey != "" {
			var no int
			err := getJSON(txn, marker, &no)
			if err == nil {
				return getJSON(txn, bulletinKey(no), &rec)
			}
			if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		n, err := nextSeq(txn, keyBulletinSeq)
		if err != nil {
			return err
		}
		text, figures, err := issue(int(n))
		if err != nil {
			return err
		}
		archived, err := jsonBytes(figures)
		if err != nil {
			return err
		}
		rec = BulletinRecord{No: int(n), At: at, By: by, To: to, Text: text, Bulletin: archived}
		msgs := make([]duban.Outgoing, len(to))
		for i, u := range to {
			msgs[i] = duban.Outgoing{To: u, Text: rec.Text}
		}
		entries, keys, err := newOutboxEntries(msgs, at)
		if err != nil {
			return err
		}
		for i := range entries {
			if err := putJSON(txn, keys[i], entries[i]); err != nil {
				return err
			}
			ids = append(ids, entries[i].ID)
		}
		if msgKey != "" {
			if err := txn.SetEntry(badger.NewEntry(marker, []byte(fmt.Sprint(rec.No))).WithTTL(appliedTTL)); err != nil {
				return fmt.Errorf("write %s: %w", marker, err)
			}
		}
		return putJSON(txn, bulletinKey(rec.No), rec)
	})
	if err != nil {
		return BulletinRecord{}, fmt.Errorf("publish bulletin: %w", err)
	}
	s.outboxWatch.tell(ids)
	return rec, nil
}

// NextBulletinNo returns the number the next published bulletin will get.
func (s *Store) NextBulletinNo(ctx context.Context) (int, error) {
	var n uint64
	err := s.view(ctx, func(txn *badger.Txn) error {
		var err error
		n, err = readCounter(txn, keyBulletinSeq)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("next bulletin number: %w", err)
	}
	return int(n) + 1, nil
}

// BulletinByNo returns published bulletin 第no期, or ErrNotFound.
func (s *Store) BulletinByNo(ctx context.Context, no int) (BulletinRecord, error) {
	var rec BulletinRecord
	err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, bulletinKey(no), &rec) })
	if err != nil {
		return BulletinRecord{}, fmt.Errorf("bulletin %d: %w", no, err)
	}
	return rec, nil
}

// Bulletins returns every published bulletin, oldest first.
func (s *Store) Bulletins(ctx context.Context) ([]BulletinRecord, error) {
	var out []BulletinRecord
	err := s.view(ctx, func(txn *badger.Txn) error {
		out = out[:0]
		// bulletin/0… holds the records; bulletin/seq sorts after them.
		return scanPrefix(txn, []byte(prefixBulletin+"0"), false, func(key, val []byte) error {
			var r BulletinRecord
			if err := jsonUnmarshal(key, val, &r); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list bulletins: %w", err)
	}
	return out, nil
}
