package store

// Outbox: messages to deliver, and what became of them.
//
//	outbox/<id>          OutboxEntry (JSON)  waiting for (or between) delivery attempts
//	sent/msg/<id>        Delivery (JSON)     outcome of outbox entry id, kept as evidence (留痕)
//	sent/notice/<key>    Delivery (JSON)     latest outcome of the message carrying reminder notice key
//	                                         (without NoticeKeys: the key names the notice)
//	undelivered/<id>     Delivery (JSON)     a message that failed for good, until 编办 is told
//	released/notice/<key>/<id>  releasedNotice (JSON)  a notice whose message <id> failed for good,
//	                                            released to be planned again, kept as evidence
//
// An entry leaves the outbox only in the transaction that records its outcome.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

const (
	prefixSentMsg     = "sent/msg/"
	prefixSentNotice  = "sent/notice/"
	prefixUndelivered = "undelivered/"
	prefixReleased    = "released/notice/"
)

// OutboxEntry is one message waiting to be delivered, with its progress.
type OutboxEntry struct {
	ID     string         `json:"id"`
	Msg    duban.Outgoing `json:"msg"`
	Queued time.Time      `json:"queued"`
	// PartsSent counts the parts of a split text already delivered, so a
	// restart resumes with the next part instead of repeating any.
	PartsSent int `json:"parts_sent,omitempty"`
	// TextFallback is set when the card was refused and Text is sent instead.
	TextFallback bool `json:"text_fallback,omitempty"`
	// Attempts counts failed attempts; it sets the backoff.
	Attempts    int       `json:"attempts,omitempty"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	// FailedAt is when the last attempt failed; zero while the entry
	// waits for a rate limit rather than a back-off.
	FailedAt time.Time `json:"failed_at,omitzero"`
	// LastError says why the last attempt failed, in plain words.
	LastError string `json:"last_error,omitempty"`
	// Unconfirmed counts attempts at the current part that were begun
	// (recorded before the call) but whose outcome never was: the process
	// stopped while WeCom had the message, which may have arrived.
	Unconfirmed int `json:"unconfirmed,omitempty"`
}

// Delivery outcomes.
const (
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
	// DeliveryConsole: shown in `duban chat`'s console, never sent to WeCom.
	DeliveryConsole = "console"
	// DeliveryUncertain: attempts were cut off twice by a stop of the
	// process, so the message may have arrived, and is not sent again.
	DeliveryUncertain = "uncertain"
)

// Delivery is the recorded outcome of one outbox entry.
type Delivery struct {
	OutboxID   string   `json:"outbox_id"`
	To         string   `json:"to"`
	NoticeKeys []string `json:"notice_keys,omitempty"`
	Status     string   `json:"status"` // DeliveryDelivered, DeliveryFailed, DeliveryUncertain or DeliveryConsole
	Parts      int      `json:"parts"`  // parts delivered
	// Failures counts the failed attempts along the way.
	Failures int `json:"failures,omitempty"`
	// Error says why delivery failed, in plain words.
	Error       string `json:"error,omitempty"`
	InvalidUser string `json:"invalid_user,omitempty"`
	// Subject is what the message was (its first line, shortened, or its
	// file's name), kept for failures only so the report to 编办 names it.
	Subject string    `json:"subject,omitempty"`
	Queued  time.Time `json:"queued"`
	At      time.Time `json:"at"`
	// Unreported keeps a failure off the list told to 编办 (it is itself
	// such a report); not stored.
	Unreported bool `json:"-"`
}

// lockRecipients takes the id stripes of msgs' recipients (see queueIDs);
// the caller releases them after the commit that queues msgs.
func lockRecipients(msgs []duban.Outgoing) (unlock func()) {
	whos := make([]string, len(msgs))
	for i, m := range msgs {
		whos[i] = duban.CanonicalUserID(m.To)
	}
	return ids.lock(whos...)
}

func newOutboxEntries(msgs []duban.Outgoing, now time.Time) ([]OutboxEntry, [][]byte, error) {
	entries := make([]OutboxEntry, len(msgs))
	keys := make([][]byte, len(msgs))
	for i, m := range msgs {
		if m.To == "" {
			return nil, nil, fmt.Errorf("queue outgoing message %d: no recipient", i)
		}
		keys[i] = queueKey(prefixOutbox, duban.CanonicalUserID(m.To))
		entries[i] = OutboxEntry{ID: string(keys[i][len(prefixOutbox):]), Msg: m, Queued: now}
	}
	return entries, keys, nil
}

// QueueOutgoing adds msgs to the outbox in one transaction and returns their
// ids in order. Reminders and bulletins enter the outbox here.
func (s *Store) QueueOutgoing(ctx context.Context, now time.Time, msgs ...duban.Outgoing) ([]string, error) {
	defer lockRecipients(msgs)()
	entries, keys, err := newOutboxEntries(msgs, now)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(txn *badger.Txn) error {
		for i := range entries {
			if err := putJSON(txn, keys[i], entries[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue outgoing: %w", err)
	}
	ids := make([]string, len(entries))
	for i := range entries {
		ids[i] = entries[i].ID
	}
	s.outboxWatch.tell(ids)
	return ids, nil
}

// PendingOutgoing returns up to limit outbox entries (all when limit <= 0),
// oldest first.
func (s *Store) PendingOutgoing(ctx context.Context, limit int) ([]OutboxEntry, error) {
	var out []OutboxEntry
	err := s.view(ctx, func(txn *badger.Txn) error {
		return scanPrefix(txn, []byte(prefixOutbox), false, func(key, val []byte) error {
			var e OutboxEntry
			if err := jsonUnmarshal(key, val, &e); err != nil {
				return err
			}
			out = append(out, e)
			if limit > 0 && len(out) >= limit {
				return errStopScan
			}
			return nil
		})
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return out, nil
}

// OutboxQueue lists up to limit outbox entries (all when limit <= 0),
// oldest first, by their keys: Who is the recipient (Outgoing.To, canonical).
func (s *Store) OutboxQueue(ctx context.Context, limit int) ([]QueueRef, error) {
	return s.queueRefs(ctx, prefixOutbox, limit)
}

// OutboxEntryByID reads one outbox entry, or ErrNotFound once it has left.
func (s *Store) OutboxEntryByID(ctx context.Context, id string) (OutboxEntry, error) {
	var e OutboxEntry
	err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, []byte(prefixOutbox+id), &e) })
	if err != nil {
		return e, fmt.Errorf("outbox entry %s: %w", id, err)
	}
	return e, nil
}

// SaveOutgoingProgress stores e's progress (parts sent, attempts, next
// attempt). It returns ErrNotFound when the entry has left the outbox.
func (s *Store) SaveOutgoingProgress(ctx context.Context, e OutboxEntry) error {
	k := []byte(prefixOutbox + e.ID)
	err := s.update(ctx, func(txn *badger.Txn) error {
		if _, err := txn.Get(k); errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("outbox entry %s: %w", e.ID, ErrNotFound)
		} else if err != nil {
			return fmt.Errorf("read %s: %w", k, err)
		}
		return putJSON(txn, k, e)
	})
	if err != nil {
		return fmt.Errorf("save outbox progress %s: %w", e.ID, err)
	}
	return nil
}

// FinishOutgoing removes entry e from the outbox and records outcome d under
// the entry's id and under each of its notice keys, in one transaction. The
// notices of a message that failed for good are released to be sent again.
// It returns ErrNotFound when the entry has already left the outbox.
func (s *Store) FinishOutgoing(ctx context.Context, e OutboxEntry, d Delivery) error {
	k := []byte(prefixOutbox + e.ID)
	d.OutboxID, d.To, d.NoticeKeys, d.Queued = e.ID, e.Msg.To, e.Msg.NoticeKeys, e.Queued
	var released []string // tasks whose notices go back to the planner
	var taskless bool     // and a notice about no task (the calendar's)
	var releasedKeys []string
	err := s.update(ctx, func(txn *badger.Txn) error {
		released, taskless, releasedKeys = released[:0], false, releasedKeys[:0]
		if _, err := txn.Get(k); errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("outbox entry %s: %w", e.ID, ErrNotFound)
		} else if err != nil {
			return fmt.Errorf("read %s: %w", k, err)
		}
		if err := txn.Delete(k); err != nil {
			return fmt.Errorf("delete %s: %w", k, err)
		}
		if err := putJSON(txn, []byte(prefixSentMsg+e.ID), d); err != nil {
			return err
		}
		if (d.Status == DeliveryFailed || d.Status == DeliveryUncertain) && !d.Unreported {
			u := d
			u.Subject = subject(e.Msg)
			if err := putJSON(txn, []byte(prefixUndelivered+e.ID), u); err != nil {
				return err
			}
		}
		// Each notice's copy leaves out the message's list of notices: its
		// key names the notice, and the receipt keeps the list. A digest
		// of k notices would otherwise write the list k times over.
		dn := d
		dn.NoticeKeys = nil
		for _, nk := range e.Msg.NoticeKeys {
			if err := putJSON(txn, []byte(prefixSentNotice+nk), dn); err != nil {
				return err
			}
			// A notice whose message failed for good (an outage past
			// MaxAge) is planned again by the next reminder pass: a repeat
			// is possible, a loss is not. Its record and outcome move
			// aside, still shown by 记录, so the new notice starts as
			// waiting rather than with this failure. One to a member
			// WeCom does not know stays recorded: it cannot succeed.
			if d.Status == DeliveryFailed && d.InvalidUser == "" {
				task, ok, err := releaseNotice(txn, nk, e.ID, d)
				if err != nil {
					return err
				}
				if ok {
					releasedKeys = append(releasedKeys, nk)
				}
				if ok && task != "" {
					released = append(released, task)
				}
				taskless = taskless || ok && task == ""
			}
		}
		return nil
	})
	if len(releasedKeys) > 0 {
		s.noticeIx.mu.Lock()
		s.rereadNotices(releasedKeys) // read back: a later record may have come first
		s.noticeIx.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("finish outgoing %s: %w", e.ID, err)
	}
	s.touchTasks(released)
	if taskless {
		s.touchAll()
	}
	return nil
}

// releasedNotice is a notice record released after its message failed
// for good, with that outcome.
type releasedNotice struct {
	Record   NoticeRecord `json:"record"`
	Delivery Delivery     `json:"delivery"`
}

// releaseNotice releases the notice named key and returns its task's id
// ("" for a notice about no task); ok is false when it was released before.
func releaseNotice(txn *badger.Txn, key, outboxID string, d Delivery) (task string, ok bool, err error) {
	var r NoticeRecord
	switch err := getJSON(txn, noticeKey(key), &r); {
	case errors.Is(err, ErrNotFound):
		return "", false, nil // released before
	case err != nil:
		return "", false, err
	}
	if err := putJSON(txn, []byte(prefixReleased+key+"/"+outboxID), releasedNotice{Record: r, Delivery: d}); err != nil {
		return "", false, err
	}
	for _, k := range [][]byte{noticeKey(key), []byte(prefixSentNotice + key)} {
		if err := txn.Delete(k); err != nil {
			return "", false, fmt.Errorf("release notice %s: %w", key, err)
		}
	}
	return duban.CanonicalID(r.TaskID), true, nil
}

// ReleasedNotices returns the notices about task taskID whose messages
// failed for good and were released to be planned again, oldest first,
// each with that failure: evidence 记录 shows beside NoticesOf.
func (s *Store) ReleasedNotices(ctx context.Context, taskID string) ([]NoticeRecord, error) {
	var out []NoticeRecord
	err := s.view(ctx, func(txn *badger.Txn) error {
		return scanPrefix(txn, []byte(prefixReleased+duban.CanonicalID(taskID)+"|"), false, func(key, val []byte) error {
			var r releasedNotice
			if err := jsonUnmarshal(key, val, &r); err != nil {
				return err
			}
			r.Record.Delivery = &r.Delivery
			out = append(out, r.Record)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("released notices of task %s: %w", taskID, err)
	}
	slices.SortStableFunc(out, func(a, b NoticeRecord) int { return a.Queued.Compare(b.Queued) })
	return out, nil
}

// ReportUndelivered hands the messages that failed for good since the last
// report to compose and, in one transaction, queues what it returns (the
// reports to 编办) and forgets them. It returns how many were reported.
func (s *Store) ReportUndelivered(ctx context.Context, now time.Time, compose func([]Delivery) []duban.Outgoing) (int, error) {
	var failed []Delivery
	err := s.view(ctx, func(txn *badger.Txn) error {
		return scanPrefix(txn, []byte(prefixUndelivered), false, func(key, val []byte) error {
			var d Delivery
			if err := jsonUnmarshal(key, val, &d); err != nil {
				return err
			}
			failed = append(failed, d)
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("read undelivered: %w", err)
	}
	if len(failed) == 0 {
		return 0, nil
	}
	msgs := compose(failed)
	defer lockRecipients(msgs)()
	entries, keys, err := newOutboxEntries(msgs, now)
	if err != nil {
		return 0, err
	}
	err = s.update(ctx, func(txn *badger.Txn) error {
		for _, d := range failed {
			if err := txn.Delete([]byte(prefixUndelivered + d.OutboxID)); err != nil {
				return fmt.Errorf("delete %s%s: %w", prefixUndelivered, d.OutboxID, err)
			}
		}
		for i := range entries {
			if err := putJSON(txn, keys[i], entries[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("report undelivered: %w", err)
	}
	ids := make([]string, len(entries))
	for i := range entries {
		ids[i] = entries[i].ID
	}
	s.outboxWatch.tell(ids)
	return len(failed), nil
}

// DeliveryOf returns the latest recorded outcome of the message that carried
// reminder notice noticeKey, or ErrNotFound while none is recorded (never
// queued, or still in the outbox).
func (s *Store) DeliveryOf(ctx context.Context, noticeKey string) (Delivery, error) {
	var d Delivery
	err := s.view(ctx, func(txn *badger.Txn) error {
		return getJSON(txn, []byte(prefixSentNotice+noticeKey), &d)
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("delivery of notice %s: %w", noticeKey, err)
	}
	return d, nil
}

// DeliveryByID returns the recorded outcome of outbox entry id, or
// ErrNotFound while none is recorded.
func (s *Store) DeliveryByID(ctx context.Context, id string) (Delivery, error) {
	var d Delivery
	err := s.view(ctx, func(txn *badger.Txn) error {
		return getJSON(txn, []byte(prefixSentMsg+id), &d)
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("delivery of outbox entry %s: %w", id, err)
	}
	return d, nil
}

// Deliveries returns up to limit recorded outcomes (all when limit <= 0), the
// most recently queued first.
func (s *Store) Deliveries(ctx context.Context, limit int) ([]Delivery, error) {
	var out []Delivery
	err := s.view(ctx, func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(prefixSentMsg)
		opts.Reverse = true
		it := txn.NewIterator(opts)
		defer it.Close()
		// Reverse iteration starts at the last key not after the seek key.
		for it.Seek(append([]byte(prefixSentMsg), 0xff)); it.Valid(); it.Next() {
			var d Delivery
			b, err := it.Item().ValueCopy(nil)
			if err != nil {
				return fmt.Errorf("read %s: %w", it.Item().Key(), err)
			}
			if err := jsonUnmarshal(it.Item().Key(), b, &d); err != nil {
				return err
			}
			out = append(out, d)
			if limit > 0 && len(out) >= limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return out, nil
}

// OutboxLen counts the entries waiting in the outbox.
func (s *Store) OutboxLen(ctx context.Context) (int, error) {
	n := 0
	err := s.view(ctx, func(txn *badger.Txn) error {
		return scanPrefix(txn, []byte(prefixOutbox), true, func(_, _ []byte) error { n++; return nil })
	})
	if err != nil {
		return 0, fmt.Errorf("count outbox: %w", err)
	}
	return n, nil
}

// InboxLen counts the entries waiting in the inbox.
func (s *Store) InboxLen(ctx context.Context) (int, error) {
	n := 0
	err := s.view(ctx, func(txn *badger.Txn) error {
		return scanPrefix(txn, []byte(prefixInbox), true, func(_, _ []byte) error { n++; return nil })
	})
	if err != nil {
		return 0, fmt.Errorf("count inbox: %w", err)
	}
	return n, nil
}

// subjectRunes bounds a failed message's subject.
const subjectRunes = 24

// subject is what m was, for the report of a failure: its file's name, or
// its text's first line cut to subjectRunes.
func subject(m duban.Outgoing) string {
	if m.File != nil {
		return m.File.Name
	}
	line, _, _ := strings.Cut(strings.TrimSpace(m.Text), "\n")
	if r := []rune(line); len(r) > subjectRunes {
		return string(r[:subjectRunes]) + "…"
	}
	return line
}
