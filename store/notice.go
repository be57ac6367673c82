package store

// The ledger of sent reminder notices (Alertmanager's nflog, kept synchronously):
//
//	notice/<task>|<stage>|<userid>|<deadline>   NoticeRecord (JSON)
//	unacked/<userid>/<notice key>               (empty)  a notice its recipient has not acknowledged
//
// (the verify stage's key reads <task>|verify@<reported day>|<userid>|<deadline>).
// A record is written in the same transaction as the outbox entry of the
// message carrying it, so a notice is either queued and recorded, or neither.
// The notice key is the reminder planner's; the records of one task are
// found by the prefix <task>| and checked against the record's own TaskID,
// since a task id may itself hold a '|'. unacked/ lets 收到 reach a
// person's open notices without reading every notice ever sent; an entry
// whose notice was released (its message failed for good) is dropped when
// next met.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

const prefixNotice = "notice/"

// NoticeRecord is one reminder notice as recorded when its message was
// queued: the evidence trail (留痕) of a task's reminders.
type NoticeRecord struct {
	Key      string     `json:"key"`
	TaskID   string     `json:"task"`
	Stage    string     `json:"stage"`
	To       string     `json:"to"`
	Role     duban.Role `json:"role"`
	Deadline duban.Date `json:"deadline"`
	Unit     string     `json:"unit"`
	Queued   time.Time  `json:"queued"`
	OutboxID string     `json:"outbox_id"`
	AckedAt  time.Time  `json:"acked_at,omitzero"`
	// Delivery is the message's recorded outcome, filled by NoticesOf; nil
	// while the message waits in the outbox.
	Delivery *Delivery `json:"-"`
}

func noticeKey(key string) []byte { return []byte(prefixNotice + key) }

func unackedDir(userid string) []byte { return keyDir("unacked/", duban.CanonicalUserID(userid)) }
func unackedKey(r NoticeRecord) []byte {
	return append(unackedDir(r.To), r.Key...)
}

