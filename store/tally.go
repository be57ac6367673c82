package store

// Per-unit tallies, kept by the ledger view as tasks change: what a summary
// of many units needs (counts by status, the open deadlines, what waits for
// a group), so that it costs per unit, not per task. Overdue and due-soon
// depend on the day asked about: each unit keeps its open deadlines sorted,
// and both are found by binary search for any day.
//
// A tally is never changed once the view holds it: a change puts a new one
// in its place, in a new list of tallies once the list was handed out. So
// the tallies a reader was given stay as they were, shared, without a copy.

import (
	"cmp"
	"slices"
	"strings"

	"github.com/duban-org/duban"
)

// UnitTally is one unit's tasks, counted.
type UnitTally struct {
	Unit duban.Unit
	// Total counts its tasks; Verified those 已销号, Reported those 已报完成,
	// Extensions those with an extension request pending, Untouched those
	// not started with no progress reported (a unit whose every task is
	// untouched has not moved: 哪些单位还没动).
	Total, Verified, Reported, Extensions, Untouched int

	open    []openTask    // open tasks with a deadline, by deadline then id
	waiting []waitingTask // tasks waiting for the group, in waiting order
}

// openTask is an open task by its deadline, held beside it so that a
// search by deadline reads one array, not every task.
type openTask struct {
	deadline duban.Date
	e        *viewTask
}

// waitingTask is a task waiting for its group by the day it began to wait
// (waitingSince), held beside it so that ordering them computes no dates.
type waitingTask struct {
	since duban.Date
	e     *viewTask
}

func waitingOf(e *viewTask) waitingTask { return waitingTask{waitingSince(&e.t), e} }

// Overdue counts the unit's overdue tasks at today (as duban.Task.Overdue
// says) and returns the deadline of the longest overdue.
func (u *UnitTally) Overdue(today duban.Date) (n int, oldest duban.Date) {
	n = u.openBefore(today)
	if n == 0 {
		return 0, duban.NoDate
	}
	return n, u.open[0].deadline
}

// Longest returns a copy of the unit's longest overdue task at today: the
// earliest deadline, then the lowest id. ok is false when none is overdue.
func (u *UnitTally) Longest(today duban.Date) (t duban.Task, ok bool) {
	if u.openBefore(today) == 0 {
		return t, false
	}
	return u.open[0].e.copyTask(), true
}

// DueSoon counts the unit's tasks that are open and due from today to
// warnDays after (yellow in duban.Task.Light), and returns the earliest of
// their deadlines.
func (u *UnitTally) DueSoon(today duban.Date, warnDays int) (n int, first duban.Date) {
	i, j := u.openBefore(today), u.openBefore(today.AddDays(warnDays+1))
	if j <= i {
		return 0, duban.NoDate
	}
	return j - i, u.open[i].deadline
}

// Waiting counts the unit's tasks waiting for its group: reported done, or
// with an extension request pending.
func (u *UnitTally) Waiting() int { return len(u.waiting) }

