// Package workbench keeps each person's figures on the app's workbench tile
// (工作台自定义展示) in WeCom: 待办, 逾期, 待销号 and 本周到期, counted over
// the units their posts concern, linking to the ledger's pages. Changes are
// coalesced: a pass after tasks change (and every Interval, for the day
// turning) sends only the figures that changed, keeping each person under
// WeCom's 10 calls a minute; a failed call is retried with backoff, apart
// from the conversation.
package workbench

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot"
	"github.com/duban-org/duban/store"
)

// Client is the WeCom side (bot.WeComClient).
type Client interface {
	SetWorkbenchTemplate(ctx context.Context, items []bot.WorkbenchItem, replaceUserData bool) error
	SetWorkbenchData(ctx context.Context, userid string, items []bot.WorkbenchItem) error
}

// PerMinute is how many set_workbench_data calls a person gets a minute:
// WeCom allows 10.
const PerMinute = 10

// Figures are one person's counts.
type Figures struct {
	Todo        int // 待办: what waits for them (see Of)
	Overdue     int // 逾期
	Reported    int // 待销号
	DueThisWeek int // 本周到期: open, due from today to Sunday
}

// Of counts p's figures in l on today. The units are those p reports on or
// supervises (all for 编办). 待办 is, for a unit's people, their open tasks
// that are overdue or due within warnDays; for whoever supervises, the
// reports and extension requests they may decide (not their own).
func Of(l duban.Ledger, p duban.Person, today duban.Date, warnDays int) Figures {
	units := make(map[string]duban.Unit, len(l.Units))
	for _, u := range l.Units {
		units[u.Code] = u
	}
	sunday := today.AddDays((7 - int(today.Weekday())) % 7)
	me := duban.CanonicalUserID(p.UserID)
	var f Figures
	for _, t := range l.Tasks {
		u, ok := units[t.Unit]
		if !ok || !p.CanSee(u) {
			continue
		}
		light := t.Light(today, warnDays)
		if light == duban.Red {
			f.Overdue++
		}
		if t.Status == duban.StatusReported {
			f.Reported++
		}
		if t.Status.Open() && t.Deadline >= today && t.Deadline <= sunday {
			f.DueThisWeek++
		}
		if p.CanReport(u) && !p.IsAdmin() && light != duban.Green {
			f.Todo++
		}
		if p.CanSupervise(u) {
			if t.Status == duban.StatusReported && duban.CanonicalUserID(t.ReportedBy) != me {
				f.Todo++
			}
			if t.Extension != nil && duban.CanonicalUserID(t.Extension.By) != me {
				f.Todo++
			}
		}
	}
	return f
}

// Items are the figures as the tile shows them, each opening jumpURL.
func (f Figures) Items(jumpURL string) []bot.WorkbenchItem {
	item := func(key string, n int) bot.WorkbenchItem {
		return bot.WorkbenchItem{Key: key, Data: strconv.Itoa(n), JumpURL: jumpURL}
	}
	return []bot.WorkbenchItem{item("待办", f.Todo), item("逾期", f.Overdue), item("待销号", f.Reported), item("本周到期", f.DueThisWeek)}
}

// Updater keeps the tile up to date. Store, Client and JumpURL are required.
type Updater struct {
	Store    *store.Store
	Client   Client
	JumpURL  string // the ledger's pages
	WarnDays int
	Location *time.Location
	Now      func() time.Time
	Log      *slog.Logger
	// Debounce is how long a pass waits after a change, so a burst of
	// changes makes one pass (default 5s); Interval is the pass without a
	// change, for the day turning (default 15 minutes).
	Debounce, Interval time.Duration

	mu      sync.Mutex
	sent    map[string]Figures     // what each person's tile shows
	calls   map[string][]time.Time // each person's calls in the last minute
	backoff map[string]retry       // people whose last call failed
}

type retry struct {
	at       time.Time
	attempts int
}

func (u *Updater) defaults() {
	if u.Now == nil {
		u.Now = time.Now
	}
	if u.Location == nil {
		u.Location = time.Local
	}
	if u.Log == nil {
		u.Log = slog.Default()
	}
	if u.Debounce <= 0 {
		u.Debounce = 5 * time.Second
	}
	if u.Interval <= 0 {
		u.Interval = 15 * time.Minute
	}
	if u.sent == nil {
		u.sent, u.calls, u.backoff = map[string]Figures{}, map[string][]time.Time{}, map[string]retry{}
	}
}

