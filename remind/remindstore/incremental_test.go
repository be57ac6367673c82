package remindstore

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/store"
)

var leader = duban.Person{UserID: "L1", Name: "组长", Posts: []duban.Post{{Role: duban.RoleLeader, Scope: "政府组"}}}

func act(r duban.Request) store.ApplyFunc {
	return func(t duban.Task, u duban.Unit) (duban.Task, duban.Change, error) { return duban.Apply(t, u, r) }
}

func recipients(ns []remind.Notice) []string {
	var to []string
	for _, n := range ns {
		to = append(to, n.TaskID+">"+n.To)
	}
	slices.Sort(to)
	return to
}

func mustRun(t *testing.T, r *remind.Runner, now time.Time) remind.Result {
	t.Helper()
	res, err := r.RunOnce(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A task changed after the morning pass gets its notices from the next
// pass, which plans only its unit; a pass with nothing changed plans nothing.
func TestIncrementalPassSeesChangedTask(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	l := remindLedger(3, "2026-09-30")
	l.Tasks[1].Status = duban.StatusReported // waiting for 销号: no reminder to its unit
	if _, err := s.Import(ctx, l, "test", shAt("2026-10-08 10:00")); err != nil {
		t.Fatal(err)
	}
	r := newRunner(s)
	morning := mustRun(t, r, shAt("2026-10-09 09:00"))
	if morning.Incremental || !slices.Equal(recipients(morning.Due), []string{"T0>c0", "T0>h0", "T2>c2", "T2>h2"}) {
		t.Fatalf("morning pass: incremental %v, due %v", morning.Incremental, recipients(morning.Due))
	}
	// 组长 sends the report back: T1 is open and overdue again.
	if _, err := s.Apply(ctx, "T1", "msg:1", act(duban.Request{Action: duban.ActReject, By: leader, Note: "材料不全", At: shAt("2026-10-09 09:10")})); err != nil {
		t.Fatal(err)
	}
	later := mustRun(t, r, shAt("2026-10-09 09:15"))
	if !later.Incremental || later.Queued != 2 || !slices.Equal(recipients(later.Due), []string{"T1>c1", "T1>h1"}) {
		t.Fatalf("pass after 驳回: incremental %v, queued %d, due %v; want T1's contact and head", later.Incremental, later.Queued, recipients(later.Due))
	}
	if got := recipients(later.Planned); !slices.Equal(got, []string{"T1>c1", "T1>h1"}) {
		t.Errorf("the incremental pass planned %v, want unit U1's notices alone", got)
	}
	quiet := mustRun(t, r, shAt("2026-10-09 09:30"))
	if !quiet.Incremental || len(quiet.Planned) != 0 || quiet.Queued != 0 {
		t.Errorf("nothing changed, yet the pass planned %d and queued %d (incremental %v)", len(quiet.Planned), quiet.Queued, quiet.Incremental)
	}
	// A dry run stays whole.
	dry, err := r.DryRun(ctx, shAt("2026-10-09 09:40"))
	if err != nil || dry.Incremental || len(dry.Planned) != 6 || len(dry.Due) != 0 {
		t.Errorf("dry run: incremental %v, planned %d, due %d, %v", dry.Incremental, len(dry.Planned), len(dry.Due), err)
	}
}

// The first pass of a new day is whole: every unit's ladder moves on.
func TestIncrementalNewDayIsWhole(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	if _, err := s.Import(ctx, remindLedger(2, "2026-09-30"), "test", shAt("2026-09-01 10:00")); err != nil {
		t.Fatal(err)
	}
	r := newRunner(s)
	mustRun(t, r, shAt("2026-10-09 09:00"))
	next := mustRun(t, r, shAt("2026-10-10 09:00")) // a make-up working day (调休): overdue-3, escalated
	if next.Incremental || len(next.Due) != 6 || next.Due[0].Stage != remind.StageOverdue(3) {
		t.Fatalf("next day: incremental %v, queued %d, due %+v", next.Incremental, next.Queued, next.Due)
	}
}

// A person added to a unit by an import is reminded by the next pass, the
// same day.
func TestIncrementalNewPersonReminded(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	l := remindLedger(2, "2026-09-30")
	if _, err := s.Import(ctx, l, "test", shAt("2026-09-01 10:00")); err != nil {
		t.Fatal(err)
	}
	r := newRunner(s)
	mustRun(t, r, shAt("2026-10-09 09:00"))
	added := duban.Ledger{People: []duban.Person{{UserID: "c0b", Name: "新联络员", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "U0"}}}}}
	if _, err := s.Import(ctx, added, "test", shAt("2026-10-09 09:05")); err != nil {
		t.Fatal(err)
	}
	res := mustRun(t, r, shAt("2026-10-09 09:15"))
	if res.Incremental || !slices.Equal(recipients(res.Due), []string{"T0>c0b"}) {
		t.Fatalf("after adding a contact: incremental %v, due %v; want the new contact reminded", res.Incremental, recipients(res.Due))
	}
}

// Notices left over by the per-person cap go out with the next passes,
// which stay incremental; one whose task changed meanwhile is planned again.
func TestIncrementalAfterDeferred(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	l := remindLedger(2, "2026-09-30")
	for _, id := range []string{"T0B", "T0C", "T1B", "T1C"} {
		l.Tasks = append(l.Tasks, duban.Task{ID: id, Unit: "U" + id[1:2], Title: "编制三定方案", Deadline: mustDate("2026-09-30")})
	}
	if _, err := s.Import(ctx, l, "test", shAt("2026-09-01 10:00")); err != nil {
		t.Fatal(err)
	}
	r := newRunner(s)
	r.Policy.MaxItemsPerDigest = 1
	pass := func(at string, incremental bool, want ...string) {
		t.Helper()
		res := mustRun(t, r, shAt("2026-10-09 "+at))
		if got := recipients(res.Due); res.Incremental != incremental || !slices.Equal(got, want) {
			t.Errorf("pass at %s: incremental %v, sent %v; want %v, %v", at, res.Incremental, got, incremental, want)
		}
	}
	pass("09:00", false, "T0>c0", "T0>h0", "T1>c1", "T1>h1")
	pass("09:15", true, "T0B>c0", "T0B>h0", "T1B>c1", "T1B>h1")
	c0 := duban.Person{UserID: "c0", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "U0"}}}
	if _, err := s.Apply(ctx, "T0C", "msg:2", act(duban.Request{Action: duban.ActReport, By: c0, Note: "已完成", At: shAt("2026-10-09 09:20")})); err != nil {
		t.Fatal(err)
	}
	pass("09:30", true, "T1C>c1", "T1C>h1") // T0C, reported done, is no longer chased
	pass("09:45", true)
}

// Another policy makes the next pass whole.
func TestIncrementalPolicyChangeIsWhole(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	if _, err := s.Import(ctx, remindLedger(1, "2026-10-12"), "test", shAt("2026-09-01 10:00")); err != nil {
		t.Fatal(err)
	}
	r := newRunner(s)
	r.Policy.BeforeDays = []int{1}
	if res := mustRun(t, r, shAt("2026-10-09 09:00")); res.Queued != 0 {
		t.Fatalf("3 days before the deadline, before_days 1 reminds nobody, yet %d were queued", res.Queued)
	}
	r.Policy.BeforeDays[0] = 3 // changed in place
	res := mustRun(t, r, shAt("2026-10-09 09:15"))
	if res.Incremental || res.Queued != 1 {
		t.Fatalf("after the policy changed: incremental %v, queued %d", res.Incremental, res.Queued)
	}
}
