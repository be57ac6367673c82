package web

// The overdue trend: how many tasks were overdue at the end of each of the
// last trendWeeks Sundays, and today. A day's count cannot change once the
// day is over (a change is stamped when it is made), so past days are
// counted from history once, in one pass over every task's history for the
// whole ledger and every group together, and kept until the ledger is
// rebuilt (an import may add or remove tasks: Store.ChangesSince says All).
// Today's count is the tasks' current state. Without this a province's
// page read every history entry (about 0.7 s at 100,000 tasks) on each view.

import (
	"context"
	"fmt"
	"html/template"
	"sync"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// trendWeeks is how far back the overdue trend looks.
const trendWeeks = 12

// trendCache holds past days' overdue counts.
type trendCache struct {
	mu  sync.Mutex // held while counting, so concurrent views count once
	gen uint64     // the ledger generation the counts were last checked at
	// counts[day][scope]: tasks overdue at the end of day, scope "" for the
	// whole ledger and a group's name for its units.
	counts map[duban.Date]map[string]int
}

// overdueTrend draws the number of overdue tasks of group ("" for every
// unit) at the end of each of the last trendWeeks weeks and today; tasks are
// the group's tasks now.
func (s *Server) overdueTrend(ctx context.Context, group string, tasks []duban.Task) (template.HTML, error) {
	today := duban.DateOf(s.now())
	days := trendDays(today)
	past, err := s.trend.pastCounts(ctx, s.cfg.Store, s.loc, days, group)
	if err != nil {
		return "", fmt.Errorf("overdue trend: %w", err)
	}
	now := 0
	for _, t := range tasks {
		if t.Overdue(today) {
			now++
		}
	}
	labels := make([]string, len(days), len(days)+1)
	for i, d := range days {
		labels[i] = d.String()[5:]
	}
	return line("逾期任务数（近"+fmt.Sprint(trendWeeks)+"周，每周日及今天）", append(labels, "今天"), append(past, now)), nil
}

// Warm counts the trend's past weeks, so that the first view after a start
// does not wait for it (serve calls it in the background at start).
func (s *Server) Warm(ctx context.Context) error {
	_, err := s.trend.pastCounts(ctx, s.cfg.Store, s.loc, trendDays(duban.DateOf(s.now())), "")
	return err
}

// trendDays are the Sundays ending the trendWeeks weeks before today's.
func trendDays(today duban.Date) []duban.Date {
	days := make([]duban.Date, 0, trendWeeks)
	for i := trendWeeks; i >= 1; i-- {
		days = append(days, weekStart(today).AddDays(-7*i+6))
	}
	return days
}

// pastCounts returns group's overdue counts at the end of each of days (all
// before today), counting from history the days not counted yet.
func (c *trendCache) pastCounts(ctx context.Context, st *store.Store, loc *time.Location, days []duban.Date, group string) ([]int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, err := st.ChangesSince(ctx, c.gen)
	if err != nil {
		return nil, err
	}
	if ch.All {
		c.counts = nil
	}
	c.gen = ch.Gen
	var missing []duban.Date
	for _, d := range days {
		if _, ok := c.counts[d]; !ok {
			missing = append(missing, d)
		}
	}
	if len(missing) > 0 {
		if err := c.count(ctx, st, loc, missing); err != nil {
			return nil, err
		}
	}
	out := make([]int, len(days))
	for i, d := range days {
		out[i] = c.counts[d][group]
	}
	return out, nil
}

// count counts, for each of days, the tasks of the ledger now that were
// overdue at its end, per group and in all, from their history.
func (c *trendCache) count(ctx context.Context, st *store.Store, loc *time.Location, days []duban.Date) error {
	units, err := st.Units(ctx)
	if err != nil {
		return err
	}
	groupOf := make(map[string]string, len(units))
	for _, u := range units {
		groupOf[u.Code] = u.Group
	}
	tasks, err := st.Tasks(ctx, store.TaskFilter{})
	if err != nil {
		return err
	}
	taskGroup := make(map[string]string, len(tasks))
	for _, t := range tasks {
		taskGroup[t.ID] = groupOf[t.Unit]
	}
	counted := make([]map[string]int, len(days))
	for i := range counted {
		counted[i] = map[string]int{}
	}
	var task string // history comes task by task, oldest first
	var changes []duban.Change
	flush := func() {
		group, ok := taskGroup[task]
		if !ok {
			return // a task no longer in the ledger
		}
		for i, d := range days {
			if overdueOn(changes, d, loc) {
				counted[i][""]++
				if group != "" {
					counted[i][group]++
				}
			}
		}
	}
	err = st.AllHistory(ctx, func(ch duban.Change) error {
		if ch.TaskID != task {
			flush()
			task, changes = ch.TaskID, changes[:0]
		}
		ch.Before = nil // the previous state is not needed; do not keep it
		changes = append(changes, ch)
		return nil
	})
	if err != nil {
		return err
	}
	flush()
	if c.counts == nil {
		c.counts = map[duban.Date]map[string]int{}
	}
	for i, d := range days {
		c.counts[d] = counted[i]
	}
	return nil
}

// overdueOn reports whether the task whose history is changes (oldest
// first) was overdue at the end of day d: its state as the history left it
// then was open with a deadline before d.
func overdueOn(changes []duban.Change, d duban.Date, loc *time.Location) bool {
	end := d.AddDays(1).Time(loc)
	var status duban.Status
	var deadline duban.Date
	for _, c := range changes {
		if !c.At.Before(end) {
			break
		}
		if c.ToStatus == "" {
			continue // a record that changed nothing (refusal, proposal)
		}
		status = c.ToStatus
		if c.Action != duban.ActExtend && !c.ToDeadline.IsZero() {
			deadline = c.ToDeadline // a request's asked-for date is not the deadline
		}
	}
	return status.Open() && !deadline.IsZero() && d > deadline
}
