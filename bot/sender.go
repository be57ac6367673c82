package bot

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// Deliverer delivers one prepared part of an outgoing message: a text of at
// most Sender.PartBytes bytes, a card (Card set, Text its fallback), or a
// card update (CardUpdate set). Errors may be classified with Permanent or
// Temporary; WeCom's own errors are classified by the sender.
type Deliverer interface {
	Deliver(ctx context.Context, m duban.Outgoing) error
}

// Sender drains the outbox into a Deliverer. Each recipient's messages go
// out in order, one at a time; recipients are served concurrently, so one
// that is rate-limited or failing does not hold up the others. A message
// leaves the outbox only when all its parts are delivered or it failed for
// good, in the transaction that records the outcome.
type Sender struct {
	st   *store.Store
	d    Deliverer
	log  *slog.Logger
	wake chan struct{}

	// Fields below may be changed before Run.

	Now func() time.Time
	// PartBytes is the largest text part (default MaxTextBytes).
	PartBytes int
	// PerMinute and PerHour cap messages per recipient (defaults 25 and
	// 900, under WeCom's 30 and 1000); negative means no limit (console).
	PerMinute, PerHour int
	// Concurrency is how many recipients are served at once (default 4).
	Concurrency int
	// MinBackoff and MaxBackoff bound the exponential wait between attempts
	// after a temporary failure (defaults 2 s and 5 min).
	MinBackoff, MaxBackoff time.Duration
	// MaxAge stops retrying a message this long after it was queued and
	// records it as failed (default 24 h).
	MaxAge time.Duration
	// Poll is how often the outbox is read without a wake-up (default 30 s).
	Poll time.Duration
	// TextOnly sends every card as its text ([wecom] cards = false).
	TextOnly bool
}

// NewSender returns a sender from st's outbox to d.
func NewSender(st *store.Store, d Deliverer, logger *slog.Logger) *Sender {
	if logger == nil {
		logger = slog.Default()
	}
	return &Sender{
		st: st, d: d, log: logger, wake: make(chan struct{}, 1),
		Now: time.Now, PartBytes: MaxTextBytes, PerMinute: 25, PerHour: 900,
		Concurrency: 4, MinBackoff: 2 * time.Second, MaxBackoff: 5 * time.Minute,
		MaxAge: 24 * time.Hour, Poll: 30 * time.Second,
	}
}

// Wake tells the sender the outbox has new entries. It never blocks.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is cancelled, then waits for the deliveries in
// flight (each bounded by the Deliverer's own timeouts) and returns nil.
func (s *Sender) Run(ctx context.Context) error {
	lim := newRateLimiter(s.PerMinute, s.PerHour)
	conc := max(s.Concurrency, 1)
	inflight := map[string]bool{}
	// held are recipients whose outcome could not be written to the store:
	// their entry is still in the outbox, and sending it again at once
	// would repeat a delivered message over and over.
	held := map[string]time.Time{}
	done := make(chan delivered, conc) // never blocks: at most conc in flight
	var wg sync.WaitGroup
	defer wg.Wait()
	lastForget := s.Now()
	queue := newQueueView()
	stop := s.st.WatchOutbox(func(ids []string) {
		queue.notify(ids)
		s.Wake()
	})
	defer stop()
	runPasses(ctx, s.Poll, s.Now, func() time.Time {
		if now := s.Now(); now.Sub(lastForget) > time.Hour {
			lim.forget(now)
			lastForget = now
		}
		return s.dispatch(ctx, queue, lim, conc, inflight, held, done, &wg)
	}, done, func(d delivered) { s.release(inflight, held, d) }, s.wake)
	return nil
}

// delivered reports a delivery that left a goroutine's hands.
type delivered struct {
	to      string
	written bool // its progress or outcome reached the store
}

func (s *Sender) release(inflight map[string]bool, held map[string]time.Time, d delivered) {
	delete(inflight, d.to)
	if !d.written {
		held[d.to] = s.Now().Add(s.Poll)
	}
}

// dispatch starts a delivery for the first entry of every recipient that is
// due and not in flight, and returns when the earliest waiting entry is due
// (zero if none waits).
func (s *Sender) dispatch(ctx context.Context, queue *queueView, lim *rateLimiter, conc int, inflight map[string]bool, held map[string]time.Time, done chan<- delivered, wg *sync.WaitGroup) (next time.Time) {
	if ctx.Err() != nil {
		return time.Time{}
	}
	err := queue.refresh(time.Now(), s.Poll, func() ([]store.QueueRef, error) { return s.st.OutboxQueue(ctx, 0) })
	if err != nil {
		s.log.Error("read outbox", "err", err)
		return s.Now().Add(s.MinBackoff)
	}
	now := s.Now()
	for _, head := range queue.heads() {
		to, id := head.Who, head.ID
		if inflight[to] {
			continue // keep each recipient's order
		}
		if until, ok := held[to]; ok {
			if now.Before(until) {
				if next.IsZero() || until.Before(next) {
					next = until
				}
				continue
			}
			delete(held, to)
		}
		if len(inflight) >= conc {
			break // a finishing delivery wakes Run
		}
		// A delivered entry leaves the outbox but not the view: the read
		// finds it gone and moves on to the recipient's next one.
		for ; id != ""; id = queue.pop(to) {
			e, err := s.st.OutboxEntryByID(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				s.log.Error("read outbox", "err", err)
				queue.stale = true
				return s.Now().Add(s.MinBackoff)
			}
			if e.NextAttempt.After(now) {
				if next.IsZero() || e.NextAttempt.Before(next) {
					next = e.NextAttempt
				}
				break
			}
			inflight[to] = true
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Detached: a part once started is finished; ctx is still
				// checked between parts.
				written := s.deliver(ctx, context.WithoutCancel(ctx), lim, e)
				done <- delivered{to: to, written: written}
			}()
			break
		}
	}
	return next
}

