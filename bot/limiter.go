package bot

import (
	"sync"
	"time"
)

// rateLimiter keeps each recipient under WeCom's per-member limits (30
// messages a minute, 1000 an hour from one app; excess is dropped silently)
// with a sliding window per recipient. It lives in memory: after a restart
// the windows start empty, which the margin under WeCom's limits absorbs.
type rateLimiter struct {
	perMinute, perHour int // <= 0: no limit

	mu   sync.Mutex
	sent map[string][]time.Time // per recipient, ascending, within the last hour
}

func newRateLimiter(perMinute, perHour int) *rateLimiter {
	return &rateLimiter{perMinute: perMinute, perHour: perHour, sent: map[string][]time.Time{}}
}

// reserve records one message to `to` at now if both windows allow it;
// otherwise it returns the earliest time one will.
func (l *rateLimiter) reserve(to string, now time.Time) (ok bool, retryAt time.Time) {
	if l.perMinute <= 0 && l.perHour <= 0 {
		return true, time.Time{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.sent[to]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-time.Hour)) {
		i++
	}
	ts = ts[i:]
	if l.perHour > 0 && len(ts) >= l.perHour {
		l.sent[to] = ts
		return false, ts[len(ts)-l.perHour].Add(time.Hour)
	}
	if l.perMinute > 0 {
		j := len(ts)
		for j > 0 && ts[j-1].After(now.Add(-time.Minute)) {
			j--
		}
		if inMinute := len(ts) - j; inMinute >= l.perMinute {
			l.sent[to] = ts
			return false, ts[len(ts)-l.perMinute].Add(time.Minute)
		}
	}
	l.sent[to] = append(ts, now)
	return true, time.Time{}
}

// forget drops recipients with nothing in the last hour.
func (l *rateLimiter) forget(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for to, ts := range l.sent {
		if len(ts) == 0 || !ts[len(ts)-1].After(now.Add(-time.Hour)) {
			delete(l.sent, to)
		}
	}
}

// cancel takes back a reservation made at at: the message was refused or
// never reached WeCom, so it does not count against the recipient.
func (l *rateLimiter) cancel(to string, at time.Time) {
	if l.perMinute <= 0 && l.perHour <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.sent[to]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(at) {
			l.sent[to] = append(ts[:i], ts[i+1:]...)
			return
		}
	}
}
