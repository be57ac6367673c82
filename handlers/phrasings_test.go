package handlers

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// The conversation as people type it: each phrasing is sent to a fresh
// ledger (after its setup messages) and must leave exactly the expected
// change — or none — and answer with the expected words.

// phrasingClock is a Tuesday: 下周五 is 2026-12-11, 月底 2026-12-31.
var phrasingClock = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

type fakePolicy struct{}

func (fakePolicy) AnswerText(_ context.Context, q string) (string, bool, error) {
	return "【政策答复】" + q, false, nil
}

type fakeReminders struct{ acks int }

func (f *fakeReminders) Acknowledge(context.Context, string, string, time.Time) (int, error) {
	f.acks += 3
	return 3, nil
}
func (f *fakeReminders) Evidence(context.Context, string) ([]string, error) { return nil, nil }
func (f *fakeReminders) PreviewBulletin(context.Context, time.Time) (BulletinPreview, error) {
	return BulletinPreview{Summary: "工作通报（预览，未编号）", Recipients: 3}, nil
}
func (f *fakeReminders) LetterDrafts(context.Context, time.Time) ([]LetterDraft, error) {
	return nil, nil
}
func (f *fakeReminders) IssueLetter(context.Context, duban.Person, string, time.Time) (string, error) {
	return "", nil
}
func (f *fakeReminders) PublishBulletin(context.Context, duban.Person, string, []byte, time.Time) (string, error) {
	return "已发布第1期工作通报。", nil
}

