package handlers

// What a group's or the city's 任务 counts: tasks by state, units by
// standing (红 with an overdue task, 黄 with one due soon, 绿 otherwise), and
// the lists a drill-down pages through, each in its order.

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// listScope is what a listing covers: one unit, the sender's own units,
// some groups, or every unit.
type listScope struct {
	name   string      // 江城组, 市司法局; "" for every unit
	ref    string      // how a 任务 command names it; "" for the sender's own
	unit   *duban.Unit // one unit
	codes  []string    // the sender's own units
	groups []string
	all    bool
}

// titled is s under the scope's name: 江城组·红灯单位.
func (sc listScope) titled(s string) string {
	if sc.name == "" {
		return s
	}
	return sc.name + "·" + s
}

// says is s said of the scope: 江城组：没有黄灯单位。
func (sc listScope) says(s string) string {
	if sc.name == "" {
		return s
	}
	return sc.name + "：" + s
}

// ofUnits reports whether the scope spans units enough to list units
// (红灯单位) rather than tasks.
func (sc listScope) ofUnits() bool { return sc.all || len(sc.groups) > 0 }

// unitStanding is one unit's counts.
type unitStanding struct {
	unit                                     duban.Unit
	total, verified, reported, overdue, soon int
	longest                                  duban.Task // its longest overdue task
	soonest                                  duban.Date // its earliest deadline due soon
}

func (u *unitStanding) light() duban.Light {
	switch {
	case u.overdue > 0:
		return duban.Red
	case u.soon > 0:
		return duban.Yellow
	}
	return duban.Green
}

// standing is a scope's counts and lists at one instant.
type standing struct {
	units                                    []*unitStanding // in the scope's order
	of                                       map[string]*unitStanding
	total, verified, reported, overdue, soon int
	extensions                               int
	lights                                   map[duban.Light]int // units by standing
	tasks                                    []duban.Task        // every task, by deadline
	overdueTasks, soonTasks, waiting         []duban.Task
	waits                                    int // tasks waiting (waiting may hold only the first)
}

// summaryWaiting is how many waiting tasks a summary shows.
const summaryWaiting = 3

// loadSummary is loadStanding for a summary of groups or of every unit
// (sc.ofUnits): counted per unit from the store's tallies when it keeps
// them, without the task lists a drill-down pages through, and with only
// the first waiting tasks.
func (h *Handler) loadSummary(ctx context.Context, t *turn, sc listScope) (*standing, error) {
	return h.loadTallied(ctx, t, sc, "")
}

// loadTallied is loadSummary with the one task list that list kind pages
// through (overdue, due soon or waiting), read from the tallies too; the
// others (and every task, for 全部任务) are left out, so kind must be one
// of those or a list of units.
func (h *Handler) loadTallied(ctx context.Context, t *turn, sc listScope, kind ListKind) (*standing, error) {
	var groups []string
	if !sc.all {
		groups = sc.groups
	}
	if sc.ofUnits() {
		if tallies, ok := h.Store.UnitTallies(groups...); ok {
			s := h.tally(tallies, t.today)
			switch kind {
			case ListOverdue:
				s.overdueTasks = store.OverdueTasks(tallies, t.today)
			case ListDueSoon:
				s.soonTasks = store.DueSoonTasks(tallies, t.today, h.WarnDays)
			case ListWaiting:
				s.waiting = store.WaitingTasks(tallies)
			}
			return s, nil
		}
	}
	return h.loadStanding(ctx, t, sc)
}

// tally is count done per unit, from the tallies of the scope's units.
func (h *Handler) tally(tallies []store.UnitTally, today duban.Date) *standing {
	s := &standing{units: make([]*unitStanding, 0, len(tallies)), of: make(map[string]*unitStanding, len(tallies)), lights: map[duban.Light]int{}}
	units := make([]unitStanding, len(tallies))
	for i := range tallies {
		ut, u := &tallies[i], &units[i]
		*u = unitStanding{unit: ut.Unit, total: ut.Total, verified: ut.Verified, reported: ut.Reported}
		u.overdue, u.longest = ut.Overdue(today)
		u.soon, u.soonest = ut.DueSoon(today, h.WarnDays)
		s.units = append(s.units, u)
		s.of[u.unit.Code] = u
		s.total += u.total
		s.verified += u.verified
		s.reported += u.reported
		s.overdue += u.overdue
		s.soon += u.soon
		s.extensions += ut.Extensions
		s.waits += ut.Waiting()
		s.lights[u.light()]++
	}
	s.waiting = store.OldestWaiting(tallies, summaryWaiting)
	return s
}

