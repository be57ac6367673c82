package handlers

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
	"github.com/duban-org/duban/store"
)

func TestParseListing(t *testing.T) {
	today := duban.NewDate(2026, 12, 1)
	for _, c := range []struct {
		text string
		verb Verb
		ref  string
		list ListKind
		page int
	}{
		{"任务 红", VerbTasks, "", ListRed, 0},
		{"任务红", VerbTasks, "", ListRed, 0},
		{"看看红的", VerbTasks, "", ListRed, 0},
		{"红灯单位", VerbTasks, "", ListRed, 0},
		{"逾期的任务", VerbTasks, "", ListOverdue, 0},
		{"逾期任务。", VerbTasks, "", ListOverdue, 0},
		{"查一下超期的", VerbTasks, "", ListOverdue, 0},
		{"任务 黄", VerbTasks, "", ListYellow, 0},
		{"临期任务", VerbTasks, "", ListDueSoon, 0},
		{"即将到期的任务", VerbTasks, "", ListDueSoon, 0},
		{"待销号", VerbTasks, "", ListWaiting, 0},
		{"任务 待审批", VerbTasks, "", ListWaiting, 0},
		{"任务 单位", VerbTasks, "", ListUnits, 0},
		{"任务 全部", VerbTasks, "", ListAll, 0},
		{"任务 绿灯", VerbTasks, "", ListGreen, 0},
		{"任务 红 第2页", VerbTasks, "", ListRed, 2},
		{"任务红第2页", VerbTasks, "", ListRed, 2},
		{"任务 第 2 页", VerbTasks, "", "", 2},
		{"任务 第十二页", VerbTasks, "", "", 12},
		{"任务 江城组 红", VerbTasks, "江城组", ListRed, 0},
		{"任务 江城组，黄，第3页", VerbTasks, "江城组", ListYellow, 3},
		{"任务 U00123 逾期", VerbTasks, "U00123", ListOverdue, 0},
		{"任务 市司法局 第2页", VerbTasks, "市司法局", "", 2},
		{"江城组 红", VerbTasks, "江城组", ListRed, 0},
		{"任务 红 最后一页", VerbTasks, "", ListRed, PageLast},
		{"下一页", VerbPage, "", "", PageNext},
		{"下页", VerbPage, "", "", PageNext},
		{"更多", VerbPage, "", "", PageNext},
		{"任务 下一页", VerbPage, "", "", PageNext},
		{"任务 红 下一页", VerbPage, "", "", PageNext},
		{"上一页", VerbPage, "", "", PagePrev},
		{"第2页", VerbPage, "", "", 2},
		{"第二页", VerbPage, "", "", 2},
		{"第 二十一 页", VerbPage, "", "", 21},
		{"最后一页", VerbPage, "", "", PageLast},
		// Not listings: read as before.
		{"任务", VerbTasks, "", "", 0},
		{"任务 市红十字会", VerbTasks, "市红十字会", "", 0},
		{"任务 红十字会", VerbTasks, "红十字会", "", 0},
		{"延期申请", VerbExtend, "", "", 0},
		{"完成 红", VerbReport, "红", "", 0},
		{"逾期了怎么办", "", "", "", 0},
		{"逾期 怎么办？", "", "", "", 0},
		{"方案第3页有错误", "", "", "", 0},
		{"任务 第0页", VerbTasks, "第0页", "", 0}, // no such unit, said so
		{"红色文化", "", "", "", 0},
	} {
		got := Parse(c.text, today)
		if got.Verb != c.verb || got.Task != c.ref || got.List != c.list || got.Page != c.page {
			t.Errorf("Parse(%q) = verb %q task %q list %q page %d; want %q %q %q %d",
				c.text, got.Verb, got.Task, got.List, got.Page, c.verb, c.ref, c.list, c.page)
		}
	}
	// What 下一页 repeats reads back as the same list.
	for _, k := range []ListKind{"", ListRed, ListOverdue, ListYellow, ListDueSoon, ListWaiting, ListGreen, ListUnits, ListAll} {
		for _, ref := range []string{"", "江城组", "U00123"} {
			q := listQuery(ref, k)
			if got := Parse(q, today); got.Verb != VerbTasks || got.List != k || got.Task != ref {
				t.Errorf("Parse(listQuery(%q, %q) = %q) = %+v", ref, k, q, got)
			}
		}
	}
}

