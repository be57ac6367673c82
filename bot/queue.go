package bot

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"github.com/duban-org/duban/store"
)

// queueView is a loop's picture of a store queue (the inbox for the
// worker, the outbox for the sender): the ids waiting, per sender or
// recipient, oldest first. It is read from the store at the start, every
// poll period and after anything unexpected; in between the store's
// notifications of committed entries keep it current, so a pass costs a
// few map lookups rather than a scan over the queue and the deletion
// markers of everything handled since the last compaction.
//
// An id may outlive its entry in the view (the entry was handled); whoever
// reads it finds it gone and drops it. Only the owning loop's goroutine
// touches the view, except notify.
type queueView struct {
	byWho    map[string][]string
	notified chan []string
	overflow atomic.Bool // a notification was dropped: read the store again
	stale    bool        // read the store again at the next pass
	readAt   time.Time
}

func newQueueView() *queueView {
	return &queueView{byWho: map[string][]string{}, notified: make(chan []string, 1024), stale: true}
}

// notify records ids committed to the queue. It never blocks: when the
// loop lags that far behind, the view is read from the store instead.
func (v *queueView) notify(ids []string) {
	select {
	case v.notified <- ids:
	default:
		v.overflow.Store(true)
	}
}

// refresh brings the view up to date: from the store (scan) when it is
// stale or poll has passed since the last read, and from notifications.
func (v *queueView) refresh(now time.Time, poll time.Duration, scan func() ([]store.QueueRef, error)) error {
	if v.stale || v.overflow.Swap(false) || now.Sub(v.readAt) >= poll {
		// What was notified before the scan is in it; what is notified
		// after is merged by the next refresh.
		v.drain(false)
		refs, err := scan()
		if err != nil {
			v.stale = true
			return err
		}
		clear(v.byWho)
		for _, r := range refs {
			v.byWho[r.Who] = append(v.byWho[r.Who], r.ID)
		}
		v.stale, v.readAt = false, now
	}
	v.drain(true)
	return nil
}

func (v *queueView) drain(keep bool) {
	for {
		select {
		case ids := <-v.notified:
			if keep {
				for _, id := range ids {
					v.add(id)
				}
			}
		default:
			return
		}
	}
}

// add inserts id in its sender's or recipient's list, in id order.
func (v *queueView) add(id string) {
	who := store.QueueWho(id)
	list := v.byWho[who]
	i, found := slices.BinarySearch(list, id)
	if !found {
		v.byWho[who] = slices.Insert(list, i, id)
	}
}

// heads returns the oldest id of every sender or recipient, oldest first.
func (v *queueView) heads() []store.QueueRef {
	out := make([]store.QueueRef, 0, len(v.byWho))
	for who, ids := range v.byWho {
		out = append(out, store.QueueRef{ID: ids[0], Who: who})
	}
	slices.SortFunc(out, func(a, b store.QueueRef) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

// pop removes who's oldest id and returns the next one, "" when none waits.
func (v *queueView) pop(who string) string {
	list := v.byWho[who]
	if len(list) <= 1 {
		delete(v.byWho, who)
		return ""
	}
	v.byWho[who] = list[1:]
	return list[1]
}

// runPasses is the loop of the worker and the sender: a pass, then a wait
// for a job to finish (it and every other finished job are released), a
// wake-up, the time the pass asked to be called again (zero: none), or the
// poll period; until ctx ends.
func runPasses[T any](ctx context.Context, poll time.Duration, now func() time.Time,
	pass func() (again time.Time), done <-chan T, release func(T), wake <-chan struct{}) {
	for {
		wait := poll
		if again := pass(); !again.IsZero() {
			wait = min(wait, max(again.Sub(now()), time.Millisecond))
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case d := <-done:
			release(d)
		drain:
			for {
				select {
				case d := <-done:
					release(d)
				default:
					break drain
				}
			}
		case <-wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}
