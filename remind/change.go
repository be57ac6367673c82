package remind

import (
	"slices"
	"time"

	"github.com/duban-org/duban"
)

// Change is what moved since the previous bulletin: the 工作通报 reports it
// beside the standing.
type Change struct {
	Since   string    `json:"since"` // the previous bulletin's number (2026年第2期)
	SinceAt time.Time `json:"since_at"`
	// Rate is the overall 销号率 now minus then, in percentage points.
	Rate     float64 `json:"rate"`
	Verified int     `json:"verified"` // tasks 已销号 now minus then
	// NewlyCleared are the units 见底清零 now that were not then.
	NewlyCleared []duban.Unit `json:"newly_cleared"`
	// NewlyOverdue are the tasks overdue now that were not overdue then
	// (past their deadline since, or a deadline that was not theirs then).
	NewlyOverdue []Lag `json:"newly_overdue"`
	// Resolved counts the tasks overdue then and not now.
	Resolved int `json:"resolved"`
}

// Compare returns the change from prev to cur.
func Compare(prev, cur Bulletin) Change {
	c := Change{Since: prev.Issue(), SinceAt: prev.At, Verified: cur.Verified - prev.Verified}
	c.Rate = rate(cur.Verified, cur.Total) - rate(prev.Verified, prev.Total)
	was := map[string]bool{}
	for _, u := range prev.Cleared {
		was[u.Code] = true
	}
	for _, u := range cur.Cleared {
		if !was[u.Code] {
			c.NewlyCleared = append(c.NewlyCleared, u)
		}
	}
	// An overdue item is the same when its task and deadline are: an
	// extension gives a task a new deadline and a new chance.
	type key struct {
		task     string
		deadline duban.Date
	}
	before := map[key]bool{}
	for _, r := range prev.Red {
		for _, t := range r.Tasks {
			before[key{t.TaskID, t.Deadline}] = true
		}
	}
	now := map[key]bool{}
	for _, r := range cur.Red {
		var fresh []Item
		for _, t := range r.Tasks {
			k := key{t.TaskID, t.Deadline}
			now[k] = true
			if !before[k] {
				fresh = append(fresh, t)
			}
		}
		if len(fresh) > 0 {
			c.NewlyOverdue = append(c.NewlyOverdue, Lag{Unit: r.Unit, Tasks: fresh})
		}
	}
	for k := range before {
		if !now[k] {
			c.Resolved++
		}
	}
	slices.SortStableFunc(c.NewlyOverdue, func(a, b Lag) int { return len(b.Tasks) - len(a.Tasks) })
	return c
}

// NewlyOverdueTasks counts the tasks in c.NewlyOverdue.
func (c Change) NewlyOverdueTasks() int {
	n := 0
	for _, l := range c.NewlyOverdue {
		n += len(l.Tasks)
	}
	return n
}

func rate(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(n) / float64(total)
}
