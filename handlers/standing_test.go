package handlers

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
	"github.com/duban-org/duban/store"
	"github.com/duban-org/duban/tasklist"
)

// allLines is every line of l, page by page, as pages write them (with
// names in full).
func allLines(t *testing.T, l listing) []string {
	t.Helper()
	var out []string
	for from := 0; from < l.n; from += l.perPage {
		lines, err := l.page(context.Background(), from, min(from+l.perPage, l.n))
		if err != nil {
			t.Fatal(err)
		}
		if want := min(l.perPage, l.n-from); len(lines) != want {
			t.Fatalf("%s: page from %d has %d lines, want %d", l.title, from, len(lines), want)
		}
		for _, it := range lines {
			out = append(out, it.line(0))
		}
	}
	return out
}

// summaryOf is the summary of sc written from s, as the sender reads it.
func summaryOf(t *testing.T, h *Handler, tn *turn, sc listScope, s *standing) string {
	t.Helper()
	tn.out = nil
	if err := h.summary(context.Background(), tn, sc, s); err != nil {
		t.Fatal(err)
	}
	if len(tn.out) != 1 {
		t.Fatalf("summary of %q: %d messages", sc.name, len(tn.out))
	}
	return tn.out[0].Text
}

// shakeTask gives a task a random state, as people and imports leave it:
// a status, a deadline, when it was reported, an extension request.
func shakeTask(r *rand.Rand, tk *duban.Task, around time.Time) {
	day := func() time.Time { return around.Add(time.Duration(r.IntN(60*24)-40*24) * time.Hour) }
	tk.Status = duban.Statuses[r.IntN(len(duban.Statuses))]
	tk.Deadline = duban.DateOf(around).AddDays(r.IntN(50) - 25)
	tk.ReportedAt = time.Time{}
	if tk.Status == duban.StatusReported && r.IntN(5) > 0 {
		tk.ReportedAt = day()
	}
	tk.Extension = nil
	if r.IntN(5) == 0 {
		tk.Extension = &duban.Extension{Deadline: tk.Deadline.AddDays(10), Reason: "人手不足", By: "c" + tk.Unit, At: day()}
	}
}

