package store

// Inbox: callbacks that were verified and acknowledged but not yet handled.
//
//	dedupe/<Inbound.Key>  empty, Badger TTL     a delivery already accepted
//	inbox/<id>            duban.Inbound (JSON)  waiting for the worker
//
// A queue id (inbox and outbox) is <clock ns, 20 digits>/<who, path-escaped>:
// it sorts by arrival, and it names the sender (inbox) or recipient
// (outbox), so the worker and the sender can plan a pass from the keys
// alone and read only the entries they start.
//
// The dedupe record and the inbox entry are written in one transaction, so a
// WeCom retry is either refused as a duplicate or enqueued, never both lost
// and never twice.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

const (
	prefixDedupe = "dedupe/"
	prefixInbox  = "inbox/"
	prefixOutbox = "outbox/"
)

// DefaultDedupeTTL is used when Enqueue is given no positive TTL.
const DefaultDedupeTTL = 24 * time.Hour

// errStopScan ends a scanPrefix early without being an error.
var errStopScan = errors.New("stop scan")

// lastID is the last queue id handed out by newQueueID.
var lastID atomic.Uint64

// newQueueID returns an id for inbox and outbox keys: the wall clock in
// nanoseconds, bumped to stay strictly increasing within the process. It only
// orders entries (first in, first out) and keeps them apart; it is not a time
// any rule reads. A shared counter key would make every concurrent enqueue
// conflict in Badger.
func newQueueID() uint64 {
	for {
		last := lastID.Load()
		id := uint64(time.Now().UnixNano())
		if id <= last {
			id = last + 1
		}
		if lastID.CompareAndSwap(last, id) {
			return id
		}
	}
}

// queueKey returns a new key in the queue under prefix for an entry about who.
func queueKey(prefix, who string) []byte {
	return append(seqKey(prefix, newQueueID()), "/"+url.PathEscape(who)...)
}

// QueueRef is a queue entry known by its key alone: its id and whom it is
// from (inbox) or for (outbox).
type QueueRef struct {
	ID  string
	Who string
}

// queueRefs lists up to limit entries of the queue under prefix, reading
// keys only.
func (s *Store) queueRefs(ctx context.Context, prefix string, limit int) ([]QueueRef, error) {
	var out []QueueRef
	err := s.view(ctx, func(txn *badger.Txn) error {
		return scanPrefix(txn, []byte(prefix), true, func(key, _ []byte) error {
			id := string(key[len(prefix):])
			out = append(out, QueueRef{ID: id, Who: QueueWho(id)})
			if limit > 0 && len(out) >= limit {
				return errStopScan
			}
			return nil
		})
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return nil, fmt.Errorf("list %s: %w", strings.TrimSuffix(prefix, "/"), err)
	}
	return out, nil
}

// InboxQueue lists up to limit inbox entries (all when limit <= 0), oldest
// first, by their keys: the sender is the canonical userid.
func (s *Store) InboxQueue(ctx context.Context, limit int) ([]QueueRef, error) {
	return s.queueRefs(ctx, prefixInbox, limit)
}

// InboxEntryByID reads one inbox entry, or ErrNotFound once it is completed.
func (s *Store) InboxEntryByID(ctx context.Context, id string) (InboxEntry, error) {
	e := InboxEntry{ID: id}
	err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, []byte(prefixInbox+id), &e.In) })
	if err != nil {
		return e, fmt.Errorf("inbox entry %s: %w", id, err)
	}
	return e, nil
}

// InboxEntry is one inbound message waiting for the worker.
type InboxEntry struct {
	ID string        // orders entries; pass it back to CompleteInbound
	In duban.Inbound //
}

// Enqueue records in in the inbox unless a delivery with the same Key was
// accepted within dedupeTTL. fresh is false for such a duplicate, in which
// case nothing is written. The write is synced before Enqueue returns.
func (s *Store) Enqueue(ctx context.Context, in duban.Inbound, dedupeTTL time.Duration) (fresh bool, err error) {
	if in.Key == "" {
		return false, fmt.Errorf("enqueue inbound from %q: empty dedupe key", in.From)
	}
	if dedupeTTL <= 0 {
		dedupeTTL = DefaultDedupeTTL
	}
	val, err := json.Marshal(in)
	if err != nil {
		return false, fmt.Errorf("encode inbound %s: %w", in.Key, err)
	}
	dk := []byte(prefixDedupe + in.Key)
	ik := queueKey(prefixInbox, duban.CanonicalUserID(in.From))
	err = s.update(ctx, func(txn *badger.Txn) error {
		fresh = false
		_, err := txn.Get(dk)
		switch {
		case err == nil:
			return nil // duplicate
		case !errors.Is(err, badger.ErrKeyNotFound):
			return fmt.Errorf("read %s: %w", dk, err)
		}
		if err := txn.SetEntry(badger.NewEntry(dk, nil).WithTTL(dedupeTTL)); err != nil {
			return fmt.Errorf("write %s: %w", dk, err)
		}
		if err := txn.Set(ik, val); err != nil {
			return fmt.Errorf("write %s: %w", ik, err)
		}
		fresh = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("enqueue inbound %s: %w", in.Key, err)
	}
	if fresh {
		s.inboxWatch.tell([]string{string(ik[len(prefixInbox):])})
	}
	return fresh, nil
}

// InboxEntries returns up to limit entries (all when limit <= 0), oldest first.
func (s *Store) InboxEntries(ctx context.Context, limit int) ([]InboxEntry, error) {
	var out []InboxEntry
	err := s.view(ctx, func(txn *badger.Txn) error {
		return scanPrefix(txn, []byte(prefixInbox), false, func(key, val []byte) error {
			var e InboxEntry
			if err := jsonUnmarshal(key, val, &e.In); err != nil {
				return err
			}
			e.ID = string(key[len(prefixInbox):])
			out = append(out, e)
			if limit > 0 && len(out) >= limit {
				return errStopScan
			}
			return nil
		})
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return nil, fmt.Errorf("list inbox: %w", err)
	}
	return out, nil
}

// CompleteInbound deletes inbox entry id and queues its replies in the outbox
// in one transaction, so a crash can neither lose the replies nor send them
// twice. It returns the outbox ids, in the order of replies, or ErrNotFound
// when the entry was already completed.
func (s *Store) CompleteInbound(ctx context.Context, id string, replies []duban.Outgoing, now time.Time) ([]string, error) {
	ik := []byte(prefixInbox + id)
	entries, keys, err := newOutboxEntries(replies, now)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(txn *badger.Txn) error {
		if _, err := txn.Get(ik); errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("inbox entry %s: %w", id, ErrNotFound)
		} else if err != nil {
			return fmt.Errorf("read %s: %w", ik, err)
		}
		if err := txn.Delete(ik); err != nil {
			return fmt.Errorf("delete %s: %w", ik, err)
		}
		for i := range entries {
			if err := putJSON(txn, keys[i], entries[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("complete inbound %s: %w", id, err)
	}
	ids := make([]string, len(entries))
	for i := range entries {
		ids[i] = entries[i].ID
	}
	s.outboxWatch.tell(ids)
	return ids, nil
}

func jsonUnmarshal(key, val []byte, v any) error {
	if err := json.Unmarshal(val, v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}
