package handlers

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// Line shapes of the lists: what each line names (a task's id, a unit's
// code), after its number.
var (
	reTaskLine = regexp.MustCompile(`^(\d+)\. (?:【.】)?([^「 ]+)[「 ]`)
	reOwnLine  = regexp.MustCompile(`^【.】(\S+) `)
	reUnitLine = regexp.MustCompile(`^(\d+)\. (?:【.】)?[^（]*（([^）]+)）`)
	reCount    = regexp.MustCompile(`：共 (\d+) (?:项|个单位)`)
)

// walk reads list query from page 1 to the end as people do (the list,
// 第2页, then 下一页 until 已是最后一页) and returns what its lines name, in
// order, checking on the way that pages follow one another, that every
// line is numbered on from the page before, that the page count follows
// from the count said, and that every reply fits one message.
func walk(t *testing.T, h *Handler, who, query string, perPage int, units bool, key *int) (named []string, count int) {
	t.Helper()
	say := func(text string) string {
		*key++
		return reply(t, h, fmt.Sprintf("walk:%d", *key), who, text)
	}
	got := say(query)
	m := reCount.FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("%s: no count in:\n%s", query, got)
	}
	fmt.Sscan(m[1], &count)
	pages := (count + perPage - 1) / perPage
	for page := 1; ; page++ {
		if pages > 1 {
			if p, n := pageOf(t, got); p != page || n != pages {
				t.Fatalf("%s: page %d/%d shown where %d/%d was due:\n%s", query, p, n, page, pages, got)
			}
		}
		lines := 0
		for _, l := range strings.Split(got, "\n") {
			if m := reOwnLine.FindStringSubmatch(l); m != nil {
				named = append(named, m[1])
				lines++
				continue
			}
			re := reTaskLine
			if units {
				re = reUnitLine
			}
			if m := re.FindStringSubmatch(l); m != nil {
				if m[1] != fmt.Sprint(len(named)+1) {
					t.Fatalf("%s page %d: line numbered %s after %d lines:\n%s", query, page, m[1], len(named), got)
				}
				named = append(named, m[2])
				lines++
			}
		}
		if want := min(perPage, count-(page-1)*perPage); lines != want {
			t.Fatalf("%s page %d: %d lines, want %d:\n%s", query, page, lines, want, got)
		}
		if page == pages {
			if pages > 1 && !strings.Contains(got, "已是最后一页") {
				t.Fatalf("%s: the last page does not say so:\n%s", query, got)
			}
			if after := say("下一页"); pages > 1 && !strings.Contains(after, "已是最后一页") {
				t.Fatalf("%s: 下一页 past the last page:\n%s", query, after)
			}
			return named, count
		}
		if page == 1 {
			got = say("第2页")
		} else {
			got = say("下一页")
		}
	}
}

