package store

// Per-unit tallies, kept by the ledger view as tasks change: what a summary
// of many units needs (counts by status, the open deadlines, what waits for
// a group), so that it costs per unit, not per task. Overdue and due-soon
// depend on the day asked about: each unit keeps its open deadlines sorted,
// and both are found by binary search for any day.
//
// A tally's lists are never changed in place (a change replaces them), so a
// tally copied out under the view's read lock stays as it was.

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
	// Extensions those with an extension request pending.
	Total, Verified, Reported, Extensions int

	open    []openTask // open tasks with a deadline, by deadline then id
	waiting taskList   // tasks waiting for the group, in waiting order
}

// openTask is an open task by its deadline, held beside it so that a
// search by deadline reads one array, not every task.
type openTask struct {
	deadline duban.Date
	e        *viewTask
}

// Overdue counts the unit's overdue tasks at today (as duban.Task.Overdue
// says) and returns the longest overdue: the earliest deadline, then the
// lowest id.
func (u *UnitTally) Overdue(today duban.Date) (n int, longest duban.Task) {
	n = u.openBefore(today)
	if n > 0 {
		longest = u.open[0].e.copyTask()
	}
	return n, longest
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

// OldestWaiting returns copies of up to n of the tasks waiting in tallies,
// those waiting longest first (WaitingSince, then deadline, then id).
func OldestWaiting(tallies []UnitTally, n int) []duban.Task {
	var first taskList // the n oldest seen, in order
	for _, u := range tallies {
		for _, e := range u.waiting[:min(n, len(u.waiting))] {
			i, _ := slices.BinarySearchFunc(first, e, compareWaiting)
			if i >= n {
				break // this unit's later ones are later still
			}
			first = slices.Insert(first, i, e)
			first = first[:min(n, len(first))]
		}
	}
	return tasksOf(first, "")
}

// OverdueTasks returns copies of the tasks of tallies overdue at today,
// longest overdue first (deadline, then id): what a list of overdue tasks
// pages through, read from the tallies' open tasks alone.
func OverdueTasks(tallies []UnitTally, today duban.Date) []duban.Task {
	return openTasks(tallies, func(u *UnitTally) []openTask { return u.open[:u.openBefore(today)] })
}

// DueSoonTasks returns copies of the tasks of tallies open and due from
// today to warnDays after, earliest first (deadline, then id).
func DueSoonTasks(tallies []UnitTally, today duban.Date, warnDays int) []duban.Task {
	return openTasks(tallies, func(u *UnitTally) []openTask {
		return u.open[u.openBefore(today):max(u.openBefore(today), u.openBefore(today.AddDays(warnDays+1)))]
	})
}

func openTasks(tallies []UnitTally, of func(*UnitTally) []openTask) []duban.Task {
	var all []openTask
	for i := range tallies {
		all = append(all, of(&tallies[i])...)
	}
	slices.SortFunc(all, compareOpen)
	out := make([]duban.Task, len(all))
	for i, o := range all {
		out[i] = o.e.copyTask()
	}
	return out
}

// WaitingTasks returns copies of every task waiting in tallies, those
// waiting longest first (as OldestWaiting orders them).
func WaitingTasks(tallies []UnitTally) []duban.Task {
	var all taskList
	for _, u := range tallies {
		all = append(all, u.waiting...)
	}
	slices.SortFunc(all, compareWaiting)
	return tasksOf(all, "")
}

// WaitingSince is when a task began to wait for its group: the report or
// the extension request, whichever came first (its deadline when neither
// says when).
func WaitingSince(t duban.Task) duban.Date {
	var d []duban.Date
	if t.Status == duban.StatusReported && !t.ReportedAt.IsZero() {
		d = append(d, duban.DateOf(t.ReportedAt))
	}
	if t.Extension != nil {
		d = append(d, duban.DateOf(t.Extension.At))
	}
	if len(d) == 0 {
		return t.Deadline
	}
	return slices.Min(d)
}

func isOpen(t *duban.Task) bool { return t.Status.Open() && !t.Deadline.IsZero() }

func isWaiting(t *duban.Task) bool { return t.Status == duban.StatusReported || t.Extension != nil }

func compareOpen(a, b openTask) int {
	return cmp.Or(cmp.Compare(a.deadline, b.deadline), strings.Compare(a.e.t.ID, b.e.t.ID))
}

func compareWaiting(a, b *viewTask) int {
	return cmp.Or(cmp.Compare(WaitingSince(a.t), WaitingSince(b.t)), compareTasks(&a.t, &b.t))
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
}

// buildTallies counts every task of the view; the caller builds the view,
// which no one reads yet. Tasks of a unit not in the ledger are left out,
// as a summary of units leaves them out.
func (v *ledgerView) buildTallies() {
	v.tallies = make([]UnitTally, len(v.units))
	for i, u := range v.units {
		v.tallies[i].Unit = u
	}
	for _, e := range v.all { // by deadline then id: each open list comes sorted
		i, ok := v.unitAt[e.t.Unit]
		if !ok {
			continue
		}
		u := &v.tallies[i]
		u.count(e, 1)
		if isOpen(&e.t) {
			u.open = append(u.open, openTask{e.t.Deadline, e})
		}
		if isWaiting(&e.t) {
			u.waiting = append(u.waiting, e)
		}
	}
	for i := range v.tallies {
		slices.SortFunc(v.tallies[i].waiting, compareWaiting)
	}
}

// retally moves a task's counts from its old entry (nil when new) to its
// new one; the caller holds v.mu for writing.
func (v *ledgerView) retally(old, e *viewTask) {
	if old != nil {
		if i, ok := v.unitAt[old.t.Unit]; ok {
			u := &v.tallies[i]
			u.count(old, -1)
			if isOpen(&old.t) {
				u.open = copyWithout(u.open, openTask{old.t.Deadline, old}, compareOpen)
			}
			if isWaiting(&old.t) {
				u.waiting = copyWithout(u.waiting, old, compareWaiting)
			}
		}
	}
	if i, ok := v.unitAt[e.t.Unit]; ok {
		u := &v.tallies[i]
		u.count(e, 1)
		if isOpen(&e.t) {
			u.open = copyWith(u.open, openTask{e.t.Deadline, e}, compareOpen)
		}
		if isWaiting(&e.t) {
			u.waiting = copyWith(u.waiting, e, compareWaiting)
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

// UnitTallies returns the tallies of the units of groups (of every unit
// when none is given), ordered by code. ok is false when the ledger view is
// not built: the caller counts the tasks itself (a one-shot command does
// not build the view for one summary).
func (s *Store) UnitTallies(groups ...string) (tallies []UnitTally, ok bool) {
	v := s.lv.Load()
	if v == nil {
		return nil, false
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if len(groups) == 0 {
		return slices.Clone(v.tallies), true
	}
	for _, u := range v.tallies {
		if slices.Contains(groups, u.Unit.Group) {
			tallies = append(tallies, u)
		}
	}
	return tallies, true
}
