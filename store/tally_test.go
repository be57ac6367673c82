package store

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

// tallied is what a summary reads of one unit's tally on a day.
type tallied struct {
	Unit                                           duban.Unit
	Total, Verified, Reported, Extensions, Waiting int
	Untouched, Overdue, Soon                       int
	Longest                                        duban.Task
	First                                          duban.Date
}

func readTally(u *UnitTally, today duban.Date, warn int) tallied {
	r := tallied{Unit: u.Unit, Total: u.Total, Verified: u.Verified, Reported: u.Reported, Extensions: u.Extensions, Waiting: u.Waiting(), Untouched: u.Untouched}
	var oldest duban.Date
	r.Overdue, oldest = u.Overdue(today)
	if longest, ok := u.Longest(today); ok == (r.Overdue > 0) && oldest == longest.Deadline {
		r.Longest = longest
	} else {
		r.Longest.Title = fmt.Sprintf("Longest %v (%v) disagrees with Overdue: %d since %s", longest.ID, ok, r.Overdue, oldest)
	}
	r.Soon, r.First = u.DueSoon(today, warn)
	return r
}

// countTasks is the same counted task by task, from tasks by deadline then
// id, with the rules of duban.Task.
func countTasks(units []duban.Unit, tasks []duban.Task, groups []string, today duban.Date, warn int) (out []tallied, waiting, overdue, soon []duban.Task) {
	for _, u := range units {
		if len(groups) > 0 && !slices.Contains(groups, u.Group) {
			continue
		}
		r := tallied{Unit: u}
		for _, t := range tasks {
			if t.Unit != u.Code {
				continue
			}
			r.Total++
			switch t.Status {
			case duban.StatusVerified:
				r.Verified++
			case duban.StatusReported:
				r.Reported++
			}
			if t.Extension != nil {
				r.Extensions++
			}
			if t.Status == duban.StatusNotStarted && t.Progress == "" {
				r.Untouched++
			}
			if t.Status == duban.StatusReported || t.Extension != nil {
				r.Waiting++
				waiting = append(waiting, t)
			}
			switch t.Light(today, warn) {
			case duban.Red:
				if r.Overdue++; r.Overdue == 1 {
					r.Longest = t
				}
				overdue = append(overdue, t)
			case duban.Yellow:
				if r.Soon++; r.Soon == 1 {
					r.First = t.Deadline
				}
				soon = append(soon, t)
			}
		}
		out = append(out, r)
	}
	slices.SortStableFunc(waiting, func(a, b duban.Task) int {
		return cmp.Or(cmp.Compare(WaitingSince(a), WaitingSince(b)), compareTasks(&a, &b))
	})
	byDeadline := func(a, b duban.Task) int { return compareTasks(&a, &b) }
	slices.SortFunc(overdue, byDeadline)
	slices.SortFunc(soon, byDeadline)
	return out, waiting, overdue, soon
}

// checkTallies fails unless the tallies, read for several days, warning
// windows and groups, equal the tasks of a fresh read of Badger counted one
// by one.
func checkTallies(t *testing.T, s *Store, r *rand.Rand, step string) {
	t.Helper()
	d := decodeLedger(t, s)
	scopes := [][]string{nil, {"没有的组"}}
	for _, u := range d.l.Units {
		scopes = append(scopes, []string{u.Group})
	}
	if len(d.l.Units) > 1 {
		scopes = append(scopes, []string{d.l.Units[0].Group, d.l.Units[len(d.l.Units)-1].Group})
	}
	for _, groups := range scopes {
		tallies, _, ok := s.UnitTallies(groups...)
		if !ok {
			t.Fatalf("%s: no tallies with the view built", step)
		}
		for range 4 {
			today, warn := duban.NewDate(2017, 11, 25).AddDays(r.IntN(60)), r.IntN(6)-1
			var got []tallied
			for _, u := range tallies {
				got = append(got, readTally(u, today, warn))
			}
			want, waiting, overdue, soon := countTasks(d.l.Units, d.l.Tasks, groups, today, warn)
			if !reflect.DeepEqual(got, want) {
				for i := range min(len(got), len(want)) {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Fatalf("%s: groups %v on %s (warn %d): tally\n%+v\ncounted\n%+v", step, groups, today, warn, got[i], want[i])
					}
				}
				t.Fatalf("%s: groups %v: %d tallies, %d units", step, groups, len(got), len(want))
			}
			// Every page of each list, of any length and from anywhere.
			for _, l := range []struct {
				name string
				all  []duban.Task
				page func(from, n int) []duban.Task
			}{
				{"waiting", waiting, func(from, n int) []duban.Task { return WaitingTasks(tallies, from, n) }},
				{"overdue", overdue, func(from, n int) []duban.Task { return OverdueTasks(tallies, today, from, n) }},
				{"due soon", soon, func(from, n int) []duban.Task { return DueSoonTasks(tallies, today, warn, from, n) }},
			} {
				n := 1 + r.IntN(4)
				var walked []duban.Task
				for from := 0; from <= len(l.all); from += n {
					got, want := l.page(from, n), l.all[from:min(from+n, len(l.all))]
					if !reflect.DeepEqual(got, slices.Clip(want)) && len(got)+len(want) > 0 {
						t.Fatalf("%s: groups %v on %s: %s from %d, %d: %v, want %v", step, groups, today, l.name, from, n, taskIDs(got), taskIDs(want))
					}
					walked = append(walked, got...)
				}
				if len(walked) != len(l.all) {
					t.Fatalf("%s: groups %v: %s walked page by page gives %d tasks, want %d", step, groups, l.name, len(walked), len(l.all))
				}
				if past := l.page(len(l.all)+r.IntN(3), n); len(past) > 0 {
					t.Fatalf("%s: %s past its end: %v", step, l.name, taskIDs(past))
				}
			}
		}
	}
}

