package handlers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// A task named by its place in the list last shown to the sender (第3项任务
// 完成了, 第二个完成了, 上面第1条延期到下周五) is that list's task; sun's 任务
// lists S01, S03, S04, S02, S05 (by deadline), numbered.
var placePhrasings = []phrasing{
	{from: "sun", text: "任务", reply: "1. 【红】S01"},
	{from: "sun", setup: []string{"任务"}, text: "第4项任务完成了", task: "S02", want: "已报完成", reply: "S02「人员转岗到位」"},
	{from: "sun", setup: []string{"任务"}, text: "第二个完成了", task: "S03", want: "已报完成", reply: "S03"},
	{from: "sun", setup: []string{"任务"}, text: "第４項完成了", task: "S02", want: "已报完成"},
	{from: "sun", setup: []string{"任务"}, text: "上面第1条延期到下周五 等编委会", task: "S01", want: "ext:2026-12-11", reply: "2026-12-11"},
	{from: "sun", setup: []string{"任务"}, text: "上面第1条延期到下周五", reply: "请回复延期理由", not: "没看懂"},
	{from: "sun", setup: []string{"任务"}, text: "完成 第4项 材料已报编办", task: "S02", want: "已报完成", reply: "材料已报编办"},
	{from: "sun", setup: []string{"任务"}, text: "把第1项延期到2月20日，等编委会", task: "S01", want: "ext:2027-02-20"},
	{from: "sun", setup: []string{"任务"}, text: "刚才列表里的第2个有新进展：方案已起草", task: "S03", want: "progress:方案已起草"},
	{from: "sun", setup: []string{"任务"}, text: "上面那个第2条有进展：方案已起草", task: "S03", want: "progress:方案已起草"},
	{from: "sun", setup: []string{"任务"}, text: "第4个完成了，第5个延期到2月25日 等编委会", task: "S02", want: "已报完成", reply: "任务 S05 已有待审批的延期申请", not: "（第5个", refused: true},
	{from: "sun", setup: []string{"任务"}, text: "第4项完成了，第2项措施也已落实", task: "S02", want: "已报完成", reply: "（第2项措施也已落实）"},
	{from: "sun", setup: []string{"任务"}, text: "第3项是什么", reply: "任务当前：【绿】S04", not: "【政策答复】"},
	{from: "sun", text: "第3项是什么", reply: "例如：记录 S"},
	// A question never acts.
	{from: "sun", setup: []string{"任务"}, text: "第4项完成了吗", reply: "您是要将 S02"},
	{from: "sun", setup: []string{"任务"}, text: "第4项完没完成", not: "已报完成。"},
	{from: "sun", setup: []string{"任务"}, text: "第4项可以报完成了吧", reply: "S02", not: "已报完成。"},
	{from: "sun", setup: []string{"任务"}, text: "第4项什么时候到期？", reply: "S02"},
	// Out of range, no list, a list of units: asked plainly.
	{from: "sun", setup: []string{"任务"}, text: "第9项完成了", reply: "没有第 9 项", not: "没看懂"},
	{from: "sun", text: "第3项任务完成了", reply: "请写明任务编号", not: "没看懂"},
	{from: "chen", setup: []string{"任务 红"}, text: "第1个销号", reply: "列的是单位", not: "没看懂"},
	{from: "li", setup: []string{"哪些单位还没动"}, text: "第1个单位", reply: "市财政局（政府组）任务清单"},
	{from: "chen", setup: []string{"任务 红"}, text: "看看第1个", reply: "市司法局（政府组）任务清单"},
	// A supervisor's lists: 待销号 and a requester's pending requests.
	{from: "chen", setup: []string{"任务 待销号"}, text: "第一个销号", task: "S04", want: "已销号"},
	{from: "chen", setup: []string{"任务 待销号"}, text: "同意第2个的延期", task: "S05", want: "deadline:2027-02-20"},
	{from: "chen", setup: []string{"任务 待销号"}, text: "第1个驳回", reply: "请回复驳回理由"},
	{from: "chen", setup: []string{"zhou> 延期 S02 2027-02-20 等编委会", "同意周强的延期申请"}, text: "同意第2个", task: "S05", want: "deadline:2027-02-20"},
	// A month, a day, a unit are no place in a list.
	{from: "sun", setup: []string{"任务"}, text: "第二个月完成了改革", not: "已报完成。"},
}

func TestPlacePhrasings(t *testing.T) { runPhrasings(t, placePhrasings) }

