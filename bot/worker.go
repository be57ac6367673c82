package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// HandleFunc turns one inbound message into replies: the conversation.
type HandleFunc func(ctx context.Context, in duban.Inbound) ([]duban.Outgoing, error)

// Apology is the reply sent when the handler fails on a message.
const Apology = "抱歉，处理您的消息时出错了，请稍后再试；如一直出错，请联系编办。"

// Worker drains the inbox in order: each entry is handed to Handle, and its
// replies are queued in the outbox in the same transaction that removes the
// entry, so a crash neither loses nor doubles a reply. Entries left by a
// crash are simply still in the inbox at the next start.
type Worker struct {
	st     *store.Store
	handle HandleFunc
	log    *slog.Logger
	wake   chan struct{}

	// Now is the clock; time.Now unless replaced before Run.
	Now func() time.Time
	// HandleTimeout bounds one call of Handle (default 2 minutes), so
	// shutdown, which waits for the entry in hand, is bounded too.
	HandleTimeout time.Duration
	// Poll is how often the inbox is checked without a wake-up (default 30s).
	Poll time.Duration
	// OnReplies is called after replies were queued, to wake the sender.
	OnReplies func()
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
		OnReplies:     func() {},
	}
}

// Wake tells the worker the inbox has new entries. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run processes the inbox until ctx is cancelled. The entry in hand when ctx
// is cancelled is finished (within HandleTimeout) before Run returns nil.
func (w *Worker) Run(ctx context.Context) error {
	for {
		if err := w.drain(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("inbox worker", "err", err)
		}
		timer := time.NewTimer(w.Poll)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-w.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// drain handles every entry present, oldest first, until the inbox is empty
// or ctx is cancelled.
func (w *Worker) drain(ctx context.Context) error {
	for ctx.Err() == nil {
		entries, err := w.st.InboxEntries(ctx, 64)
		if err != nil {
			return err
		}
		if len(entries) == 0 {
			return nil
		}
		for _, e := range entries {
			if ctx.Err() != nil {
				return nil
			}
			// Detached from ctx: an entry once started is finished.
			if err := w.process(context.WithoutCancel(ctx), e); err != nil {
				return err
			}
		}
	}
	return nil
}

// process handles one entry and completes it.
func (w *Worker) process(ctx context.Context, e store.InboxEntry) error {
	replies, err := w.call(ctx, e.In)
	if err != nil {
		w.log.Error("handler failed; sending an apology", "key", e.In.Key, "from", e.In.From, "err", err)
		replies = []duban.Outgoing{{To: e.In.From, Text: Apology}}
	}
	replies = validReplies(replies, w.log, e.In.Key)
	ids, err := w.st.CompleteInbound(ctx, e.ID, replies, w.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil // completed by someone else: nothing to add
	case err != nil:
		return fmt.Errorf("complete inbox entry %s: %w", e.ID, err)
	}
	if len(ids) > 0 {
		w.OnReplies()
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
