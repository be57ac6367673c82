package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// trendByHistory counts, for each of days, the tasks of each group (and ""
// for all) overdue at its end, reading every task's history afresh.
func trendByHistory(t *testing.T, st *store.Store, loc *time.Location, days []duban.Date) []map[string]int {
	t.Helper()
	ctx := context.Background()
	tasks, err := st.Tasks(ctx, store.TaskFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]int, len(days))
	for i := range out {
		out[i] = map[string]int{}
	}
	for _, task := range tasks {
		u, err := st.Unit(ctx, task.Unit)
		if err != nil {
			t.Fatal(err)
		}
		hist, err := st.History(ctx, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range days {
			if overdueOn(hist, d, loc) {
				out[i][""]++
				out[i][u.Group]++
			}
		}
	}
	return out
}

func TestOverdueTrendKeepsPastDaysAndRecountsAfterAnImport(t *testing.T) {
	l := testLedger()
	l.Tasks[3].Deadline = duban.NewDate(2026, 11, 10) // T4, 党群组: overdue since 11-11
	r := newRigWith(t, l)
	ctx := context.Background()
	today := duban.NewDate(2026, 11, 30)
	days := trendDays(today)
	check := func(when string) {
		t.Helper()
		want := trendByHistory(t, r.st, r.srv.loc, days)
		for _, group := range []string{"", "政府组", "党群组"} {
			got, err := r.srv.trend.pastCounts(ctx, r.st, r.srv.loc, days, group)
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range days {
				if got[i] != want[i][group] {
					t.Errorf("%s: %q overdue at the end of %s: %d, history says %d", when, group, d, got[i], want[i][group])
				}
			}
		}
	}

	// T1 (政府组, due 11-20) was reported done on 11-24: overdue at the end
	// of 11-22, not of 11-29.
	r.clock.t = time.Date(2026, 11, 24, 10, 0, 0, 0, r.srv.loc)
	r.say("lilei", "完成 T1 方案已报编办", "m1")
	r.clock.t = time.Date(2026, 11, 30, 10, 0, 0, 0, r.srv.loc)
	check("after the report")
	got, _ := r.srv.trend.pastCounts(ctx, r.st, r.srv.loc, days, "")
	if n := len(days); got[n-2] != 2 || got[n-1] != 1 { // 11-22: T1 and T4; 11-29: T4
		t.Errorf("whole ledger on 11-22 and 11-29: %d and %d, want 2 and 1", got[n-2], got[n-1])
	}

	// A change today does not touch a past day.
	r.say("zhaoliu", "进展 T3 正在起草", "m2")
	check("after a change today")

	// An import moving T4 to 政府组 moves its past too (the page counts a
	// group's tasks as they are now).
	l.Tasks[3].Unit = "A2"
	if _, err := r.st.Import(ctx, l, "import", r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	check("after an import moved T4")
	if got, _ := r.srv.trend.pastCounts(ctx, r.st, r.srv.loc, days, "党群组"); got[len(days)-1] != 0 {
		t.Errorf("党群组 still counts T4 after it moved: %v", got)
	}

	_, page := r.get(r.login("zhou"), prefix+"/city")
	if !strings.Contains(page, "逾期任务数（近12周") {
		t.Errorf("city page lacks the trend chart")
	}
}
