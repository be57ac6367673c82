package handlers

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
	"github.com/duban-org/duban/store"
	"github.com/duban-org/duban/tasklist"
)

// 编办's and a leader's summaries and lists, read from the standing the
// handler remembers, are byte for byte those of a handler counting afresh:
// after each change through Apply, undo or import, on a new day, with a
// new warning window, and asked again with nothing changed.
func TestRememberedStandingEqualsFresh(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 7))
	now := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
	st, p := warmProvince(t, province.Size{Units: 300, Tasks: 2500, Today: duban.DateOf(now), Seed: 3}, now)
	admin := p.People[slices.IndexFunc(p.People, func(p duban.Person) bool { return p.IsAdmin() })]
	leader := p.People[slices.IndexFunc(p.People, func(p duban.Person) bool { return len(p.Groups()) > 0 })]
	group := leader.Groups()[0]
	at, warn := now, 3
	handler := func() *Handler {
		return &Handler{Store: st, Now: func() time.Time { return at }, Location: time.UTC, WarnDays: warn, UndoWindow: 30 * time.Minute}
	}
	h := handler() // remembers standings across the whole test
	seq := 0
	ask := func(h *Handler, from, text string) string {
		t.Helper()
		seq++
		out, err := h.Handle(ctx, duban.Inbound{Key: fmt.Sprintf("msg:cache%d", seq), From: from, At: at, Text: text})
		if err != nil || len(out) != 1 {
			t.Fatalf("%s says %q: %v, %+v", from, text, err, out)
		}
		return out[0].Text
	}
	asks := []struct{ from, text string }{
		{admin.UserID, "任务"}, {admin.UserID, "任务 红 第2页"}, {admin.UserID, "任务 逾期 第2页"}, {admin.UserID, "任务 待销号"},
		{admin.UserID, "任务 黄"}, {admin.UserID, "任务 全部 第3页"}, {admin.UserID, "任务 " + group}, {admin.UserID, "任务 " + group + " 逾期"},
		{leader.UserID, "任务"}, {leader.UserID, "任务 红"}, {leader.UserID, "任务 待销号"},
	}
	verified := regexp.MustCompile(`已销号 (\d+)`)
	for step := range 40 {
		what := "as imported"
		switch k := r.IntN(8); {
		case step == 0:
		case k == 0:
			at = at.Add(24 * time.Hour)
			what = "a day later"
		case k == 1:
			warn = r.IntN(6)
			h.WarnDays = warn
			what = fmt.Sprintf("warning window %d", warn)
		default:
			what = changeAtRandom(t, r, st, p, at)
		}
		for _, a := range asks {
			got, want := ask(h, a.from, a.text), ask(handler(), a.from, a.text)
			if got != want {
				t.Fatalf("step %d (%s): %s says %q: remembered\n%s\nfresh\n%s", step, what, a.from, a.text, got, want)
			}
			if again := ask(h, a.from, a.text); again != want {
				t.Fatalf("step %d (%s): %s says %q again: \n%s\nfresh\n%s", step, what, a.from, a.text, again, want)
			}
		}
		// A task verified through Apply is counted by the next 任务.
		before := verified.FindStringSubmatch(ask(h, admin.UserID, "任务"))
		l, err := st.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(l.Tasks, func(tk duban.Task) bool { return tk.Status != duban.StatusVerified })
		if i < 0 {
			continue
		}
		if _, err := st.Apply(ctx, l.Tasks[i].ID, "", func(tk duban.Task, _ duban.Unit) (duban.Task, duban.Change, error) {
			b := tk
			tk.Status = duban.StatusVerified
			return tk, duban.Change{TaskID: tk.ID, By: admin.UserID, At: at, Action: duban.ActVerify, Before: &b}, nil
		}); err != nil {
			t.Fatal(err)
		}
		after := verified.FindStringSubmatch(ask(h, admin.UserID, "任务"))
		n, _ := strconv.Atoi(before[1])
		if m, _ := strconv.Atoi(after[1]); m != n+1 {
			t.Fatalf("step %d: 已销号 %d before verifying %s, %d after", step, n, l.Tasks[i].ID, m)
		}
	}
}