// Every list, walked page by page with 第2页 and 下一页 to its end, names
// each of its tasks (or units) exactly once, in the list's order, with the
// count it says: read from the store's tallies (the view built, as serve
// and chat run) and counted task by task (before it is).
func TestPagesWalkEveryTaskOnce(t *testing.T) {
	ctx := context.Background()
	h, l := provinceHandler(t, 60)
	today := duban.DateOf(h.Now())
	leader := "LU000701"
	for _, p := range l.People {
		if len(p.Groups()) > 0 {
			leader = p.UserID
			break
		}
	}
	group := ""
	for _, p := range l.People {
		if p.UserID == leader {
			group = p.Groups()[0]
		}
	}
	unitOf := map[string]duban.Unit{}
	for _, u := range l.Units {
		unitOf[u.Code] = u
	}
	// One unit with a list of several pages.
	bigUnit := l.Units[7]
	more := duban.Ledger{Units: []duban.Unit{bigUnit}}
	for i := range 27 {
		more.Tasks = append(more.Tasks, duban.Task{ID: fmt.Sprintf("%s-%02d", bigUnit.Code, i), Unit: bigUnit.Code,
			Title: strings.Repeat("清理规范议事协调机构", 1+i%4), Deadline: today.AddDays(i*5 - 60)})
	}
	if _, err := h.Store.Import(ctx, more, "import", h.Now()); err != nil {
		t.Fatal(err)
	}
	byDeadline := func(a, b duban.Task) int {
		return cmp.Or(cmp.Compare(a.Deadline, b.Deadline), strings.Compare(a.ID, b.ID))
	}
	// want lists the ids of the tasks of group ("" for all) that keep, in
	// the lists' order.
	want := func(group string, keep func(duban.Task) bool, order func(a, b duban.Task) int) []string {
		tasks, err := h.Store.Tasks(ctx, store.TaskFilter{})
		if err != nil {
			t.Fatal(err)
		}
		tasks = slices.DeleteFunc(tasks, func(tk duban.Task) bool {
			return group != "" && unitOf[tk.Unit].Group != group || !keep(tk)
		})
		slices.SortStableFunc(tasks, order)
		var ids []string
		for _, tk := range tasks {
			ids = append(ids, tk.ID)
		}
		return ids
	}
	light := func(l duban.Light) func(duban.Task) bool {
		return func(tk duban.Task) bool { return tk.Light(today, h.WarnDays) == l }
	}
	waits := func(tk duban.Task) bool { return tk.Status == duban.StatusReported || tk.Extension != nil }
	byWaiting := func(a, b duban.Task) int {
		return cmp.Or(cmp.Compare(store.WaitingSince(a), store.WaitingSince(b)), byDeadline(a, b))
	}
	every := func(duban.Task) bool { return true }
	unitsOf := func(group string, l duban.Light) []string {
		var codes []string
		for _, id := range want(group, light(l), byDeadline) {
			tk, _ := h.Store.Task(ctx, id)
			if !slices.Contains(codes, tk.Unit) {
				codes = append(codes, tk.Unit)
			}
		}
		if l == duban.Yellow { // units with a task due soon but none overdue
			red := unitsOfRed(t, h, group, today)
			codes = slices.DeleteFunc(codes, func(c string) bool { return red[c] })
		}
		return codes
	}

	key := 0
	for _, built := range []bool{false, true} {
		if built {
			if err := h.Store.Warm(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			who, query string
			perPage    int
			want       []string
			units      bool // the list names units, in an order checked elsewhere
		}{
			{"admin1", "任务 逾期", tasksPerPage, want("", light(duban.Red), byDeadline), false},
			{"admin1", "任务 全部", tasksPerPage, want("", every, byDeadline), false},
			{"admin1", "任务 临期", tasksPerPage, want("", light(duban.Yellow), byDeadline), false},
			{"admin1", "任务 待销号", tasksPerPage, want("", waits, byWaiting), false},
			{"admin1", "任务 " + group + " 逾期", tasksPerPage, want(group, light(duban.Red), byDeadline), false},
			{"admin1", "任务 " + group + " 全部", tasksPerPage, want(group, every, byDeadline), false},
			{leader, "逾期的任务", tasksPerPage, want(group, light(duban.Red), byDeadline), false},
			{leader, "任务 待销号", tasksPerPage, want(group, waits, byWaiting), false},
			{"admin1", "任务 " + bigUnit.Name, tasksPerPage, want("", func(tk duban.Task) bool { return tk.Unit == bigUnit.Code }, byDeadline), false},
			{"admin1", "任务 " + bigUnit.Code + " 逾期", tasksPerPage, want("", func(tk duban.Task) bool {
				return tk.Unit == bigUnit.Code && light(duban.Red)(tk)
			}, byDeadline), false},
			{"admin1", "任务 红", unitsPerPage, unitsOf("", duban.Red), true},
			{"admin1", "任务 黄", unitsPerPage, unitsOf("", duban.Yellow), true},
			{"admin1", "任务 单位", unitsPerPage, codesOf(l.Units, ""), true},
			{leader, "任务 红", unitsPerPage, unitsOf(group, duban.Red), true},
		} {
			got, count := walk(t, h, c.who, c.query, c.perPage, c.units, &key)
			if count != len(c.want) {
				t.Errorf("view built %v: %s says 共 %d, want %d", built, c.query, count, len(c.want))
			}
			if c.units {
				// Each unit once, whatever the standing order (held equal to
				// the counted one by TestSummaryFromTalliesEqualsCounted).
				got, w := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(c.want))
				if !slices.Equal(got, w) {
					t.Errorf("view built %v: %s, page by page, names %d units, want the %d once each", built, c.query, len(got), len(w))
				}
				continue
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("view built %v: %s, page by page, names %d tasks, want the %d once each in order:\ngot  %.300v\nwant %.300v", built, c.query, len(got), len(c.want), got, c.want)
			}
		}
	}
}

// unitsOfRed are the units of group ("" for all) with an overdue task.
func unitsOfRed(t *testing.T, h *Handler, group string, today duban.Date) map[string]bool {
	t.Helper()
	f := store.TaskFilter{Group: group}
	tasks, err := h.Store.Tasks(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	red := map[string]bool{}
	for _, tk := range tasks {
		if tk.Light(today, h.WarnDays) == duban.Red {
			red[tk.Unit] = true
		}
	}
	return red
}

// codesOf are the codes of units of group ("" for all).
func codesOf(units []duban.Unit, group string) []string {
	var codes []string
	for _, u := range units {
		if group == "" || u.Group == group {
			codes = append(codes, u.Code)
		}
	}
	return codes
}