// provinceHandler is a handler on a province of units×10 tasks in memory.
func provinceHandler(t *testing.T, units int) (*Handler, duban.Ledger) {
	t.Helper()
	now := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := province.Generate(province.Size{Units: units, Tasks: units * 10, Today: duban.DateOf(now), Seed: 1})
	l := duban.Ledger{Units: p.Units, People: p.People, Tasks: p.Tasks}
	if _, err := st.Import(context.Background(), l, "import", now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	return &Handler{Store: st, Now: func() time.Time { return now }, Location: time.UTC, WarnDays: 3, UndoWindow: 30 * time.Minute}, l
}

// reply sends text and returns the one reply to from, failing when there
// is not exactly one or it does not fit one WeCom message.
func reply(t *testing.T, h *Handler, key, from, text string) string {
	t.Helper()
	out := sendPhrase(t, h, key, from, text)
	got := to(out, from)
	if len(got) != 1 {
		t.Fatalf("%s says %q: %d replies, want 1: %+v", from, text, len(got), got)
	}
	if n := len(got[0].Text); n > maxReplyBytes {
		t.Fatalf("%s says %q: reply of %d bytes, over %d:\n%s", from, text, n, maxReplyBytes, got[0].Text)
	}
	return got[0].Text
}

var rePageOf = regexp.MustCompile(`第 (\d+)/(\d+) 页`)

func pageOf(t *testing.T, text string) (int, int) {
	t.Helper()
	m := rePageOf.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no page number in:\n%s", text)
	}
	var p, n int
	fmt.Sscan(m[1], &p)
	fmt.Sscan(m[2], &n)
	return p, n
}

// A group of 700 units (7,000 tasks) and the whole of 1,500: every reply
// is one message, the summary leads with counts and the red list, and
// the lists page through as people ask.
func TestDrillDownAtScale(t *testing.T) {
	h, l := provinceHandler(t, 1500)
	leader, other := "LU000701", "U00001" // 江城组's leader; a unit of 省直组
	before := ledgerState(t, h)
	seq := 0
	say := func(from, text string) string {
		seq++
		return reply(t, h, fmt.Sprintf("scale:%d", seq), from, text)
	}

	sum := say(leader, "任务")
	for _, want := range []string{"江城组：700 个单位，共 7000 项任务；已销号 ", "单位：红灯 ", "待您处理 ", "红灯单位 ", "1. ", "「任务 红」红灯单位（回复「更多」接着看）"} {
		if !strings.Contains(sum, want) {
			t.Errorf("leader's summary lacks %q:\n%s", want, sum)
		}
	}
	red := say(leader, "更多")
	if p, n := pageOf(t, red); p != 1 || n < 3 || !strings.HasPrefix(red, "江城组·红灯单位") {
		t.Fatalf("更多 after the summary:\n%s", red)
	}
	_, pages := pageOf(t, red)
	for _, c := range []struct {
		text string
		page int
		line string
	}{
		{"下一页", 2, "\n16. "},
		{"第三页", 3, "\n31. "},
		{"上一页", 2, "\n16. "},
		{"任务 红 第 1 页", 1, "\n1. "},
		{"看看红的", 1, "\n1. "},
		{"最后一页", pages, ""},
	} {
		got := say(leader, c.text)
		if p, n := pageOf(t, got); p != c.page || n != pages || !strings.Contains(got, c.line) {
			t.Errorf("%q shows page %d/%d, want %d/%d with %q:\n%s", c.text, p, n, c.page, pages, c.line, got)
		}
	}
	if got := say(leader, "下一页"); !strings.Contains(got, "已是最后一页") {
		t.Errorf("下一页 past the end: %s", got)
	}
	for _, text := range []string{"逾期的任务", "任务 黄", "临期任务", "待销号", "任务 单位 第3页", "任务 全部", "任务 江城组 红 第2页", "任务 U00100", "任务 U00100 待销号", "帮助"} {
		if got := say(leader, text); strings.Contains(got, "未执行") || strings.Contains(got, "没看懂") {
			t.Errorf("%q: %s", text, got)
		}
	}
	for _, text := range []string{"任务 " + other, "任务 省直组 红", "任务 省直组"} {
		if got := say(leader, text); !strings.Contains(got, "无权查看") {
			t.Errorf("leader of 江城组 says %q: %s", text, got)
		}
	}

	admin := say("admin1", "任务")
	for _, want := range []string{"全部 1500 个单位，共 15000 项任务", "各督办组（逾期多的在前）：", "「任务 督办组名」某个组"} {
		if !strings.Contains(admin, want) {
			t.Errorf("编办's summary lacks %q:\n%s", want, admin)
		}
	}
	if got := say("admin1", "任务 红"); !strings.HasPrefix(got, "红灯单位（逾期最久在前）：共 ") {
		t.Errorf("编办's 任务 红:\n%s", got)
	}

	contact := "c" + other
	if got := say(contact, "任务"); !strings.HasPrefix(got, l.Units[1].Name+"（省直组）任务清单：共 10 项") || strings.Contains(got, "页") {
		t.Errorf("a unit's own 任务 changed:\n%s", got)
	}
	if got := say(contact, "任务 红"); !strings.Contains(got, l.Units[1].Name) || strings.Contains(got, "未执行") {
		t.Errorf("a contact's 任务 红:\n%s", got)
	}
	if got := say(contact, "任务 江城组"); !strings.Contains(got, "没有找到单位「江城组」") {
		t.Errorf("a contact names a group: %s", got)
	}
	if got := say(contact, "任务 U00800"); !strings.Contains(got, "无权查看") {
		t.Errorf("a contact names another unit: %s", got)
	}
	if after := ledgerState(t, h); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Error("listing changed the ledger")
	}
}

