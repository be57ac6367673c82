package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

var at = time.Date(2017, 11, 20, 9, 0, 0, 0, time.UTC)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sampleLedger() duban.Ledger {
	return duban.Ledger{
		Units: []duban.Unit{
			{Code: "U01", Name: "市财政局", Group: "政府组"},
			{Code: "U02", Name: "市委办公室", Group: "党群组"},
		},
		People: []duban.Person{
			{UserID: "LiLei", Name: "李雷", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "U01"}}},
			{UserID: "wang", Name: "王组长", Posts: []duban.Post{{Role: duban.RoleLeader, Scope: "政府组"}}},
		},
		Tasks: []duban.Task{
			{ID: "t001", Unit: "U01", Title: "制定方案", Deadline: duban.NewDate(2017, 12, 31)},
			{ID: "T002", Unit: "U01", Title: "方案报编办审核", Deadline: duban.NewDate(2017, 12, 15)},
			{ID: "T003", Unit: "U02", Title: "设置法制机构", Deadline: duban.NewDate(2018, 1, 10)},
		},
	}
}

func TestImportAndIndexes(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	st, err := s.Import(ctx, sampleLedger(), "import", at)
	if err != nil {
		t.Fatal(err)
	}
	if st.TasksAdded != 3 || st.Units != 2 {
		t.Fatalf("stats %+v", st)
	}
	tk, err := s.Task(ctx, "T001")
	if err != nil || tk.Status != duban.StatusNotStarted || tk.ID != "T001" {
		t.Fatalf("task: %+v %v", tk, err)
	}
	if _, err := s.Person(ctx, "lilei"); err != nil {
		t.Errorf("person lookup is not case-insensitive: %v", err)
	}
	ids := func(f TaskFilter) []string {
		ts, err := s.Tasks(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, t := range ts {
			out = append(out, t.ID)
		}
		return out
	}
	if got := ids(TaskFilter{Unit: "U01"}); len(got) != 2 || got[0] != "T002" {
		t.Errorf("unit U01 by deadline: %v", got)
	}
	if got := ids(TaskFilter{Group: "党群组"}); len(got) != 1 || got[0] != "T003" {
		t.Errorf("group: %v", got)
	}
	if got := ids(TaskFilter{Unit: "U01", Group: "党群组"}); len(got) != 0 {
		t.Errorf("unit outside group: %v", got)
	}
	due, err := s.TasksDue(ctx, duban.NewDate(2017, 12, 15), duban.NewDate(2017, 12, 31))
	if err != nil || len(due) != 2 {
		t.Errorf("due: %v %v", due, err)
	}

	// Re-import: U02 moves group, T003 gets a new deadline; state and history stay.
	if _, err := s.Apply(ctx, "T003", "m1", reportDone("wang2", "U02")); err != nil {
		t.Fatal(err)
	}
	l := sampleLedger()
	l.Units[1].Group = "政府组"
	l.Tasks[2].Deadline = duban.NewDate(2018, 2, 1)
	st, err = s.Import(ctx, l, "import", at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if st.TasksChanged != 1 || st.TasksUnchanged != 2 {
		t.Errorf("re-import stats %+v", st)
	}
	if got := ids(TaskFilter{Group: "政府组"}); len(got) != 3 {
		t.Errorf("moved unit's tasks not re-filed: %v", got)
	}
	if got := ids(TaskFilter{Group: "党群组"}); len(got) != 0 {
		t.Errorf("stale group index: %v", got)
	}
	tk, _ = s.Task(ctx, "T003")
	if tk.Status != duban.StatusReported || tk.Deadline != duban.NewDate(2018, 2, 1) {
		t.Errorf("re-import lost state or deadline: %+v", tk)
	}
	h, err := s.History(ctx, "T003")
	if err != nil || len(h) != 3 || h[1].Action != duban.ActReport || h[2].FromDeadline != duban.NewDate(2018, 1, 10) {
		t.Errorf("history: %+v %v", h, err)
	}
	if due, _ := s.TasksDue(ctx, duban.NewDate(2018, 1, 10), duban.NewDate(2018, 1, 10)); len(due) != 0 {
		t.Errorf("stale deadline index: %v", due)
	}
}

func reportDone(user, unit string) ApplyFunc {
	p := duban.Person{UserID: user, Posts: []duban.Post{{Role: duban.RoleContact, Scope: unit}}}
	return func(t duban.Task, u duban.Unit) (duban.Task, duban.Change, error) {
		return duban.Apply(t, u, duban.Request{Action: duban.ActReport, By: p, MsgID: "m1", At: at})
	}
}

func TestApplyReplayAndRefusal(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	a, err := s.Apply(ctx, "t001", "msg:42", reportDone("lilei", "U01"))
	if err != nil || a.Replayed || a.Task.Status != duban.StatusReported {
		t.Fatalf("first apply: %+v %v", a, err)
	}
	again, err := s.Apply(ctx, "T001", "msg:42", reportDone("lilei", "U01"))
	if err != nil || !again.Replayed || again.Change.Seq != a.Change.Seq {
		t.Fatalf("replay: %+v %v", again, err)
	}
	// A refusal writes nothing.
	_, err = s.Apply(ctx, "T001", "msg:43", reportDone("lilei", "U01"))
	if duban.ErrorCode(err) != duban.ECONFLICT {
		t.Fatalf("second report: %v", err)
	}
	if h, _ := s.History(ctx, "T001"); len(h) != 2 {
		t.Errorf("refusal left history: %d entries", len(h))
	}
	if _, err := s.Apply(ctx, "T999", "", reportDone("lilei", "U01")); duban.ErrorCode(err) != duban.ENOTFOUND {
		t.Errorf("unknown task: %v", err)
	}
}

func TestUndoChecksInsideTheTransaction(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	lilei := duban.Person{UserID: "lilei", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "U01"}}}
	undo := func(msg string) (Applied, error) {
		return s.Undo(ctx, "LILEI", msg, func(tk duban.Task, last duban.Change) (duban.Task, duban.Change, error) {
			return duban.Undo(tk, last, duban.Request{By: lilei, At: at, MsgID: msg}, time.Hour)
		})
	}
	if _, err := undo("msg:0"); duban.ErrorCode(err) != duban.ECONFLICT {
		t.Fatalf("undo with no change: %v", err)
	}
	if _, err := s.Apply(ctx, "T001", "msg:1", reportDone("lilei", "U01")); err != nil {
		t.Fatal(err)
	}
	// A history-only entry (a refusal, a proposal) does not block 撤销.
	if err := s.Record(ctx, duban.Change{TaskID: "T001", At: at, By: "zhao", Action: duban.ActDenied, Note: "不是该单位"}); err != nil {
		t.Fatal(err)
	}
	a, err := undo("msg:2")
	if err != nil || a.Task.Status != duban.StatusNotStarted {
		t.Fatalf("undo: %+v %v", a, err)
	}
	if again, err := undo("msg:2"); err != nil || !again.Replayed || again.Change.Seq != a.Change.Seq {
		t.Fatalf("replayed undo: %+v %v", again, err)
	}
	// Someone else's change in between makes the undo refuse.
	if _, err := s.Apply(ctx, "T001", "msg:3", reportDone("lilei", "U01")); err != nil {
		t.Fatal(err)
	}
	leader := duban.Person{UserID: "wang", Posts: []duban.Post{{Role: duban.RoleLeader, Scope: "政府组"}}}
	if _, err := s.Apply(ctx, "T001", "msg:4", func(tk duban.Task, u duban.Unit) (duban.Task, duban.Change, error) {
		return duban.Apply(tk, u, duban.Request{Action: duban.ActVerify, By: leader, At: at})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := undo("msg:5"); duban.ErrorCode(err) != duban.ECONFLICT {
		t.Fatalf("undo over another's change: %v", err)
	}
	if tk, _ := s.Task(ctx, "T001"); tk.Status != duban.StatusVerified {
		t.Fatalf("the leader's 销号 was undone: %+v", tk)
	}
}

func TestSecondOpenFailsClearly(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = Open(dir, Options{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
}

func TestDurableAcrossReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, err := s.Snapshot(ctx)
	if err != nil || len(l.Tasks) != 3 || len(l.Units) != 2 || len(l.People) != 2 {
		t.Fatalf("snapshot after reopen: %+v %v", l, err)
	}
}

// EachTask streams what Tasks returns, in the same order, for every filter.
func TestEachTaskMatchesTasks(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	l := provinceLedger(200, 2000, 5)
	if _, err := s.Import(ctx, l, "import", at); err != nil {
		t.Fatal(err)
	}
	for _, f := range []TaskFilter{{}, {Unit: "U00017"}, {Group: "江城组"}, {Status: duban.StatusReported},
		{Unit: "U00017", Group: "江城组"}, {Unit: "U00017", Group: "省直组"}, {Unit: "NONE"}, {Group: "江城组", Status: duban.StatusVerified}} {
		want, err := s.Tasks(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var got []duban.Task
		if err := s.EachTask(ctx, f, func(tk duban.Task) error { got = append(got, tk); return nil }); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountTasks(ctx, f); err != nil || n != len(want) {
			t.Errorf("%+v: CountTasks = %d, %v; want %d", f, n, err, len(want))
		}
		if len(got) != len(want) {
			t.Errorf("%+v: EachTask gave %d tasks, Tasks %d", f, len(got), len(want))
			continue
		}
		for i := range got {
			if got[i].ID != want[i].ID {
				t.Errorf("%+v: task %d is %s, want %s", f, i, got[i].ID, want[i].ID)
				break
			}
		}
	}
	stop := errors.New("stop")
	n := 0
	if err := s.EachTask(ctx, TaskFilter{}, func(duban.Task) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("EachTask did not stop at fn's error: %v after %d", err, n)
	}
}
