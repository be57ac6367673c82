package store

import (
	"net/url"
	"strings"
	"sync"
)

// watchers are told the ids of queue entries once the transaction that
// added them has committed, so the worker and the sender learn of new work
// without scanning the queue for it.
type watchers struct {
	mu   sync.Mutex
	next int
	fns  map[int]func(ids []string)
}

func (w *watchers) add(fn func(ids []string)) (stop func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fns == nil {
		w.fns = map[int]func([]string){}
	}
	id := w.next
	w.next++
	w.fns[id] = fn
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.fns, id)
	}
}

func (w *watchers) tell(ids []string) {
	if len(ids) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, fn := range w.fns {
		fn(ids)
	}
}

// WatchInbox calls fn (which must not block) with the ids of inbox entries
// as they are committed, until stop is called.
func (s *Store) WatchInbox(fn func(ids []string)) (stop func()) { return s.inboxWatch.add(fn) }

// WatchOutbox calls fn (which must not block) with the ids of outbox
// entries as they are committed, until stop is called.
func (s *Store) WatchOutbox(fn func(ids []string)) (stop func()) { return s.outboxWatch.add(fn) }

// QueueWho returns whom a queue entry is from (inbox) or for (outbox), as
// its id records it.
func QueueWho(id string) string {
	_, esc, _ := strings.Cut(id, "/")
	who, err := url.PathUnescape(esc)
	if err != nil {
		return esc
	}
	return who
}
