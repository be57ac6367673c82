package store

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
)

// provinceLedger is a generated province as the store imports it.
func provinceLedger(units, tasks int, seed uint64) duban.Ledger {
	p := province.Generate(province.Size{Units: units, Tasks: tasks, Today: duban.NewDate(2017, 11, 20), Seed: seed})
	return duban.Ledger{Units: p.Units, People: p.People, Tasks: p.Tasks}
}

// dump returns every key and value of the store but the import's own
// bookkeeping (meta/import, meta/importgen).
func dump(t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := s.view(context.Background(), func(txn *badger.Txn) error {
		return scanPrefix(txn, nil, false, func(key, val []byte) error {
			if !strings.HasPrefix(string(key), "meta/import") {
				out[string(key)] = string(val)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func reopen(t *testing.T, s *Store) *Store {
	t.Helper()
	dir := s.Dir()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func assertNoStage(t *testing.T, s *Store) {
	t.Helper()
	for k := range dump(t, s) {
		if strings.HasPrefix(k, "stage/") {
			t.Fatalf("staged key %s left behind", k)
		}
	}
	err := s.view(context.Background(), func(txn *badger.Txn) error { return getJSON(txn, keyImport, &importMark{}) })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("import mark left behind: %v", err)
	}
}

// A list far beyond one transaction (the old limit was ~3,700 tasks) goes in
// whole, indexes and history included, and a re-import that moves a unit to
// another group and a task to another unit files them right.
func TestImportOfAnySize(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	l := provinceLedger(500, 5000, 1)
	var calls int
	var last ImportProgress
	st, err := s.ImportWatched(ctx, l, "import", at, func(p ImportProgress) { calls++; last = p })
	if err != nil {
		t.Fatal(err)
	}
	if st.TasksAdded != 5000 || st.Units != 500 || st.People != len(l.People) {
		t.Fatalf("stats %+v", st)
	}
	if calls < 2 || last.Applied != last.Writes || last.Writes < 5000*7 {
		t.Errorf("progress: %d calls, last %+v", calls, last)
	}
	assertNoStage(t, s)
	all, err := s.Tasks(ctx, TaskFilter{})
	if err != nil || len(all) != 5000 {
		t.Fatalf("tasks: %d %v", len(all), err)
	}
	inUnit, _ := s.Tasks(ctx, TaskFilter{Unit: "U00007"})
	if len(inUnit) != 10 {
		t.Errorf("unit U00007 has %d tasks, want 10", len(inUnit))
	}
	if h, _ := s.History(ctx, "T000008"); len(h) != 1 || h[0].Action != duban.ActImport || h[0].Seq != 1 {
		t.Errorf("history of T000008: %+v", h)
	}

	// Re-import: U00007 moves from 省直组 to 江城组; T000008 (of U00007) moves to U00300.
	l.Units[7].Group = "江城组"
	for i := range l.Tasks {
		if l.Tasks[i].ID == "T000008" {
			l.Tasks[i].Unit = "U00300"
		}
	}
	st, err = s.Import(ctx, l, "import", at.Add(1))
	if err != nil {
		t.Fatal(err)
	}
	if st.TasksChanged != 1 || st.TasksUnchanged != 4999 {
		t.Errorf("re-import stats %+v", st)
	}
	u100, _ := s.Unit(ctx, "U00300")
	for _, g := range []string{"省直组", "江城组", u100.Group} {
		tasks, err := s.Tasks(ctx, TaskFilter{Group: g})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range tasks {
			u, _ := s.Unit(ctx, tk.Unit)
			if u.Group != g {
				t.Errorf("task %s of %s (%s) listed under group %s", tk.ID, tk.Unit, u.Group, g)
			}
		}
	}
	moved, _ := s.Tasks(ctx, TaskFilter{Unit: "U00007"})
	if len(moved) != 9 {
		t.Errorf("U00007 has %d tasks after the move, want 9", len(moved))
	}
	if h, _ := s.History(ctx, "T000008"); len(h) != 2 || h[1].Before == nil || h[1].Before.Unit != "U00007" {
		t.Errorf("history of T000008 after the move: %+v", h)
	}
	assertNoStage(t, s)
}

// A list with problems is refused whole, naming every problem, and writes
// nothing.
func TestImportRefusesBadListWhole(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s)
	l := provinceLedger(500, 5000, 2)
	l.Tasks[4000].Unit = "NOPE"
	l.Tasks[4500].ID = l.Tasks[10].ID
	_, err := s.Import(ctx, l, "import", at)
	if duban.ErrorCode(err) != duban.EINVALID {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"NOPE", "T000011 重复", "未导入任何数据"} {
		if !strings.Contains(duban.ErrorMessage(err), want) {
			t.Errorf("error %q does not say %q", duban.ErrorMessage(err), want)
		}
	}
	if after := dump(t, s); !maps.Equal(before, after) {
		t.Error("a refused import changed the store")
	}
}

// stageOnly runs an import up to (not including) the switch, as a process
// killed while staging leaves it.
func stageOnly(t *testing.T, s *Store, l duban.Ledger) importMark {
	t.Helper()
	ctx := context.Background()
	mark, err := s.beginImport(ctx, "import", at)
	if err != nil {
		t.Fatal(err)
	}
	_, _, writes, err := s.stageImport(ctx, mark.Gen, l, "import", at, func(ImportProgress) {})
	if err != nil {
		t.Fatal(err)
	}
	mark.Writes = writes
	return mark
}

// Killed before the switch: the next open finds the ledger as it was and the
// stage gone, and the same import then goes through.
func TestImportInterruptedBeforeSwitch(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s)
	l := provinceLedger(400, 4000, 3)
	stageOnly(t, s, l)
	s = reopen(t, s)
	if after := dump(t, s); !maps.Equal(before, after) {
		t.Fatalf("ledger changed by an import never committed (%d keys before, %d after)", len(before), len(after))
	}
	assertNoStage(t, s)
	if _, err := s.Apply(ctx, "T002", "", func(tk duban.Task, _ duban.Unit) (duban.Task, duban.Change, error) {
		tk.Status = duban.StatusInProgress
		return tk, duban.Change{TaskID: tk.ID, By: "LiLei", At: at, Action: duban.ActProgress}, nil
	}); err != nil {
		t.Fatalf("the old ledger is not usable: %v", err)
	}
	if st, err := s.Import(ctx, l, "import", at); err != nil || st.TasksAdded != 4000 {
		t.Fatalf("import after the interrupted one: %+v %v", st, err)
	}
}

// Killed after the switch, part way through applying: the next open
// finishes the import, ending exactly as an uninterrupted one.
func TestImportInterruptedAfterSwitch(t *testing.T) {
	ctx := context.Background()
	l := provinceLedger(300, 3000, 4)
	ref := openTemp(t)
	for _, s := range []*Store{ref} {
		if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Import(ctx, l, "import", at); err != nil {
			t.Fatal(err)
		}
	}
	want := dump(t, ref)

	for _, applied := range []int{0, 10_000, -1} { // -1: all applied, mark not yet deleted
		s := openTemp(t)
		if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
			t.Fatal(err)
		}
		mark := stageOnly(t, s, l)
		if _, err := s.commitImport(ctx, mark, mark.Writes); err != nil {
			t.Fatal(err)
		}
		applyFirst(t, s, mark, applied)
		s = reopen(t, s)
		assertNoStage(t, s)
		if got := dump(t, s); !maps.Equal(got, want) {
			t.Errorf("applied %d before the crash: the finished import differs from an uninterrupted one (%d keys, want %d)", applied, len(got), len(want))
		}
	}
}

// applyFirst applies the first n staged writes of mark (all when n < 0), as
// a process killed while rolling forward leaves them.
func applyFirst(t *testing.T, s *Store, mark importMark, n int) {
	t.Helper()
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	i := 0
	err := s.view(context.Background(), func(txn *badger.Txn) error {
		return scanPrefix(txn, stagePrefix(mark.Gen), false, func(_, val []byte) error {
			if n >= 0 && i == n {
				return nil
			}
			i++
			op, key, v, err := decodeOp(val)
			if err != nil {
				return err
			}
			if op == opSet {
				return wb.Set(key, v)
			}
			return wb.Delete(key)
		})
	})
	if err == nil {
		err = wb.Flush()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkImportProvince imports 100,000 tasks in 10,000 units (23,371
// people) into a new on-disk store. The whole command, reading the list
// included, is measured by cmd/duban's BenchmarkImportCommand.
func BenchmarkImportProvince(b *testing.B) {
	l := provinceLedger(10_000, 100_000, 1)
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		s, err := Open(b.TempDir(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		before := cpuTime()
		if _, err := s.Import(context.Background(), l, "import", at); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - before
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// cpuTime is the CPU time the process has used (all threads, GC and
// Badger's compactions included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// PeopleConcerned reads the post index, which follows a re-import that
// changes posts, and is built for a store of layout 2.
func TestPeopleConcerned(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	l := sampleLedger()
	l.People = append(l.People,
		duban.Person{UserID: "Boss", Name: "韩一", Posts: []duban.Post{{Role: duban.RoleHead, Scope: "U01"}}},
		duban.Person{UserID: "office", Name: "编办", Posts: []duban.Post{{Role: duban.RoleAdmin}}},
		duban.Person{UserID: "zhao", Name: "赵二", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "U02"}}})
	if _, err := s.Import(ctx, l, "import", at); err != nil {
		t.Fatal(err)
	}
	ids := func(u duban.Unit) string {
		t.Helper()
		people, err := s.PeopleConcerned(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range people {
			out = append(out, p.UserID)
		}
		return strings.Join(out, " ")
	}
	u01 := duban.Unit{Code: "U01", Group: "政府组"}
	if got := ids(u01); got != "Boss LiLei office wang" {
		t.Errorf("concerned with U01: %q", got)
	}
	// zhao moves to U01 and becomes 督办组长 of 政府组 too; Boss leaves.
	l.People[4].Posts = []duban.Post{{Role: duban.RoleContact, Scope: "U01"}, {Role: duban.RoleLeader, Scope: "政府组"}}
	l.People[2].Posts = []duban.Post{{Role: duban.RoleHead, Scope: "U02"}}
	if _, err := s.Import(ctx, l, "import", at); err != nil {
		t.Fatal(err)
	}
	if got := ids(u01); got != "LiLei office wang zhao" {
		t.Errorf("concerned with U01 after the re-import: %q", got)
	}
	if got := ids(duban.Unit{Code: "U02", Group: "党群组"}); got != "Boss office" {
		t.Errorf("concerned with U02 after the re-import: %q", got)
	}

	// Layout 2 had no post index: opening builds it.
	err := s.update(ctx, func(txn *badger.Txn) error {
		if err := scanPrefix(txn, []byte("idx/post/"), true, func(key, _ []byte) error { return txn.Delete(bytes.Clone(key)) }); err != nil {
			return err
		}
		return putJSON(txn, keySchema, 2)
	})
	if err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s)
	if got := ids(u01); got != "LiLei office wang zhao" {
		t.Errorf("concerned with U01 after migrating from layout 2: %q", got)
	}
}

// An import cancelled while staging returns the context's error and leaves
// the store as it was, stage included.
func TestImportCancelledWhileStaging(t *testing.T) {
	s := openTemp(t)
	if _, err := s.Import(context.Background(), sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := s.ImportWatched(ctx, provinceLedger(400, 4000, 6), "import", at, func(p ImportProgress) {
		if p.Rows > 0 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	assertNoStage(t, s)
	if after := dump(t, s); !maps.Equal(before, after) {
		t.Error("a cancelled import changed the store")
	}
}

// A change made while an import is being written waits for it and is not
// lost: the import's staged copy of the task cannot overwrite it.
func TestChangeDuringImportWaits(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	l := provinceLedger(300, 3000, 7)
	if _, err := s.Import(ctx, l, "import", at); err != nil {
		t.Fatal(err)
	}
	l.Tasks[0].Title = "改过的任务事项" // the re-import changes T000001
	applied := make(chan error, 1)
	started := false
	_, err := s.ImportWatched(ctx, l, "import", at, func(p ImportProgress) {
		if started {
			return
		}
		started = true
		go func() {
			_, err := s.Apply(ctx, "T000001", "", func(tk duban.Task, _ duban.Unit) (duban.Task, duban.Change, error) {
				tk.Progress = "导入期间报送的进展"
				return tk, duban.Change{TaskID: tk.ID, By: "cU00000", At: at, Action: duban.ActProgress}, nil
			})
			applied <- err
		}()
		time.Sleep(50 * time.Millisecond) // let Apply reach the lock
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-applied; err != nil {
		t.Fatal(err)
	}
	tk, err := s.Task(ctx, "T000001")
	if err != nil || tk.Title != "改过的任务事项" || tk.Progress != "导入期间报送的进展" {
		t.Fatalf("T000001 after an import and a change made during it: %+v %v", tk, err)
	}
	if h, _ := s.History(ctx, "T000001"); len(h) != 3 || h[1].Action != duban.ActImport || h[2].Action != duban.ActProgress {
		t.Errorf("history: %+v", h)
	}
}