// The standing is counted once for a ledger generation and day, and again
// after a change.
func TestStandingCountedOncePerGeneration(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
	st, p := warmProvince(t, province.Size{Units: 50, Tasks: 400, Today: duban.DateOf(now), Seed: 4}, now)
	h := &Handler{Store: st, Now: func() time.Time { return now }, Location: time.UTC, WarnDays: 3}
	tn := &turn{now: now, today: duban.DateOf(now)}
	load := func() *standing {
		t.Helper()
		s, err := h.load(ctx, tn, listScope{all: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := load()
	if load() != first {
		t.Error("counted again with nothing changed")
	}
	if _, err := st.Apply(ctx, p.Tasks[0].ID, "", func(tk duban.Task, _ duban.Unit) (duban.Task, duban.Change, error) {
		tk.Progress = "方案已起草"
		return tk, duban.Change{TaskID: tk.ID, By: "admin1", At: now, Action: duban.ActProgress}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if load() == first {
		t.Error("not counted again after a change")
	}
	tn.today = tn.today.AddDays(1)
	second := load()
	if tn.today = tn.today.AddDays(-1); load() == second {
		t.Error("a standing of one day given for another")
	}
}

// Summaries and lists asked by several people at once while the ledger
// changes share remembered standings without a race (go test -race), and
// end equal to a fresh count.
func TestRememberedStandingConcurrent(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
	st, p := warmProvince(t, province.Size{Units: 120, Tasks: 900, Today: duban.DateOf(now), Seed: 5}, now)
	admin := p.People[slices.IndexFunc(p.People, func(p duban.Person) bool { return p.IsAdmin() })]
	h := &Handler{Store: st, Now: func() time.Time { return now }, Location: time.UTC, WarnDays: 3}
	texts := []string{"任务", "任务 逾期 第2页", "任务 待销号", "任务 红", "任务 黄 第2页"}
	done := make(chan struct{})
	for w := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 40 {
				text := texts[(w+i)%len(texts)]
				if _, err := h.Handle(ctx, duban.Inbound{Key: fmt.Sprintf("msg:conc%d-%d", w, i), From: admin.UserID, At: now, Text: text}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	go func() {
		defer func() { done <- struct{}{} }()
		r := rand.New(rand.NewPCG(5, 5))
		for range 40 {
			id := p.Tasks[r.IntN(len(p.Tasks))].ID
			if _, err := st.Apply(ctx, id, "", func(tk duban.Task, _ duban.Unit) (duban.Task, duban.Change, error) {
				shakeTask(r, &tk, now)
				return tk, duban.Change{TaskID: tk.ID, By: admin.UserID, At: now, Action: duban.ActProgress}, nil
			}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for range 5 {
		<-done
	}
	for i, text := range texts {
		fresh := &Handler{Store: st, Now: h.Now, Location: time.UTC, WarnDays: 3}
		got, err := h.Handle(ctx, duban.Inbound{Key: fmt.Sprintf("msg:conc-end%d", i), From: admin.UserID, At: now, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		want, err := fresh.Handle(ctx, duban.Inbound{Key: fmt.Sprintf("msg:conc-fresh%d", i), From: admin.UserID, At: now, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || len(want) != 1 || got[0].Text != want[0].Text {
			t.Fatalf("%q after concurrent changes: remembered %+v, fresh %+v", text, got, want)
		}
	}
}

// warmProvince is a store in memory holding a province of the given size,
// imported an hour before now and warmed as serve warms it at start.
func warmProvince(t *testing.T, size province.Size, now time.Time) (*store.Store, tasklist.Ledger) {
	t.Helper()
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := province.Generate(size)
	ctx := context.Background()
	if _, err := st.Import(ctx, duban.Ledger{Units: p.Units, People: p.People, Tasks: p.Tasks}, "import", now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	return st, p
}
