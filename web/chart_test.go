package web

import (
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/remind"
)

func TestOverdueOnRebuildsTheStateFromHistory(t *testing.T) {
	loc := time.UTC
	day := func(m time.Month, d int) duban.Date { return duban.NewDate(2026, m, d) }
	at := func(m time.Month, d int) time.Time { return day(m, d).Time(loc).Add(10 * time.Hour) }
	changes := []duban.Change{
		{At: at(10, 1), Action: duban.ActImport, ToStatus: duban.StatusNotStarted, ToDeadline: day(11, 10)},
		// An extension request names a date that is not the deadline.
		{At: at(11, 5), Action: duban.ActExtend, FromStatus: duban.StatusNotStarted, ToStatus: duban.StatusNotStarted, FromDeadline: day(11, 10), ToDeadline: day(12, 31)},
		{At: at(11, 12), Action: duban.ActDenied},
		{At: at(11, 15), Action: duban.ActApprove, FromStatus: duban.StatusNotStarted, ToStatus: duban.StatusNotStarted, FromDeadline: day(11, 10), ToDeadline: day(11, 20)},
		{At: at(11, 25), Action: duban.ActReport, FromStatus: duban.StatusNotStarted, ToStatus: duban.StatusReported, FromDeadline: day(11, 20), ToDeadline: day(11, 20)},
	}
	for _, c := range []struct {
		d    duban.Date
		want bool
	}{
		{day(9, 30), false}, // before the task existed
		{day(11, 10), false},
		{day(11, 11), true},
		{day(11, 14), true}, // the request did not move the deadline
		{day(11, 15), false},
		{day(11, 21), true},
		{day(11, 25), false}, // reported that day
	} {
		if got := overdueOn(changes, c.d, loc); got != c.want {
			t.Errorf("%s: overdue %v, want %v", c.d, got, c.want)
		}
	}
}

func TestChartsCountAndEscape(t *testing.T) {
	today := duban.NewDate(2026, 11, 30) // a Monday
	tasks := []duban.Task{
		{ID: "a", Status: duban.StatusNotStarted, Deadline: today},
		{ID: "b", Status: duban.StatusInProgress, Deadline: today.AddDays(6)},
		{ID: "c", Status: duban.StatusNotStarted, Deadline: today.AddDays(7)},
		{ID: "d", Status: duban.StatusVerified, Deadline: today.AddDays(1)},    // closed: not due
		{ID: "e", Status: duban.StatusNotStarted, Deadline: today.AddDays(-1)}, // overdue: not ahead
		{ID: "f", Status: duban.StatusNotStarted, Deadline: today.AddDays(70)}, // beyond eight weeks
	}
	svg := string(dueChart("到期", tasks, today))
	if !strings.Contains(svg, `class="value">2</text>`) || !strings.Contains(svg, `class="value">1</text>`) || !strings.Contains(svg, ">本周<") {
		t.Errorf("due chart:\n%s", svg)
	}
	if strings.Count(svg, `class="value">`) != 8 {
		t.Errorf("want eight weeks")
	}
	svg = string(completionChart("完成率", []remind.Standing{{Name: `<script>x</script>`, Total: 4, Verified: 1, Reported: 1}}))
	if strings.Contains(svg, "<script>") || !strings.Contains(svg, "&lt;script&gt;") || !strings.Contains(svg, "25%（1/4）") {
		t.Errorf("completion chart:\n%s", svg)
	}
}
