package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// decoded is the ledger as a fresh read of Badger gives it, in the view's
// orders, with the ids of each unit's and group's index.
type decoded struct {
	l       duban.Ledger
	byUnit  map[string][]string
	byGroup map[string][]string
}

func decodeLedger(t *testing.T, s *Store) decoded {
	t.Helper()
	d := decoded{byUnit: map[string][]string{}, byGroup: map[string][]string{}}
	err := s.view(context.Background(), func(txn *badger.Txn) error {
		var err error
		if d.l.Units, err = listIn[duban.Unit](txn, []byte("unit/")); err != nil {
			return err
		}
		if d.l.People, err = listIn[duban.Person](txn, []byte("person/")); err != nil {
			return err
		}
		if d.l.Tasks, err = listIn[duban.Task](txn, []byte("task/")); err != nil {
			return err
		}
		for _, ix := range []struct {
			prefix string
			into   map[string][]string
		}{{"idx/unit/", d.byUnit}, {"idx/group/", d.byGroup}} {
			err := scanPrefix(txn, []byte(ix.prefix), true, func(key, _ []byte) error {
				parts := splitKey(string(key[len(ix.prefix):]))
				ix.into[parts[0]] = append(ix.into[parts[0]], parts[1])
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sortTasks(d.l.Tasks)
	order := map[string]int{}
	for i, tk := range d.l.Tasks {
		order[tk.ID] = i
	}
	for _, m := range []map[string][]string{d.byUnit, d.byGroup} {
		for k := range m {
			slices.SortFunc(m[k], func(a, b string) int { return order[a] - order[b] })
		}
	}
	return d
}

// splitKey splits "<escaped scope>/<escaped id>" into its two parts.
func splitKey(rest string) []string {
	for i := len(rest) - 1; i >= 0; i-- {
		if rest[i] == '/' {
			scope, _ := parsePart([]byte(rest[:i]))
			id, _ := parsePart([]byte(rest[i+1:]))
			return []string{scope, id}
		}
	}
	return []string{rest, ""}
}

func taskIDs(ts []duban.Task) []string {
	var ids []string
	for _, t := range ts {
		ids = append(ids, t.ID)
	}
	return ids
}

// checkView fails unless every read the view serves equals a fresh decode
// of Badger.
func checkView(t *testing.T, s *Store, step string) {
	t.Helper()
	ctx := context.Background()
	if s.lv.Load() == nil {
		t.Fatalf("%s: the view is not built", step)
	}
	d := decodeLedger(t, s)
	l, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(l, d.l) {
		t.Fatalf("%s: the view's snapshot differs from Badger:\nview  %+v\nbadger %+v", step, l.Tasks, d.l.Tasks)
	}
	units, _ := s.Units(ctx)
	people, _ := s.People(ctx)
	all, _ := s.Tasks(ctx, TaskFilter{})
	if !reflect.DeepEqual(units, d.l.Units) || !reflect.DeepEqual(people, d.l.People) || !reflect.DeepEqual(all, d.l.Tasks) {
		t.Fatalf("%s: Units, People or Tasks differ from Badger", step)
	}
	n, _ := s.CountTasks(ctx, TaskFilter{})
	if n != len(d.l.Tasks) {
		t.Fatalf("%s: CountTasks %d, Badger holds %d", step, n, len(d.l.Tasks))
	}
	// Every read with the view, then from Badger with the view set aside.
	v := s.lv.Load()
	viewed := allReads(t, s, d)
	s.lv.Store(nil)
	fresh := allReads(t, s, d)
	s.lv.Store(v)
	if !reflect.DeepEqual(viewed, fresh) {
		for i := range viewed {
			if !reflect.DeepEqual(viewed[i], fresh[i]) {
				t.Fatalf("%s: read %d differs:\nview   %+v\nbadger %+v", step, i, viewed[i], fresh[i])
			}
		}
		t.Fatalf("%s: reads differ from Badger's", step)
	}
	for unit, want := range d.byUnit {
		got, _ := s.Tasks(ctx, TaskFilter{Unit: unit})
		if !slices.Equal(taskIDs(got), want) {
			t.Fatalf("%s: tasks of unit %s: view %v, Badger index %v", step, unit, taskIDs(got), want)
		}
	}
	for group, want := range d.byGroup {
		got, _ := s.Tasks(ctx, TaskFilter{Group: group})
		if !slices.Equal(taskIDs(got), want) {
			t.Fatalf("%s: tasks of group %s: view %v, Badger index %v", step, group, taskIDs(got), want)
		}
		var each []string
		if err := s.EachTask(ctx, TaskFilter{Group: group}, func(tk duban.Task) error { each = append(each, tk.ID); return nil }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(each, want) {
			t.Fatalf("%s: EachTask of group %s: %v, Badger index %v", step, group, each, want)
		}
	}
	// TaskPage: every page of every task, of each group and of two groups,
	// is the list read whole, cut.
	var groups [][]string
	for g := range d.byGroup {
		groups = append(groups, []string{g})
	}
	if len(groups) > 1 {
		groups = append(groups, []string{groups[0][0], groups[1][0], groups[0][0]})
	}
	for _, gs := range append(groups, nil, []string{"没有的组"}) {
		var want []string
		for _, tk := range d.l.Tasks {
			if i, ok := slices.BinarySearchFunc(d.l.Units, tk.Unit, func(u duban.Unit, code string) int { return strings.Compare(u.Code, code) }); gs == nil || ok && slices.Contains(gs, d.l.Units[i].Group) {
				want = append(want, tk.ID)
			}
		}
		for _, n := range []int{1, 3, 7} {
			var walked []string
			for from := 0; from < len(want)+n; from += n {
				total, page, err := s.TaskPage(ctx, gs, from, n)
				if err != nil {
					t.Fatal(err)
				}
				if total != len(want) || len(page) > n {
					t.Fatalf("%s: TaskPage of %v from %d, %d: %d tasks of %d, want at most %d of %d", step, gs, from, n, len(page), total, n, len(want))
				}
				walked = append(walked, taskIDs(page)...)
			}
			if !slices.Equal(walked, want) {
				t.Fatalf("%s: TaskPage of %v by %d: %v, want %v", step, gs, n, walked, want)
			}
		}
	}
	for _, st := range duban.Statuses {
		got, _ := s.Tasks(ctx, TaskFilter{Status: st})
		want := slices.DeleteFunc(slices.Clone(d.l.Tasks), func(tk duban.Task) bool { return tk.Status != st })
		if !slices.Equal(taskIDs(got), taskIDs(want)) {
			t.Fatalf("%s: tasks %s differ", step, st)
		}
	}
	from, to := duban.NewDate(2017, 12, 10), duban.NewDate(2017, 12, 31)
	due, _ := s.TasksDue(ctx, from, to)
	want := slices.DeleteFunc(slices.Clone(d.l.Tasks), func(tk duban.Task) bool { return tk.Deadline < from || tk.Deadline > to })
	if !slices.Equal(taskIDs(due), taskIDs(want)) {
		t.Fatalf("%s: TasksDue %v, want %v", step, taskIDs(due), taskIDs(want))
	}
}

// allReads makes every read the store serves, for every unit, group,
// person, task and status of d; errors are reduced to nil or not found.
func allReads(t *testing.T, s *Store, d decoded) (out []any) {
	t.Helper()
	ctx := context.Background()
	add := func(v any, err error) {
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice && rv.Len() == 0 {
			v = nil // an empty list is an empty list, nil or not
		}
		out = append(out, v, err == nil)
	}
	add(s.Snapshot(ctx))
	add(s.Units(ctx))
	add(s.People(ctx))
	add(s.Tasks(ctx, TaskFilter{}))
	add(s.CountTasks(ctx, TaskFilter{}))
	add(s.TasksDue(ctx, duban.NewDate(2017, 12, 10), duban.NewDate(2017, 12, 31)))
	add(s.TasksDue(ctx, duban.NewDate(2017, 12, 31), duban.NewDate(2017, 12, 1)))
	groups := []string{"没有的组"}
	for _, u := range append(d.l.Units, duban.Unit{Code: "没有的单位"}) {
		add(s.Unit(ctx, u.Code))
		add(s.PeopleConcerned(ctx, u))
		add(s.Tasks(ctx, TaskFilter{Unit: u.Code}))
		add(s.CountTasks(ctx, TaskFilter{Unit: u.Code}))
		groups = append(groups, u.Group)
	}
	for _, g := range groups {
		for _, st := range append([]duban.Status{""}, duban.Statuses...) {
			f := TaskFilter{Group: g, Status: st}
			add(s.Tasks(ctx, f))
			add(s.CountTasks(ctx, f))
			var each []duban.Task
			err := s.EachTask(ctx, f, func(tk duban.Task) error { each = append(each, tk); return nil })
			add(each, err)
			for _, from := range []int{1, 3, len(each)} {
				var rest []duban.Task
				err := s.EachTaskFrom(ctx, f, from, func(tk duban.Task) error { rest = append(rest, tk); return nil })
				add(rest, err)
				if want := each[min(from, len(each)):]; !reflect.DeepEqual(rest, slices.Clip(want)) && len(rest)+len(want) > 0 {
					t.Fatalf("EachTaskFrom %d of %+v: %v, want %v", from, f, taskIDs(rest), taskIDs(want))
				}
			}
			some := func(tk *duban.Task) bool { return strings.HasSuffix(tk.ID, "1") || tk.Extension != nil }
			found, err := s.FindTasks(ctx, f, some)
			add(found, err)
			want := slices.DeleteFunc(slices.Clone(each), func(tk duban.Task) bool { return !some(&tk) })
			if !reflect.DeepEqual(found, slices.Clip(want)) && len(found)+len(want) > 0 {
				t.Fatalf("FindTasks of %+v: %v, want %v", f, taskIDs(found), taskIDs(want))
			}
			for _, u := range d.l.Units {
				f.Unit = u.Code
				add(s.Tasks(ctx, f))
				add(s.CountTasks(ctx, f))
			}
		}
	}
	for _, p := range append(d.l.People, duban.Person{UserID: "nobody"}) {
		add(s.Person(ctx, strings.ToUpper(p.UserID)))
	}
	for _, tk := range append(d.l.Tasks, duban.Task{ID: "NO-SUCH"}) {
		add(s.Task(ctx, strings.ToLower(tk.ID)))
	}
	return out
}

var viewUsers = []string{"LiLei", "wang", "zhao"}

// randomChange changes what a person might: status, progress, deadline, a
// pending extension; it records the task before, so 撤销 can restore it.
func randomChange(r *rand.Rand, by string) ApplyFunc {
	status := duban.Statuses[r.IntN(len(duban.Statuses))]
	deadline := duban.NewDate(2017, 12, 1).AddDays(r.IntN(40))
	progress := fmt.Sprintf("进展 %d", r.IntN(100))
	extend := r.IntN(3) == 0
	return func(t duban.Task, _ duban.Unit) (duban.Task, duban.Change, error) {
		before := t
		t.Status, t.Progress, t.Deadline, t.UpdatedBy = status, progress, deadline, by
		t.Extension = nil
		if extend {
			t.Extension = &duban.Extension{Deadline: deadline.AddDays(10), Reason: "人手不足", By: by, At: at}
		}
		return t, duban.Change{TaskID: t.ID, By: by, At: at, Action: duban.ActProgress, Before: &before}, nil
	}
}

func restore(t duban.Task, last duban.Change) (duban.Task, duban.Change, error) {
	if last.Before == nil {
		return t, duban.Change{}, duban.Errorf(duban.ECONFLICT, "nothing to undo")
	}
	return *last.Before, duban.Change{TaskID: t.ID, By: last.By, At: at, Action: duban.ActUndo}, nil
}

// randomImport changes part of the list: moves a unit to another group,
// changes and adds tasks, adds a person.
func randomImport(r *rand.Rand, l duban.Ledger, n int) duban.Ledger {
	groups := []string{"政府组", "党群组", "事业单位组"}
	var out duban.Ledger
	u := l.Units[r.IntN(len(l.Units))]
	u.Group = groups[r.IntN(len(groups))]
	out.Units = append(out.Units, u)
	out.People = append(out.People, duban.Person{UserID: fmt.Sprintf("P%d", n), Name: "新联络员",
		Posts: []duban.Post{{Role: duban.RoleContact, Scope: u.Code}}})
	for i := range 3 {
		tk := l.Tasks[r.IntN(len(l.Tasks))]
		tk.Deadline = duban.NewDate(2017, 12, 1).AddDays(r.IntN(40))
		tk.Title += "（修订）"
		tk.Status = ""
		out.Tasks = append(out.Tasks, tk, duban.Task{ID: fmt.Sprintf("N%d-%d", n, i), Unit: u.Code, Title: "新增任务",
			Deadline: duban.NewDate(2017, 12, 1).AddDays(r.IntN(40))})
	}
	slices.SortFunc(out.Tasks, func(a, b duban.Task) int { return strings.Compare(duban.CanonicalID(a.ID), duban.CanonicalID(b.ID)) })
	out.Tasks = slices.CompactFunc(out.Tasks, func(a, b duban.Task) bool { return duban.CanonicalID(a.ID) == duban.CanonicalID(b.ID) })
	return out
}

// After any sequence of changes, undos and imports, the view equals a fresh
// read of Badger.
func TestViewFollowsChanges(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 17))
		s := openTemp(t)
		if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
			t.Fatal(err)
		}
		if err := s.Warm(ctx); err != nil {
			t.Fatal(err)
		}
		checkView(t, s, "built")
		for i := range 60 {
			l, _ := s.Snapshot(ctx)
			var step string
			switch k := r.IntN(10); {
			case k < 6:
				id, by := l.Tasks[r.IntN(len(l.Tasks))].ID, viewUsers[r.IntN(len(viewUsers))]
				_, err := s.Apply(ctx, id, fmt.Sprintf("msg:%d", r.IntN(20)), randomChange(r, by))
				step = fmt.Sprintf("seed %d step %d: apply to %s: %v", seed, i, id, err)
			case k < 9:
				by := viewUsers[r.IntN(len(viewUsers))]
				_, err := s.Undo(ctx, by, "", restore)
				step = fmt.Sprintf("seed %d step %d: undo by %s: %v", seed, i, by, err)
			default:
				_, err := s.Import(ctx, randomImport(r, l, i), "import", at)
				if err != nil {
					t.Fatal(err)
				}
				step = fmt.Sprintf("seed %d step %d: import", seed, i)
			}
			checkView(t, s, step)
		}
	}
}

// Changes to the same and to different tasks, from many goroutines at once,
// leave the view equal to Badger.
func TestViewConcurrentApplies(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	l := sampleLedger()
	for i := range 20 {
		l.Tasks = append(l.Tasks, duban.Task{ID: fmt.Sprintf("C%02d", i), Unit: l.Units[i%2].Code, Title: "并发任务",
			Deadline: duban.NewDate(2017, 12, 1).AddDays(i)})
	}
	if _, err := s.Import(ctx, l, "import", at); err != nil {
		t.Fatal(err)
	}
	if err := s.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 3))
			for range 40 {
				id := l.Tasks[r.IntN(6)].ID // few tasks: many changes race on each
				if _, err := s.Apply(ctx, id, "", randomChange(r, viewUsers[w%3])); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.Tasks(ctx, TaskFilter{Unit: "U01"}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	checkView(t, s, "after concurrent applies")
}

// A store reopened after a crash builds its view from what is on disk.
func TestViewAfterCrash(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	if err := s.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 5))
	for range 10 {
		if _, err := s.Apply(ctx, "T002", "", randomChange(r, "LiLei")); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := s.Snapshot(ctx)
	crashed, err := Open(copyDir(t, s.Dir()), Options{}) // the files as a killed process leaves them
	if err != nil {
		t.Fatal(err)
	}
	defer crashed.Close()
	if err := crashed.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := crashed.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after the crash the view holds %+v, want %+v", got.Tasks, want.Tasks)
	}
	checkView(t, crashed, "reopened")
}