// A list shown more than an hour ago no longer names its items: the sender
// is asked to look again, and nothing changes.
func TestPlaceInStaleList(t *testing.T) {
	h, _ := phrasingHandler(t)
	sendPhrase(t, h, "m1", "sun", "任务")
	h.Now = func() time.Time { return phrasingClock.Add(2 * time.Hour) }
	before := ledgerState(t, h)
	must(t, sendPhrase(t, h, "m2", "sun", "第4项完成了"), "sun", "超过 1 小时", "请写明任务编号")
	if after := ledgerState(t, h); after["S02"] != before["S02"] {
		t.Errorf("a stale list acted: %+v", after["S02"])
	}
}

// Two lists in one reply (a person of two units): a place names neither.
func TestPlaceInSeveralLists(t *testing.T) {
	h := newHandler(t, duban.Person{UserID: "both", Name: "双岗", Posts: []duban.Post{
		{Role: duban.RoleContact, Scope: "U01"}, {Role: duban.RoleContact, Scope: "U02"}}})
	out := say(t, h, "both", "任务")
	if len(to(out, "both")) != 2 {
		t.Fatalf("want two lists: %+v", out)
	}
	must(t, say(t, h, "both", "第1项完成了"), "both", "请写明任务编号")
	for _, id := range []string{"T001", "T003"} {
		if s := status(t, h, id); s == duban.StatusReported {
			t.Errorf("%s reported on a guess", id)
		}
	}
}

// A page after the first is numbered on from the pages before it: on page
// 2, 第12项 is the list's twelfth task and 第3项 is not on the page.
func TestPlaceOnSecondPage(t *testing.T) {
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l := duban.Ledger{
		Units:  []duban.Unit{{Code: "U01", Name: "市财政局", Group: "政府组"}},
		People: []duban.Person{{UserID: "lilei", Name: "李雷", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "U01"}}}},
	}
	for i := 1; i <= 14; i++ {
		l.Tasks = append(l.Tasks, duban.Task{ID: fmt.Sprintf("T%03d", i), Unit: "U01", Title: fmt.Sprintf("第%d项工作", i), Deadline: duban.NewDate(2018, 1, i)})
	}
	if _, err := st.Import(context.Background(), l, "import", clock.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	h := &Handler{Store: st, Now: func() time.Time { return clock }, Location: time.UTC, WarnDays: 3, UndoWindow: 30 * time.Minute}
	say(t, h, "lilei", "任务")
	must(t, say(t, h, "lilei", "下一页"), "lilei", "11. 【绿】T011")
	must(t, say(t, h, "lilei", "第3项完成了"), "lilei", "第 11–14 项", "没有第 3 项")
	if s := status(t, h, "T003"); s != duban.StatusNotStarted {
		t.Errorf("T003 is %s: a place off the page shown acted", s)
	}
	must(t, say(t, h, "lilei", "第12项完成了"), "lilei", "T012")
	if s := status(t, h, "T012"); s != duban.StatusReported {
		t.Errorf("T012 is %s, want reported", s)
	}
}

// A place is read from any text without a panic, within the text, with a
// number for each place, and the text around it intact.
func FuzzFindPlace(f *testing.F) {
	for _, s := range []string{"第3项任务完成了", "上面第1条延期到下周五", "完成 第4项 材料已报", "把第1项延期到2月20日", "第1、3项都完成了",
		"第一项和第三项完成了", "刚才列表里的第2个有新进展", "第二个月完成了", "第3个单位", "看看第1个", "第４項完成了", "第十十十项", "第", "延期第"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := findPlace(s)
		if !ok {
			return
		}
		if p.end > len(s) || len(p.nums) == 0 || len(p.keep) > p.end || !strings.HasPrefix(s, p.keep) && p.keep != "把" && p.keep != "将" {
			t.Fatalf("%q: place %+v", s, p)
		}
		if utf8.ValidString(s) && (!utf8.ValidString(s[p.end:]) || !utf8.ValidString(p.text)) {
			t.Fatalf("%q: place cut inside a character: %+v", s, p)
		}
	})
}

// Several commands are split from any text only into whole commands on a
// task, none of them a question.
func FuzzSplitCommands(f *testing.F) {
	for _, s := range []string{"S02已完成，S03申请延期到1月20日，等编委会", "S04完成了S02延期到2月20日等编委会", "S02完成了，另外S03需要延期到1月30日因为编委会没开",
		"完成 S02 与S03一并报编办", "S03已经完成了方案也报给编办了S02还在推进中", "T003完成了吗？T004呢", "a1b2c3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cmds, ok := splitCommands(normalise(s), duban.NewDate(2026, 12, 1))
		if !ok {
			return
		}
		if len(cmds) < 2 {
			t.Fatalf("%q: split into %d", s, len(cmds))
		}
		for _, c := range cmds {
			if c.Question || c.Task == "" || !needsTask[c.Verb] || c.Need != "" || c.Err != "" {
				t.Fatalf("%q: part %+v", s, c)
			}
		}
	})
}
