package remind

import (
	"testing"

	"github.com/duban-org/duban"
)

func TestCompare(t *testing.T) {
	then := ComputeBulletin(bulletinLedger(), Defaults(), DefaultCalendar(), at("2026-10-12 16:00"))
	then.No, then.Year = 2, 2026
	l := bulletinLedger()
	for i := range l.Tasks {
		switch l.Tasks[i].ID {
		case "T3": // overdue then; extended since: not overdue now
			l.Tasks[i].Deadline = date("2026-11-30")
		case "T6": // overdue now, and still
		case "T5": // 已报完成 then, 销号 since: U3 cleared
			l.Tasks[i].Status = duban.StatusVerified
		}
	}
	now := ComputeBulletin(l, Defaults(), DefaultCalendar(), at("2026-10-22 16:00"))
	c := Compare(then, now)
	if c.Since != "2026年第2期" || !c.SinceAt.Equal(at("2026-10-12 16:00")) {
		t.Errorf("since %q %v", c.Since, c.SinceAt)
	}
	if c.Verified != 1 || c.Rate < 16.6 || c.Rate > 16.7 {
		t.Errorf("rate +%.2f points, verified +%d; want +16.67 and +1", c.Rate, c.Verified)
	}
	if len(c.NewlyCleared) != 1 || c.NewlyCleared[0].Code != "U3" {
		t.Errorf("newly cleared %+v", c.NewlyCleared)
	}
	// Then (10-12) only T3 was overdue; now T4 (due 10-20) and T6 (due
	// 10-14) are, and T3 no longer is.
	var fresh []string
	for _, l := range c.NewlyOverdue {
		for _, it := range l.Tasks {
			fresh = append(fresh, it.TaskID)
		}
	}
	if len(fresh) != 2 || c.NewlyOverdueTasks() != 2 || c.Resolved != 1 {
		t.Errorf("newly overdue %v (%d), resolved %d; want T4 and T6, 1 resolved", fresh, c.NewlyOverdueTasks(), c.Resolved)
	}
	// A bulletin compared with itself changed nothing.
	if same := Compare(now, now); same.Rate != 0 || len(same.NewlyCleared) != 0 || len(same.NewlyOverdue) != 0 || same.Resolved != 0 {
		t.Errorf("self comparison %+v", same)
	}
}