// An import that replaces tasks and moves a unit to another group is seen
// at once by a view built before it.
func TestViewImportReplacesTasks(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	if err := s.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	before, _ := s.ChangesSince(ctx, 0)
	l := duban.Ledger{
		Units: []duban.Unit{{Code: "U02", Name: "市委办公室", Group: "政府组"}},
		Tasks: []duban.Task{
			{ID: "T003", Unit: "U02", Title: "设置法制机构（调整）", Deadline: duban.NewDate(2017, 12, 1)},
			{ID: "T004", Unit: "U02", Title: "新任务", Deadline: duban.NewDate(2017, 12, 2)},
		},
	}
	if _, err := s.Import(ctx, l, "import", at); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Tasks(ctx, TaskFilter{Group: "政府组"})
	if ids := taskIDs(got); !slices.Equal(ids, []string{"T003", "T004", "T002", "T001"}) {
		t.Errorf("政府组 after the import: %v", ids)
	}
	if tk, _ := s.Task(ctx, "T003"); tk.Title != "设置法制机构（调整）" || tk.Deadline != duban.NewDate(2017, 12, 1) {
		t.Errorf("T003 after the import: %+v", tk)
	}
	if ch, _ := s.ChangesSince(ctx, before.Gen); !ch.All {
		t.Errorf("an import is not reported as a change of everything: %+v", ch)
	}
	checkView(t, s, "after the import")
}

