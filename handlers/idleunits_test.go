package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// Which units have not moved (or finished nothing), asked by 编办 and a
// group's leader, names the units counted task by task: from the store's
// tallies (the view built, as serve and chat run) as before it is, and
// after a change moves one of them.
func TestIdleUnitsCountedPerUnit(t *testing.T) {
	ctx := context.Background()
	h, l := provinceHandler(t, 300)
	leader := ""
	for _, p := range l.People {
		if len(p.Groups()) > 0 {
			leader = p.UserID
			break
		}
	}
	want := func(who string, kind idleKind) string {
		p, err := h.Store.Person(ctx, who)
		if err != nil {
			t.Fatal(err)
		}
		tasks, err := h.Store.Tasks(ctx, store.TaskFilter{})
		if err != nil {
			t.Fatal(err)
		}
		units, err := h.Store.Units(ctx)
		if err != nil {
			t.Fatal(err)
		}
		moved, seen := map[string]bool{}, map[string]bool{}
		for _, tk := range tasks {
			seen[tk.Unit] = true
			switch kind {
			case notStarted:
				moved[tk.Unit] = moved[tk.Unit] || tk.Status != duban.StatusNotStarted || tk.Progress != ""
			case noneDone:
				moved[tk.Unit] = moved[tk.Unit] || tk.Status == duban.StatusReported || tk.Status == duban.StatusVerified
			}
		}
		slices.SortFunc(units, func(a, b duban.Unit) int { return strings.Compare(a.Code, b.Code) })
		var names []string
		n, idle := 0, 0
		for _, u := range units {
			if !seen[u.Code] || !p.IsAdmin() && !slices.Contains(p.Groups(), u.Group) {
				continue
			}
			n++
			if !moved[u.Code] {
				if idle++; idle <= idleCap {
					names = append(names, fmt.Sprintf("%d. %s（%s）", idle, u.Name, u.Group))
				}
			}
		}
		if idle == 0 {
			return fmt.Sprintf("您督办的 %d 个单位都", n)
		}
		return fmt.Sprintf("您督办的 %d 个单位中，%d 个", n, idle) + "…\n" + strings.Join(names, "\n")
	}
	check := func(step string) {
		t.Helper()
		for _, who := range []string{"admin1", leader} {
			for q, kind := range map[string]idleKind{"哪些单位还没动": notStarted, "哪些单位一项都没完成？": noneDone} {
				got := reply(t, h, fmt.Sprintf("%s:%s:%s", step, who, q), who, q)
				w := want(who, kind)
				head, names, _ := strings.Cut(w, "…\n")
				if !strings.HasPrefix(got, head) || !strings.Contains(got, names) {
					t.Errorf("%s: %s asks %q:\n%s\nwant\n%s", step, who, q, got, w)
				}
			}
		}
	}
	check("counted")
	if err := h.Store.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	check("tallied")
	// A unit that had not moved reports progress on one task.
	tasks, err := h.Store.Tasks(ctx, store.TaskFilter{})
	if err != nil {
		t.Fatal(err)
	}
	moved := map[string]bool{}
	for _, tk := range tasks {
		moved[tk.Unit] = moved[tk.Unit] || tk.Status != duban.StatusNotStarted || tk.Progress != ""
	}
	i := slices.IndexFunc(tasks, func(tk duban.Task) bool { return !moved[tk.Unit] })
	if i < 0 {
		t.Fatal("every unit of the generated province has moved: nothing to ask about")
	}
	if _, err := h.Store.Apply(ctx, tasks[i].ID, "", func(tk duban.Task, _ duban.Unit) (duban.Task, duban.Change, error) {
		tk.Progress = "方案已起草"
		return tk, duban.Change{TaskID: tk.ID, By: "admin1", At: h.Now(), Action: duban.ActProgress}, nil
	}); err != nil {
		t.Fatal(err)
	}
	check("after a change")
}