// Recorded reports, for each of n notices, whether its key is recorded
// (queued before): from the notice index once Warm built it, else from
// Badger — and from Badger too for the keys the index cannot tell alone.
// key appends the i-th notice's key to buf and returns it, so a pass of a
// quarter of a million notices makes no string of each.
func (s *Store) Recorded(ctx context.Context, n int, key func(buf []byte, i int) []byte) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, unsure, ok := s.noticeIx.recorded(n, key)
	switch {
	case ok && len(unsure) == 0:
		return out, nil
	case !ok:
		out, unsure = make([]bool, n), make([]int, n)
		for i := range unsure {
			unsure[i] = i
		}
	}
	err := s.view(ctx, func(txn *badger.Txn) error {
		buf := []byte(prefixNotice)
		for _, i := range unsure {
			buf = key(buf[:len(prefixNotice)], i)
			_, err := txn.Get(buf)
			switch {
			case err == nil:
				out[i] = true
			case !errors.Is(err, badger.ErrKeyNotFound):
				return fmt.Errorf("read %s: %w", buf, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up notices: %w", err)
	}
	return out, nil
}

// RecordNotices queues each message and records the notices it carries
// (named by its NoticeKeys, described in records). A message and its
// notices are written in one transaction, never apart; consecutive
// messages share a transaction up to recordBatchBytes, so a pass of
// twenty thousand messages is a few dozen synced commits instead of
// twenty thousand. A crash leaves the messages of the transactions
// committed so far queued and the rest unrecorded, to be sent by the next
// run, and never a recorded notice without its message. A message any of
// whose notices is already recorded (a concurrent run) is dropped whole.
// It returns the number of messages queued.
func (s *Store) RecordNotices(ctx context.Context, msgs []duban.Outgoing, records map[string]NoticeRecord, at time.Time) (int, error) {
	batch := make([]noticeMessage, len(msgs))
	for i, m := range msgs {
		recs := make([]NoticeRecord, 0, len(m.NoticeKeys))
		for _, k := range m.NoticeKeys {
			r, ok := records[k]
			if !ok {
				return 0, fmt.Errorf("record notices: message to %s names notice %s not in the batch", m.To, k)
			}
			r.Key, r.Queued = k, at
			recs = append(recs, r)
		}
		batch[i] = noticeMessage{m, recs}
	}
	queued := 0
	for len(batch) > 0 {
		n, q, err := s.recordNoticeBatch(ctx, batch, at)
		queued += q
		if err != nil {
			return queued, err
		}
		batch = batch[n:]
	}
	return queued, nil
}

// recordBatchBytes bounds the keys and values one transaction of
// RecordNotices writes: well under Badger's limit for a transaction (15 %
// of a memtable, store.go), so a batch is never refused as too big.
const recordBatchBytes = 1 << 20

// noticeMessage is one message of RecordNotices with its notices' records.
type noticeMessage struct {
	msg  duban.Outgoing
	recs []NoticeRecord
}

// approxBytes is about what recording nm writes, generously: its outbox
// entry (the text and card, escaped as JSON at worst twice as long) and,
// per notice, a record and an unacked/ key of a few hundred bytes.
func (nm noticeMessage) approxBytes() int {
	n := 512 + 2*len(nm.msg.Text)
	if c := nm.msg.Card; c != nil {
		n += 2 * (len(c.ID) + len(c.Title) + len(c.Desc))
		for _, f := range c.Fields {
			n += 2*(len(f.Label)+len(f.Value)) + 32
		}
		for _, b := range c.Buttons {
			n += 2*(len(b.Text)+len(b.Key)) + 32
		}
	}
	for _, k := range nm.msg.NoticeKeys {
		n += 3*len(k) + 512
	}
	return n
}

// recordNoticeBatch writes, in one transaction, the leading messages of
// batch that fit in recordBatchBytes (at least one), and returns how many
// it took and how many of them it queued (the others were taken).
func (s *Store) recordNoticeBatch(ctx context.Context, batch []noticeMessage, at time.Time) (took, queued int, err error) {
	var ids []string   // of the messages queued
	var keys []string  // their notices
	var taken []string // the notices of the messages dropped
	for size := 0; took < len(batch); took++ {
		n := batch[took].approxBytes()
		if took > 0 && size+n > recordBatchBytes {
			break
		}
		size += n
	}
	// The notice index's lock is held from before the commit to the
	// index's update, so the index changes in commit order. (Reminders
	// take no id stripe: see queueIDs.)
	s.noticeIx.mu.Lock()
	defer s.noticeIx.mu.Unlock()
	err = s.update(ctx, func(txn *badger.Txn) error {
		ids, keys, taken = ids[:0], keys[:0], taken[:0]
	messages:
		for _, nm := range batch[:took] {
			for _, r := range nm.recs {
				switch _, err := txn.Get(noticeKey(r.Key)); {
				case err == nil:
					taken = append(taken, nm.msg.NoticeKeys...)
					continue messages
				case !errors.Is(err, badger.ErrKeyNotFound):
					return fmt.Errorf("read notice %s: %w", r.Key, err)
				}
			}
			entries, okeys, err := newOutboxEntries([]duban.Outgoing{nm.msg}, at)
			if err != nil {
				return err
			}
			if err := putJSON(txn, okeys[0], entries[0]); err != nil {
				return err
			}
			for _, r := range nm.recs {
				r.OutboxID = entries[0].ID
				if err := putJSON(txn, noticeKey(r.Key), r); err != nil {
					return err
				}
				if err := txn.Set(unackedKey(r), nil); err != nil {
					return fmt.Errorf("write %s: %w", unackedKey(r), err)
				}
			}
			ids = append(ids, entries[0].ID)
			keys = append(keys, nm.msg.NoticeKeys...)
		}
		return nil
	})
	if err != nil {
		s.rereadNotices(keysOf(batch[:took])) // as Badger has them
		return took, 0, fmt.Errorf("record notices for %s: %w", batch[0].msg.To, err)
	}
	s.noticeIx.record(keys)
	if len(taken) > 0 {
		s.rereadNotices(taken) // recorded by another run
	}
	s.outboxWatch.tell(ids)
	return took, len(ids), nil
}

// keysOf returns the notice keys of the messages in batch.
func keysOf(batch []noticeMessage) []string {
	var keys []string
	for _, nm := range batch {
		keys = append(keys, nm.msg.NoticeKeys...)
	}
	return keys
}

// Ack records that userID acknowledged the reminders about task taskID (the
// 收到 button or reply): every notice of the task to that user not yet
// acknowledged gets the time. It returns ErrNotFound when the user was sent
// no notice about the task; acknowledging twice keeps the first time.
func (s *Store) Ack(ctx context.Context, taskID, userID string, at time.Time) error {
	taskID, user := duban.CanonicalID(taskID), duban.CanonicalUserID(userID)
	err := s.update(ctx, func(txn *badger.Txn) error {
		found := false
		var updates []NoticeRecord
		err := scanNotices(txn, taskID, func(r NoticeRecord) {
			if duban.CanonicalUserID(r.To) != user {
				return
			}
			found = true
			if r.AckedAt.IsZero() {
				updates = append(updates, r)
			}
		})
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("notice of task %s to %s: %w", taskID, userID, ErrNotFound)
		}
		return ackIn(txn, updates, at)
	})
	if err != nil {
		return fmt.Errorf("acknowledge task %s by %s: %w", taskID, userID, err)
	}
	return nil
}

// AckAll records that userID acknowledged every notice sent to them and not
// yet acknowledged (收到 without a task), and returns how many it covered.
// It reads the person's unacked/ entries only.
func (s *Store) AckAll(ctx context.Context, userID string, at time.Time) (int, error) {
	n := 0
	err := s.update(ctx, func(txn *badger.Txn) error {
		prefix := unackedDir(userID)
		var updates []NoticeRecord
		var stale [][]byte
		err := scanPrefix(txn, prefix, true, func(key, _ []byte) error {
			var r NoticeRecord
			err := getJSON(txn, noticeKey(string(key[len(prefix):])), &r)
			switch {
			case errors.Is(err, ErrNotFound):
				stale = append(stale, bytes.Clone(key))
			case err != nil:
				return err
			case r.AckedAt.IsZero():
				updates = append(updates, r)
			default:
				stale = append(stale, bytes.Clone(key))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if err := txn.Delete(k); err != nil {
				return fmt.Errorf("delete %s: %w", k, err)
			}
		}
		n = len(updates)
		return ackIn(txn, updates, at)
	})
	if err != nil {
		return 0, fmt.Errorf("acknowledge the notices of %s: %w", userID, err)
	}
	return n, nil
}

// ackIn stamps each record acknowledged at at and drops it from its
// recipient's unacked/ entries.
func ackIn(txn *badger.Txn, recs []NoticeRecord, at time.Time) error {
	for _, r := range recs {
		r.AckedAt = at
		if err := putJSON(txn, noticeKey(r.Key), r); err != nil {
			return err
		}
		if err := txn.Delete(unackedKey(r)); err != nil {
			return fmt.Errorf("delete %s: %w", unackedKey(r), err)
		}
	}
	return nil
}

// scanNotices calls fn with every notice record of task taskID (canonical).
func scanNotices(txn *badger.Txn, taskID string, fn func(NoticeRecord)) error {
	return scanPrefix(txn, noticeKey(taskID+"|"), false, func(key, val []byte) error {
		var r NoticeRecord
		if err := jsonUnmarshal(key, val, &r); err != nil {
			return err
		}
		if duban.CanonicalID(r.TaskID) == taskID {
			fn(r)
		}
		return nil
	})
}

// attachDeliveries gives each record its message's delivery outcome, when
// one is recorded.
func attachDeliveries(txn *badger.Txn, recs []NoticeRecord) error {
	for i := range recs {
		var d Delivery
		err := getJSON(txn, []byte(prefixSentNotice+recs[i].Key), &d)
		switch {
		case err != nil && !errors.Is(err, ErrNotFound):
			return err
		// The outcome of an earlier message with the same notice (one that
		// failed, after which the notice was queued again) is not this
		// record's: until its own message is done it waits.
		case err == nil && d.OutboxID == recs[i].OutboxID:
			recs[i].Delivery = &d
		}
	}
	return nil
}

// NoticesOf returns the evidence trail of task taskID: every notice queued
// about it, oldest first, with its acknowledgement and its message's
// delivery outcome when one is recorded.
func (s *Store) NoticesOf(ctx context.Context, taskID string) ([]NoticeRecord, error) {
	taskID = duban.CanonicalID(taskID)
	var out []NoticeRecord
	err := s.view(ctx, func(txn *badger.Txn) error {
		out = out[:0]
		err := scanNotices(txn, taskID, func(r NoticeRecord) { out = append(out, r) })
		if err != nil {
			return err
		}
		return attachDeliveries(txn, out)
	})
	if err != nil {
		return nil, fmt.Errorf("notices of task %s: %w", taskID, err)
	}
	slices.SortStableFunc(out, func(a, b NoticeRecord) int { return a.Queued.Compare(b.Queued) })
	return out, nil
}
