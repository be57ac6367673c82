package bot

import (
	"log/slog"
	"sync"
	"time"
)

// outage is the sender's view of WeCom as a whole. While deliveries fail
// for causes that pass (WeCom unreachable, busy, refusing this server's
// IP…), each cause is logged once, in plain words, and one message is let
// through as a probe every probeEvery whatever its own back-off; the first
// success ends the outage and releases every recipient's back-off at once,
// so replies go out as soon as WeCom answers again.
//
// An outage is presumed at start: messages an earlier run kept back wait
// for back-offs that run set, and the restart may be what fixed WeCom for
// them (a corrected Secret, this server's IP added to the trusted list).
// The oldest is tried at once as a probe, and the first success releases
// the others, as after an outage seen by this run.
type outage struct {
	log        *slog.Logger
	probeEvery time.Duration

	mu        sync.Mutex
	since     time.Time      // zero: no outage
	causes    map[Cause]bool // logged during this outage
	nextProbe time.Time      // when a waiting message may be tried regardless of its back-off
	endedAt   time.Time      // the end of the last outage
	presumed  bool           // the outage presumed at start, none seen yet
}

func newOutage(log *slog.Logger, probeEvery time.Duration, now time.Time) *outage {
	return &outage{log: log, probeEvery: probeEvery, causes: map[Cause]bool{}, since: now, nextProbe: now, presumed: true}
}

// failed records a failure that will be retried.
func (o *outage) failed(c Cause, err error, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.since.IsZero() || o.presumed {
		o.since, o.presumed = now, false
	}
	o.nextProbe = now.Add(o.probeEvery)
	if o.causes[c] {
		return
	}
	o.causes[c] = true
	attrs := []any{"cause", string(c), "err", err}
	if h := c.hint(); h != "" {
		attrs = append(attrs, "what_to_do", h)
	}
	o.log.Warn("wecom deliveries failing; messages are kept and retried: "+c.Words(), attrs...)
}

// delivered records a success; it reports whether it ended an outage.
func (o *outage) delivered(now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.since.IsZero() {
		return false
	}
	if !o.presumed {
		o.log.Info("wecom delivering again; releasing every waiting message", "outage", now.Sub(o.since).Round(time.Second).String())
	}
	o.since, o.endedAt, o.presumed = time.Time{}, now, false
	clear(o.causes)
	return true
}

// due reports whether an entry that last failed at failedAt and waits
// until next may be tried now: its back-off has passed, or the outage it
// failed in has ended since.
func (o *outage) due(failedAt, next, now time.Time) bool {
	if !next.After(now) {
		return true
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return !failedAt.IsZero() && failedAt.Before(o.endedAt)
}

// probe reports whether a waiting message should be tried now as a probe,
// and if so takes the turn; otherwise it returns when the next one is due
// (zero when there is no outage).
func (o *outage) probe(now time.Time) (ok bool, next time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.since.IsZero() {
		return false, time.Time{}
	}
	if now.Before(o.nextProbe) {
		return false, o.nextProbe
	}
	o.nextProbe = now.Add(o.probeEvery)
	return true, time.Time{}
}