func phrasingHandler(t *testing.T) (*Handler, *fakeReminders) {
	t.Helper()
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d := duban.NewDate
	l := duban.Ledger{
		Units: []duban.Unit{
			{Code: "ZF07", Name: "市司法局", Group: "政府组"},
			{Code: "ZF08", Name: "市财政局", Group: "政府组"},
			{Code: "DQ01", Name: "市委办公室", Group: "党群组"},
		},
		People: []duban.Person{
			{UserID: "sun", Name: "孙丽", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "ZF07"}}},
			{UserID: "zhou", Name: "周强", Posts: []duban.Post{{Role: duban.RoleHead, Scope: "ZF07"}}},
			{UserID: "qian", Name: "钱进", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "ZF08"}}},
			{UserID: "chen", Name: "陈志强", Posts: []duban.Post{{Role: duban.RoleLeader, Scope: "政府组"}}},
			{UserID: "liu", Name: "刘建华", Posts: []duban.Post{{Role: duban.RoleLeader, Scope: "党群组"}}},
			{UserID: "li", Name: "李晓东", Posts: []duban.Post{{Role: duban.RoleAdmin}}},
		},
		Tasks: []duban.Task{
			{ID: "S01", Unit: "ZF07", Title: "制定大科室制改革方案", Deadline: d(2026, 11, 20)},
			{ID: "S02", Unit: "ZF07", Title: "人员转岗到位", Deadline: d(2027, 1, 10)},
			{ID: "S03", Unit: "ZF07", Title: "内设机构调整到位", Deadline: d(2026, 12, 28), Status: duban.StatusInProgress},
			{ID: "S04", Unit: "ZF07", Title: "核减领导职数", Deadline: d(2027, 1, 5), Status: duban.StatusInProgress},
			{ID: "S05", Unit: "ZF07", Title: "报送改革完成情况", Deadline: d(2027, 1, 20)},
			{ID: "F01", Unit: "ZF08", Title: "制定财政局改革方案", Deadline: d(2026, 12, 15)},
			{ID: "D01", Unit: "DQ01", Title: "市委办公室科室整合", Deadline: d(2026, 12, 20), Status: duban.StatusReported},
		},
	}
	if _, err := st.Import(context.Background(), l, "import", phrasingClock.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	rem := &fakeReminders{}
	h := &Handler{Store: st, Policy: fakePolicy{}, Reminders: rem, Location: time.UTC, WarnDays: 3,
		UndoWindow: 30 * time.Minute, MaxNoteChars: 500}
	h.Now = func() time.Time { return phrasingClock }
	// S04 waits for 销号 and S05 has an extension request, both made by the
	// unit head, waiting for the group leader.
	for key, text := range map[string]string{"setup:report": "完成 S04 职数已核减", "setup:ext": "延期 S05 2027-02-20 待编委会审议"} {
		if _, err := h.Handle(context.Background(), duban.Inbound{Key: key, From: "zhou", Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	return h, rem
}

type phrasing struct {
	from  string
	setup []string // "who> text", "who> /click key", or "text" from the same sender
	text  string   // "/click key" clicks a card button
	task  string   // the task that must change; "" means nothing may change
	want  string   // its state after: a status, "ext:DATE", "deadline:DATE", "noext", "progress:WORDS"
	reply string   // a fragment of the reply to the sender
	acks  int      // acknowledgements the message must record
	not   string   // a fragment the reply must not hold
	// refused is a command refused: the refusal is a line in the task's
	// history (留痕). Otherwise a message that changes nothing writes none.
	refused bool
}

var phrasings = []phrasing{
	// Questions never act, whatever word they start with.
	{from: "sun", text: "收到提醒要回复吗", reply: "【政策答复】", not: "已确认收到"},
	{from: "sun", text: "收到提醒后要回复吗？", reply: "【政策答复】"},
	{from: "sun", text: "完成 人员转岗 需要注意什么", reply: "您是要将 S02「人员转岗到位」报为已完成吗？回复「确认」执行"},
	{from: "sun", text: "S02 可以报完成了吗", reply: "您是要将 S02「人员转岗到位」报为已完成吗？回复「确认」执行"},
	{from: "sun", text: "S02完成了吗？", reply: "您是要将 S02"},
	{from: "sun", text: "完成 S02 吗", reply: "您是要将 S02"},
	{from: "sun", text: "s02 能报完成吗", reply: "您是要将 S02"},
	{from: "sun", text: "延期需要什么手续？", reply: "【政策答复】"},
	{from: "sun", text: "进展 S02 已明确各科室职责，什么时候报编办待定", reply: "您是要报告 S02「人员转岗到位」的进展「已明确各科室职责，什么时候报编办待定」吗？回复「确认」执行"},
	{from: "sun", text: "延期 S02 1月25日 因为编委会什么时候开会还不确定", reply: "您是要申请将 S02「人员转岗到位」的完成时限由 2027-01-10 延至 2027-01-25"},
	{from: "sun", setup: []string{"进展 S02 已有3人转岗，还有哪些需要注意？"}, text: "确认", task: "S02", want: "progress:已有3人转岗，还有哪些需要注意？", reply: "推进中"},
	{from: "sun", text: "S02 进展怎么样了", reply: "任务当前：【绿】S02 人员转岗到位｜时限 2027-01-10｜未启动", not: "【政策答复】"},
	{from: "sun", text: "S02 什么时候到期？", reply: "任务当前：【绿】S02", not: "【政策答复】"},
	{from: "chen", text: "S04 需要我销号吗", reply: "您是要将 S04「核减领导职数」销号吗？"},
	{from: "sun", text: "可以帮我把S02报完成吗", reply: "您是要将 S02「人员转岗到位」报为已完成吗？"},

	{from: "sun", text: "延期 S02 需要什么材料", reply: "【政策答复】"},
	{from: "sun", text: "进展怎么报", reply: "可以这样对我说"},
	{from: "sun", text: "进展 S02 怎么写", reply: "进展 S01 方案已起草 —— 报告进展"},
	{from: "sun", text: "撤销机构的规定有哪些", reply: "【政策答复】"},
	{from: "sun", text: "撤销是什么意思", reply: "【政策答复】"},
	{from: "sun", text: "任务清单制是什么意思", reply: "【政策答复】"},
	{from: "sun", text: "任务什么时候截止", reply: "【政策答复】"},
	{from: "sun", text: "完成时限是哪天?", reply: "【政策答复】"},
	{from: "sun", text: "完成以后还要做什么呢", reply: "【政策答复】"},
	{from: "sun", text: "每个科室最少要有几个人", reply: "【政策答复】"},
	{from: "sun", text: "纳入大科室制改革的市直单位有多少家", reply: "【政策答复】"},
	{from: "sun", text: "是否需要报编办审核", reply: "【政策答复】"},
	{from: "sun", text: "能否推迟到明年", reply: "【政策答复】"},
	{from: "sun", text: "要不要附党组会纪要", reply: "【政策答复】"},
	{from: "sun", text: "为什么我的任务是红灯", reply: "【红】S01"},
	{from: "sun", text: "销号是谁来做", reply: "【政策答复】"},
	{from: "sun", text: "驳回了怎么办？", reply: "【政策答复】"},
	{from: "sun", text: "确认什么", reply: "【政策答复】"},
	{from: "sun", text: "通报多久发一次", reply: "【政策答复】"},
	{from: "sun", text: "收到了吗", reply: "【政策答复】", not: "已确认收到"},
	{from: "sun", text: "S04 可以销号吗", reply: "【政策答复】"},
	{from: "chen", text: "S04 可以销号了吗", reply: "您是要将 S04「核减领导职数」销号吗？回复「确认」执行"},
	{from: "chen", text: "驳回 S04 需要写理由吗", reply: "【政策答复】"},
	{from: "chen", text: "同意延期 S05 吗？", reply: "您是要同意 S05"},
	{from: "sun", text: "S01 完成了吗?", reply: "您是要将 S01"},
	{from: "qian", text: "S02 可以报完成吗", reply: "【政策答复】", not: "您是要将"}, // another unit's task
	{from: "sun", text: "请问大科室制改革的目标", reply: "【政策答复】"},
	{from: "sun", text: "介绍一下大科室制", reply: "【政策答复】"},
	{from: "sun", text: "问 每个科室最少几个人", reply: "【政策答复】"},
	{from: "sun", text: "咨询：领导职数怎么核定", reply: "【政策答复】"},
	{from: "sun", text: "您好，延期怎么申请？", reply: "【政策答复】"},
	// A question's ask-back is applied only on 确认.
	{from: "sun", setup: []string{"S02 可以报完成了吗"}, text: "确认", task: "S02", want: "已报完成", reply: "未启动 → 已报完成"},
	{from: "sun", setup: []string{"S02 可以报完成了吗"}, text: "取消", reply: "已取消"},
	// An offer is stale once its task was changed by another message.
	{from: "sun", setup: []string{"S02 可以报完成了吗", "延期 S02 2027-02-20 等审议"}, text: "确认", reply: "没有待确认的变更"},
	{from: "sun", setup: []string{"S02 可以报完成了吗", "进展 S03 已起草"}, text: "确认", task: "S02", want: "已报完成", reply: "未启动 → 已报完成"},
	{from: "chen", setup: []string{"S04 可以销号了吗"}, text: "确认", task: "S04", want: "已销号", reply: "已报完成 → 已销号"},

	// Natural word order and forms.
	{from: "sun", text: "完成 S02 已全部转岗", task: "S02", want: "已报完成", reply: "未启动 → 已报完成（已全部转岗）"},
	{from: "sun", text: "S02 完成了", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "S02完成了", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "完成了S02", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "完成了 S02", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "S02已完成，人员已全部到岗", task: "S02", want: "已报完成", reply: "（人员已全部到岗）"},
	{from: "sun", text: "S02 已经完成，人员已全部到岗", task: "S02", want: "已报完成", reply: "（人员已全部到岗）"},
	{from: "sun", text: "S02 已办结", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "已完成 S02", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "已完成S02。", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "完成：ｓ０２，方案已报编办", task: "S02", want: "已报完成", reply: "（方案已报编办）"},
	{from: "sun", text: "完成 人员转岗 已到位", task: "S02", want: "已报完成", reply: "（已到位）"},
	{from: "sun", text: "人员转岗 已完成", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "  S02   完成了  ", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "S02 done 完成", reply: "没看懂这条消息"},
	{from: "zhou", text: "S02 完成了", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "S02 已上报", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "S02 搞定了", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "【S02】已完成", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "任务S02已完成", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "编号S02已完成", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "S02号任务已完成", task: "S02", want: "已报完成", reply: "未启动 → 已报完成。"},
	{from: "sun", text: "申请 S02 延期至1月25日，等审议", task: "S02", want: "ext:2027-01-25", reply: "（等审议）"},
	{from: "sun", text: "S02 需要延期到1月25日，等审议", task: "S02", want: "ext:2027-01-25", reply: "（等审议）"},
	{from: "sun", text: "S02 完成50%", task: "S02", want: "progress:完成50%", reply: "推进中（完成50%）"},
	{from: "sun", text: "完成 S02 一半", task: "S02", want: "progress:完成一半", reply: "推进中"},
	{from: "sun", text: "已阅", reply: "已确认收到", acks: 3},
	{from: "sun", text: "任务 S02", reply: "变更记录"},
	{from: "sun", text: "S02 能不能延期到1月25日", reply: "延期 S02 2027-01-25 理由", not: "待审批"},
	{from: "sun", text: "S02已经报编办了", reply: "没写要做什么"},
	{from: "sun", text: "完成 人员转岗工作 已全部到岗", task: "S02", want: "已报完成", reply: "S02「人员转岗到位」"},
	{from: "sun", text: "延期 S02 1月25日前 等审议", task: "S02", want: "ext:2027-01-25", reply: "（等审议）"},
	{from: "sun", text: "完成 转岗方案 已报", reply: "没有找到任务「转岗方案」"},
	{from: "sun", text: "延期 S02 1月25日 以便编委会审议", task: "S02", want: "ext:2027-01-25", reply: "（以便编委会审议）"},
	{from: "sun", text: "S02的任务已经完成了", task: "S02", want: "已报完成", reply: "未启动 → 已报完成。"},
	{from: "sun", text: "已完成S02任务", task: "S02", want: "已报完成", reply: "未启动 → 已报完成。"},
	{from: "sun", text: "S02这项完成了，请销号", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "我们单位S02已完成", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "S02 人员已全部到岗，已完成", task: "S02", want: "已报完成", reply: "（人员已全部到岗）"},
	{from: "sun", text: "完成 S02 2号文件已报", task: "S02", want: "已报完成", reply: "（2号文件已报）"},
	{from: "sun", text: "S02 完成情况：已有3人转岗", task: "S02", want: "progress:已有3人转岗", reply: "推进中"},
	{from: "sun", text: "报告进展 S02 已有3人转岗", task: "S02", want: "progress:已有3人转岗", reply: "推进中"},
	{from: "sun", text: "S03 推进中，方案已起草", task: "S03", want: "progress:方案已起草", reply: "（方案已起草）"},
	{from: "sun", text: "S02 延至2027-01-25 因为等审议", task: "S02", want: "ext:2027-01-25", reply: "2027-01-25"},
	{from: "sun", text: "好的收到", reply: "已确认收到", acks: 3},
	{from: "chen", text: "S04 核实无误，销号", task: "S04", want: "已销号", reply: "（核实无误）"},
	{from: "sun", text: "帮我看看任务", reply: "市司法局（政府组）任务清单"},
	{from: "sun", text: "我有哪些任务", reply: "市司法局（政府组）任务清单", not: "【政策答复】"},
	{from: "sun", text: "任务？", reply: "市司法局（政府组）任务清单"},
	{from: "sun", text: "T003 完成了", reply: "没看懂这条消息：没有找到任务「T003」"},
	{from: "sun", text: "2027年完成改革", reply: "没看懂这条消息", not: "写了任务"},
	{from: "sun", text: "S02 方案已完成起草", reply: "没写要做什么"},
	{from: "sun", text: "S02 延期 理由：等审议", reply: "（理由：等审议）：请回复新的完成时限"},
	{from: "sun", text: "您好，S02 完成了", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "S02 报完成", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "进展 S02 已有3人转岗", task: "S02", want: "progress:已有3人转岗", reply: "未启动 → 推进中（已有3人转岗）"},
	{from: "sun", text: "S02 有进展：已有3人转岗", task: "S02", want: "progress:已有3人转岗", reply: "推进中"},
	{from: "sun", text: "S02 进展：已有3人转岗", task: "S02", want: "progress:已有3人转岗", reply: "推进中"},
	{from: "sun", text: "S02进展，已有3人转岗", task: "S02", want: "progress:已有3人转岗", reply: "推进中"},
	{from: "sun", text: "进度 S02 已有3人转岗", task: "S02", want: "progress:已有3人转岗", reply: "推进中"},
	{from: "sun", text: "S02 最新进展：已有3人转岗", task: "S02", want: "progress:已有3人转岗", reply: "推进中"},
	{from: "sun", text: "人员转岗 有进展 已有3人转岗", task: "S02", want: "progress:已有3人转岗", reply: "推进中"},
	{from: "sun", text: "进展：S03，方案已过党组会", task: "S03", want: "progress:方案已过党组会", reply: "（方案已过党组会）"},
	{from: "chen", text: "销号 S04", task: "S04", want: "已销号", reply: "已报完成 → 已销号"},
	{from: "chen", text: "S04 销号", task: "S04", want: "已销号", reply: "已销号"},
	{from: "chen", text: "S04 予以销号", task: "S04", want: "已销号", reply: "已销号"},
	{from: "chen", text: "驳回 S04 未附党组会纪要", task: "S04", want: "推进中", reply: "已报完成 → 推进中（未附党组会纪要）"},
	{from: "chen", text: "S04 驳回，未附党组会纪要", task: "S04", want: "推进中", reply: "（未附党组会纪要）"},
	{from: "chen", text: "退回 S04 材料不全", task: "S04", want: "推进中", reply: "（材料不全）"},
	{from: "chen", text: "同意延期 S05", task: "S05", want: "deadline:2027-02-20", reply: "2027-01-20 → 2027-02-20"},
	{from: "chen", text: "S05 同意延期", task: "S05", want: "deadline:2027-02-20", reply: "2027-02-20"},
	{from: "chen", text: "批准延期 s05", task: "S05", want: "deadline:2027-02-20", reply: "2027-02-20"},
	{from: "chen", text: "不同意延期 S05 时限不变", task: "S05", want: "noext", reply: "（时限不变）"},
	{from: "chen", text: "S05 不同意延期，请按期完成", task: "S05", want: "noext", reply: "（请按期完成）"},
	{from: "sun", setup: []string{"进展 S02 已起草"}, text: "撤消", task: "S02", want: "未启动", reply: "撤销「进展」"},
	{from: "sun", setup: []string{"进展 S02 已起草"}, text: "撤销", task: "S02", want: "未启动", reply: "撤销「进展」"},
	{from: "sun", setup: []string{"进展 S02 已起草"}, text: "撤回", task: "S02", want: "未启动", reply: "撤销「进展」"},
	{from: "sun", setup: []string{"进展 S02 已起草"}, text: "撤销一下", task: "S02", want: "未启动", reply: "撤销「进展」"},
	{from: "sun", text: "记录 S02", reply: "变更记录"},
	{from: "sun", text: "S02 记录", reply: "变更记录"},
	{from: "sun", text: "收到", reply: "已确认收到 3 条提醒", acks: 3},
	{from: "sun", text: "收到，谢谢", reply: "已确认收到", acks: 3},
	{from: "sun", text: "收到 S02", reply: "已确认收到", acks: 3},
	{from: "sun", text: "已收到", reply: "已确认收到", acks: 3},

	// Dates as people write them.
	{from: "sun", text: "延期 S02 2027-01-25 等编委会审议", task: "S02", want: "ext:2027-01-25", reply: "延至 2027-01-25"},
	{from: "sun", text: "S02 申请延期到2027年1月25日，因为等编委会审议", task: "S02", want: "ext:2027-01-25", reply: "（等编委会审议）"},
	{from: "sun", text: "S02 申请延期至2027年1月25日，理由是等编委会审议", task: "S02", want: "ext:2027-01-25", reply: "（等编委会审议）"},
	{from: "sun", text: "申请延期 S02 2027/1/25 等编委会审议", task: "S02", want: "ext:2027-01-25", reply: "2027-01-25"},
	{from: "sun", text: "延期 S02 2027.1.25 等编委会审议", task: "S02", want: "ext:2027-01-25", reply: "2027-01-25"},
	{from: "sun", text: "延期 S02 1月25日 等编委会审议", task: "S02", want: "ext:2027-01-25", reply: "2027-01-25"},
	{from: "sun", text: "延期 S02 1月25号 等编委会审议", task: "S02", want: "ext:2027-01-25", reply: "2027-01-25"},
	{from: "sun", text: "延期 S02 到1/25 等编委会审议", task: "S02", want: "ext:2027-01-25", reply: "2027-01-25"},
	{from: "sun", text: "延期 S02 1/25，等编委会审议", task: "S02", want: "ext:2027-01-25", reply: "2027-01-25"},
	{from: "sun", text: "延期 S02 下月底 等编委会审议", task: "S02", want: "ext:2027-01-31", reply: "2027-01-31"},
	{from: "sun", text: "延期 S02 1月底 等编委会审议", task: "S02", want: "ext:2027-01-31", reply: "2027-01-31"},
	{from: "sun", text: "延期 S03 月底 人员未到位", task: "S03", want: "ext:2026-12-31", reply: "2026-12-31"},
	{from: "sun", text: "延期 S03 本月底 人员未到位", task: "S03", want: "ext:2026-12-31", reply: "2026-12-31"},
	{from: "sun", text: "S03 延期到年底，人员未到位", task: "S03", want: "ext:2026-12-31", reply: "2026-12-31"},
	{from: "sun", text: "延期 S01 下周五 等党组会", task: "S01", want: "ext:2026-12-11", reply: "2026-12-11"},
	{from: "sun", text: "延期 S01 下星期五 等党组会", task: "S01", want: "ext:2026-12-11", reply: "2026-12-11"},
	{from: "sun", text: "延期 S01 周五 等党组会", task: "S01", want: "ext:2026-12-04", reply: "2026-12-04"},
	{from: "sun", text: "延期 S01 12/20 等党组会", task: "S01", want: "ext:2026-12-20", reply: "2026-12-20"},
	{from: "sun", text: "延期 S01 明天 等党组会", task: "S01", want: "ext:2026-12-02", reply: "2026-12-02"},
	{from: "sun", text: "延期 S01 10天后 等党组会", task: "S01", want: "ext:2026-12-11", reply: "2026-12-11"},
	{from: "sun", text: "S02 延期，因为等编委会审议，到2027年1月25日", task: "S02", want: "ext:2027-01-25", reply: "2027-01-25"},
	{from: "sun", text: "S02 申请延期两周，因为等编委会审议", task: "S02", want: "ext:2027-01-24", reply: "延至 2027-01-24"},
	{from: "sun", text: "延期 S02 10天 等编委会审议", task: "S02", want: "ext:2027-01-20", reply: "2027-01-20"},
	{from: "sun", text: "S02 推迟一个月，等编委会审议", task: "S02", want: "ext:2027-02-10", reply: "2027-02-10"},
	{from: "sun", text: "延期 S02 半个月 等编委会审议", task: "S02", want: "ext:2027-01-25", reply: "2027-01-25"},
	{from: "sun", setup: []string{"/click extend:S02"}, text: "延期一周，等编委会审议", task: "S02", want: "ext:2027-01-17", reply: "2027-01-17"},
	{from: "sun", setup: []string{"延期 S02 两周"}, text: "等编委会审议", task: "S02", want: "ext:2027-01-24", reply: "（等编委会审议）"},
	{from: "sun", text: "延期 S02 2027-02-30 等审议", reply: "没有2027年2月30日"},
	{from: "sun", text: "延期 S02 2月30日 等审议", reply: "没有2月30日"},
	{from: "sun", text: "延期 S02 13月5日 等审议", reply: "没有13月"},
	{from: "sun", text: "延期 S02 2026-11-20 等审议", reply: "2026-11-20 已经过去（今天是 2026-12-01），须晚于现时限 2027-01-10"},
	{from: "sun", text: "延期 S02 月底 等审议", reply: "2026-12-31 须晚于现时限 2027-01-10"},
	{from: "sun", text: "延期 S03 下周五 等审议", reply: "2026-12-11 须晚于现时限 2026-12-28"},
	{from: "sun", text: "延期 S02 2027-01-10 等审议", reply: "须晚于现时限 2027-01-10"},
	{from: "sun", text: "延期 S05 2027-03-01 再延", reply: "已有待审批的延期申请", refused: true},

	// Notes: an empty one is asked for again, a long one is refused.
	{from: "sun", text: "进展 S02 。", reply: "请回复进展情况"},
	{from: "sun", text: "进展 S02", reply: "请回复进展情况"},
	{from: "sun", text: "S02 有进展", reply: "请回复进展情况"},
	{from: "sun", text: "进展 S02 " + strings.Repeat("很", 501), reply: "说明共 501 字，超过 500 字的上限"},
	{from: "sun", text: "完成 S02 " + strings.Repeat("已", 600), reply: "说明共 600 字"},
	{from: "sun", text: "进展 S02 " + strings.Repeat("好", 500), task: "S02", want: "推进中", reply: "推进中"},

	// Follow-up answers.
	{from: "sun", setup: []string{"/click extend:S02"}, text: "2027-01-20 等编委会审议", task: "S02", want: "ext:2027-01-20", reply: "延至 2027-01-20"},
	{from: "sun", setup: []string{"/click extend:S02"}, text: "1月20日，等编委会审议", task: "S02", want: "ext:2027-01-20", reply: "（等编委会审议）"},
	{from: "sun", setup: []string{"/click extend:S02"}, text: "延期到下月底 等编委会审议", task: "S02", want: "ext:2027-01-31", reply: "2027-01-31"},
	{from: "sun", setup: []string{"/click extend:S02"}, text: "2027-01-20", reply: "请回复延期理由"},
	{from: "sun", setup: []string{"/click extend:S02", "2027-01-20"}, text: "等编委会审议", task: "S02", want: "ext:2027-01-20", reply: "延至 2027-01-20"},
	{from: "sun", setup: []string{"/click extend:S02"}, text: "等编委会审议", reply: "没有找到日期"},
	{from: "sun", setup: []string{"/click extend:S02", "等编委会审议"}, text: "1月20日", task: "S02", want: "ext:2027-01-20", reply: "（等编委会审议）"},
	{from: "sun", setup: []string{"/click extend:S02"}, text: "2月30日 等审议", reply: "没有2月30日"},
	{from: "sun", setup: []string{"/click extend:S02", "2月30日 等审议"}, text: "2月3日 等审议", task: "S02", want: "ext:2027-02-03", reply: "2027-02-03"},
	{from: "sun", setup: []string{"/click extend:S02"}, text: "月底 等审议", reply: "须晚于现时限 2027-01-10"},
	{from: "sun", setup: []string{"/click extend:S02", "月底 等审议"}, text: "2027-01-31 等审议", task: "S02", want: "ext:2027-01-31", reply: "2027-01-31"},
	{from: "sun", setup: []string{"/click extend:S02"}, text: "取消", reply: "已取消"},
	{from: "sun", setup: []string{"/click extend:S02", "取消"}, text: "2027-01-20 等审议", reply: "没看懂这条消息"},
	{from: "sun", setup: []string{"/click extend:S02"}, text: "完成 S03 方案已报", task: "S03", want: "已报完成", reply: "推进中 → 已报完成"},
	{from: "sun", setup: []string{"/click extend:S02", "完成 S03 方案已报"}, text: "2027-01-20 等审议", task: "", reply: "没看懂这条消息"},
	{from: "sun", setup: []string{"/click extend:S02"}, text: "任务", reply: "市司法局（政府组）任务清单"},
	{from: "sun", setup: []string{"/click extend:S02"}, text: "好的", reply: "请回复新的完成时限和理由"},
	{from: "sun", setup: []string{"延期 S02"}, text: "2027-01-20 等编委会审议", task: "S02", want: "ext:2027-01-20", reply: "延至 2027-01-20"},
	{from: "sun", setup: []string{"S02 申请延期"}, text: "1月25日 等编委会审议", task: "S02", want: "ext:2027-01-25", reply: "2027-01-25"},
	{from: "sun", setup: []string{"延期 S02 等编委会审议"}, text: "1月25日", task: "S02", want: "ext:2027-01-25", reply: "（等编委会审议）"},
	{from: "sun", setup: []string{"延期 S02 2027-01-25"}, text: "等编委会审议", task: "S02", want: "ext:2027-01-25", reply: "（等编委会审议）"},
	// A follow-up date before the current deadline is refused at once, not
	// after the reason, and the question stays open for another date.
	{from: "sun", setup: []string{"延期 S03"}, text: "延期到下周五", reply: "未执行：申请的新时限 2026-12-11 须晚于现时限 2026-12-28。", not: "请回复延期理由"},
	{from: "sun", setup: []string{"延期 S03"}, text: "下周五 等审议", reply: "请回复新的完成时限", not: "已记录"},
	{from: "sun", setup: []string{"延期 S03", "延期到下周五"}, text: "2027-01-15 等编委会审议", task: "S03", want: "ext:2027-01-15", reply: "延至 2027-01-15"},
	{from: "sun", setup: []string{"延期 S03", "下周五 等编委会审议"}, text: "2027-01-15", task: "S03", want: "ext:2027-01-15", reply: "（等编委会审议）"},
	{from: "sun", text: "延期 S03 下周五", reply: "未执行：申请的新时限 2026-12-11 须晚于现时限 2026-12-28。", not: "请回复延期理由"},
	{from: "sun", setup: []string{"延期 S03 下周五"}, text: "2027-01-15 等编委会审议", task: "S03", want: "ext:2027-01-15", reply: "延至 2027-01-15"},
	{from: "sun", setup: []string{"/click extend:S01"}, text: "上周五", reply: "已经过去（今天是 2026-12-01）", not: "请回复延期理由"},
	// While the bot waits for a date, a question about the command is
	// answered, not taken as the reason, and a unit listing is a command.
	{from: "sun", setup: []string{"/click extend:S02"}, text: "延期怎么申请", reply: "【政策答复】", not: "理由：延期怎么申请"},
	{from: "sun", setup: []string{"/click extend:S02", "延期怎么申请"}, text: "2027-01-20 等编委会审议", task: "S02", want: "ext:2027-01-20", reply: "（等编委会审议）"},
	{from: "chen", setup: []string{"sun> 完成 S02", "/click reject:S02"}, text: "任务 市财政局", reply: "市财政局（政府组）任务清单", not: "驳回"},
	// The example date of a prompt lies ahead even when the deadline is past.
	{from: "sun", text: "/click extend:S01", reply: "现时限 2026-11-20），例如：2026-12-15 待市编委会审议"},
	{from: "sun", setup: []string{"进展 S02"}, text: "已有3人转岗", task: "S02", want: "progress:已有3人转岗", reply: "推进中（已有3人转岗）"},
	{from: "sun", setup: []string{"进展 S02 。"}, text: "已有3人转岗", task: "S02", want: "progress:已有3人转岗", reply: "推进中"},
	{from: "chen", setup: []string{"/click reject:S04"}, text: "未附党组会纪要", task: "S04", want: "推进中", reply: "（未附党组会纪要）"},
	{from: "chen", setup: []string{"驳回 S04"}, text: "未附党组会纪要", task: "S04", want: "推进中", reply: "（未附党组会纪要）"},
	{from: "chen", setup: []string{"S04 驳回"}, text: "未附党组会纪要", task: "S04", want: "推进中", reply: "（未附党组会纪要）"},
	{from: "chen", setup: []string{"/click refuse:S05"}, text: "时限不变，请按期完成", task: "S05", want: "noext", reply: "（时限不变，请按期完成）"},
	{from: "chen", setup: []string{"不同意延期 S05"}, text: "时限不变", task: "S05", want: "noext", reply: "（时限不变）"},
	{from: "chen", setup: []string{"/click refuse:S05"}, text: "取消", reply: "已取消"},
	{from: "chen", setup: []string{"/click refuse:S05"}, text: "同意延期 S05", task: "S05", want: "deadline:2027-02-20", reply: "2027-02-20"},
	{from: "chen", setup: []string{"/click refuse:S05"}, text: "为什么要写理由？", reply: "【政策答复】"},
	{from: "chen", setup: []string{"/click refuse:S05", "为什么要写理由？"}, text: "时限不变", task: "S05", want: "noext", reply: "（时限不变）"},
	{from: "sun", setup: []string{"/click reject:S04"}, text: "未附纪要", reply: "没看懂这条消息"}, // 联络员 may not 驳回: not asked
	{from: "sun", text: "/click reject:S04", reply: "只有该组督办组长或编办可以驳回", refused: true},
	{from: "sun", text: "/click extend:S02", reply: "请回复新的完成时限和理由（现时限 2027-01-10）"},
	{from: "chen", text: "/click refuse:S05", reply: "不同意任务 S05「报送改革完成情况」的延期申请：请回复理由"},
	{from: "chen", text: "驳回 S04", reply: "请回复驳回理由"},

	// Misses: never a quote, always what was missing and an example of
	// the sender's own.
	{from: "sun", text: "S02", reply: "任务 S02「人员转岗到位」（市司法局）\n当前：未启动", not: "【政策答复】"},
	{from: "sun", text: "S02 方案已报", reply: "例如：完成 S02", not: "【政策答复】"},
	{from: "sun", text: "完成", reply: "「完成」后面要写任务编号", not: "T012"},
	{from: "sun", text: "完成 ", reply: "例如：完成 S01"},
	{from: "sun", text: "销号", reply: "没看懂这条消息"},
	{from: "sun", text: "完成 S99 已报", reply: "没有找到任务「S99」"},
	{from: "sun", text: "完成 改革试点 已报", reply: "没有找到任务「改革试点」"},
	{from: "sun", text: "方案已经报给编办了", reply: "没看懂这条消息", not: "【政策答复】"},
	{from: "sun", text: "大科室制改革", reply: "没看懂这条消息", not: "【政策答复】"},
	{from: "sun", text: "👍👍", reply: "收到 👍👍。发送「任务」查看任务清单"},
	{from: "sun", text: "😀", reply: "「帮助」查看全部用法"},
	{from: "sun", text: "。。。", reply: "没看懂这条消息"},
	{from: "sun", text: "asdfgh", reply: "没看懂这条消息"},
	{from: "sun", text: strings.Repeat("这是很长的一段话。", 600), reply: "消息太长"},
	{from: "sun", text: "单位\t任务\t时限\nZF07\tS02\t2027-01-10\nZF07\tS03\t2026-12-28", reply: "没看懂这条消息"},
	{from: "sun", text: "完成\x00 S02\x07 已报", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "sun", text: "Ｓ０２　完成了", task: "S02", want: "已报完成", reply: "已报完成"},
	{from: "qian", text: "完成 S02", reply: "未执行：任务 S02 属于市司法局"},
	{from: "sun", text: "销号 S04", reply: "未执行：", refused: true},
	{from: "sun", text: "完成 S04", reply: "未执行：任务 S04 当前为「已报完成」", refused: true},
	{from: "chen", text: "完成 S02", reply: "未执行：", refused: true},
	{from: "chen", text: "销号 S02", reply: "只有「已报完成」的任务可以销号", refused: true},
	{from: "liu", text: "销号 S04", reply: "未执行："},
	{from: "sun", text: "确认", reply: "没有待确认的变更"},
	{from: "sun", text: "取消", reply: "没有待确认的变更"},
	{from: "sun", text: "撤销", reply: "未执行：您还没有可撤销的变更。", not: "没看懂"},
	{from: "sun", setup: []string{"完成 S02", "撤销"}, text: "撤销", reply: "未执行：您最近一次变更是撤销任务 S02 的「完成」，撤销不能再撤销", not: "不是您做的"},
	{from: "sun", text: "不同意", reply: "没看懂这条消息"},

	// Greetings and courtesy.
	{from: "sun", text: "你好", reply: "孙丽，您好", not: "【政策答复】"},
	{from: "sun", text: "您好！", reply: "孙丽，您好"},
	{from: "sun", text: "在吗", reply: "孙丽，您好"},
	{from: "sun", text: "hello", reply: "孙丽，您好"},
	{from: "chen", text: "早上好", reply: "陈志强，您好"},
	{from: "sun", text: "谢谢", reply: "不客气"},
	{from: "sun", text: "好的", reply: "好的。需要时", not: "不客气"},

	// Help per role.
	{from: "sun", text: "帮助", reply: "完成 S01 方案已报编办", not: "销号 "},
	{from: "chen", text: "帮助", reply: "销号 S04", not: "完成 "},
	{from: "chen", text: "help", reply: "驳回 S04"},
	{from: "li", text: "帮助", reply: "通报"},
	{from: "sun", text: "?", reply: "可以这样对我说"},

	// Units by name.
	{from: "chen", text: "任务 市司法局", reply: "市司法局（政府组）任务清单：共 5 项"},
	{from: "chen", text: "任务 司法局", reply: "市司法局（政府组）任务清单"},
	{from: "chen", text: "任务 zf07", reply: "市司法局（政府组）任务清单"},
	{from: "chen", text: "任务 ZF08", reply: "市财政局（政府组）任务清单"},
	{from: "chen", text: "任务 市委办公室", reply: "无权查看市委办公室"},
	{from: "chen", text: "任务 公安局", reply: "没有找到单位「公安局」"},
	{from: "li", text: "任务 局", reply: "对应 2 个单位"},
	{from: "chen", text: "任务 政府组", reply: "政府组：2 个单位，共 6 项任务"},
	{from: "chen", text: "任务 党群组", reply: "未执行：您无权查看党群组的任务，只能查看政府组的。"},
	{from: "li", text: "任务 党群组", reply: "党群组：1 个单位，共 1 项任务"},
	{from: "sun", text: "任务 政府组", reply: "没有找到单位「政府组」"},
	{from: "sun", text: "任务", reply: "【红】S01"},
	{from: "sun", text: "我的任务", reply: "市司法局"},

	// Drill-down of 任务: lists as people ask for them; a listing never acts.
	{from: "chen", text: "任务 红", reply: "政府组·红灯单位（逾期最久在前）：共 1 个单位\n1. 市司法局（ZF07）：逾期 1 项，最久 S01 逾期11天"},
	{from: "chen", text: "看看红的", reply: "政府组·红灯单位"},
	{from: "chen", text: "任务红", reply: "政府组·红灯单位"},
	{from: "chen", text: "红灯单位", reply: "政府组·红灯单位"},
	{from: "chen", text: "逾期的任务", reply: "政府组·逾期任务（逾期最久在前）：共 1 项\n1. S01「制定大科室制改革方案」｜市司法局｜逾期11天"},
	{from: "chen", text: "逾期的任务？", reply: "政府组·逾期任务"},
	{from: "chen", text: "任务 逾期", reply: "政府组·逾期任务"},
	{from: "chen", text: "待销号", reply: "1. S04「核减领导职数」｜市司法局｜今天报完成，待销号"},
	{from: "chen", text: "任务 待销号", reply: "对账无误回复「销号 编号」"},
	{from: "chen", text: "看看待我处理的", reply: "S05「报送改革完成情况」｜市司法局｜申请延至 2027-02-20，待审批"},
	{from: "chen", text: "任务 黄", reply: "政府组：没有黄灯单位。"},
	{from: "chen", text: "任务 绿", reply: "政府组·绿灯单位（没有逾期和临期任务）：共 1 个单位\n1. 市财政局（ZF08）"},
	{from: "chen", text: "任务 蓝", reply: "没有找到单位「蓝」（可写单位全称、名称中的词或单位编码）。列表可发送「任务 红」"},
	{from: "chen", text: "任务 单位", reply: "1. 【红】市司法局（ZF07）：任务 5，已销号 0，待销号 1，逾期 1"},
	{from: "chen", text: "任务 市司法局 红", reply: "市司法局·逾期任务（逾期最久在前）：共 1 项\n1. 【红】S01"},
	{from: "chen", text: "任务 司法局 第1页", reply: "市司法局（政府组）任务清单：共 5 项"},
	{from: "chen", text: "任务 政府组 待销号", reply: "政府组·待销号和延期待批"},
	{from: "li", text: "任务 党群组 待销号", reply: "D01「市委办公室科室整合」"},
	{from: "li", text: "任务 红", reply: "红灯单位（逾期最久在前）：共 1 个单位"},
	{from: "chen", text: "任务 市委办公室 红", reply: "未执行：您无权查看市委办公室的任务"},
	{from: "chen", text: "任务 党群组 红", reply: "未执行：您无权查看党群组的任务"},
	{from: "sun", text: "任务 政府组 红", reply: "没有找到单位「政府组」"},
	{from: "sun", text: "任务 市财政局", reply: "无权查看市财政局的任务。发送「任务」查看本单位的任务清单。"},
	{from: "sun", text: "任务 红", reply: "市司法局·逾期任务（逾期最久在前）：共 1 项\n1. 【红】S01"},
	{from: "sun", text: "逾期任务", reply: "市司法局·逾期任务"},
	{from: "sun", text: "任务 第 2 页", reply: "「任务」只有 1 页，没有第 2 页。"},
	{from: "sun", text: "逾期了怎么办", reply: "【政策答复】"},
	{from: "sun", text: "逾期 怎么办？", reply: "【政策答复】"},
	{from: "sun", text: "方案第3页有错误", reply: "没看懂这条消息"},
	{from: "chen", text: "下一页", reply: "现在没有可以翻页的列表。请先发送「任务」看汇总"},
	{from: "sun", text: "第二页", reply: "现在没有可以翻页的列表。请先发送「任务」查看任务清单"},
	{from: "chen", setup: []string{"任务"}, text: "更多", reply: "政府组·红灯单位"},
	{from: "chen", setup: []string{"任务"}, text: "下一页", reply: "政府组·红灯单位"},
	{from: "chen", setup: []string{"任务 红"}, text: "下一页", reply: "「任务 红」只有 1 页，已全部列出。"},
	{from: "chen", setup: []string{"任务 红"}, text: "第二页", reply: "「任务 红」只有 1 页，没有第 2 页。"},
	{from: "chen", setup: []string{"任务 红"}, text: "上一页", reply: "已是第一页"},
	{from: "chen", setup: []string{"驳回 S04"}, text: "下一页", reply: "现在没有可以翻页的列表", not: "驳回理由"},
	{from: "chen", setup: []string{"驳回 S04", "任务 待销号"}, text: "未附党组会纪要", task: "", reply: "没看懂这条消息"},
	{from: "chen", text: "帮助", reply: "任务 红 / 任务 黄 —— 红灯单位"},
	{from: "li", text: "帮助", reply: "如：任务 党群组 红"},
	{from: "sun", text: "帮助", reply: "可以这样对我说", not: "任务 红 /"},

	// Unregistered users.
	{from: "stranger", text: "任务", reply: "还没有登记", not: "【政策答复】"},
	{from: "stranger", text: "完成 S02", reply: "请联系编办"},
	{from: "stranger", text: "你好", reply: "还没有登记"},
	{from: "stranger", text: "S02 完成了", reply: "您仍可以咨询改革政策"},
	{from: "stranger", text: "每个科室最少要有几个人？", reply: "【政策答复】"},
	{from: "stranger", text: "收到", reply: "还没有登记", acks: 0},
	{from: "stranger", text: "帮助", reply: "还没有登记"},
	{from: "stranger", text: "/click extend:S02", reply: "还没有登记"},

	// As people type them without an LLM: short ids, colloquial questions,
	// a task named by its title glued to the words around it, statements
	// without a command word.
	{from: "sun", text: "S2完成了吗", reply: "您是要将 S02「人员转岗到位」报为已完成吗"},
	{from: "chen", text: "S4完成了吗", reply: "任务当前：【", not: "【政策答复】"},
	{from: "sun", text: "内设机构调整的任务进展咋样了", reply: "任务当前：【绿】S03 内设机构调整到位", not: "【政策答复】"},
	// A policy question that shares a title's words: the documents' answer
	// is said, with the task's line after it (declined: TestDeclinedQuestionNamingATask).
	{from: "sun", text: "改革中多余的领导职数要怎么处理", reply: "【政策答复】改革中多余的领导职数要怎么处理\n\n任务当前：【绿】S04 核减领导职数"},
	{from: "sun", text: "人员转岗那个任务现在什么情况", reply: "任务当前：【绿】S02 人员转岗到位", not: "【政策答复】"},
	{from: "sun", text: "我们单位还有几项没完成", reply: "任务清单：共 5 项", not: "【政策答复】"},
	{from: "sun", text: "我们还有哪些任务没办完", reply: "任务清单：共 5 项", not: "【政策答复】"},
	{from: "sun", text: "s02 已经开始了，正在拟定方案", reply: "您是要报告 S02「人员转岗到位」的进展「已经开始了，正在拟定方案」吗？"},
	{from: "sun", setup: []string{"S02 已经开始了，正在拟定方案"}, text: "确认", task: "S02", want: "progress:已经开始了，正在拟定方案"},
	{from: "sun", text: "把S02的时限延到明年2月底，因为要等编委会", task: "S02", want: "ext:2027-02-28", reply: "待审批（要等编委会）"},
	{from: "sun", text: "S02时限推迟到1月25日 等编委会审议", task: "S02", want: "ext:2027-01-25"},
	{from: "sun", text: "人员转岗那个任务已经完成了", reply: "您是要将 S02「人员转岗到位」报为已完成吗"},
	{from: "sun", setup: []string{"人员转岗这项工作已经做完了"}, text: "确认", task: "S02", want: "已报完成"},
	{from: "sun", text: "改革方案的任务已经完成了", not: "已报完成"},
	{from: "sun", text: "S5下周能报", reply: "写了任务 S05，但没写要做什么"},
	{from: "sun", text: "s2", reply: "任务 S02「人员转岗到位」（市司法局）\n当前：未启动"},
	{from: "sun", text: "人员转岗那项要推迟到2月10号，材料还没齐", reply: "您是要申请将 S02「人员转岗到位」的完成时限由 2027-01-10 延至 2027-02-10（理由：材料还没齐）吗？"},
	{from: "sun", text: "报送改革完成情况那项要推迟到2月10号，材料还没齐", reply: "未执行：任务 S05 已有待审批的延期申请（至 2027-02-20）"},
	// 把/将 put the task before the verb of a request to someone, and
	// 完成时限 is a deadline, not 完成: none of these changes anything.
	{from: "sun", text: "把S02的任务完成情况报一下", not: "已记录"},
	{from: "sun", text: "将S02的完成情况说一下", not: "已记录"},
	{from: "sun", text: "将S02的完成时限告诉我", not: "已记录"},
	{from: "sun", text: "S02的完成时限告诉我", not: "已记录"},
	{from: "sun", text: "S02完成时限发我一下", not: "已记录"},
	{from: "sun", text: "将S02的时限延到2月10日 材料还没齐", task: "S02", want: "ext:2027-02-10"},
	{from: "chen", text: "把S04销号", task: "S04", want: "已销号"},
	{from: "sun", text: "将S02报完成，人员已全部到岗", task: "S02", want: "已报完成"},
	{from: "sun", text: "把S02的进展报一下", not: "已记录"},
	{from: "sun", text: "S02完成不了，人手不够", not: "已记录"},
	{from: "sun", text: "S02这个月完成不到", not: "已记录"},
	{from: "sun", text: "S02的任务完成不了", not: "已记录"},
	// A question how a task stands is answered with its standing, never
	// asked back as a report, even when 完成 is in it or in the title.
	{from: "sun", text: "S02什么时候要完成", reply: "任务当前：【绿】S02", not: "您是要"},
	{from: "sun", text: "S02的完成时限是哪天？", reply: "任务当前：【绿】S02", not: "您是要"},
	{from: "sun", text: "人员转岗那个任务什么时候完成", reply: "任务当前：【绿】S02", not: "您是要"},
	{from: "sun", text: "报送改革完成情况那项进展咋样了", reply: "任务当前：", not: "您是要"},
	{from: "sun", text: "S02完成情况怎么样", reply: "任务当前：【绿】S02", not: "您是要"},
}

func TestPhrasings(t *testing.T) {
	if len(phrasings) < 150 {
		t.Fatalf("only %d phrasings", len(phrasings))
	}
	runPhrasings(t, phrasings)
}

// runPhrasings sends each phrasing to a fresh ledger and checks it.
func runPhrasings(t *testing.T, phrasings []phrasing) {
	for i, p := range phrasings {
		t.Run(fmt.Sprintf("%03d_%s", i, trimName(p.text)), func(t *testing.T) {
			h, rem := phrasingHandler(t)
			for j, s := range p.setup {
				from, text := p.from, s
				if who, rest, ok := strings.Cut(s, "> "); ok {
					from, text = who, rest
				}
				sendPhrase(t, h, fmt.Sprintf("setup:%d:%d", i, j), from, text)
			}
			before, lines := ledgerState(t, h), historyLines(t, h)
			acks := rem.acks
			out := sendPhrase(t, h, fmt.Sprintf("msg:%d", i), p.from, p.text)
			after := ledgerState(t, h)
			if p.task == "" && !p.refused && historyLines(t, h) != lines {
				t.Errorf("%q changed nothing but wrote %d lines in the tasks' history", p.text, historyLines(t, h)-lines)
			}
			for id, was := range before {
				now := after[id]
				if id == p.task {
					if !hasState(now, p.want) {
						t.Errorf("%q: %s is %+v, want %s", p.text, id, now, p.want)
					}
					continue
				}
				if now != was {
					t.Errorf("%q changed %s: %+v → %+v", p.text, id, was, now)
				}
			}
			if got := rem.acks - acks; got != p.acks {
				t.Errorf("%q recorded %d acknowledgements, want %d", p.text, got, p.acks)
			}
			var reply []string
			for _, o := range out {
				if o.To == p.from && o.CardUpdate == nil {
					reply = append(reply, o.Text)
				}
			}
			all := strings.Join(reply, "\n")
			if len(reply) == 0 || !strings.Contains(all, p.reply) {
				t.Errorf("%q: reply lacks %q:\n%s", p.text, p.reply, all)
			}
			if p.not != "" && strings.Contains(all, p.not) {
				t.Errorf("%q: reply holds %q:\n%s", p.text, p.not, all)
			}
		})
	}
}

func trimName(s string) string {
	r := []rune(s)
	if len(r) > 12 {
		r = r[:12]
	}
	return string(r)
}

func sendPhrase(t *testing.T, h *Handler, key, from, text string) []duban.Outgoing {
	t.Helper()
	in := duban.Inbound{Key: key, From: from, Text: text}
	if k, ok := strings.CutPrefix(text, "/click "); ok {
		// A leader's card names the report or request it showed.
		if verb, id, _ := strings.Cut(k, ":"); decisions[verb] != "" && !strings.Contains(id, "@") {
			if tk, err := h.Store.Task(context.Background(), id); err == nil {
				k = decisionKey(verb, id, tk.PendingRef(decisions[verb]))
			}
		}
		in = duban.Inbound{Key: key, From: from, Event: "template_card_event", EventKey: k, CardID: "c-" + key, ResponseCode: "rc-" + key}
	}
	out, err := h.Handle(context.Background(), in)
	if err != nil {
		t.Fatalf("%s says %q: %v", from, text, err)
	}
	return out
}

// taskState is what a phrasing may change.
type taskState struct {
	Status   duban.Status
	Deadline duban.Date
	Ext      duban.Date
	Progress string
}

func ledgerState(t *testing.T, h *Handler) map[string]taskState {
	t.Helper()
	tasks, err := h.Store.Tasks(context.Background(), store.TaskFilter{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]taskState{}
	for _, tk := range tasks {
		s := taskState{Status: tk.Status, Deadline: tk.Deadline, Progress: tk.Progress}
		if tk.Extension != nil {
			s.Ext = tk.Extension.Deadline
		}
		m[tk.ID] = s
	}
	return m
}

// historyLines counts the lines of every task's history (记录).
func historyLines(t *testing.T, h *Handler) int {
	t.Helper()
	n := 0
	if err := h.Store.AllHistory(context.Background(), func(duban.Change) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func hasState(s taskState, want string) bool {
	kind, arg, _ := strings.Cut(want, ":")
	switch kind {
	case "ext":
		return s.Ext.String() == arg
	case "deadline":
		return s.Deadline.String() == arg && s.Ext.IsZero()
	case "noext":
		return s.Ext.IsZero()
	case "progress":
		return s.Status == duban.StatusInProgress && s.Progress == arg
	}
	return string(s.Status) == want
}

func TestSeveralTasksInOneMessage(t *testing.T) {
	for _, text := range []string{"完成 S02、S03 已报编办", "S02、S03 已完成", "完成S02，S03", "完成 S02 和 S03"} {
		h, _ := phrasingHandler(t)
		out := sendPhrase(t, h, "msg:several", "sun", text)
		st := ledgerState(t, h)
		if st["S02"].Status != duban.StatusReported || st["S03"].Status != duban.StatusReported {
			t.Errorf("%q: S02 %s, S03 %s\n%+v", text, st["S02"].Status, st["S03"].Status, out)
		}
	}
	h, _ := phrasingHandler(t)
	out := sendPhrase(t, h, "msg:mixed", "chen", "销号 S04、D01")
	must(t, out, "chen", "已报完成 → 已销号")
	if got := to(out, "chen"); len(got) < 2 || !strings.Contains(got[1].Text, "未执行：任务 D01 属于市委办公室") {
		t.Errorf("the refused one is not answered: %+v", got)
	}
}

func TestLooseIDs(t *testing.T) {
	for in, want := range map[string]string{"T003": "T3", "t3": "T3", "RW-3": "RW3", "rw_03": "RW3", "T0": "T0", "T100": "T100", "DQ01-007": "DQ17", "2026-001": "20261"} {
		if got := looseID(in); got != want {
			t.Errorf("looseID(%q) = %q, want %q", in, got, want)
		}
	}
	h, _ := phrasingHandler(t)
	out := sendPhrase(t, h, "msg:loose", "sun", "s2 完成了")
	must(t, out, "sun", "S02「人员转岗到位」", "已报完成")
}

// The examples of 帮助 work as typed: the title word reports its task, and
// the unit named is one the sender may list (never a unit of another
// ledger, such as the sample's 市委办公室 for a group without it).
func TestHelpExamplesWork(t *testing.T) {
	reWord := regexp.MustCompile(`如：(\S+) 完成了（即 (\S+)）`)
	reUnit := regexp.MustCompile(`如：任务 (\S+)\n`)
	for _, who := range []string{"sun", "zhou", "qian", "chen", "li"} {
		h, _ := phrasingHandler(t)
		help := must(t, sendPhrase(t, h, "msg:help", who, "帮助"), who).Text
		if m := reUnit.FindStringSubmatch(help); m != nil {
			out := sendPhrase(t, h, "msg:unit", who, "任务 "+m[1])
			must(t, out, who, m[1]+"（", "任务清单")
		} else if who == "chen" || who == "li" {
			t.Errorf("%s: help names no unit to list:\n%s", who, help)
		}
		m := reWord.FindStringSubmatch(help)
		if m == nil {
			if who != "chen" {
				t.Errorf("%s: help shows no title word:\n%s", who, help)
			}
			continue
		}
		must(t, sendPhrase(t, h, "msg:word", who, m[1]+" 完成了"), who, "任务 "+m[2]+"「", "已报完成")
		if status(t, h, m[2]) != duban.StatusReported {
			t.Errorf("%s: %q did not report %s", who, m[1]+" 完成了", m[2])
		}
	}
}

type decliningPolicy struct{}

func (decliningPolicy) AnswerText(context.Context, string) (string, bool, error) {
	return "已收录的政策文件中没有涉及这个问题的内容。", true, nil
}

// A question about how to give a command that the documents do not answer
// gets that command on one of the sender's tasks: 延期怎么申请 is told how
// to ask for an extension, not how to report progress.
func TestUncoveredQuestionHintsItsCommand(t *testing.T) {
	for _, c := range []struct{ from, text, want, not string }{
		{"sun", "延期怎么申请", "如果您是想申请延期，可以这样说：延期 S01 ", "进展 S01"},
		{"sun", "完成了以后呢", "如果您是想报完成，可以这样说：完成 S01 ", ""},
		{"chen", "销号有什么要求", "如果您是想销号，可以这样说：销号 S04", ""},
		{"sun", "编制是怎么核定的", "如果您是想报送任务进展，可以这样说：进展 S01", ""},
		{"sun", "收到提醒要回复吗", "收到提醒后回复「收到」即可", "进展 S01"},
	} {
		h, _ := phrasingHandler(t)
		h.Policy = decliningPolicy{}
		before := ledgerState(t, h)
		reply := must(t, sendPhrase(t, h, "msg:hint", c.from, c.text), c.from, "没有涉及", c.want).Text
		if c.not != "" && strings.Contains(reply, c.not) {
			t.Errorf("%q: reply holds %q:\n%s", c.text, c.not, reply)
		}
		if after := ledgerState(t, h); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("%q changed the ledger", c.text)
		}
	}
}

// A policy question whose words a task's title shares, and which the
// documents do not answer, is told so before the task's line: the line alone
// reads as if the question had been about the task.
func TestDeclinedQuestionNamingATask(t *testing.T) {
	h, _ := phrasingHandler(t)
	h.Policy = decliningPolicy{}
	before := ledgerState(t, h)
	out := sendPhrase(t, h, "msg:declined", "sun", "改革中多余的领导职数要怎么处理")
	reply := must(t, out, "sun", "没有涉及这个问题", "任务当前：【绿】S04 核减领导职数").Text
	if strings.Index(reply, "没有涉及") > strings.Index(reply, "任务当前") {
		t.Errorf("the decline comes after the task's line:\n%s", reply)
	}
	if after := ledgerState(t, h); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the question changed the ledger")
	}
}
