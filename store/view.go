package store

// The ledger view: units, people and tasks held in memory, derived from
// Badger (which stays the only source of truth) so that reading the ledger
// costs no decoding.
//
//   - Built by one full read under the exclusive ledger lock, so no change
//     commits while it is read: by Warm (serve and chat call it at start),
//     or by ChangesSince and LedgerSince, which need it. Until then every
//     read goes to Badger: a one-shot command reads what it needs, not the
//     whole ledger.
//   - Kept write-through: Apply and Undo put the task they wrote after
//     their commit, still holding the ledger lock for reading. Two changes
//     to different tasks run concurrently and may reach the view in another
//     order than they committed, which does not matter; two to the same
//     task commit in history order (Badger's conflict check), and the view
//     keeps the newer by its history seq.
//   - Rebuilt by an import (under the same exclusive lock) once its writes
//     are applied; dropped when applying them fails. Units and people change
//     only by an import, so between builds they are fixed.
//
// Entries are never changed in place: a change replaces the task's entry,
// so a reader may keep entries it copied out under the read lock. What is
// handed to callers is a copy they may sort or change.
//
// The view also counts changes (the ledger generation) and remembers the
// ids of the last tasks changed, so a reader can ask what changed since a
// generation it saw (ChangesSince).
//
// It also keeps each unit's tasks counted (tally.go), for summaries of many
// units.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// changeLogCap bounds the ids of changed tasks the view remembers (between
// it and twice it); asked about more changes than that, it answers
// "everything". A variable for tests.
var changeLogCap = 8192

type ledgerView struct {
	mu sync.RWMutex

	// Fixed from the build on.
	units    []duban.Unit // in key order (by code)
	unitAt   map[string]int
	people   []duban.Person // in key order (by canonical userid)
	personAt map[string]int // canonical userid → index
	holders  map[duban.Post][]int

	tasks   map[string]*viewTask
	all     taskList // every task, by deadline then id
	byUnit  map[string]taskList
	byGroup map[string]taskList
	tallies []*UnitTally // by unit, as units (tally.go)
	// talliesLent is set once tallies was handed out: the next change
	// copies the list before changing it.
	talliesLent atomic.Bool

	// base is the generation of the build (what changed before it is not
	// known), gen the latest; changed[i] is the task changed at generation
	// first+i.
	base, gen uint64
	first     uint64
	changed   []string
	// retired is set once another view (or none) replaced this one: it
	// takes no more changes, so every generation it gave out is below the
	// base of the view after it.
	retired bool
}

// viewTask is a task as the view holds it. It is never modified once made.
type viewTask struct {
	t     duban.Task
	group string // the group of its unit, as indexed
	seq   uint64 // the history seq of the change that wrote it; 0 from the build
}

// taskList holds tasks ordered by deadline then id (the order of sortTasks).
type taskList []*viewTask

func compareTasks(a, b *duban.Task) int {
	if a.Deadline != b.Deadline {
		if a.Deadline < b.Deadline {
			return -1
		}
		return 1
	}
	return strings.Compare(a.ID, b.ID)
}

func (l taskList) find(t *duban.Task) (int, bool) {
	return slices.BinarySearchFunc(l, t, func(e *viewTask, t *duban.Task) int { return compareTasks(&e.t, t) })
}

func (l taskList) insert(e *viewTask) taskList {
	i, _ := l.find(&e.t)
	return slices.Insert(l, i, e)
}

func (l taskList) remove(t *duban.Task) taskList {
	if i, ok := l.find(t); ok {
		return slices.Delete(l, i, i+1)
	}
	return l
}

// ledgerView returns the ledger view, building it first if needed.
func (s *Store) ledgerView(ctx context.Context) (*ledgerView, error) {
	if v := s.lv.Load(); v != nil {
		return v, nil
	}
	s.ledger.Lock()
	defer s.ledger.Unlock()
	if v := s.lv.Load(); v != nil {
		return v, nil
	}
	return s.buildView(ctx)
}

// Warm builds the ledger view and the notice index (noticeindex.go), if
// they are not built: from then on the ledger's reads, and the reminder
// pass's look-ups of sent notices, are served from memory. A process that
// reads the ledger often (serve, chat) calls it at start.
func (s *Store) Warm(ctx context.Context) error {
	if _, err := s.ledgerView(ctx); err != nil {
		return err
	}
	return s.buildNoticeIndex(ctx)
}