// parts returns the pieces of e's message in sending order.
func (s *Sender) parts(e store.OutboxEntry) []duban.Outgoing {
	m := e.Msg
	switch {
	case m.CardUpdate != nil:
		return []duban.Outgoing{{To: m.To, Text: m.Text, CardUpdate: m.CardUpdate}}
	case m.Card != nil && !e.TextFallback && !s.TextOnly:
		return []duban.Outgoing{{To: m.To, Text: m.Text, Card: m.Card}}
	}
	texts := splitText(m.Text, s.PartBytes)
	out := make([]duban.Outgoing, len(texts))
	for i, t := range texts {
		out[i] = duban.Outgoing{To: m.To, Text: t}
	}
	return out
}

// deliver sends e's remaining parts in order. It saves progress after each
// part, so a restart never resends a delivered part, and stops (to be
// resumed by a later pass) when the recipient's rate limit is reached, a
// temporary failure occurs, or stop is cancelled. It returns false when
// the store refused to record progress or the outcome.
func (s *Sender) deliver(stop, ctx context.Context, lim *rateLimiter, e store.OutboxEntry) bool {
	parts := s.parts(e)
	if len(parts) == 0 {
		return s.finish(ctx, e, store.Delivery{Status: store.DeliveryFailed, Error: "empty message: nothing to send"})
	}
	for e.PartsSent < len(parts) {
		if stop.Err() != nil {
			return true // progress so far is saved
		}
		p := parts[e.PartsSent]
		now := s.Now()
		if p.CardUpdate == nil { // updating a card is not a new message
			if ok, at := lim.reserve(duban.CanonicalUserID(e.Msg.To), now); !ok {
				e.NextAttempt = at
				return s.save(ctx, e)
			}
		}
		err := s.d.Deliver(ctx, p)
		if err == nil {
			e.PartsSent++
			e.LastError, e.NextAttempt = "", time.Time{}
			if e.PartsSent < len(parts) && !s.save(ctx, e) {
				return false
			}
			continue
		}
		retry, err := classify(err)
		if !retry && p.Card != nil && refusedContent(err) && e.Msg.Text != "" {
			s.log.Warn("card refused; sending its text instead", "outbox", e.ID, "to", e.Msg.To, "err", err)
			e.TextFallback, e.PartsSent = true, 0
			parts = s.parts(e)
			continue
		}
		e.Attempts++
		e.LastError = err.Error()
		if retry && now.Sub(e.Queued) < s.MaxAge {
			e.NextAttempt = now.Add(s.backoff(e.Attempts))
			s.log.Warn("delivery failed; will retry", "outbox", e.ID, "to", e.Msg.To, "attempt", e.Attempts, "retry_at", e.NextAttempt, "err", err)
			return s.save(ctx, e)
		}
		s.log.Error("delivery failed for good", "outbox", e.ID, "to", e.Msg.To, "parts_sent", e.PartsSent, "attempts", e.Attempts, "err", err)
		return s.finish(ctx, e, store.Delivery{
			Status: store.DeliveryFailed, Parts: e.PartsSent, Failures: e.Attempts,
			Error: err.Error(), InvalidUser: invalidUser(err, e.Msg.To),
		})
	}
	return s.finish(ctx, e, store.Delivery{Status: store.DeliveryDelivered, Parts: e.PartsSent, Failures: e.Attempts})
}

// backoff is MinBackoff doubled per attempt, capped at MaxBackoff, with up
// to 20% jitter so recipients that failed together do not retry together.
func (s *Sender) backoff(attempt int) time.Duration {
	d := s.MinBackoff
	for i := 1; i < attempt && d < s.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.MaxBackoff)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

func (s *Sender) save(ctx context.Context, e store.OutboxEntry) bool {
	err := s.st.SaveOutgoingProgress(ctx, e)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Error("outbox progress not saved; holding the recipient back", "outbox", e.ID, "err", err)
		return false
	}
	return true
}

func (s *Sender) finish(ctx context.Context, e store.OutboxEntry, d store.Delivery) bool {
	d.At = s.Now()
	if err := s.st.FinishOutgoing(ctx, e, d); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Error("delivery outcome not recorded; holding the recipient back", "outbox", e.ID, "err", err)
		return false
	}
	return true
}
