package handlers

import (
	"context"
	"strings"
	"testing"

	"github.com/duban-org/duban"
)

// Two people holding two posts each: 编办 and U01's 一把手; U02's 联络员
// and the leader of U02's group (党群组).
var (
	boss = duban.Person{UserID: "boss", Name: "钱主任", Posts: []duban.Post{{Role: duban.RoleAdmin}, {Role: duban.RoleHead, Scope: "U01"}}}
	duo  = duban.Person{UserID: "duo", Name: "孙组长", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "U02"}, {Role: duban.RoleLeader, Scope: "党群组"}}}
)

// cardTo returns the card sent to user in out.
func cardTo(t *testing.T, out []duban.Outgoing, user string) *duban.Card {
	t.Helper()
	for _, o := range to(out, user) {
		if o.Card != nil {
			return o.Card
		}
	}
	t.Fatalf("no card for %s in %+v", user, out)
	return nil
}

func button(t *testing.T, c *duban.Card, text string) string {
	t.Helper()
	for _, b := range c.Buttons {
		if b.Text == text {
			return b.Key
		}
	}
	t.Fatalf("card %s has no %s button: %+v", c.ID, text, c.Buttons)
	return ""
}

func cardUpdated(out []duban.Outgoing, user, note string) bool {
	for _, o := range to(out, user) {
		if o.CardUpdate != nil && o.CardUpdate.Note == note {
			return true
		}
	}
	return false
}