// longLedger is one group of units with long names, each with many tasks
// of long titles, all overdue or waiting: the worst case for a message's
// size.
func longLedger(units, tasks int) duban.Ledger {
	today := duban.DateOf(phrasingClock)
	l := duban.Ledger{People: []duban.Person{
		{UserID: "lead", Name: "组长", Posts: []duban.Post{{Role: duban.RoleLeader, Scope: "特别长的名字的第一督办组"}}},
		{UserID: "boss", Name: "编办", Posts: []duban.Post{{Role: duban.RoleAdmin}}},
		{UserID: "c0", Name: "联络员", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "L000"}}},
	}}
	for u := range units {
		code := fmt.Sprintf("L%03d", u)
		l.Units = append(l.Units, duban.Unit{Code: code, Name: fmt.Sprintf("某某省某某市某某县人民政府办公室所属第%d事业单位管理服务中心", u), Group: "特别长的名字的第一督办组"})
		for k := range tasks {
			task := duban.Task{ID: fmt.Sprintf("%s-%03d", code, k), Unit: code, Deadline: today.AddDays(-k - u - 1),
				Title: strings.Repeat("按照大科室制改革要求完成内设机构调整人员转岗和职责划转", 4)}
			if k%4 == 0 {
				task.Status = duban.StatusReported
				task.ReportedAt = phrasingClock.Add(-time.Duration(k) * time.Hour)
			}
			l.Tasks = append(l.Tasks, task)
		}
	}
	return l
}

// Whatever the names and titles, every page fits one message, and
// 下一页 walks a long list to its end; the memory survives a restart,
// expires with a clear answer, and a replayed 下一页 shows the same page.
func TestPagesFitAndAreRemembered(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Import(ctx, longLedger(40, 30), "import", phrasingClock.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	now := phrasingClock
	h := &Handler{Store: st, Now: func() time.Time { return now }, Location: time.UTC, WarnDays: 3}
	for _, who := range []string{"lead", "boss", "c0"} {
		first := reply(t, h, who+":0", who, "任务")
		if who != "c0" {
			first = reply(t, h, who+":1", who, "逾期的任务")
		}
		_, n := pageOf(t, first)
		for p := 2; p <= n; p++ {
			got := reply(t, h, fmt.Sprintf("%s:next%d", who, p), who, "下一页")
			if gp, gn := pageOf(t, got); gp != p || gn != n {
				t.Fatalf("%s: 下一页 #%d shows %d/%d", who, p, gp, gn)
			}
		}
		if got := reply(t, h, who+":end", who, "下一页"); !strings.Contains(got, "已是最后一页") {
			t.Errorf("%s: %s", who, got)
		}
		for _, text := range []string{"任务 待销号", "任务 单位", "任务 红", "任务 黄", "帮助", "任务 L001"} {
			reply(t, h, who+":"+text, who, text)
		}
	}

	reply(t, h, "r:1", "lead", "任务 逾期")
	st.Close()
	st, err = store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h = &Handler{Store: st, Now: func() time.Time { return now }, Location: time.UTC, WarnDays: 3}
	now = now.Add(59 * time.Minute)
	if p, _ := pageOf(t, reply(t, h, "r:2", "lead", "下一页")); p != 2 {
		t.Errorf("after a restart 下一页 shows page %d", p)
	}
	if p, _ := pageOf(t, reply(t, h, "r:2", "lead", "下一页")); p != 2 {
		t.Errorf("the same 下一页 handled again shows page %d", p)
	}
	if p, _ := pageOf(t, reply(t, h, "r:3", "lead", "第2页")); p != 2 {
		t.Errorf("第2页 shows page %d", p)
	}
	now = now.Add(61 * time.Minute)
	if got := reply(t, h, "r:4", "lead", "下一页"); !strings.Contains(got, "上次的列表「任务 逾期」已超过 1 小时，翻页已失效。请重新发送「任务 逾期」，或直接发送「任务 逾期 第3页」。") {
		t.Errorf("an expired list: %s", got)
	}
}