// openBefore counts the open tasks due before day d.
func (u *UnitTally) openBefore(d duban.Date) int {
	lo, hi := 0, len(u.open)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if u.open[m].deadline < d {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// OverdueTasks returns copies of n of the tasks of tallies overdue at
// today from the from-th, longest overdue first (deadline, then id): a page
// of a list of overdue tasks, read from the tallies' open tasks alone.
func OverdueTasks(tallies []*UnitTally, today duban.Date, from, n int) []duban.Task {
	return openPage(tallies, from, n, func(u *UnitTally) []openTask { return u.open[:u.openBefore(today)] })
}

// DueSoonTasks returns copies of n of the tasks of tallies open and due
// from today to warnDays after, from the from-th, earliest first (deadline,
// then id).
func DueSoonTasks(tallies []*UnitTally, today duban.Date, warnDays, from, n int) []duban.Task {
	return openPage(tallies, from, n, func(u *UnitTally) []openTask {
		i := u.openBefore(today)
		return u.open[i:max(i, u.openBefore(today.AddDays(warnDays+1)))]
	})
}

func openPage(tallies []*UnitTally, from, n int, of func(*UnitTally) []openTask) []duban.Task {
	runs := make([][]openTask, 0, len(tallies))
	for _, u := range tallies {
		if r := of(u); len(r) > 0 {
			runs = append(runs, r)
		}
	}
	page := mergedPage(runs, compareOpen, func(o openTask) duban.Date { return o.deadline }, from, n)
	out := make([]duban.Task, len(page))
	for i, o := range page {
		out[i] = o.e.copyTask()
	}
	return out
}

// WaitingTasks returns copies of n of the tasks waiting in tallies from the
// from-th, those waiting longest first (WaitingSince, then deadline, then
// id).
func WaitingTasks(tallies []*UnitTally, from, n int) []duban.Task {
	runs := make([][]waitingTask, 0, len(tallies))
	for _, u := range tallies {
		if len(u.waiting) > 0 {
			runs = append(runs, u.waiting)
		}
	}
	page := mergedPage(runs, compareWaiting, func(w waitingTask) duban.Date { return w.since }, from, n)
	out := make([]duban.Task, len(page))
	for i, w := range page {
		out[i] = w.e.copyTask()
	}
	return out
}

// mergedPage returns n of the items of sorted runs, merged in order
// compare, from the from-th; compare orders by day first. A deep page first
// drops, by binary search on the day, the items of the days before the one
// where the page begins; the rest is merged with the runs' heads in a heap.
// So a page costs the number of runs times a few searches, plus its depth
// within its first day, and nothing is copied but the page. runs is the
// caller's to give: it is reordered and its runs cut.
func mergedPage[E any, R ~[]E](runs []R, compare func(a, b E) int, day func(E) duban.Date, from, n int) []E {
	if len(runs) == 1 {
		r := runs[0]
		return slices.Clone(r[min(from, len(r)):min(from+n, len(r))])
	}
	heads := slices.DeleteFunc(runs, func(r R) bool { return len(r) == 0 })
	if len(heads) > 0 && from > 2*len(heads) {
		from = skipDays(heads, day, from)
		heads = slices.DeleteFunc(heads, func(r R) bool { return len(r) == 0 })
	}
	// A min-heap of the runs by their first item.
	down := func(i int) {
		for {
			least, l, r := i, 2*i+1, 2*i+2
			if l < len(heads) && compare(heads[l][0], heads[least][0]) < 0 {
				least = l
			}
			if r < len(heads) && compare(heads[r][0], heads[least][0]) < 0 {
				least = r
			}
			if least == i {
				return
			}
			heads[i], heads[least] = heads[least], heads[i]
			i = least
		}
	}
	for i := len(heads)/2 - 1; i >= 0; i-- {
		down(i)
	}
	var page []E
	for k := 0; k < from+n && len(heads) > 0; k++ {
		if k >= from {
			page = append(page, heads[0][0])
		}
		if heads[0] = heads[0][1:]; len(heads[0]) == 0 {
			heads[0] = heads[len(heads)-1]
			heads = heads[:len(heads)-1]
		}
		down(0)
	}
	return page
}

// skipDays cuts from the runs (sorted by day) every item of the days
// before the one holding their from-th item, merged, and returns from less
// the items cut.
func skipDays[E any, R ~[]E](runs []R, day func(E) duban.Date, from int) int {
	first := func(r R, d duban.Date) int { // r's items before day d
		i, _ := slices.BinarySearchFunc(r, d, func(e E, d duban.Date) int { return cmp.Compare(day(e), d) })
		return i
	}
	before := func(d duban.Date) (n int) {
		for _, r := range runs {
			n += first(r, d)
		}
		return n
	}
	lo, hi := day(runs[0][0]), day(runs[0][len(runs[0])-1])
	for _, r := range runs {
		lo, hi = min(lo, day(r[0])), max(hi, day(r[len(r)-1]))
	}
	for lo < hi { // the last day with at most from items before it
		m := lo + (hi-lo+1)/2
		if before(m) <= from {
			lo = m
		} else {
			hi = m - 1
		}
	}
	for i, r := range runs {
		k := first(r, lo)
		runs[i] = r[k:]
		from -= k
	}
	return from
}

// WaitingSince is when a task began to wait for its group: the report or
// the extension request, whichever came first (its deadline when neither
// says when).
func WaitingSince(t duban.Task) duban.Date { return waitingSince(&t) }

func waitingSince(t *duban.Task) duban.Date {
	reported := t.Status == duban.StatusReported && !t.ReportedAt.IsZero()
	switch {
	case reported && t.Extension != nil:
		return min(duban.DateOf(t.ReportedAt), duban.DateOf(t.Extension.At))
	case reported:
		return duban.DateOf(t.ReportedAt)
	case t.Extension != nil:
		return duban.DateOf(t.Extension.At)
	}
	return t.Deadline
}

func isOpen(t *duban.Task) bool { return t.Status.Open() && !t.Deadline.IsZero() }

func isWaiting(t *duban.Task) bool { return t.Status == duban.StatusReported || t.Extension != nil }

func compareOpen(a, b openTask) int {
	return cmp.Or(cmp.Compare(a.deadline, b.deadline), strings.Compare(a.e.t.ID, b.e.t.ID))
}

func compareWaiting(a, b waitingTask) int {
	return cmp.Or(cmp.Compare(a.since, b.since), compareTasks(&a.e.t, &b.e.t))
}

// count adds e's counts to u (by is 1) or takes them away (by is -1).
func (u *UnitTally) count(e *viewTask, by int) {
	u.Total += by
	switch e.t.Status {
	case duban.StatusVerified:
		u.Verified += by
	case duban.StatusReported:
		u.Reported += by
	}
	if e.t.Extension != nil {
		u.Extensions += by
	}
	if isUntouched(&e.t) {
		u.Untouched += by
	}
}

// isUntouched reports whether nothing was done on t: not started and no
// progress reported.
func isUntouched(t *duban.Task) bool { return t.Status == duban.StatusNotStarted && t.Progress == "" }

// buildTallies counts every task of the view; the caller builds the view,
// which no one reads yet. Tasks of a unit not in the ledger are left out,
// as a summary of units leaves them out.
func (v *ledgerView) buildTallies() {
	tallies := make([]UnitTally, len(v.units))
	v.tallies = make([]*UnitTally, len(v.units))
	for i, u := range v.units {
		tallies[i].Unit = u
		v.tallies[i] = &tallies[i]
	}
	for _, e := range v.all { // by deadline then id: each open list comes sorted
		i, ok := v.unitAt[e.t.Unit]
		if !ok {
			continue
		}
		u := v.tallies[i]
		u.count(e, 1)
		if isOpen(&e.t) {
			u.open = append(u.open, openTask{e.t.Deadline, e})
		}
		if isWaiting(&e.t) {
			u.waiting = append(u.waiting, waitingOf(e))
		}
	}
	for _, u := range v.tallies {
		slices.SortFunc(u.waiting, compareWaiting)
	}
}

// retally moves a task's counts from its old entry (nil when new) to its
// new one; the caller holds v.mu for writing.
func (v *ledgerView) retally(old, e *viewTask) {
	if old != nil {
		if i, ok := v.unitAt[old.t.Unit]; ok {
			u := v.newTally(i)
			u.count(old, -1)
			if isOpen(&old.t) {
				u.open = copyWithout(u.open, openTask{old.t.Deadline, old}, compareOpen)
			}
			if isWaiting(&old.t) {
				u.waiting = copyWithout(u.waiting, waitingOf(old), compareWaiting)
			}
		}
	}
	if i, ok := v.unitAt[e.t.Unit]; ok {
		u := v.newTally(i)
		u.count(e, 1)
		if isOpen(&e.t) {
			u.open = copyWith(u.open, openTask{e.t.Deadline, e}, compareOpen)
		}
		if isWaiting(&e.t) {
			u.waiting = copyWith(u.waiting, waitingOf(e), compareWaiting)
		}
	}
}

// copyWith returns a new list: sorted l with e in its place.
func copyWith[E any](l []E, e E, compare func(a, b E) int) []E {
	i, _ := slices.BinarySearchFunc(l, e, compare)
	return slices.Concat(l[:i], []E{e}, l[i:])
}

// copyWithout returns a new list: sorted l without e (l itself when e is not
// in it).
func copyWithout[E any](l []E, e E, compare func(a, b E) int) []E {
	i, ok := slices.BinarySearchFunc(l, e, compare)
	if !ok {
		return l
	}
	return slices.Concat(l[:i], l[i+1:])
}

// newTally puts a copy of the i-th unit's tally in its place, in a copy
// of the list of tallies if the list was handed out, and returns it to be
// changed; the caller holds v.mu for writing.
func (v *ledgerView) newTally(i int) *UnitTally {
	if v.talliesLent.Load() {
		v.tallies = slices.Clone(v.tallies)
		v.talliesLent.Store(false)
	}
	u := *v.tallies[i]
	v.tallies[i] = &u
	return &u
}

// UnitTallies returns the tallies of the units of groups (every unit when
// none), ordered by code, and the ledger generation they count (as
// ChangesSince says it: the same generation, the same tallies). They are
// shared and never change: read them, do not change them. ok is false when
// the ledger view is not built: the caller counts the tasks itself (a
// one-shot command does not build the view for one summary).
func (s *Store) UnitTallies(groups ...string) (tallies []*UnitTally, gen uint64, ok bool) {
	v := s.lv.Load()
	if v == nil {
		return nil, 0, false
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if len(groups) == 0 {
		v.talliesLent.Store(true) // by readers at once, under the read lock
		return v.tallies, v.gen, true
	}
	for _, u := range v.tallies {
		if slices.Contains(groups, u.Unit.Group) {
			tallies = append(tallies, u)
		}
	}
	return tallies, v.gen, true
}