// buildView reads the whole ledger into a new view; the caller holds the
// ledger lock for writing.
func (s *Store) buildView(ctx context.Context) (*ledgerView, error) {
	var units []duban.Unit
	var people []duban.Person
	var tasks []duban.Task
	err := s.view(ctx, func(txn *badger.Txn) error {
		var err error
		if units, err = listIn[duban.Unit](txn, []byte("unit/")); err != nil {
			return err
		}
		if people, err = listIn[duban.Person](txn, []byte("person/")); err != nil {
			return err
		}
		tasks, err = listIn[duban.Task](txn, []byte("task/"))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	s.releaseFilePages() // the ledger is in memory now; its table pages need not be
	v := &ledgerView{
		units: units, unitAt: make(map[string]int, len(units)),
		people: people, personAt: make(map[string]int, len(people)), holders: map[duban.Post][]int{},
		tasks: make(map[string]*viewTask, len(tasks)), all: make(taskList, 0, len(tasks)),
		byUnit: map[string]taskList{}, byGroup: map[string]taskList{},
	}
	for i, u := range units {
		v.unitAt[u.Code] = i
	}
	for i := range people {
		p := &people[i]
		p.Posts = slices.Clip(p.Posts)
		v.personAt[duban.CanonicalUserID(p.UserID)] = i
		for _, post := range p.Posts {
			if !slices.Contains(v.holders[post], i) {
				v.holders[post] = append(v.holders[post], i)
			}
		}
	}
	sortTasks(tasks)
	internTaskStrings(tasks)
	for _, t := range tasks {
		e := &viewTask{t: t, group: v.groupOf(t.Unit)}
		v.tasks[t.ID] = e
		v.all = append(v.all, e)
		v.byUnit[t.Unit] = append(v.byUnit[t.Unit], e)
		v.byGroup[e.group] = append(v.byGroup[e.group], e)
	}
	v.buildTallies()
	s.replaceView(v)
	return v, nil
}

// internTaskStrings gives the tasks one copy of each string they repeat:
// a province's lists hold the same reform items for every unit, and a
// unit's code, a status and who last changed it recur on each task, where
// decoding gave every task its own copy (about 7 MB of 100,000 tasks).
func internTaskStrings(tasks []duban.Task) {
	seen := map[string]string{}
	one := func(s string) string {
		if c, ok := seen[s]; ok {
			return c
		}
		seen[s] = s
		return s
	}
	for i := range tasks {
		t := &tasks[i]
		t.Unit, t.Title, t.Note, t.UpdatedBy = one(t.Unit), one(t.Title), one(t.Note), one(t.UpdatedBy)
		t.Status = duban.Status(one(string(t.Status)))
	}
}

// dropView forgets the view (the next read builds it); the caller holds the
// ledger lock for writing.
func (s *Store) dropView() { s.replaceView(nil) }

// replaceView retires the current view and puts v (nil for none) in its
// place, giving v its base generation. A released notice (touchView) needs
// no ledger lock and may still hold the old view: retiring it under its own
// lock first keeps its generations below v's base, and v's consecutive.
func (s *Store) replaceView(v *ledgerView) {
	if old := s.lv.Load(); old != nil {
		old.mu.Lock()
		defer old.mu.Unlock()
		old.retired = true
	}
	if v != nil {
		v.base = s.gens.Add(1)
		v.gen, v.first = v.base, v.base+1
	}
	s.lv.Store(v)
}

// putTask puts a task Apply or Undo wrote, unless the view already holds a
// later change of it. The caller holds the ledger lock for reading.
func (s *Store) putTask(t duban.Task, seq uint64) {
	v := s.lv.Load()
	if v == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	old := v.tasks[t.ID]
	if v.retired || old != nil && old.seq >= seq {
		return
	}
	e := &viewTask{t: t, group: v.groupOf(t.Unit), seq: seq}
	if e.t.Extension != nil {
		x := *e.t.Extension
		e.t.Extension = &x
	}
	if old != nil {
		v.all = v.all.remove(&old.t)
		v.byUnit[old.t.Unit] = v.byUnit[old.t.Unit].remove(&old.t)
		v.byGroup[old.group] = v.byGroup[old.group].remove(&old.t)
	}
	v.tasks[t.ID] = e
	v.all = v.all.insert(e)
	v.byUnit[t.Unit] = v.byUnit[t.Unit].insert(e)
	v.byGroup[e.group] = v.byGroup[e.group].insert(e)
	v.retally(old, e)
	v.logChange(s, t.ID)
}

// logChange counts a change to task id; the caller holds v.mu.
func (v *ledgerView) logChange(s *Store, id string) {
	v.gen = s.gens.Add(1)
	v.changed = append(v.changed, id)
	if len(v.changed) >= 2*changeLogCap {
		drop := len(v.changed) - changeLogCap
		v.changed = slices.Delete(v.changed, 0, drop)
		v.first += uint64(drop)
	}
}

// touchTasks counts a change to each of the tasks ids without changing
// them: their notices were released to be planned again, which a reader of
// ChangesSince must see. (A build in between makes ChangesSince answer
// "everything", so this needs no ledger lock.)
func (s *Store) touchTasks(ids []string) { s.touchView(s.lv.Load(), ids) }

// touchView is touchTasks on view v, which may have been replaced since it
// was loaded.
func (s *Store) touchView(v *ledgerView, ids []string) {
	if v == nil || len(ids) == 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.retired {
		return // the view after it was built from the store: it answers "everything"
	}
	for _, id := range ids {
		if v.tasks[id] != nil {
			v.logChange(s, id)
		}
	}
}

// touchAll makes ChangesSince answer "everything" for every generation
// given out before: a notice about no task (the calendar's) was released,
// and only a whole reminder pass plans it again.
func (s *Store) touchAll() {
	v := s.lv.Load()
	if v == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.retired {
		return
	}
	v.gen = s.gens.Add(1)
	v.changed = v.changed[:0]
	v.first = v.gen + 1
}

func (v *ledgerView) groupOf(unit string) string {
	if i, ok := v.unitAt[unit]; ok {
		return v.units[i].Group
	}
	return ""
}

// copyTask is e's task as a caller may keep it.
func (e *viewTask) copyTask() duban.Task {
	t := e.t
	if t.Extension != nil {
		x := *t.Extension
		t.Extension = &x
	}
	return t
}

func copyPerson(p duban.Person) duban.Person {
	p.Posts = slices.Clone(p.Posts)
	return p
}

// list returns the entries f selects (before its Status), read under the
// view's read lock into a slice of the caller's own.
func (v *ledgerView) list(f TaskFilter) taskList {
	v.mu.RLock()
	defer v.mu.RUnlock()
	switch {
	case f.Unit != "":
		if f.Group != "" && v.groupOf(f.Unit) != f.Group {
			return nil
		}
		return slices.Clone(v.byUnit[f.Unit])
	case f.Group != "":
		return slices.Clone(v.byGroup[f.Group])
	}
	return slices.Clone(v.all)
}

// page returns how many tasks groups have (all of them for none) and the
// entries of n of them from the from-th, by deadline then id.
func (v *ledgerView) page(groups []string, from, n int) (int, taskList) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	lists := []taskList{v.all}
	if len(groups) > 0 {
		lists = lists[:0]
		for i, g := range groups {
			if !slices.Contains(groups[:i], g) {
				lists = append(lists, v.byGroup[g])
			}
		}
	}
	total := 0
	for _, l := range lists {
		total += len(l)
	}
	return total, mergedPage(lists, func(a, b *viewTask) int { return compareTasks(&a.t, &b.t) }, func(e *viewTask) duban.Date { return e.t.Deadline }, from, n)
}

// tasksOf copies the tasks of entries with status st ("" for any).
func tasksOf(l taskList, st duban.Status) []duban.Task {
	n := len(l)
	if st != "" {
		n = 0
		for _, e := range l {
			if e.t.Status == st {
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]duban.Task, 0, n)
	for _, e := range l {
		if st == "" || e.t.Status == st {
			out = append(out, e.copyTask())
		}
	}
	return out
}

// snapshot copies the whole ledger out of the view, with its generation:
// of the tasks, those keep keeps (all when keep is nil).
func (v *ledgerView) snapshot(keep func(*duban.Task) bool) (duban.Ledger, uint64) {
	v.mu.RLock()
	all, gen := slices.Clone(v.all), v.gen
	v.mu.RUnlock()
	return duban.Ledger{Units: slices.Clone(v.units), People: v.copyPeople(), Tasks: tasksWhere(all, keep)}, gen
}

// tasksWhere copies the tasks of entries that keep keeps (all when nil);
// it overwrites entries, which must be the caller's own.
func tasksWhere(entries taskList, keep func(*duban.Task) bool) []duban.Task {
	if keep != nil {
		entries = slices.DeleteFunc(entries, func(e *viewTask) bool { return !keep(&e.t) })
	}
	return tasksOf(entries, "")
}

func (v *ledgerView) copyPeople() []duban.Person {
	if len(v.people) == 0 {
		return nil
	}
	out := make([]duban.Person, len(v.people))
	for i, p := range v.people {
		out[i] = copyPerson(p)
	}
	return out
}

// LedgerChanges says what changed in the ledger since a generation.
type LedgerChanges struct {
	// Gen is the generation now.
	Gen uint64
	// All is true when anything may have changed: the view was built (at
	// start or by an import, which may change units and people) after the
	// generation asked about, a notice about no task was released since
	// (only a whole pass plans it), or more tasks changed than are
	// remembered.
	All bool
	// Tasks are the ids of the tasks changed since, each once (when !All),
	// and of those with a notice released since to be planned again (its
	// message failed for good).
	Tasks []string
}

// ChangesSince says what changed since generation gen (one this store gave
// out; 0 for "never read").
func (s *Store) ChangesSince(ctx context.Context, gen uint64) (LedgerChanges, error) {
	v, err := s.ledgerView(ctx)
	if err != nil {
		return LedgerChanges{}, err
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.changesSince(gen), nil
}

func (v *ledgerView) changesSince(gen uint64) LedgerChanges {
	ch := LedgerChanges{Gen: v.gen}
	switch {
	case gen < v.base || gen+1 < v.first:
		ch.All = true
	case gen < v.gen:
		seen := map[string]bool{}
		for _, id := range v.changed[gen+1-v.first:] {
			if !seen[id] {
				seen[id] = true
				ch.Tasks = append(ch.Tasks, id)
			}
		}
	}
	return ch
}

// LedgerSince returns the ledger at generation gen for a reader that last
// read it at generation since (0 for never). When whole is false, nothing
// structural changed since: l holds every person, and only the units where
// a task changed since, with all their tasks (none when nothing changed).
// When whole is true, l is the whole ledger.
func (s *Store) LedgerSince(ctx context.Context, since uint64) (l duban.Ledger, gen uint64, whole bool, err error) {
	return s.LedgerSinceWhere(ctx, since, nil)
}

// LedgerSinceWhere is LedgerSince with, of the tasks, only those keep
// keeps (all when keep is nil): the reminder planner leaves out the tasks
// it would plan nothing about, most of a province's ledger on any day, so
// they are not copied. keep is called from the caller's goroutine, with
// the task read-only.
func (s *Store) LedgerSinceWhere(ctx context.Context, since uint64, keep func(*duban.Task) bool) (l duban.Ledger, gen uint64, whole bool, err error) {
	v, err := s.ledgerView(ctx)
	if err != nil {
		return l, 0, false, fmt.Errorf("read ledger: %w", err)
	}
	v.mu.RLock()
	ch := v.changesSince(since)
	if ch.All {
		v.mu.RUnlock()
		l, gen = v.snapshot(keep)
		return l, gen, true, nil
	}
	var entries taskList
	taken := map[string]bool{}
	for _, id := range ch.Tasks {
		unit := v.tasks[id].t.Unit
		if i, ok := v.unitAt[unit]; ok && !taken[unit] {
			taken[unit] = true
			l.Units = append(l.Units, v.units[i])
			entries = append(entries, v.byUnit[unit]...)
		}
	}
	v.mu.RUnlock()
	if len(entries) > 0 {
		slices.SortFunc(entries, func(a, b *viewTask) int { return compareTasks(&a.t, &b.t) })
		l.Tasks = tasksWhere(entries, keep)
		l.People = v.copyPeople()
	}
	return l, ch.Gen, false, nil
}

// putApplied puts the task an Apply or Undo wrote (nothing for a replay).
func (s *Store) putApplied(a Applied) {
	if !a.Replayed {
		s.putTask(a.Task, a.Change.Seq)
	}
}

// each is EachTaskFrom over the view: fn gets copies of the tasks matching
// f when the walk began, but the first from of them, and may change the
// ledger.
func (v *ledgerView) each(f TaskFilter, from int, fn func(duban.Task) error) error {
	for _, e := range v.list(f) {
		if f.Status != "" && e.t.Status != f.Status {
			continue
		}
		if from > 0 {
			from--
			continue
		}
		if err := fn(e.copyTask()); err != nil {
			return err
		}
	}
	return nil
}

// count is CountTasks over the view.
func (v *ledgerView) count(f TaskFilter) int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	l := v.all
	switch {
	case f.Unit != "":
		if f.Group != "" && v.groupOf(f.Unit) != f.Group {
			return 0
		}
		l = v.byUnit[f.Unit]
	case f.Group != "":
		l = v.byGroup[f.Group]
	}
	if f.Status == "" {
		return len(l)
	}
	n := 0
	for _, e := range l {
		if e.t.Status == f.Status {
			n++
		}
	}
	return n
}

// due is TasksDue over the view.
func (v *ledgerView) due(from, to duban.Date) []duban.Task {
	v.mu.RLock()
	i, _ := v.all.find(&duban.Task{Deadline: from})
	j, _ := v.all.find(&duban.Task{Deadline: to.AddDays(1)})
	l := slices.Clone(v.all[i:max(i, j)])
	v.mu.RUnlock()
	return tasksOf(l, "")
}