// ChangesSince names the tasks changed since a generation, each once, and
// answers "everything" past what it remembers.
func TestChangesSince(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	ch0, err := s.ChangesSince(ctx, 0)
	if err != nil || !ch0.All {
		t.Fatalf("never read: %+v %v", ch0, err)
	}
	if ch, _ := s.ChangesSince(ctx, ch0.Gen); ch.All || len(ch.Tasks) != 0 || ch.Gen != ch0.Gen {
		t.Errorf("nothing changed: %+v", ch)
	}
	r := rand.New(rand.NewPCG(1, 1))
	for _, id := range []string{"T002", "T003", "T002"} {
		if _, err := s.Apply(ctx, id, "", randomChange(r, "LiLei")); err != nil {
			t.Fatal(err)
		}
	}
	ch1, _ := s.ChangesSince(ctx, ch0.Gen)
	if ch1.All || !slices.Equal(ch1.Tasks, []string{"T002", "T003"}) || ch1.Gen != ch0.Gen+3 {
		t.Errorf("three changes to two tasks: %+v", ch1)
	}
	l, gen, whole, err := s.LedgerSince(ctx, ch0.Gen)
	if err != nil || whole || gen != ch1.Gen || len(l.Units) != 2 || len(l.Tasks) != 3 || len(l.People) != 2 {
		t.Errorf("ledger since: %d units %d tasks %d people, gen %d whole %v %v", len(l.Units), len(l.Tasks), len(l.People), gen, whole, err)
	}
	if l, _, whole, _ := s.LedgerSince(ctx, ch1.Gen); whole || len(l.Tasks)+len(l.Units)+len(l.People) != 0 {
		t.Errorf("nothing changed, yet the ledger since holds %+v", l)
	}
	defer func(n int) { changeLogCap = n }(changeLogCap)
	changeLogCap = 4
	for range 2 * changeLogCap {
		if _, err := s.Apply(ctx, "T001", "", randomChange(r, "wang")); err != nil {
			t.Fatal(err)
		}
	}
	if ch, _ := s.ChangesSince(ctx, ch1.Gen); !ch.All {
		t.Errorf("more changes than remembered, yet not everything: %d tasks", len(ch.Tasks))
	}
}