// loadStanding reads the units and tasks of sc and counts them.
func (h *Handler) loadStanding(ctx context.Context, t *turn, sc listScope) (*standing, error) {
	var units []duban.Unit
	var tasks []duban.Task
	switch {
	case sc.unit != nil:
		units = []duban.Unit{*sc.unit}
		ts, err := h.Store.Tasks(ctx, store.TaskFilter{Unit: sc.unit.Code})
		if err != nil {
			return nil, err
		}
		tasks = ts
	case len(sc.codes) > 0:
		for _, code := range sc.codes {
			u, err := h.Store.Unit(ctx, code)
			if err != nil {
				return nil, err
			}
			ts, err := h.Store.Tasks(ctx, store.TaskFilter{Unit: code})
			if err != nil {
				return nil, err
			}
			units, tasks = append(units, u), append(tasks, ts...)
		}
	default:
		all, err := h.Store.Units(ctx)
		if err != nil {
			return nil, err
		}
		if sc.all {
			units = all
			if tasks, err = h.Store.Tasks(ctx, store.TaskFilter{}); err != nil {
				return nil, err
			}
			break
		}
		for _, u := range all {
			if slices.Contains(sc.groups, u.Group) {
				units = append(units, u)
			}
		}
		for _, g := range sc.groups {
			ts, err := h.Store.Tasks(ctx, store.TaskFilter{Group: g})
			if err != nil {
				return nil, err
			}
			tasks = append(tasks, ts...)
		}
	}
	return h.count(units, tasks, t.today), nil
}

// count tallies tasks of units as at today.
func (h *Handler) count(units []duban.Unit, tasks []duban.Task, today duban.Date) *standing {
	s := &standing{of: make(map[string]*unitStanding, len(units)), lights: map[duban.Light]int{}}
	for _, u := range units {
		us := &unitStanding{unit: u}
		s.units = append(s.units, us)
		s.of[u.Code] = us
	}
	byDeadline := func(a, b duban.Task) int { return cmp.Or(int(a.Deadline-b.Deadline), strings.Compare(a.ID, b.ID)) }
	if !slices.IsSortedFunc(tasks, byDeadline) { // the store's order, unless several lists were joined
		slices.SortFunc(tasks, byDeadline)
	}
	s.tasks = tasks
	for _, task := range tasks {
		u := s.of[task.Unit]
		if u == nil { // a unit that moved group between the two reads: left out
			s.tasks = nil
			continue
		}
		s.total++
		u.total++
		switch task.Status {
		case duban.StatusVerified:
			s.verified++
			u.verified++
		case duban.StatusReported:
			s.reported++
			u.reported++
		}
		if task.Extension != nil {
			s.extensions++
		}
		if task.Status == duban.StatusReported || task.Extension != nil {
			s.waiting = append(s.waiting, task)
		}
		switch task.Light(today, h.WarnDays) {
		case duban.Red:
			s.overdue++
			u.overdue++
			s.overdueTasks = append(s.overdueTasks, task)
			if u.overdue == 1 {
				u.longest = task // tasks come by deadline: the first is the longest overdue
			}
		case duban.Yellow:
			s.soon++
			u.soon++
			s.soonTasks = append(s.soonTasks, task)
			if u.soon == 1 {
				u.soonest = task.Deadline
			}
		}
	}
	if s.tasks == nil {
		s.tasks = slices.DeleteFunc(slices.Clone(tasks), func(t duban.Task) bool { return s.of[t.Unit] == nil })
	}
	for _, u := range s.units {
		s.lights[u.light()]++
	}
	slices.SortStableFunc(s.waiting, func(a, b duban.Task) int { return cmp.Compare(store.WaitingSince(a), store.WaitingSince(b)) })
	s.waits = len(s.waiting)
	return s
}

// byStanding orders units red first (longest overdue, then most overdue),
// then yellow (soonest due, then most due), then green, each by code.
func byStanding(a, b *unitStanding) int {
	la, lb := a.light().Rank(), b.light().Rank()
	if la != lb {
		return la - lb
	}
	switch a.light() {
	case duban.Red:
		return cmp.Or(int(a.longest.Deadline-b.longest.Deadline), b.overdue-a.overdue, strings.Compare(a.unit.Code, b.unit.Code))
	case duban.Yellow:
		return cmp.Or(int(a.soonest-b.soonest), b.soon-a.soon, strings.Compare(a.unit.Code, b.unit.Code))
	}
	return strings.Compare(a.unit.Code, b.unit.Code)
}

// unitsOf returns the units of light l (all of them for ""), in standing
// order.
func (s *standing) unitsOf(l duban.Light) []*unitStanding {
	var out []*unitStanding
	for _, u := range s.units {
		if l == "" || u.light() == l {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, byStanding) // a total order: units differ by code
	return out
}