// Run sets the template (dropping figures an earlier run set), then keeps
// every person's figures current until ctx is cancelled. WeCom failing
// never stops it: it tries again later.
func (u *Updater) Run(ctx context.Context) error {
	u.defaults()
	changed := make(chan struct{}, 1)
	stop := u.Store.WatchTasks(func([]string) {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	defer stop()
	for attempt := 0; ; attempt++ {
		err := u.Client.SetWorkbenchTemplate(ctx, Figures{}.Items(u.JumpURL), true)
		if err == nil {
			break
		}
		u.Log.Error("workbench template not set; is 工作台自定义展示 enabled for the app in the WeCom admin console?", "err", err)
		if !sleep(ctx, min(backoff(attempt), u.Interval)) {
			return nil
		}
	}
	next := time.Now() // the first pass at once
	for {
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-changed:
			timer.Stop()
			if !sleep(ctx, u.Debounce) {
				return nil
			}
		case <-timer.C:
		}
		wait, err := u.Pass(ctx)
		if err != nil && ctx.Err() == nil {
			u.Log.Error("workbench pass", "err", err)
		}
		next = time.Now().Add(min(wait, u.Interval))
	}
}

// Pass sends every person whose figures changed their new figures, as far
// as each one's rate allows, and returns how long until the next pass is
// due for someone held back (Interval when nobody is).
func (u *Updater) Pass(ctx context.Context) (time.Duration, error) {
	u.defaults()
	l, err := u.Store.Snapshot(ctx)
	if err != nil {
		return u.Interval, err
	}
	now := u.Now()
	today := duban.DateOf(now.In(u.Location))
	wait := u.Interval
	for _, p := range l.People {
		if len(p.Posts) == 0 {
			continue
		}
		f := Of(l, p, today, u.WarnDays)
		id := duban.CanonicalUserID(p.UserID)
		u.mu.Lock()
		last, shown := u.sent[id]
		r, failing := u.backoff[id]
		u.mu.Unlock()
		if shown && last == f {
			continue
		}
		if failing && now.Before(r.at) {
			wait = min(wait, r.at.Sub(now))
			continue
		}
		if ok, at := u.reserve(id, now); !ok {
			wait = min(wait, at.Sub(now))
			continue
		}
		err := u.Client.SetWorkbenchData(ctx, p.UserID, f.Items(u.JumpURL))
		u.mu.Lock()
		switch {
		case err == nil:
			u.sent[id] = f
			delete(u.backoff, id)
		case bot.Retryable(err) || errors.Is(err, context.DeadlineExceeded):
			r.attempts++
			r.at = now.Add(backoff(r.attempts))
			u.backoff[id] = r
			wait = min(wait, r.at.Sub(now))
			u.Log.Warn("workbench data not set; retrying", "user", p.UserID, "attempt", r.attempts, "err", err)
		default:
			u.sent[id] = f // not worth repeating until the figures change
			u.Log.Error("workbench data refused", "user", p.UserID, "err", err)
		}
		u.mu.Unlock()
		if ctx.Err() != nil {
			return wait, ctx.Err()
		}
	}
	return max(wait, 0), nil
}

// reserve counts a call to id at now if id had fewer than PerMinute in the
// minute before; otherwise it says when the next one may go.
func (u *Updater) reserve(id string, now time.Time) (bool, time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	recent := u.calls[id][:0]
	for _, at := range u.calls[id] {
		if now.Sub(at) < time.Minute {
			recent = append(recent, at)
		}
	}
	if len(recent) >= PerMinute {
		u.calls[id] = recent
		return false, recent[0].Add(time.Minute)
	}
	u.calls[id] = append(recent, now)
	return true, time.Time{}
}

// backoff is 5s doubling to 5 minutes.
func backoff(attempt int) time.Duration {
	d := 5 * time.Second
	for range attempt {
		if d >= 5*time.Minute {
			return 5 * time.Minute
		}
		d *= 2
	}
	return min(d, 5*time.Minute)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