// What the view hands out is the caller's: sorting or changing it leaves
// the view as it was.
func TestViewCopiesOut(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	l := sampleLedger()
	l.Tasks[0].Extension = &duban.Extension{Deadline: duban.NewDate(2018, 1, 1), Reason: "原因"}
	if _, err := s.Import(ctx, l, "import", at); err != nil {
		t.Fatal(err)
	}
	if err := s.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	ts, _ := s.Tasks(ctx, TaskFilter{Unit: "U01"})
	slices.Reverse(ts)
	ts[0].Title = "改了"
	for i := range ts {
		if ts[i].Extension != nil {
			ts[i].Extension.Reason = "改了"
		}
	}
	ps, _ := s.People(ctx)
	ps[0].Posts[0].Scope = "改了"
	one, _ := s.Person(ctx, "wang")
	one.Posts[0].Scope = "改了"
	us, _ := s.Units(ctx)
	us[0].Group = "改了"
	checkView(t, s, "after callers changed what they were given")
}

// Two changes to one task may reach the view out of their commit order: the
// view keeps the later by history seq, whatever order they arrive in.
func TestViewKeepsLaterChange(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	if err := s.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	tk, _ := s.Task(ctx, "T002")
	later, earlier := tk, tk
	later.Progress, earlier.Progress = "第二次", "第一次"
	s.putTask(later, 7)
	s.putTask(earlier, 6)
	if got, _ := s.Task(ctx, "T002"); got.Progress != "第二次" {
		t.Errorf("the earlier change, arriving last, replaced the later: %q", got.Progress)
	}
	s.putTask(earlier, 8)
	if got, _ := s.Task(ctx, "T002"); got.Progress != "第一次" {
		t.Errorf("a later change was not taken: %q", got.Progress)
	}
}