func task(t *testing.T, h *Handler, id string) duban.Task {
	t.Helper()
	tk, err := h.Store.Task(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestNobodyDecidesTheirOwnRequest(t *testing.T) {
	h := newHandler(t, boss, duo)

	// 编办 who heads U01 reports U01's task: the group leader decides.
	out := say(t, h, "boss", "完成 T001 方案已报")
	must(t, out, "boss", "已提交政府组督办组长对账销号")
	card := cardTo(t, out, "wang")
	if len(to(out, "admin")) != 0 {
		t.Errorf("编办 asked to verify though the group has a leader: %+v", out)
	}
	for _, text := range []string{"销号 T001", "驳回 T001 没看到附件"} {
		out = say(t, h, "boss", text)
		must(t, out, "boss", "是您本人报完成的", "请由政府组督办组长办理")
	}
	out = click(t, h, "boss", button(t, card, "销号"))
	must(t, out, "boss", "是您本人报完成的", "请由政府组督办组长办理")
	if cardUpdated(out, "boss", "已销号") || task(t, h, "T001").Status != duban.StatusReported {
		t.Fatal("a report was closed by the one who made it")
	}
	// Another 编办 member may close it; the group leader is told.
	out = say(t, h, "admin", "销号 T001")
	must(t, out, "admin", "已通知该单位和政府组督办组长", "所办理的是钱主任")
	must(t, out, "wang", "【已销号】", "市财政局")
	must(t, out, "boss", "【已销号】")

	// The leader of 党群组, as U02's contact, asks for more time: 编办 decides.
	out = say(t, h, "duo", "延期 T003 2018-02-28 待编委会审议")
	must(t, out, "duo", "已提交编办审批（您是该组督办组长")
	card = cardTo(t, out, "admin")
	cardTo(t, out, "boss") // boss is 编办 too
	for _, text := range []string{"同意延期 T003", "不同意延期 T003 不行"} {
		out = say(t, h, "duo", text)
		must(t, out, "duo", "延期申请是您本人提出的", "请由编办办理")
	}
	out = click(t, h, "duo", button(t, card, "同意延期"))
	must(t, out, "duo", "您本人提出的")
	if tk := task(t, h, "T003"); tk.Deadline != duban.NewDate(2018, 1, 10) || tk.Extension == nil {
		t.Fatalf("the requester decided his own extension: %+v", tk)
	}
	hist, _ := h.Store.History(context.Background(), "T003")
	if hist[len(hist)-1].Action != duban.ActDenied {
		t.Errorf("the refusal is not in the history: %+v", hist[len(hist)-1])
	}
	out = click(t, h, "admin", button(t, card, "同意延期"))
	must(t, out, "admin", "2018-01-10 → 2018-02-28", "（市委办公室）")
	must(t, out, "duo", "【同意延期】")
	must(t, out, "zhao", "【同意延期】")
	if len(to(out, "duo")) != 1 {
		t.Errorf("the leader who is also the unit's contact was told twice: %+v", to(out, "duo"))
	}
	if !cardUpdated(out, "admin", "已同意延期") {
		t.Error("card not updated")
	}
}

func TestStaleCardChangesNothing(t *testing.T) {
	h := newHandler(t)
	out := say(t, h, "lilei", "延期 T002 2018-01-15 待市编委会审议")
	first := cardTo(t, out, "wang")
	out = say(t, h, "wang", "不同意延期 T002 时限不变")
	must(t, out, "wang", "（市财政局）", "申请延至 2018-01-15 未获同意，完成时限仍为 2017-12-22", "所办理的是李雷")
	// The unit asks again, for a much later date; the clock has not moved.
	out = say(t, h, "lilei", "延期 T002 2018-06-30 人员未到位")
	second := cardTo(t, out, "wang")
	if button(t, first, "同意延期") == button(t, second, "同意延期") || first.ID == second.ID {
		t.Fatalf("two requests, one card: %+v %+v", first, second)
	}
	for _, b := range []string{"同意延期", "不同意"} {
		out = click(t, h, "wang", button(t, first, b))
		must(t, out, "wang", "该卡片已过期：", "2018-01-15", "当前", "2018-06-30", "未做任何变更")
		if !cardUpdated(out, "wang", "已过期") {
			t.Errorf("%s on the old card: the card is not marked expired: %+v", b, out)
		}
		if len(to(out, "lilei")) != 0 {
			t.Errorf("%s on the old card told the unit: %+v", b, out)
		}
		if tk := task(t, h, "T002"); tk.Deadline != duban.NewDate(2017, 12, 22) || tk.Extension == nil || tk.Extension.Deadline != duban.NewDate(2018, 6, 30) {
			t.Fatalf("%s on the old card changed the task: %+v", b, tk)
		}
	}
	out = click(t, h, "wang", button(t, second, "同意延期"))
	must(t, out, "lilei", "2017-12-22 调整为 2018-06-30")
	out = click(t, h, "wang", button(t, second, "同意延期"))
	must(t, out, "wang", "该卡片已过期：", "没有待审批的延期申请，完成时限 2018-06-30")

	// 销号 on a later report.
	out = say(t, h, "lilei", "完成 T001 方案已报")
	first = cardTo(t, out, "wang")
	say(t, h, "wang", "驳回 T001 未附审核意见")
	out = say(t, h, "lilei", "完成 T001 已补审核意见")
	second = cardTo(t, out, "wang")
	for _, b := range []string{"销号", "驳回"} {
		out = click(t, h, "wang", button(t, first, b))
		must(t, out, "wang", "该卡片已过期：", "李雷", "当前", "未做任何变更",
			"卡片上是李雷（联络员） 2017-12-20 10:00:00 的报送「方案已报」", "待销号的是李雷（联络员） 2017-12-20 10:00:00 的报送「已补审核意见」")
		if !cardUpdated(out, "wang", "已过期") || task(t, h, "T001").Status != duban.StatusReported {
			t.Fatalf("%s on the first report's card: %+v", b, out)
		}
	}
	out = click(t, h, "wang", button(t, second, "驳回"))
	must(t, out, "wang", "请回复驳回理由")
	out = click(t, h, "wang", button(t, second, "销号"))
	must(t, out, "lilei", "【已销号】")
	if task(t, h, "T001").Status != duban.StatusVerified {
		t.Fatal("the current card did not verify")
	}

	// A card from before keys named what they showed acts on nothing.
	say(t, h, "lilei", "完成 T002 已报")
	out = click(t, h, "wang", "verify:T002")
	must(t, out, "wang", "该卡片已过期：无法确认卡片上是哪一次报送", "请在新卡片上办理，或回复「销号 T002」")
	if task(t, h, "T002").Status != duban.StatusReported {
		t.Fatal("an old-style key verified")
	}
	// Someone who may not decide learns nothing from a card's key.
	out = click(t, h, "zhao", button(t, second, "销号"))
	must(t, out, "zhao", "只有该组督办组长或编办可以销号")
}

func TestCardsCarryTheFacts(t *testing.T) {
	h := newHandler(t)
	out := say(t, h, "hanmei", "延期 T002 2018-01-15 待市编委会审议")
	o := must(t, out, "wang", "【延期申请】", "单位：市财政局（政府组）", "申请人：韩梅（一把手）",
		"2017-12-22 → 申请延至 2018-01-15", "理由：待市编委会审议", "申请时间：2017-12-20 10:00")
	fields := map[string]string{}
	for _, f := range o.Card.Fields {
		fields[f.Label] = f.Value
	}
	want := map[string]string{"单位": "市财政局（政府组）", "申请人": "韩梅（一把手）", "现时限": "2017-12-22", "申请延至": "2018-01-15"}
	for k, v := range want {
		if fields[k] != v {
			t.Errorf("延期 card %s = %q, want %q (%+v)", k, fields[k], v, o.Card)
		}
	}
	if !strings.Contains(o.Card.Desc, "待市编委会审议") {
		t.Errorf("延期 card without the reason: %+v", o.Card)
	}

	out = say(t, h, "lilei", "完成 T001 方案已报编办")
	o = must(t, out, "wang", "【待销号】", "单位：市财政局（政府组）", "报送人：李雷（联络员）", "报送时间：2017-12-20 10:00",
		"完成时限：2017-12-15", "报送说明：方案已报编办")
	fields = map[string]string{}
	for _, f := range o.Card.Fields {
		fields[f.Label] = f.Value
	}
	want = map[string]string{"单位": "市财政局（政府组）", "报送人": "李雷（联络员）", "报送时间": "2017-12-20 10:00", "完成时限": "2017-12-15"}
	for k, v := range want {
		if fields[k] != v {
			t.Errorf("待销号 card %s = %q, want %q (%+v)", k, fields[k], v, o.Card)
		}
	}
	if !strings.Contains(o.Card.Desc, "方案已报编办") || !strings.Contains(o.Card.Title, "T001") {
		t.Errorf("待销号 card: %+v", o.Card)
	}
}

// A report made before reports recorded their author: its author is found
// in the history, and still may not close it.
func TestOwnReportFromBeforeTheUpgrade(t *testing.T) {
	h := newHandler(t, boss)
	ctx := context.Background()
	_, err := h.Store.Apply(ctx, "T001", "msg:old", func(tk duban.Task, u duban.Unit) (duban.Task, duban.Change, error) {
		next, c, err := duban.Apply(tk, u, duban.Request{Action: duban.ActReport, By: boss, MsgID: "msg:old", At: clock})
		next.ReportedBy, next.ReportRef = "", "" // as stored by the old code
		return next, c, err
	})
	if err != nil {
		t.Fatal(err)
	}
	out := say(t, h, "boss", "销号 T001")
	must(t, out, "boss", "是您本人报完成的")
	if task(t, h, "T001").Status != duban.StatusReported {
		t.Fatal("an old report was closed by its author")
	}
	out = say(t, h, "wang", "销号 T001")
	must(t, out, "wang", "已报完成 → 已销号", "所办理的是钱主任")
}

// Ids may hold the characters keys are built with (':', '@', '/').
func TestCardKeysWithOddIDs(t *testing.T) {
	h := newHandler(t)
	ctx := context.Background()
	l, err := h.Store.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l.Tasks = append(l.Tasks, duban.Task{ID: "A:1/2@3", Unit: "U01", Title: "奇怪编号", Deadline: duban.NewDate(2018, 1, 31)})
	if _, err := h.Store.Import(ctx, l, "import", clock); err != nil {
		t.Fatal(err)
	}
	out := say(t, h, "lilei", "延期 奇怪编号 2018-02-28 待审议")
	first := cardTo(t, out, "wang")
	say(t, h, "wang", "不同意延期 奇怪编号 不行")
	out = say(t, h, "lilei", "延期 奇怪编号 2018-03-31 再议")
	second := cardTo(t, out, "wang")
	out = click(t, h, "wang", button(t, first, "同意延期"))
	must(t, out, "wang", "该卡片已过期：", "A:1/2@3")
	out = click(t, h, "wang", button(t, second, "同意延期"))
	must(t, out, "wang", "同意延期：完成时限 2018-01-31 → 2018-03-31")
}

// 党群组 has no leader: 编办 decides its requests, and when the only 编办
// member made the request, nobody can; the reply says so.
func TestNoOneElseToDecide(t *testing.T) {
	h := newHandler(t)
	out := say(t, h, "zhao", "完成 T003 已报")
	must(t, out, "zhao", "已提交编办对账销号")
	cardTo(t, out, "admin")
	say(t, h, "admin", "驳回 T003 缺材料")
	out = say(t, h, "admin", "完成 T003 编办代报")
	must(t, out, "admin", "目前没有可以对账销号的人员，请联系编办")
	if len(out) != 1 {
		t.Errorf("someone was asked to close 编办's own report: %+v", out)
	}
}

// 编办 decided on a leaderless group's request: an undo of it tells 编办.
func TestUndoInALeaderlessGroupTellsAdmin(t *testing.T) {
	h := newHandler(t)
	say(t, h, "zhao", "完成 T003 已报")
	out := say(t, h, "zhao", "撤销")
	must(t, out, "admin", "【撤销】")
}

// A group leader who is also a unit's contact sends their own report to
// 编办; when they undo it, 编办 — who holds the card — is told.
func TestUndoOfALeadersOwnReportTellsAdmin(t *testing.T) {
	h := newHandler(t, duban.Person{UserID: "dual", Name: "双岗", Posts: []duban.Post{
		{Role: duban.RoleLeader, Scope: "党群组"}, {Role: duban.RoleContact, Scope: "U02"}}})
	out := say(t, h, "dual", "完成 T003 已报")
	must(t, out, "dual", "已提交编办对账销号")
	must(t, out, "admin", "【待销号】")
	out = say(t, h, "dual", "撤销")
	must(t, out, "dual", "撤销「完成」", "已通知该单位和编办")
	must(t, out, "admin", "【撤销】", "双岗撤销「完成」")
	must(t, out, "zhao", "【撤销】")
}
