package handlers

// What a group's or the city's 任务 counts: tasks by state, units by
// standing (红 with an overdue task, 黄 with one due soon, 绿 otherwise), and
// the lists a drill-down pages through, each in its order.

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

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

// unitStanding is one unit's counts. (A province has 10,000: it holds
// pointers, not copies, of its unit and task.)
type unitStanding struct {
	unit                                     *duban.Unit
	total, verified, reported, overdue, soon int
	untouched                                int         // not started, no progress reported
	oldest                                   duban.Date  // the deadline of its longest overdue task
	soonest                                  duban.Date  // its earliest deadline due soon
	longest                                  *duban.Task // its longest overdue task, when counted task by task
	tally                                    *store.UnitTally
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

// longestOverdue is the unit's longest overdue task at today, read from its
// tally when it has one (only the units a page shows are read).
func (u *unitStanding) longestOverdue(today duban.Date) duban.Task {
	if u.tally != nil {
		t, _ := u.tally.Longest(today)
		return t
	}
	return *u.longest
}

// standing is a scope's counts and lists at one instant.
type standing struct {
	units                                    []*unitStanding // by code
	total, verified, reported, overdue, soon int
	extensions                               int
	lights                                   map[duban.Light]int // units by standing
	// The lists a drill-down pages through: every task by deadline, those
	// overdue (longest first) and due soon (soonest first), and those
	// waiting for the group (longest first).
	tasks, overdueTasks, soonTasks, waiting taskPages
	tallied                                 bool // counted per unit from the store's tallies

	mu    sync.Mutex
	parts *summaryParts // once worked out
}

// summaryParts is what a summary shows of a standing besides its counts.
type summaryParts struct {
	groups      []groupStanding
	waiting     []duban.Task    // the first summaryWaiting waiting
	red, yellow []*unitStanding // the first summaryUnits of each
}

// summaryUnits is how many red (or yellow) units a summary shows.
const summaryUnits = 5

// summaryParts works out what a summary shows of s once: a standing
// counted from the tallies is shared by all who ask before the ledger
// changes.
func (s *standing) summaryParts(ctx context.Context) (*summaryParts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parts != nil {
		return s.parts, nil
	}
	waiting, err := s.waiting.page(ctx, 0, min(s.waiting.n, summaryWaiting))
	if err != nil {
		return nil, err
	}
	s.parts = &summaryParts{groups: s.groups(), waiting: waiting,
		red: s.unitsOf(duban.Red, summaryUnits), yellow: s.unitsOf(duban.Yellow, summaryUnits)}
	return s.parts, nil
}

// taskPages is a list of tasks read a page at a time. A page's tasks may
// be shared with other readers: read them, do not change them.
type taskPages struct {
	n    int
	page func(ctx context.Context, from, to int) ([]duban.Task, error)
}

// listOf is the list of ts, held whole.
func listOf(ts []duban.Task) taskPages {
	return taskPages{len(ts), func(_ context.Context, from, to int) ([]duban.Task, error) { return ts[from:to], nil }}
}

// unitOf is the unit of the scope with code, nil when none is.
func (s *standing) unitOf(code string) *unitStanding {
	i, ok := slices.BinarySearchFunc(s.units, code, func(u *unitStanding, code string) int { return strings.Compare(u.unit.Code, code) })
	if !ok {
		return nil
	}
	return s.units[i]
}

// unitName is the name of the unit with code, as a list shows it.
func (s *standing) unitName(code string, room int) string {
	if u := s.unitOf(code); u != nil {
		return short(u.unit.Name, within(12, room))
	}
	return code
}

// summaryWaiting is how many waiting tasks a summary shows.
const summaryWaiting = 3

// load reads the standing of sc: for groups or every unit, counted per unit
// from the store's tallies when it keeps them (or as counted last for the
// same tallies and day), with lists that read only the page shown;
// otherwise counted task by task.
func (h *Handler) load(ctx context.Context, t *turn, sc listScope) (*standing, error) {
	var groups []string
	if !sc.all {
		groups = sc.groups
	}
	if sc.ofUnits() {
		if tallies, gen, ok := h.Store.UnitTallies(groups...); ok {
			key := standingKey{groups: strings.Join(groups, "\x00"), gen: gen, today: t.today, warn: h.WarnDays}
			return h.standings.get(key, func() *standing { return h.tally(tallies, groups, t.today) }), nil
		}
	}
	return h.loadStanding(ctx, t, sc)
}

// tally is count done per unit, from the tallies of the units of groups
// (every unit when none); its lists read their pages from the tallies, and
// every task of the scope from the store's page of tasks.
func (h *Handler) tally(tallies []*store.UnitTally, groups []string, today duban.Date) *standing {
	s := &standing{units: make([]*unitStanding, len(tallies)), lights: map[duban.Light]int{}, tallied: true}
	units := make([]unitStanding, len(tallies))
	for i, ut := range tallies {
		u := &units[i]
		*u = unitStanding{unit: &ut.Unit, total: ut.Total, verified: ut.Verified, reported: ut.Reported, untouched: ut.Untouched, tally: ut}
		u.overdue, u.oldest = ut.Overdue(today)
		u.soon, u.soonest = ut.DueSoon(today, h.WarnDays)
		s.units[i] = u
		s.total += u.total
		s.verified += u.verified
		s.reported += u.reported
		s.overdue += u.overdue
		s.soon += u.soon
		s.extensions += ut.Extensions
		s.waiting.n += ut.Waiting()
		s.lights[u.light()]++
	}
	warn := h.WarnDays
	s.overdueTasks = taskPages{s.overdue, rememberPages(func(from, n int) []duban.Task {
		return store.OverdueTasks(tallies, today, from, n)
	})}
	s.soonTasks = taskPages{s.soon, rememberPages(func(from, n int) []duban.Task {
		return store.DueSoonTasks(tallies, today, warn, from, n)
	})}
	s.waiting.page = rememberPages(func(from, n int) []duban.Task { return store.WaitingTasks(tallies, from, n) })
	// Every task is read from the view as it is now, not remembered.
	s.tasks = taskPages{s.total, func(ctx context.Context, from, to int) ([]duban.Task, error) {
		_, page, err := h.Store.TaskPage(ctx, groups, from, to-from)
		return page, err
	}}
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
	s := &standing{lights: map[duban.Light]int{}}
	of := make(map[string]*unitStanding, len(units))
	for i := range units {
		us := &unitStanding{unit: &units[i]}
		s.units = append(s.units, us)
		of[us.unit.Code] = us
	}
	slices.SortFunc(s.units, func(a, b *unitStanding) int { return strings.Compare(a.unit.Code, b.unit.Code) })
	byDeadline := func(a, b duban.Task) int { return cmp.Or(int(a.Deadline-b.Deadline), strings.Compare(a.ID, b.ID)) }
	if !slices.IsSortedFunc(tasks, byDeadline) { // the store's order, unless several lists were joined
		slices.SortFunc(tasks, byDeadline)
	}
	all, copied := tasks, false // copied once a task is left out
	var overdue, soon, waiting []duban.Task
	for i := range tasks {
		task := &tasks[i]
		u := of[task.Unit]
		if u == nil { // a unit that moved group between the two reads: left out
			if !copied {
				all, copied = slices.Clone(tasks[:i]), true
			}
			continue
		}
		if copied {
			all = append(all, *task)
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
		if task.Status == duban.StatusNotStarted && task.Progress == "" {
			u.untouched++
		}
		if task.Status == duban.StatusReported || task.Extension != nil {
			waiting = append(waiting, *task)
		}
		switch task.Light(today, h.WarnDays) {
		case duban.Red:
			s.overdue++
			u.overdue++
			overdue = append(overdue, *task)
			if u.overdue == 1 {
				u.longest, u.oldest = task, task.Deadline // tasks come by deadline: the first is the longest overdue
			}
		case duban.Yellow:
			s.soon++
			u.soon++
			soon = append(soon, *task)
			if u.soon == 1 {
				u.soonest = task.Deadline
			}
		}
	}
	for _, u := range s.units {
		s.lights[u.light()]++
	}
	slices.SortStableFunc(waiting, func(a, b duban.Task) int { return cmp.Compare(store.WaitingSince(a), store.WaitingSince(b)) })
	s.tasks, s.overdueTasks, s.soonTasks, s.waiting = listOf(all), listOf(overdue), listOf(soon), listOf(waiting)
	return s
}

// byStanding orders units red first (longest overdue, then most overdue),
// then yellow (soonest due, then most due), then green, each by code.
func byStanding(a, b *unitStanding) int {
	la, lb := a.light(), b.light()
	if la != lb {
		return la.Rank() - lb.Rank()
	}
	switch la {
	case duban.Red:
		return cmp.Or(int(a.oldest-b.oldest), b.overdue-a.overdue, strings.Compare(a.unit.Code, b.unit.Code))
	case duban.Yellow:
		return cmp.Or(int(a.soonest-b.soonest), b.soon-a.soon, strings.Compare(a.unit.Code, b.unit.Code))
	}
	return strings.Compare(a.unit.Code, b.unit.Code)
}

// unitCount is how many units of light l (all of them for "") there are.
func (s *standing) unitCount(l duban.Light) int {
	if l == "" {
		return len(s.units)
	}
	return s.lights[l]
}

// unitsOf returns the first n units of light l (of all for ""), in
// standing order.
func (s *standing) unitsOf(l duban.Light, n int) []*unitStanding {
	var of []*unitStanding
	if l == "" {
		of = slices.Clone(s.units)
	} else {
		of = make([]*unitStanding, 0, s.lights[l])
		for _, u := range s.units {
			if u.light() == l {
				of = append(of, u)
			}
		}
	}
	return firstOf(of, n, byStanding)
}

// firstOf returns the first n of items in order compare (a total order),
// sorted; items is reordered. A short head of a long list is picked in one
// pass instead of sorting the whole.
func firstOf[E any](items []E, n int, compare func(a, b E) int) []E {
	n = min(n, len(items))
	if n > 64 || n > len(items)/8 {
		slices.SortFunc(items, compare)
		return items[:n]
	}
	head := make([]E, 0, n+1) // the first n seen, in order
	for _, e := range items {
		if len(head) == n && (n == 0 || compare(e, head[n-1]) >= 0) {
			continue
		}
		i, _ := slices.BinarySearchFunc(head, e, compare)
		head = slices.Insert(head, i, e)[:min(len(head)+1, n)]
	}
	return head
}
