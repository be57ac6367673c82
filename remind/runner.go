package remind

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/duban-org/duban"
)

// LedgerSource gives the planner one consistent snapshot of the ledger.
// *store.Store implements it.
type LedgerSource interface {
	Snapshot(ctx context.Context) (duban.Ledger, error)
}

// ChangeSource is a LedgerSource that can also give the part of the ledger
// changed since an earlier read, so that a pass plans only what changed.
// *store.Store implements it.
type ChangeSource interface {
	// LedgerSince returns the ledger at generation gen for a reader that
	// last read it at generation since (0 for never). When whole is false,
	// no unit or person changed since: l holds every person and only the
	// units where a task changed, each with all its tasks (nothing when
	// nothing changed).
	LedgerSince(ctx context.Context, since uint64) (l duban.Ledger, gen uint64, whole bool, err error)
}

// FilterSource is a ChangeSource that copies out only the tasks keep
// keeps, so that a pass does not copy the many it plans nothing about.
// *store.Store implements it.
type FilterSource interface {
	// LedgerSinceWhere is LedgerSince with, of the tasks, only those keep
	// keeps; keep is called from the caller's goroutine.
	LedgerSinceWhere(ctx context.Context, since uint64, keep func(*duban.Task) bool) (l duban.Ledger, gen uint64, whole bool, err error)
}

// NoticeLog is the ledger of sent notices (the store's equivalent of
// Alertmanager's nflog). *store.Store implements it.
type NoticeLog interface {
	// Unsent returns the notices whose keys are not yet recorded, in order.
	Unsent(ctx context.Context, notices []Notice) ([]Notice, error)
	// RecordNotices records each message's notices as sent and puts the
	// message in the outbox, atomically per message, so a crash leaves every
	// notice either queued with its message or unrecorded (sent next run). A
	// message whose notices another run recorded meanwhile is dropped. It
	// returns the number of messages queued.
	RecordNotices(ctx context.Context, notices []Notice, msgs []duban.Outgoing, at time.Time) (int, error)
	// SentBefore returns what is known recorded now, so that the planner
	// leaves out the standing notices sent before instead of planning them
	// each day and finding them recorded; nil when nothing is known (every
	// notice is planned and checked by Unsent). It may answer false for a
	// recorded notice, never true for one not recorded when asked.
	SentBefore() Sent
}

// Runner runs planning passes: plan → drop what was sent → digest → record
// and queue. It is safe to run passes one at a time; the notice ledger makes
// overlapping passes harmless too.
//
// A Source that is a ChangeSource makes later passes of a day incremental.
// Plan's notices for a task depend on the task, its unit's other tasks (the
// escalation's overdue list), the people and today alone; so once a pass has
// recorded everything it planned, a later pass the same day, under the same
// policy and calendar, with no unit or person changed since, needs to plan
// only the units where a task changed since — every other notice due today
// is already recorded, or was deferred by the per-person cap
// (max_items_per_digest) and is remembered: the deferred notices of the
// other units are carried into the pass as they were. Anything else (a new
// day, an import, a failed pass or a message it could not record, a
// restart, another policy or calendar) makes the next pass whole. Dry runs
// are always whole.
type Runner struct {
	Source   LedgerSource
	Log      NoticeLog
	Policy   Policy
	Calendar *Calendar
	Logger   *slog.Logger // nil discards

	mu       sync.Mutex
	complete *completePass // nil: the next pass is whole
}

// completePass is the last pass that recorded everything it carried.
type completePass struct {
	today    duban.Date
	gen      uint64 // the ledger generation it planned from
	policy   Policy
	calendar *Calendar
	deferred []Notice // unsent, left by the per-person cap, in plan order
}

// Result is what one pass found and did.
type Result struct {
	Now   time.Time
	Today duban.Date
	// Open is false outside the sending window (rest day, before send_at,
	// quiet hours); nothing is planned then.
	Open bool
	// Planned is every notice due now, sent before or not, but the
	// standing notices (escalate, letter, verify) the notice log knew were
	// sent, counted in PlannedSent; on an incremental pass, only those
	// about the tasks of the units where a task changed since the last
	// complete pass (the others are recorded).
	Planned     []Notice
	PlannedSent int
	// Incremental is true when the pass planned only the changed units.
	Incremental bool
	// Due are the notices not yet sent that this pass carries.
	Due []Notice
	// Deferred counts unsent notices left for the next pass by the
	// per-person cap (max_items_per_digest). On an incremental pass the
	// notices deferred before are carried in with Planned's, and checked
	// against the notice ledger when they are due to go.
	Deferred int
	// Messages are the digests, one per recipient.
	Messages []duban.Outgoing
	// Queued counts the messages written to the outbox (0 on a dry run).
	Queued int
	// Unofficial lists the years, today's and the coming month's, that follow
	// no published holiday schedule: their working days are computed.
	Unofficial []int
}

