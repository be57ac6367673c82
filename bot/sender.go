package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// Deliverer delivers one prepared part of an outgoing message: a text of at
// most Sender.PartBytes bytes, a card (Card set, Text its fallback), a
// card update (CardUpdate set), or a file (File set, Text its description). Errors may be classified with Permanent or
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

	// Set by Run.
	outage     *outage
	finalLog   *throttle    // lines about messages failed for good
	storeLog   *throttle    // lines about the store refusing a write
	reportAt   atomic.Int64 // unix ns when failures are due to be told to 编办; 0: none known
	lastReport atomic.Int64 // unix ns of the last report; 0: none yet

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
	// records it as failed (default 24 h, [wecom] max_retry_age).
	MaxAge time.Duration
	// ProbeEvery is how often, during an outage, one waiting message is
	// tried whatever its own back-off (default 30 s).
	ProbeEvery time.Duration
	// ReportDelay gathers messages that failed for good for this long
	// into one report to 编办 (default 10 s); ReportEvery spaces the
	// reports (default 10 min), so a long outage ending in failures
	// sends 编办 a few messages, not one per failure.
	ReportDelay, ReportEvery time.Duration
	// Poll is how often the outbox is read without a wake-up (default 30 s).
	Poll time.Duration
	// Room, when set, waits until the store has room to record an attempt
	// (serve: until disk space returns); an error (shutdown) stops the
	// delivery with nothing changed.
	Room func(context.Context) error
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
		ProbeEvery: 30 * time.Second, ReportDelay: 10 * time.Second, ReportEvery: 10 * time.Minute,
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
	s.outage = newOutage(s.log, s.ProbeEvery, s.Now())
	s.finalLog = newThrottle(time.Minute, s.Now)
	s.storeLog = newThrottle(time.Minute, s.Now)
	s.reportAt.Store(s.Now().Add(s.ReportDelay).UnixNano()) // failures left by an earlier run
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
		next := s.dispatch(ctx, queue, lim, conc, inflight, held, done, &wg)
		if at := s.reportUndelivered(ctx); !at.IsZero() && (next.IsZero() || at.Before(next)) {
			next = at
		}
		return next
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
	probe, nextProbe := s.outage.probe(now)
	if !nextProbe.IsZero() {
		next = nextProbe
	}
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
			if !s.outage.due(e.FailedAt, e.NextAttempt, now) {
				if !probe {
					if next.IsZero() || e.NextAttempt.Before(next) {
						next = e.NextAttempt
					}
					break
				}
				probe = false // the oldest waiting message tests WeCom
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
	case m.File != nil:
		return []duban.Outgoing{{To: m.To, Text: m.Text, File: m.File}}
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
// temporary failure occurs, or stop is cancelled. Each attempt is recorded
// before it is made: a part whose attempt was cut off by a stop of the
// process is sent once more, and one cut off twice is not sent again, so
// a crash loop sends no message more than twice. It returns false when
// the store refused to record progress or the outcome.
func (s *Sender) deliver(stop, ctx context.Context, lim *rateLimiter, e store.OutboxEntry) bool {
	parts := s.parts(e)
	if len(parts) == 0 {
		return s.finish(ctx, e, store.Delivery{Status: store.DeliveryFailed, Error: "消息为空，无可发送"})
	}
	for e.PartsSent < len(parts) {
		if stop.Err() != nil {
			return true // progress so far is saved
		}
		if e.Unconfirmed >= 2 {
			s.log.Error("delivery cut off twice by a stop of the process; not sending it again", "outbox", e.ID, "to", e.Msg.To, "part", e.PartsSent+1)
			return s.finish(ctx, e, store.Delivery{
				Status: store.DeliveryUncertain, Parts: e.PartsSent, Failures: e.Attempts,
				Error: "送达情况不明：发送时服务两次中断，为免重复不再重发", Unreported: s.isReport(e),
			})
		}
		p := parts[e.PartsSent]
		now := s.Now()
		if p.CardUpdate == nil { // updating a card is not a new message
			if ok, at := lim.reserve(duban.CanonicalUserID(e.Msg.To), now); !ok {
				e.NextAttempt, e.FailedAt = at, time.Time{}
				return s.save(ctx, e)
			}
		}
		if s.Room != nil {
			if err := s.Room(stop); err != nil {
				return true
			}
		}
		if e.Unconfirmed > 0 {
			s.log.Warn("resending a message whose last attempt was cut off by a stop of the process", "outbox", e.ID, "to", e.Msg.To, "part", e.PartsSent+1)
		}
		e.Unconfirmed++
		switch err := s.st.SaveOutgoingProgress(ctx, e); {
		case errors.Is(err, store.ErrNotFound):
			return true // it left the outbox: nothing to send
		case err != nil:
			s.storeFailed("attempt not recorded; holding the recipient back", e, err)
			return false
		}
		err := s.d.Deliver(ctx, p)
		e.Unconfirmed = 0
		if err == nil {
			if s.outage.delivered(s.Now()) {
				s.Wake() // release every recipient's back-off
			}
			e.PartsSent++
			e.LastError, e.NextAttempt, e.FailedAt = "", time.Time{}, time.Time{}
			if e.PartsSent < len(parts) && !s.save(ctx, e) {
				return false
			}
			continue
		}
		if p.CardUpdate == nil {
			lim.cancel(duban.CanonicalUserID(e.Msg.To), now)
		}
		cause := CauseOf(err)
		if p.Card != nil && refusedCard(err) && e.Msg.Text != "" {
			s.log.Warn("card refused; sending its text instead", "outbox", e.ID, "to", e.Msg.To, "err", err)
			e.TextFallback, e.PartsSent = true, 0
			parts = s.parts(e)
			continue
		}
		e.Attempts++
		e.LastError = causeWords(cause, err)
		tried := ""
		switch {
		case unknownCode(err) && e.Attempts >= unknownAttempts:
			tried = fmt.Sprintf("，重试 %d 次仍未送达", e.Attempts)
		case !cause.Final():
			s.outage.failed(cause, err, now)
			if now.Sub(e.Queued) < s.MaxAge {
				e.FailedAt, e.NextAttempt = now, now.Add(s.backoff(e.Attempts))
				e.LastError += "，将自动重试"
				s.log.Debug("delivery failed; will retry", "outbox", e.ID, "to", e.Msg.To, "attempt", e.Attempts, "retry_at", e.NextAttempt, "err", err)
				return s.save(ctx, e)
			}
			tried = fmt.Sprintf("，%s内重试 %d 次仍未送达", plainDuration(s.MaxAge), e.Attempts)
		}
		e.LastError = finalWords(cause, err, tried)
		if ok, n := s.finalLog.allow(string(cause)); ok {
			s.log.Error("delivery failed for good", "outbox", e.ID, "to", e.Msg.To, "cause", string(cause),
				"parts_sent", e.PartsSent, "attempts", e.Attempts, "err", err, "like_this_not_logged", n)
		}
		// A card update that fails (its response_code expired) is not told
		// to 编办: the click's reply went out on its own.
		return s.finish(ctx, e, store.Delivery{
			Status: store.DeliveryFailed, Parts: e.PartsSent, Failures: e.Attempts,
			Error: e.LastError, InvalidUser: invalidUser(err, e.Msg.To), Unreported: s.isReport(e) || e.Msg.CardUpdate != nil,
		})
	}
	return s.finish(ctx, e, store.Delivery{Status: store.DeliveryDelivered, Parts: e.PartsSent, Failures: e.Attempts})
}

// plainDuration says d in Chinese: "24小时", "90分钟".
func plainDuration(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return fmt.Sprintf("%d小时", d/time.Hour)
	}
	return fmt.Sprintf("%d分钟", max(d/time.Minute, 1))
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
		s.storeFailed("outbox progress not saved; holding the recipient back", e, err)
		return false
	}
	return true
}

func (s *Sender) finish(ctx context.Context, e store.OutboxEntry, d store.Delivery) bool {
	d.At = s.Now()
	if err := s.st.FinishOutgoing(ctx, e, d); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.storeFailed("delivery outcome not recorded; holding the recipient back", e, err)
		return false
	}
	if (d.Status == store.DeliveryFailed || d.Status == store.DeliveryUncertain) && !d.Unreported {
		at := d.At.Add(s.ReportDelay)
		if next := time.Unix(0, s.lastReport.Load()).Add(s.ReportEvery); s.lastReport.Load() != 0 && next.After(at) {
			at = next
		}
		s.reportAt.CompareAndSwap(0, at.UnixNano())
		s.Wake()
	}
	return true
}

// storeFailed logs that the store refused to record e's progress (the
// recipient is held back meanwhile): a line a minute, whatever the number
// of recipients.
func (s *Sender) storeFailed(msg string, e store.OutboxEntry, err error) {
	if ok, n := s.storeLog.allow(msg); ok {
		s.log.Error(msg, "outbox", e.ID, "err", err, "like_this_not_logged", n)
	}
}