// The summary counted from the store's per-unit tallies is, byte for byte,
// the summary counted task by task: for random provinces, random changes,
// undos and imports, any day and any warning window, of every unit, of a
// group and of two groups.
func TestSummaryFromTalliesEqualsCounted(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 31))
		now := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
		st, err := store.Open("", store.Options{InMemory: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		units := 20 + r.IntN(100)
		p := province.Generate(province.Size{Units: units, Tasks: units * (1 + r.IntN(10)), Today: duban.DateOf(now), Seed: seed + 1})
		// Units in groups of any size (without the leaders of the groups
		// the province had).
		p.People = slices.DeleteFunc(p.People, func(p duban.Person) bool { return len(p.Groups()) > 0 })
		for i := range p.Units {
			p.Units[i].Group = []string{"省直组", "江城组", "云州组", "临川组"}[r.IntN(4)]
		}
		for i := range p.Tasks {
			if r.IntN(3) == 0 {
				shakeTask(r, &p.Tasks[i], now)
			}
		}
		if _, err := st.Import(ctx, duban.Ledger{Units: p.Units, People: p.People, Tasks: p.Tasks}, "import", now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		h := &Handler{Store: st, Location: time.UTC, UndoWindow: 30 * time.Minute}
		if err := st.Warm(ctx); err != nil {
			t.Fatal(err)
		}
		groups := duban.Ledger{Units: p.Units}.Groups()
		i := slices.IndexFunc(p.People, func(p duban.Person) bool { return p.IsAdmin() })
		if i < 0 {
			t.Fatal("no 编办 in the province")
		}
		admin := p.People[i]
		for step := range 30 {
			what := "as imported"
			if step > 0 {
				what = changeAtRandom(t, r, st, p, now)
			}
			at := now.Add(time.Duration(r.IntN(80*24)-40*24) * time.Hour)
			h.Now, h.WarnDays = func() time.Time { return at }, r.IntN(6)
			tn := &turn{in: duban.Inbound{From: admin.UserID}, person: admin, now: at, today: duban.DateOf(at)}
			scopes := []listScope{{all: true}}
			if len(groups) > 1 {
				two := []string{groups[0], groups[len(groups)-1]}
				scopes = append(scopes, listScope{name: strings.Join(two, "、"), groups: two})
			}
			for _, g := range groups {
				scopes = append(scopes, listScope{name: g, ref: g, groups: []string{g}})
			}
			for _, sc := range scopes {
				counted, err := h.loadStanding(ctx, tn, sc)
				if err != nil {
					t.Fatal(err)
				}
				tallied, err := h.load(ctx, tn, sc)
				if err != nil {
					t.Fatal(err)
				}
				if !tallied.tallied {
					t.Fatal("the summary was counted task by task with the view built")
				}
				for kind, tasks := range map[ListKind]func(s *standing) taskPages{
					ListAll:     func(s *standing) taskPages { return s.tasks },
					ListOverdue: func(s *standing) taskPages { return s.overdueTasks },
					ListDueSoon: func(s *standing) taskPages { return s.soonTasks },
					ListWaiting: func(s *standing) taskPages { return s.waiting },
				} {
					want := h.taskList(tn, sc, counted, tasks(counted), "任务", "q", h.stateWhat)
					got := h.taskList(tn, sc, tallied, tasks(tallied), "任务", "q", h.stateWhat)
					if gl, wl := allLines(t, got), allLines(t, want); !slices.Equal(gl, wl) || got.count != want.count {
						t.Fatalf("seed %d step %d (%s), scope %q, list %s: from the tallies\n%s\ncounted\n%s", seed, step, what, sc.name, kind,
							strings.Join(gl, "\n"), strings.Join(wl, "\n"))
					}
				}
				for _, l := range []duban.Light{"", duban.Red, duban.Yellow, duban.Green} {
					want, got := h.unitsList(tn, sc, counted, l, "单位", "q"), h.unitsList(tn, sc, tallied, l, "单位", "q")
					if gl, wl := allLines(t, got), allLines(t, want); !slices.Equal(gl, wl) || got.count != want.count {
						t.Fatalf("seed %d step %d (%s), scope %q, units %q: from the tallies\n%s\ncounted\n%s", seed, step, what, sc.name, l,
							strings.Join(gl, "\n"), strings.Join(wl, "\n"))
					}
				}
				want, got := summaryOf(t, h, tn, sc, counted), summaryOf(t, h, tn, sc, tallied)
				if got != want {
					t.Fatalf("seed %d step %d (%s), %s warn %d, scope %q: from the tallies\n%s\ncounted\n%s", seed, step, what, tn.today, h.WarnDays, sc.name, got, want)
				}
				if sc.all {
					if out := say(t, h, admin.UserID, "任务"); len(out) != 1 || out[0].Text != want {
						t.Fatalf("seed %d step %d: 编办's 任务 is not the summary counted:\n%+v\nwant\n%s", seed, step, out, want)
					}
				}
			}
		}
	}
}

// changeAtRandom changes the ledger as people and imports do: a report or
// request on a task, an undo of one, or an import that moves a unit to
// another group and tasks to other units.
func changeAtRandom(t *testing.T, r *rand.Rand, st *store.Store, p tasklist.Ledger, now time.Time) string {
	t.Helper()
	ctx := context.Background()
	by := p.People[r.IntN(min(len(p.People), 5))].UserID
	switch k := r.IntN(10); {
	case k < 6:
		id := p.Tasks[r.IntN(len(p.Tasks))].ID
		if _, err := st.Apply(ctx, id, "", func(tk duban.Task, _ duban.Unit) (duban.Task, duban.Change, error) {
			before := tk
			shakeTask(r, &tk, now)
			return tk, duban.Change{TaskID: tk.ID, By: by, At: now, Action: duban.ActProgress, Before: &before}, nil
		}); err != nil {
			t.Fatal(err)
		}
		return "apply to " + id
	case k < 8:
		_, err := st.Undo(ctx, by, "", func(tk duban.Task, last duban.Change) (duban.Task, duban.Change, error) {
			if last.Before == nil {
				return tk, duban.Change{}, duban.Errorf(duban.ECONFLICT, "nothing to undo")
			}
			return *last.Before, duban.Change{TaskID: tk.ID, By: by, At: now, Action: duban.ActUndo}, nil
		})
		return fmt.Sprintf("undo by %s: %v", by, err)
	}
	l, err := st.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u := l.Units[r.IntN(len(l.Units))]
	u.Group = l.Units[r.IntN(len(l.Units))].Group
	in := duban.Ledger{Units: []duban.Unit{u}}
	for range 3 {
		tk := l.Tasks[r.IntN(len(l.Tasks))]
		tk.Unit = l.Units[r.IntN(len(l.Units))].Code
		tk.Deadline = tk.Deadline.AddDays(r.IntN(20) - 10)
		in.Tasks = append(in.Tasks, tk)
	}
	slices.SortFunc(in.Tasks, func(a, b duban.Task) int { return strings.Compare(a.ID, b.ID) })
	in.Tasks = slices.CompactFunc(in.Tasks, func(a, b duban.Task) bool { return a.ID == b.ID })
	if _, err := st.Import(ctx, in, "import", now); err != nil {
		t.Fatal(err)
	}
	return "import"
}
