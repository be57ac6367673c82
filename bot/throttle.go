package bot

import (
	"sync"
	"time"
)

// throttle lets one log line per key through per period and counts the
// rest, so a flood of identical warnings (slow clients, a stream of refused
// callbacks, a mass of messages failing for one cause) writes a line a
// period, saying how many were left out since the last one.
type throttle struct {
	period time.Duration
	now    func() time.Time

	mu   sync.Mutex
	seen map[string]*throttled
}

type throttled struct {
	last       time.Time
	suppressed int
}

// maxThrottleKeys bounds the memory of a throttle fed varied keys.
const maxThrottleKeys = 1024

func newThrottle(period time.Duration, now func() time.Time) *throttle {
	if now == nil {
		now = time.Now
	}
	return &throttle{period: period, now: now, seen: map[string]*throttled{}}
}

// allow reports whether a line for key may be written now and, if so, how
// many were suppressed since the last one written.
func (t *throttle) allow(key string) (ok bool, suppressed int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	st := t.seen[key]
	if st == nil {
		if len(t.seen) >= maxThrottleKeys {
			for k, v := range t.seen {
				if now.Sub(v.last) >= t.period {
					delete(t.seen, k)
				}
			}
		}
		t.seen[key] = &throttled{last: now}
		return true, 0
	}
	if now.Sub(st.last) < t.period {
		st.suppressed++
		return false, 0
	}
	n := st.suppressed
	st.last, st.suppressed = now, 0
	return true, n
}