// A released notice logged on the view an import has just replaced (the
// sender loaded it before the import swapped it) must not shift the
// generations of the new view: every later change is still reported.
func TestChangesSinceAfterStaleTouch(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	if err := s.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	old := s.lv.Load()
	if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	s.touchView(old, []string{"T001"})
	ch, err := s.ChangesSince(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(2, 2))
	for _, id := range []string{"T002", "T003", "T001"} {
		if _, err := s.Apply(ctx, id, "", randomChange(r, "LiLei")); err != nil {
			t.Fatal(err)
		}
		next, err := s.ChangesSince(ctx, ch.Gen)
		if err != nil {
			t.Fatal(err)
		}
		if !next.All && !slices.Equal(next.Tasks, []string{id}) {
			t.Errorf("after a change to %s, changes since %d: %+v", id, ch.Gen, next)
		}
		ch = next
	}
}

// A notice released to be planned again (its message failed for good) is a
// change for ChangesSince: its task's, or everything for one about no task
// (the calendar's), which only a whole reminder pass plans.
func TestChangesSinceAfterReleasedNotice(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	ch, err := s.ChangesSince(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	failed := Delivery{Status: DeliveryFailed, Error: "企业微信暂时无法访问", At: at}
	e := recordOne(t, s, "T002", "wang", "T002|overdue-1|wang|2026-09-30", at)
	if err := s.FinishOutgoing(ctx, e, failed); err != nil {
		t.Fatal(err)
	}
	next, _ := s.ChangesSince(ctx, ch.Gen)
	if next.All || !slices.Equal(next.Tasks, []string{"T002"}) {
		t.Errorf("after a notice of T002 was released: %+v", next)
	}
	e = recordOne(t, s, "", "wang", "|calendar|wang|2029-01-01", at)
	if err := s.FinishOutgoing(ctx, e, failed); err != nil {
		t.Fatal(err)
	}
	if last, _ := s.ChangesSince(ctx, next.Gen); !last.All {
		t.Errorf("after a calendar notice was released, not everything: %+v", last)
	}
}

// LedgerSinceWhere copies out only the tasks keep keeps, in ledger order,
// whole or since a generation, and leaves the view whole.
func TestLedgerSinceWhere(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	all, gen, _, err := s.LedgerSince(ctx, 0)
	if err != nil || len(all.Tasks) < 3 {
		t.Fatalf("the sample ledger: %d tasks, %v", len(all.Tasks), err)
	}
	notT002 := func(tk *duban.Task) bool { return tk.ID != "T002" }
	want := slices.DeleteFunc(slices.Clone(all.Tasks), func(tk duban.Task) bool { return tk.ID == "T002" })
	l, gen2, whole, err := s.LedgerSinceWhere(ctx, 0, notT002)
	if err != nil || !whole || gen2 != gen || !reflect.DeepEqual(l.Tasks, want) || len(l.Units) != len(all.Units) || len(l.People) != len(all.People) {
		t.Errorf("whole, T002 left out: %d tasks (want %d), %d units, whole %v, %v", len(l.Tasks), len(want), len(l.Units), whole, err)
	}
	r := rand.New(rand.NewPCG(2, 2))
	for _, id := range []string{"T002", "T003"} {
		if _, err := s.Apply(ctx, id, "", randomChange(r, "LiLei")); err != nil {
			t.Fatal(err)
		}
	}
	since, _, _, _ := s.LedgerSince(ctx, gen)
	l, _, whole, err = s.LedgerSinceWhere(ctx, gen, notT002)
	want = slices.DeleteFunc(slices.Clone(since.Tasks), func(tk duban.Task) bool { return tk.ID == "T002" })
	if err != nil || whole || len(want) == len(since.Tasks) || !reflect.DeepEqual(l.Tasks, want) {
		t.Errorf("since, T002 left out: %d tasks, want %d of %d, whole %v, %v", len(l.Tasks), len(want), len(since.Tasks), whole, err)
	}
	if again, _, _, _ := s.LedgerSince(ctx, 0); len(again.Tasks) != len(all.Tasks) {
		t.Errorf("the view lost tasks to a filtered read: %d, want %d", len(again.Tasks), len(all.Tasks))
	}
}
