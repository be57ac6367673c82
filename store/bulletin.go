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
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

const prefixBulletin = "bulletin/"

var keyBulletinSeq = []byte("bulletin/seq")

func bulletinKey(no int) []byte { return seqKey(prefixBulletin, uint64(no)) }

// BulletinRecord is one published bulletin.
type BulletinRecord struct {
	No       int             `json:"no"`
	Year     int             `json:"year,omitempty"`  // 第Issue期 counts within this year; 0 when continuous
	Issue    int             `json:"issue,omitempty"` // 第N期 (No in records older than numbering by year)
	At       time.Time       `json:"at"`              // when it was published
	By       string          `json:"by"`              // userid, or "scheduler"
	To       []string        `json:"to"`
	Text     string          `json:"text"`            // exactly what was sent
	Bulletin json.RawMessage `json:"bulletin"`        // its figures, as the reminder package computed them
	Files    []BulletinFile  `json:"files,omitempty"` // documents archived with it (bulletindocs.go)
}

// Label names the bulletin as printed: 2026年第3期, or 第3期.
func (r BulletinRecord) Label() string {
	issue := r.Issue
	if issue == 0 {
		issue = r.No
	}
	if r.Year > 0 {
		return fmt.Sprintf("%d年第%d期", r.Year, issue)
	}
	return fmt.Sprintf("第%d期", issue)
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
	return s.IssueBulletin(ctx, func(n BulletinNumber) (Issued, error) {
		text, figures, err := issue(n.No)
		return Issued{Text: text, Figures: figures}, err
	}, Publication{To: to, By: by, MsgKey: msgKey, At: at})
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