// tallyLedger is a ledger of units in three groups whose tasks are in
// every state, some waiting since various days.
func tallyLedger(r *rand.Rand) duban.Ledger {
	var l duban.Ledger
	groups := []string{"政府组", "党群组", "事业单位组"}
	for i := range 2 + r.IntN(8) {
		l.Units = append(l.Units, duban.Unit{Code: fmt.Sprintf("U%02d", i), Name: fmt.Sprintf("单位%d", i), Group: groups[r.IntN(len(groups))]})
	}
	l.People = []duban.Person{{UserID: "wang", Name: "王组长", Posts: []duban.Post{{Role: duban.RoleLeader, Scope: "政府组"}}}}
	for i := range 5 + r.IntN(40) {
		tk := duban.Task{ID: fmt.Sprintf("T%03d", i), Unit: l.Units[r.IntN(len(l.Units))].Code, Title: "任务",
			Deadline: duban.NewDate(2017, 12, 1).AddDays(r.IntN(40))}
		shake(r, &tk)
		l.Tasks = append(l.Tasks, tk)
	}
	return l
}

// shake gives a task a random state: status, deadline (none at times), the
// day it was reported, an extension request.
func shake(r *rand.Rand, tk *duban.Task) {
	tk.Status = duban.Statuses[r.IntN(len(duban.Statuses))]
	tk.Deadline = duban.NewDate(2017, 12, 1).AddDays(r.IntN(40))
	if r.IntN(12) == 0 {
		tk.Deadline = duban.NoDate
	}
	day := func() time.Time { return at.Add(time.Duration(r.IntN(40*24)) * time.Hour) }
	tk.ReportedAt = time.Time{}
	if tk.Status == duban.StatusReported && r.IntN(5) > 0 {
		tk.ReportedAt = day()
	}
	tk.Progress = ""
	if r.IntN(3) == 0 { // progress, at times on a task still 未启动 (an old import)
		tk.Progress = "方案已起草"
	}
	tk.Extension = nil
	if r.IntN(4) == 0 {
		tk.Extension = &duban.Extension{Deadline: tk.Deadline.AddDays(10), Reason: "人手不足", By: "LiLei", At: day()}
	}
}

