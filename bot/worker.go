package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// HandleFunc turns one inbound message into replies: the conversation. The
// worker calls it concurrently for different senders, never for one sender.
type HandleFunc func(ctx context.Context, in duban.Inbound) ([]duban.Outgoing, error)

// Apology is the reply sent when the handler fails on a message.
const Apology = "抱歉，处理您的消息时出错了，请稍后再试；如一直出错，请联系编办。"

// Worker drains the inbox: each entry is handed to Handle, and its replies
// are queued in the outbox in the same transaction that removes the entry,
// so a crash neither loses nor doubles a reply. Entries left by a crash are
// simply still in the inbox at the next start.
//
// Senders are served concurrently, so one slow answer does not hold up
// everyone else; each sender's entries are handled one at a time in inbox
// order, so "完成 T1" then "撤销" apply in that order.
type Worker struct {
	st     *store.Store
	handle HandleFunc
	log    *slog.Logger
	wake   chan struct{}

	// Fields below may be changed before Run.

	// Now is the clock; time.Now unless replaced before Run.
	Now func() time.Time
	// HandleTimeout bounds one call of Handle (default 2 minutes), so
	// shutdown, which waits for the entries in hand, is bounded too.
	HandleTimeout time.Duration
	// Poll is how often the inbox is checked without a wake-up (default 30s).
	Poll time.Duration
	// Concurrency is how many senders are served at once (default 4; 1
	// handles the whole inbox one entry at a time in order).
	Concurrency int
}

// NewWorker returns a worker calling handle for each inbox entry.
func NewWorker(st *store.Store, handle HandleFunc, logger *slog.Logger) *Worker {
	if logger == nil {
		logger = slog.Default()
	}
	return &Worker{
		st: st, handle: handle, log: logger,
		wake:          make(chan struct{}, 1),
		Now:           time.Now,
		HandleTimeout: 2 * time.Minute,
		Poll:          30 * time.Second,
		Concurrency:   4,
	}
}

// Wake tells the worker the inbox has new entries. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// finished reports an entry that left a goroutine's hands.
type finished struct {
	id, sender string
	err        error // the entry could not be completed and is still in the inbox
}

// inHand is the dispatcher's record of the entries being handled. Only Run's
// goroutine touches it.
type inHand struct {
	queue   *queueView
	ids     map[string]bool      // entry ids being handled
	senders map[string]bool      // canonical senders with an entry being handled
	held    map[string]time.Time // senders whose entry failed to complete: not before
}

// Run processes the inbox until ctx is cancelled. The entries in hand when
// ctx is cancelled are finished (each within HandleTimeout) before Run
// returns nil; the rest stay in the inbox for the next start.
func (w *Worker) Run(ctx context.Context) error {
	conc := max(w.Concurrency, 1)
	hand := inHand{queue: newQueueView(), ids: map[string]bool{}, senders: map[string]bool{}, held: map[string]time.Time{}}
	stop := w.st.WatchInbox(func(ids []string) {
		hand.queue.notify(ids)
		w.Wake()
	})
	defer stop()
	done := make(chan finished, conc) // never blocks: at most conc in hand
	var wg sync.WaitGroup
	defer wg.Wait()
	runPasses(ctx, w.Poll, time.Now, func() time.Time {
		w.dispatch(ctx, conc, &hand, done, &wg)
		var again time.Time
		for _, at := range hand.held {
			if again.IsZero() || at.Before(again) {
				again = at
			}
		}
		return again
	}, done, func(f finished) { w.release(&hand, f) }, w.wake)
	return nil
}

// release forgets a finished entry. One that could not be completed is left
// in the inbox and its sender held back for Poll, as the store is failing.
func (w *Worker) release(hand *inHand, f finished) {
	delete(hand.ids, f.id)
	delete(hand.senders, f.sender)
	if f.err != nil {
		w.log.Error("inbox worker", "err", f.err)
		hand.held[f.sender] = time.Now().Add(w.Poll)
		hand.queue.stale = true // the entry is still in the inbox
	}
}

// dispatch starts the oldest entry of every sender that has none in hand,
// oldest first, until Concurrency entries are in hand.
func (w *Worker) dispatch(ctx context.Context, conc int, hand *inHand, done chan<- finished, wg *sync.WaitGroup) {
	now := time.Now()
	for sender, at := range hand.held {
		if !now.Before(at) {
			delete(hand.held, sender)
		}
	}
	if ctx.Err() != nil || len(hand.ids) >= conc {
		return
	}
	err := hand.queue.refresh(now, w.Poll, func() ([]store.QueueRef, error) { return w.st.InboxQueue(ctx, 0) })
	if err != nil {
		if ctx.Err() == nil {
			w.log.Error("inbox worker", "err", err)
		}
		return
	}
	for _, head := range hand.queue.heads() {
		sender, id := head.Who, head.ID
		if hand.senders[sender] {
			continue // keep each sender's order
		}
		if _, ok := hand.held[sender]; ok {
			continue
		}
		if len(hand.ids) >= conc {
			return // a finishing entry wakes Run
		}
		for ; id != ""; id = hand.queue.pop(sender) {
			if hand.ids[id] {
				continue // left over from a read while it was in hand
			}
			e, err := w.st.InboxEntryByID(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				continue // handled since the view learnt of it
			}
			if err != nil {
				if ctx.Err() == nil {
					w.log.Error("inbox worker", "err", err)
				}
				hand.queue.stale = true
				return
			}
			hand.queue.pop(sender)
			hand.ids[e.ID] = true
			hand.senders[sender] = true
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Detached from ctx: an entry once started is finished.
				err := w.process(context.WithoutCancel(ctx), e)
				done <- finished{id: e.ID, sender: sender, err: err}
			}()
			break
		}
	}
}

// process handles one entry and completes it.
func (w *Worker) process(ctx context.Context, e store.InboxEntry) error {
	replies, err := w.call(ctx, e.In)
	if err != nil {
		w.log.Error("handler failed; sending an apology", "key", e.In.Key, "from", e.In.From, "err", err)
		replies = []duban.Outgoing{{To: e.In.From, Text: Apology}}
	}
	replies = validReplies(replies, w.log, e.In.Key)
	// The store tells the sender of the replies (Store.WatchOutbox).
	_, err = w.st.CompleteInbound(ctx, e.ID, replies, w.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil // completed by someone else: nothing to add
	case err != nil:
		return fmt.Errorf("complete inbox entry %s: %w", e.ID, err)
	}
	return nil
}

// call runs the handler with a timeout, turning a panic into an error.
func (w *Worker) call(ctx context.Context, in duban.Inbound) (out []duban.Outgoing, err error) {
	ctx, cancel := context.WithTimeout(ctx, w.HandleTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return w.handle(ctx, in)
}

// validReplies drops replies with no recipient (they could never be sent).
func validReplies(replies []duban.Outgoing, log *slog.Logger, key string) []duban.Outgoing {
	out := replies[:0:0]
	for _, r := range replies {
		if r.To == "" {
			log.Error("handler reply without recipient dropped", "key", key)
			continue
		}
		out = append(out, r)
	}
	return out
}
