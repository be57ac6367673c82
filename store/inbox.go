package store

// Inbox: callbacks that were verified and acknowledged but not yet handled.
//
//	dedupe/<Inbound.Key>  empty, Badger TTL     a delivery already accepted
//	inbox/<id>            duban.Inbound (JSON)  waiting for the worker
//
// A queue id (inbox and outbox) is <clock ns, 20 digits>/<who, path-escaped>
// (see queueIDs): it sorts by arrival, and it names the sender (inbox) or recipient
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
	"hash/fnv"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// queueIDs hands out the ids of inbox and outbox entries. An id is the
// wall clock in nanoseconds, bumped to stay above every id handed out
// before — in this process and, seeded at Open from the largest key in
// the queues and the delivery receipts, in earlier ones — so a clock
// stepped back can neither reorder the queues nor overwrite an entry or a
// receipt. It only orders entries (first in, first out) and keeps them
// apart; it is not a time any rule reads.
//
// Each sender's (inbox) or recipient's (outbox) ids are handed out and
// committed under one lock of a small stripe, so an entry with a lower id
// is always committed before one with a higher id for the same person:
// the worker and the sender never see a later message of a person while
// an earlier one is still being written. A shared counter key would do the
// same at the cost of making every concurrent enqueue conflict in Badger.
// Reminders and bulletins, queued inside transactions of their own, do not
// take the lock: their order against a reply to the same person is
// immaterial.
type queueIDs struct {
	mu      sync.Mutex // guards last
	last    uint64
	stripes [64]sync.Mutex
}

// next returns a new id.
func (q *queueIDs) next() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	id := uint64(queueClock().UnixNano())
	if id <= q.last {
		id = q.last + 1
	}
	q.last = id
	return id
}

// seed makes every later id larger than id.
func (q *queueIDs) seed(id uint64) {
	q.mu.Lock()
	q.last = max(q.last, id)
	q.mu.Unlock()
}

// lock takes the stripes of whos (in order, so two callers cannot
// deadlock) and returns their release.
func (q *queueIDs) lock(whos ...string) (unlock func()) {
	var idx []int
	for _, w := range whos {
		h := fnv.New32a()
		h.Write([]byte(w))
		idx = append(idx, int(h.Sum32()%uint32(len(q.stripes))))
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	for _, i := range idx {
		q.stripes[i].Lock()
	}
	return func() {
		for _, i := range slices.Backward(idx) {
			q.stripes[i].Unlock()
		}
	}
}

// queueClock is the wall clock ids start from; tests step it back.
var queueClock = time.Now

// ids is the process's: ids stay increasing across the stores a process
// opens (tests open many), which is all they need.
var ids queueIDs

// queueKey returns a new key in the queue under prefix for an entry about
// who. To keep who's entries committed in id order, the caller holds who's
// stripe (ids.lock) until the entry is committed.
func queueKey(prefix, who string) []byte {
	return append(seqKey(prefix, ids.next()), "/"+url.PathEscape(who)...)
}

// seedQueueIDs makes new queue ids larger than every id in the inbox, the
// outbox and the delivery receipts.
func (s *Store) seedQueueIDs() error {
	return s.view(context.Background(), func(txn *badger.Txn) error {
		for _, prefix := range []string{prefixInbox, prefixOutbox, prefixSentMsg} {
			opts := badger.DefaultIteratorOptions
			opts.Prefix, opts.Reverse, opts.PrefetchValues = []byte(prefix), true, false
			it := txn.NewIterator(opts)
			it.Seek(append([]byte(prefix), 0xff))
			if it.Valid() {
				digits, _, _ := strings.Cut(string(it.Item().Key()[len(prefix):]), "/")
				if n, err := strconv.ParseUint(digits, 10, 64); err == nil {
					ids.seed(n)
				}
			}
			it.Close()
		}
		return nil
	})
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
	who := duban.CanonicalUserID(in.From)
	unlock := ids.lock(who)
	defer unlock()
	ik := queueKey(prefixInbox, who)
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
	defer lockRecipients(replies)()
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