// After any sequence of changes, undos and imports, each unit's tally
// equals its tasks counted one by one, for any day.
func TestTalliesFollowChanges(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(6) {
		r := rand.New(rand.NewPCG(seed, 23))
		s := openTemp(t)
		if _, err := s.Import(ctx, tallyLedger(r), "import", at); err != nil {
			t.Fatal(err)
		}
		if _, _, ok := s.UnitTallies(); ok {
			t.Fatal("tallies before the view is built")
		}
		if err := s.Warm(ctx); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, s, r, fmt.Sprintf("seed %d: built", seed))
		for i := range 50 {
			l, _ := s.Snapshot(ctx)
			before, _, _ := s.UnitTallies()
			var step string
			switch k := r.IntN(10); {
			case k < 6:
				id, by := l.Tasks[r.IntN(len(l.Tasks))].ID, viewUsers[r.IntN(len(viewUsers))]
				_, err := s.Apply(ctx, id, "", func(tk duban.Task, _ duban.Unit) (duban.Task, duban.Change, error) {
					prior := tk
					shake(r, &tk)
					return tk, duban.Change{TaskID: tk.ID, By: by, At: at, Action: duban.ActProgress, Before: &prior}, nil
				})
				step = fmt.Sprintf("seed %d step %d: apply to %s: %v", seed, i, id, err)
			case k < 8:
				by := viewUsers[r.IntN(len(viewUsers))]
				_, err := s.Undo(ctx, by, "", restore)
				step = fmt.Sprintf("seed %d step %d: undo by %s: %v", seed, i, by, err)
			default:
				in := randomImport(r, l, i) // moves a unit to another group, changes and adds tasks
				for j := range in.Tasks {
					if r.IntN(2) == 0 { // and moves a task to another unit
						in.Tasks[j].Unit = l.Units[r.IntN(len(l.Units))].Code
					}
				}
				if _, err := s.Import(ctx, in, "import", at); err != nil {
					t.Fatal(err)
				}
				step = fmt.Sprintf("seed %d step %d: import", seed, i)
			}
			checkTallies(t, s, r, step)
			// What was handed out before the change is as it was.
			today := duban.NewDate(2017, 12, 20)
			want, _, _, _ := countTasks(l.Units, l.Tasks, nil, today, 3)
			for j, u := range before {
				if got := readTally(u, today, 3); !reflect.DeepEqual(got, want[j]) {
					t.Fatalf("%s: a tally read before changed with it:\n%+v\nwas\n%+v", step, got, want[j])
				}
			}
		}
	}
}

// Tallies read while tasks change from many goroutines end equal to the
// tasks counted.
func TestTalliesConcurrentApplies(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	l := tallyLedger(rand.New(rand.NewPCG(9, 9)))
	if _, err := s.Import(ctx, l, "import", at); err != nil {
		t.Fatal(err)
	}
	if err := s.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	for w := range 6 {
		go func() {
			defer func() { done <- struct{}{} }()
			r := rand.New(rand.NewPCG(uint64(w), 4))
			for range 30 {
				id := l.Tasks[r.IntN(min(5, len(l.Tasks)))].ID // few tasks: changes race on each
				_, err := s.Apply(ctx, id, "", func(tk duban.Task, _ duban.Unit) (duban.Task, duban.Change, error) {
					shake(r, &tk)
					return tk, duban.Change{TaskID: tk.ID, By: "wang", At: at, Action: duban.ActProgress}, nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				tallies, _, _ := s.UnitTallies("政府组")
				WaitingTasks(tallies, 0, 3)
				for _, u := range tallies {
					u.Overdue(duban.NewDate(2017, 12, 20))
				}
			}
		}()
	}
	for range 6 {
		<-done
	}
	checkTallies(t, s, rand.New(rand.NewPCG(1, 2)), "after concurrent applies")
}

// A page of sorted runs merged is the page of all their items sorted, from
// any depth: many short runs, few long ones, days shared by many items.
func TestMergedPage(t *testing.T) {
	type item struct {
		day duban.Date
		id  int
	}
	compare := func(a, b item) int { return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.id, b.id)) }
	day := func(e item) duban.Date { return e.day }
	r := rand.New(rand.NewPCG(5, 8))
	for range 300 {
		runs := make([][]item, r.IntN(40))
		var all []item
		days := 1 + r.IntN(30)
		for i := range runs {
			for range r.IntN(3) * r.IntN(20) {
				e := item{duban.NewDate(2027, 1, 1).AddDays(r.IntN(days)), len(all)}
				runs[i] = append(runs[i], e)
				all = append(all, e)
			}
			slices.SortFunc(runs[i], compare)
		}
		slices.SortFunc(all, compare)
		for range 20 {
			from, n := r.IntN(len(all)+5), 1+r.IntN(12)
			got, want := mergedPage(slices.Clone(runs), compare, day, from, n), all[min(from, len(all)):min(from+n, len(all))]
			if !slices.Equal(got, want) {
				t.Fatalf("%d runs of %d items, from %d, %d: %v, want %v", len(runs), len(all), from, n, got, want)
			}
		}
	}
}
