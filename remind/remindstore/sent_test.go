package remindstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/store"
)

// unsentByBadger returns the notices of ns whose keys Badger does not hold
// (each task's records read afresh), in order.
func unsentByBadger(t *testing.T, s *store.Store, ns []remind.Notice) []remind.Notice {
	t.Helper()
	held := map[string]map[string]bool{}
	var out []remind.Notice
	for _, n := range ns {
		keys, ok := held[n.TaskID]
		if !ok {
			recs, err := s.NoticesOf(context.Background(), n.TaskID)
			if err != nil {
				t.Fatal(err)
			}
			keys = map[string]bool{}
			for _, r := range recs {
				keys[r.Key] = true
			}
			held[n.TaskID] = keys
		}
		if !keys[n.Key()] {
			out = append(out, n)
		}
	}
	return out
}

func keysOf(ns []remind.Notice) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Key()
	}
	return out
}

// Day after day of reports, 销号, 驳回, approved extensions, messages that
// fail for good, restarts (the notice index built again, or not), days
// duban was down and a holiday notice imported half way, every first pass
// of a day carries exactly the notices Plan gives that Badger does not
// hold, in the same digests — whatever the planner left out as sent before
// — and after every pass nothing Plan gives is left unrecorded: a step
// missed is superseded, never lost, and nothing goes twice.
func TestPassesCarryWhatBadgerLacks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTestStore(t, dir)
	defer func() { s.Close() }()
	l := remindLedger(8, "2026-10-20")
	l.People = append(l.People,
		duban.Person{UserID: "L2", Name: "副组长", Posts: []duban.Post{{Role: duban.RoleLeader, Scope: "政府组"}}},
		duban.Person{UserID: "A2", Name: "编办", Posts: []duban.Post{{Role: duban.RoleAdmin}}})
	for i := range l.Tasks {
		l.Tasks[i].Deadline = mustDate("2026-10-12").AddDays(i * 3)
	}
	if _, err := s.Import(ctx, l, "test", shAt("2026-10-09 10:00")); err != nil {
		t.Fatal(err)
	}
	if err := s.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	policy := remind.Defaults()
	policy.VerifyAfterWorkdays = 1
	r := &remind.Runner{Source: s, Log: NoticeLog{s}, Policy: policy, Calendar: remind.DefaultCalendar()}
	rng := rand.New(rand.NewPCG(17, 2026))
	apply := func(id string, req duban.Request) {
		t.Helper()
		if _, err := s.Apply(ctx, id, "", act(req)); err != nil {
			t.Logf("%s %s: %v", id, req.Action, err) // not allowed in the task's state
		}
	}
	contact := func(id string) duban.Person {
		i := id[1:]
		return duban.Person{UserID: "c" + i, Name: "联络员", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "U" + i}}}
	}
	skipped := 0
	day := mustDate("2026-10-12")
	for range 70 {
		day = day.AddDays(1)
		now := shAt(day.String() + " 09:30")
		if day == mustDate("2026-11-16") {
			// 编办 imports a notice making two past working days holidays:
			// the overdue counts drop, and steps recorded come due again.
			days := append(remind.DefaultCalendar().Days(2026),
				remind.CalendarDay{Date: mustDate("2026-11-10"), Name: "测试假日"},
				remind.CalendarDay{Date: mustDate("2026-11-12"), Name: "测试假日"})
			cal, err := remind.LoadCalendar("", remind.HolidayNotice{Year: 2026, Days: days})
			if err != nil {
				t.Fatal(err)
			}
			r.Calendar = cal
		}
		switch rng.IntN(8) {
		case 0:
			continue // duban was down all day
		case 1:
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openTestStore(t, dir)
			if rng.IntN(3) > 0 {
				if err := s.Warm(ctx); err != nil {
					t.Fatal(err)
				}
			}
			r = &remind.Runner{Source: s, Log: NoticeLog{s}, Policy: policy, Calendar: r.Calendar}
		}
		for range rng.IntN(3) {
			id := fmt.Sprintf("T%d", rng.IntN(len(l.Tasks)))
			at := now.Add(-time.Hour)
			switch rng.IntN(5) {
			case 0:
				apply(id, duban.Request{Action: duban.ActProgress, By: contact(id), Note: "推进中", At: at})
			case 1:
				apply(id, duban.Request{Action: duban.ActReport, By: contact(id), Note: "已完成", At: at})
			case 2:
				apply(id, duban.Request{Action: duban.ActVerify, By: leader, At: at})
			case 3:
				apply(id, duban.Request{Action: duban.ActReject, By: leader, Note: "材料不全", At: at})
			case 4:
				apply(id, duban.Request{Action: duban.ActExtend, By: contact(id), Deadline: day.AddDays(5 + rng.IntN(10)), Note: "需要时间", At: at})
				apply(id, duban.Request{Action: duban.ActApprove, By: leader, At: at.Add(time.Minute)})
			}
		}
		snap, err := s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := unsentByBadger(t, s, remind.Plan(snap, policy, r.Calendar, now))
		res, err := r.RunOnce(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Open {
			continue
		}
		skipped += res.PlannedSent
		if got := keysOf(res.Due); !slices.Equal(got, keysOf(want)) {
			t.Fatalf("%s: the pass carried %v, Plan less Badger gives %v", day, got, keysOf(want))
		}
		for i, m := range remind.Digest(want) {
			if i >= len(res.Messages) || res.Messages[i].Text != m.Text || !slices.Equal(res.Messages[i].NoticeKeys, m.NoticeKeys) {
				t.Fatalf("%s: message %d differs from the digest of what Badger lacks:\n%+v\nwant\n%+v", day, i, res.Messages[i], m)
			}
		}
		if left := unsentByBadger(t, s, remind.Plan(snap, policy, r.Calendar, now)); len(left) > 0 {
			t.Fatalf("%s: after the pass %v are still unrecorded", day, keysOf(left))
		}
		// The day's messages go out; now and then one fails for good, and
		// its notices are planned again.
		es, err := s.PendingOutgoing(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			d := store.Delivery{Status: store.DeliveryDelivered}
			if rng.IntN(6) == 0 {
				d = store.Delivery{Status: store.DeliveryFailed, Error: "errcode -1: system busy"}
			}
			if err := s.FinishOutgoing(ctx, e, d); err != nil {
				t.Fatal(err)
			}
		}
	}
	if skipped == 0 {
		t.Fatal("no pass left out a standing notice sent before: the test does not reach the rule")
	}
}