// ErrNoCalendar is returned by a Runner without a Calendar.
var ErrNoCalendar = errors.New("remind: runner has no calendar")

// DryRun plans at now and returns the notices and messages a real pass would
// send, without recording or queueing anything.
func (r *Runner) DryRun(ctx context.Context, now time.Time) (Result, error) {
	return r.pass(ctx, now, false)
}

// RunOnce runs one planning pass at now and queues its messages.
func (r *Runner) RunOnce(ctx context.Context, now time.Time) (Result, error) {
	return r.pass(ctx, now, true)
}

func (r *Runner) pass(ctx context.Context, now time.Time, write bool) (Result, error) {
	res := Result{Now: now}
	c, err := r.Policy.compile()
	if err != nil {
		return res, err
	}
	if r.Calendar == nil {
		return res, ErrNoCalendar
	}
	res.Today, res.Open = c.window(r.Calendar, now)
	res.Unofficial = r.Calendar.Unofficial(res.Today)
	if !res.Open {
		return res, nil
	}
	if len(res.Unofficial) > 0 {
		r.logger().Warn("no published holiday schedule: statutory holidays are computed, make-up working days unknown; import the notice (duban calendar import) or upgrade duban",
			"years", res.Unofficial)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	last := r.complete
	if write {
		r.complete = nil // until this pass has recorded everything
	}
	l, gen, whole, err := r.ledger(ctx, last, res.Today, write, c.on(r.Calendar, res.Today).mayRemind)
	if err != nil {
		return res, fmt.Errorf("remind: read ledger: %w", err)
	}
	res.Incremental = !whole
	res.Planned, res.PlannedSent = PlanUnsent(l, r.Policy, r.Calendar, now, r.Log.SentBefore())
	if whole {
		res.Planned = append(res.Planned, calendarNotices(l, r.Calendar, res.Today)...)
	}
	unsent, err := r.Log.Unsent(ctx, res.Planned)
	if err != nil {
		return res, fmt.Errorf("remind: filter sent notices: %w", err)
	}
	tasks, calendar := splitCalendar(unsent)
	var deferred deferral
	var to recipientsOf // res.Due's, when known
	if whole || last == nil {
		res.Due, deferred, to = capNumbered(tasks, c.maxItems)
	} else {
		// Deferred by an earlier pass and still unsent then; only another
		// run can have recorded them since, so those going now are checked.
		tasks = mergePlanOrder(tasks, carried(last.deferred, l.Units))
		res.Due, deferred = capPerPerson(tasks, c.maxItems)
		if res.Due, err = r.Log.Unsent(ctx, res.Due); err != nil {
			return res, fmt.Errorf("remind: filter sent notices: %w", err)
		}
	}
	res.Deferred = deferred.n
	if to.who == nil {
		to = numberRecipients(res.Due)
	}
	res.Messages = digest(res.Due, to)
	for _, n := range calendar {
		res.Due = append(res.Due, n)
		res.Messages = append(res.Messages, calendarMessage(n))
	}
	if !write {
		return res, nil
	}
	if len(res.Messages) > 0 {
		res.Queued, err = r.Log.RecordNotices(ctx, res.Due, res.Messages, now)
		if err != nil {
			return res, fmt.Errorf("remind: record notices: %w", err)
		}
		r.logger().Info("reminders queued", "today", res.Today, "planned", len(res.Planned)+res.PlannedSent, "incremental", res.Incremental,
			"due", len(res.Due), "deferred", res.Deferred, "messages", res.Queued)
	}
	if gen != 0 && res.Queued == len(res.Messages) { // else a message was dropped: its notices are not known
		policy := r.Policy
		policy.BeforeDays = slices.Clone(policy.BeforeDays)
		r.complete = &completePass{today: res.Today, gen: gen, policy: policy, calendar: r.Calendar, deferred: deferred.notices()}
	}
	return res, nil
}

// carried returns the deferred notices but those about the units in
// replanned, which the pass plans again.
func carried(deferred []Notice, replanned []duban.Unit) []Notice {
	if len(replanned) == 0 {
		return deferred
	}
	again := make(map[string]bool, len(replanned))
	for _, u := range replanned {
		again[u.Code] = true
	}
	return slices.DeleteFunc(slices.Clone(deferred), func(n Notice) bool { return again[n.Unit.Code] })
}

// mergePlanOrder merges two lists of notices about different tasks, each in
// plan order (the ledger's: by deadline, then task id), into plan order.
func mergePlanOrder(a, b []Notice) []Notice {
	if len(a) == 0 {
		return b
	}
	out := make([]Notice, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if b[0].Deadline < a[0].Deadline || b[0].Deadline == a[0].Deadline && b[0].TaskID < a[0].TaskID {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// ledger reads what a pass plans from: the units changed since last when
// it can, else the whole ledger; of their tasks, those keep keeps when the
// Source can leave the others out. gen is 0 when the Source cannot say
// what changed.
func (r *Runner) ledger(ctx context.Context, last *completePass, today duban.Date, write bool, keep func(*duban.Task) bool) (l duban.Ledger, gen uint64, whole bool, err error) {
	cs, ok := r.Source.(ChangeSource)
	if !ok {
		l, err = r.Source.Snapshot(ctx)
		return l, 0, true, err
	}
	since := uint64(0)
	if write && last != nil && last.today == today && last.calendar == r.Calendar && reflect.DeepEqual(last.policy, r.Policy) {
		since = last.gen
	}
	if fs, ok := r.Source.(FilterSource); ok {
		return fs.LedgerSinceWhere(ctx, since, keep)
	}
	return cs.LedgerSince(ctx, since)
}

// WriteResult prints a pass as `duban remind --dry-run` shows it: one line
// per notice (recipient userid, stage, task id, deadline), then each message.
func WriteResult(w io.Writer, res Result) error {
	bw := bufio.NewWriter(w)
	if caveat := CalendarCaveat(res.Unofficial); caveat != "" {
		fmt.Fprintln(bw, caveat)
	}
	if !res.Open {
		fmt.Fprintf(bw, "%s: outside the sending window (rest day, before send_at or quiet hours); nothing is due.\n",
			res.Now.Format("2006-01-02 15:04 MST"))
		return bw.Flush()
	}
	fmt.Fprintf(bw, "# %s: %d notices due, %d not yet sent, %d deferred to the next pass, %d messages\n",
		res.Now.Format("2006-01-02 15:04 MST"), len(res.Planned)+res.PlannedSent, len(res.Due), res.Deferred, len(res.Messages))
	for _, n := range res.Due {
		fmt.Fprintf(bw, "%s\t%s\t%s\t%s\n", n.To, n.Stage, n.TaskID, n.Deadline)
	}
	for _, m := range res.Messages {
		fmt.Fprintf(bw, "\n----- to %s (%d notices", m.To, len(m.NoticeKeys))
		if m.Card != nil {
			fmt.Fprintf(bw, ", card %s", m.Card.ID)
		}
		fmt.Fprintf(bw, ") -----\n%s\n", m.Text)
	}
	return bw.Flush()
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// splitCalendar separates the calendar notices, each a message of its own,
// from the notices about tasks.
func splitCalendar(ns []Notice) (tasks, calendar []Notice) {
	if !slices.ContainsFunc(ns, func(n Notice) bool { return n.Stage == StageCalendar }) {
		return ns, nil
	}
	for _, n := range ns {
		if n.Stage == StageCalendar {
			calendar = append(calendar, n)
		} else {
			tasks = append(tasks, n)
		}
	}
	return tasks, calendar
}

// capPerPerson keeps at most max notices per recipient (all when max <= 0),
// earliest in plan order first, and marks the rest.
func capPerPerson(ns []Notice, max int) (kept []Notice, rest deferral) {
	kept, rest, _ = capNumbered(ns, max)
	return kept, rest
}

// capNumbered is capPerPerson, also returning the recipients of the notices
// kept, numbered as the cap numbered them (a pass digests them next).
func capNumbered(ns []Notice, max int) (kept []Notice, rest deferral, to recipientsOf) {
	// Each notice's recipient looked up once, and each list allocated once
	// at its size: a province's first pass has a quarter of a million.
	to = numberRecipients(ns)
	if max <= 0 {
		return ns, deferral{}, to
	}
	count := make([]int, len(to.who.ids))
	keep := make([]bool, len(ns))
	over := 0
	for i, j := range to.of {
		if keep[i] = count[j] < max; !keep[i] {
			over++
		}
		count[j]++
	}
	if over == 0 {
		return ns, deferral{}, to
	}
	kept = make([]Notice, 0, len(ns)-over)
	of := to.of[:0] // each kept notice's, in place: a notice is never ahead of its own
	for i, n := range ns {
		if keep[i] {
			kept = append(kept, n)
			of = append(of, to.of[i])
		}
	}
	// Every recipient keeps its first notice: the numbers stand.
	return kept, deferral{of: ns, kept: keep, n: over}, recipientsOf{who: to.who, of: of}
}

// deferral is what the per-person cap left for a later pass: the notices
// of a list it did not keep. Only a pass that records everything it
// carries needs them as a list (a province's first pass defers most of a
// quarter of a million); the others count them.
type deferral struct {
	of   []Notice
	kept []bool
	n    int
}

// notices returns the deferred notices, in order.
func (d deferral) notices() []Notice {
	if d.n == 0 {
		return nil
	}
	rest := make([]Notice, 0, d.n)
	for i, n := range d.of {
		if !d.kept[i] {
			rest = append(rest, n)
		}
	}
	return rest
}

// Scheduler runs the Runner inside `serve`: at send_at on every day, then
// every catch_up_minutes while the sending window is open (to pick up
// changes, deferred items and anything a crash left unsent), and calls
// Bulletin at the configured bulletin time.
type Scheduler struct {
	Runner *Runner
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Bulletin, when set, is called when the weekly bulletin time passes
	// while the scheduler runs (compute, then store.PublishBulletin).
	Bulletin func(ctx context.Context, now time.Time) error
}

// Run loops until ctx ends, then returns ctx's error. Errors of a pass are
// logged and the next wake tries again.
func (s *Scheduler) Run(ctx context.Context) error {
	c, err := s.Runner.Policy.compile()
	if err != nil {
		return err
	}
	log := s.Runner.logger()
	last := s.now()
	for {
		now := s.now()
		if _, open := c.window(s.Runner.Calendar, now); open {
			if _, err := s.Runner.RunOnce(ctx, now); err != nil && ctx.Err() == nil {
				log.Error("reminder pass failed", "err", err)
			}
		}
		if s.Bulletin != nil && c.bulletinOn {
			if at := c.prevBulletin(now); at.After(last) {
				if err := s.Bulletin(ctx, now); err != nil && ctx.Err() == nil {
					log.Error("scheduled bulletin failed", "err", err)
				}
			}
		}
		last = now
		wait := c.nextWake(s.Runner.Calendar, s.now()).Sub(s.now())
		t := time.NewTimer(max(wait, time.Second))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// nextWake is the next send_at, or now+catch-up while the window is open,
// or the next bulletin time, whichever comes first.
func (c compiled) nextWake(cal *Calendar, now time.Time) time.Time {
	local := now.In(c.loc)
	next := atMinute(local, c.sendAt)
	if !next.After(local) {
		next = atMinute(local.AddDate(0, 0, 1), c.sendAt)
	}
	if _, open := c.window(cal, now); open {
		next = minTime(next, local.Add(c.catchUp))
	}
	if c.bulletinOn {
		b := c.prevBulletin(now).AddDate(0, 0, 7)
		next = minTime(next, b)
	}
	return next
}

// prevBulletin returns the latest bulletin instant not after now.
func (c compiled) prevBulletin(now time.Time) time.Time {
	local := now.In(c.loc)
	back := (int(local.Weekday()) - int(c.bulletinWd) + 7) % 7
	at := atMinute(local.AddDate(0, 0, -back), c.bulletinAt)
	if at.After(local) {
		at = at.AddDate(0, 0, -7)
	}
	return at
}

func atMinute(day time.Time, minute int) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, minute/60, minute%60, 0, 0, day.Location())
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
