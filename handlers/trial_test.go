package handlers

import (
	"strings"
	"testing"

	"github.com/duban-org/duban"
)

// Messages a trial of the product as its users found misread, as they
// typed them.
var trialPhrasings = []phrasing{
	// 了没 / 没有 ask as 吗 does: never a command, never a task named 没有T003.
	{from: "sun", text: "完成了没有S02", reply: "您是要将 S02", not: "没有找到任务"},
	{from: "sun", text: "进展 S03 已明确谁主管谁负责，我们单位负责人已签字", reply: "您是要报告 S03", not: "联络员 "},
	{from: "sun", text: "延期 S02 2027-02-20 理由：为什么延期要等编委会定", reply: "您是要申请将 S02", not: "没有待审批的延期申请"},
	{from: "sun", text: "S02完成了没", reply: "您是要将 S02", not: "已记录"},
	{from: "sun", text: "S03进展报了没有", reply: "任务当前：【绿】S03", not: "已记录"},
	{from: "sun", text: "完成情况报了没", not: "没有找到任务"},
	{from: "chen", text: "S04销号了没", reply: "S04", not: "已记录"},
	{from: "sun", text: "S02完成没", not: "已记录"},
	// Whether a task is done is answered with its standing before the offer.
	{from: "sun", text: "S02完成了吗", reply: "任务当前：【绿】S02 人员转岗到位｜时限 2027-01-10｜未启动\n您是要将 S02"},
	// A-not-A with the second half left off (完成了不, 可以不), 否, and the
	// tags 对吧, 是吧, 了吧 ask too.
	{from: "sun", text: "S02完成了不", reply: "您是要将 S02", not: "已记录"},
	{from: "sun", text: "S02完成否", not: "已记录"},
	{from: "sun", text: "S02完成了吧", not: "已记录"},
	{from: "sun", text: "完成S02，对吧", not: "已记录"},
	{from: "sun", text: "完成S02要附材料不", not: "已记录"},
	{from: "sun", text: "延期S02到1月20日可以不", not: "已记录"},
	{from: "sun", text: "S02延到2月10号行不", not: "已记录"},
	{from: "sun", text: "S02的时限延到2月10日吧，人员还没到位", task: "S02", want: "ext:2027-02-10"},
	// 咋 is 怎么: how to word a command is answered with how.
	{from: "sun", text: "进展咋报", reply: "可以这样对我说", not: "【政策答复】"},
	// A leader approves a request as people say it: the request named,
	// then 批了 / 同意了 / 批准.
	{from: "chen", text: "把S05的延期批了", task: "S05", want: "deadline:2027-02-20", reply: "同意延期"},
	{from: "chen", text: "S05的延期申请同意了", task: "S05", want: "deadline:2027-02-20"},
	{from: "chen", text: "S05延期批准", task: "S05", want: "deadline:2027-02-20"},
	{from: "chen", text: "同意S05延期", task: "S05", want: "deadline:2027-02-20"},
	{from: "chen", text: "S05的延期不同意，理由不充分", task: "S05", want: "noext"},
	// A unit's or group's tasks asked for with the name first.
	{from: "chen", text: "市司法局的任务", reply: "市司法局（政府组）任务清单"},
	{from: "chen", text: "司法局的任务呢", reply: "市司法局（政府组）任务清单"},
	{from: "chen", text: "政府组的任务", reply: "政府组："},
	{from: "li", text: "市委办公室的任务清单", reply: "市委办公室（党群组）任务清单"},
	{from: "sun", text: "人员转岗的任务", not: "任务清单"},
	// How the sender's own unit stands is its list, not a quote.
	{from: "zhou", text: "我们单位进度怎么样", reply: "市司法局（政府组）任务清单", not: "【政策答复】"},
	{from: "sun", text: "本单位的任务进展咋样了", reply: "市司法局（政府组）任务清单", not: "【政策答复】"},
	{from: "zhou", text: "我们单位情况如何", reply: "市司法局（政府组）任务清单", not: "【政策答复】"},
	// A supervisor asking which units lag gets the red list, 编办 asking
	// for the city its summary.
	{from: "chen", text: "哪些单位逾期最久", reply: "政府组·红灯单位", not: "【政策答复】"},
	{from: "li", text: "哪几个单位进度最慢", reply: "红灯单位", not: "【政策答复】"},
	{from: "li", text: "全市的情况", reply: "全部 3 个单位"},
	{from: "li", text: "全市进度怎么样", reply: "全部 3 个单位", not: "【政策答复】"},
	{from: "sun", text: "哪些单位进度最慢", reply: "【政策答复】"},
	// Dates as typed: 3.15, a month alone (by its end), next year's month.
	{from: "sun", text: "S02延期到3.15 等审批", task: "S02", want: "ext:2027-03-15"},
	{from: "sun", text: "S02延期到明年3月 等审批", task: "S02", want: "ext:2027-03-31"},
	{from: "sun", text: "延期 S02 2月份 等编委会", task: "S02", want: "ext:2027-02-28"},
	{from: "sun", text: "进展 S03 已调整3.5个科室", task: "S03", want: "progress:已调整3.5个科室"},
	// A date given when the bot asked for the reason is the new date.
	{from: "sun", setup: []string{"延期 S02 一个月"}, text: "2027-01-25", task: "", reply: "申请延至 2027-01-25：请回复延期理由"},
	{from: "sun", setup: []string{"延期 S02 一个月", "2027-01-25"}, text: "等编委会", task: "S02", want: "ext:2027-01-25"},
	{from: "sun", setup: []string{"延期 S02 一个月"}, text: "3月份编委会才开会", task: "S02", want: "ext:2027-02-10"},
	// 完成 after words that say it has not happened yet is no report.
	{from: "sun", text: "S02 快完成了", not: "已报完成"},
	{from: "sun", text: "S02即将完成", not: "已报完成"},
	{from: "sun", text: "S02 预计月底完成", not: "已报完成"},
	{from: "sun", text: "S02 争取本周完成", not: "已报完成"},
	{from: "sun", text: "S02 尚未完成", not: "已报完成"},
	{from: "sun", text: "S02 还没有完成", not: "已报完成"},
	{from: "sun", text: "S02 12月20日前完成", not: "已报完成"},
	{from: "chen", text: "S04 还没销号", not: "已销号"},
	{from: "sun", text: "S02 提前完成了", task: "S02", want: "已报完成"},
	{from: "sun", text: "S02 人员已全部到岗，已完成", task: "S02", want: "已报完成"},
	// A mention of the bot first, a dash between task and verb.
	{from: "sun", text: "@督办助手 S03 进展 材料收集中", task: "S03", want: "progress:材料收集中"},
	{from: "sun", text: "S02 —— 完成", task: "S02", want: "已报完成"},
	// A task named inside words the grammar cannot read is named in the miss.
	{from: "zhou", text: "让联络员报一下S02", reply: "写了任务 S02，但没写要做什么", not: "和任务编号"},
	// A statement that something has not happened yet is not a question.
	{from: "sun", text: "进展 S03 方案还没有", task: "S03", want: "progress:方案还没有"},
	// Why a task's deadline is being put off is answered from the pending
	// request; asking never files one.
	{from: "sun", text: "S05延期的理由是什么", reply: "延期申请：延至 2027-02-20，理由：待编委会审议，待审批", not: "【政策答复】"},
	{from: "sun", text: "S05为什么延期", reply: "延至 2027-02-20，理由：待编委会审议，待审批", not: "【政策答复】"},
	{from: "sun", text: "S05申请延期的理由", reply: "理由：待编委会审议，待审批", not: "请回复新的完成时限"},
	{from: "chen", text: "S05为啥要推迟？", reply: "理由：待编委会审议，待审批"},
	{from: "sun", text: "S02延期的理由是什么", reply: "S02 没有待审批的延期申请", not: "【政策答复】"},
	{from: "sun", text: "S02申请延期的理由", reply: "没有待审批的延期申请", not: "请回复新的完成时限"},
	{from: "sun", setup: []string{"S02申请延期的理由"}, text: "2027-01-25 等编委会审议", not: "已记录"},
	{from: "sun", text: "S02申请延期，理由是等编委会审议，到1月25日", task: "S02", want: "ext:2027-01-25"},
	// A label before the task (【任务】), a colon after the verb.
	{from: "sun", text: "【任务】S02进展：已完成人员摸底", task: "S02", want: "progress:已完成人员摸底"},
	{from: "sun", text: "【督办任务】S03 进展：方案已起草", task: "S03", want: "progress:方案已起草"},
	{from: "sun", text: "[任务]S02进展：已完成人员摸底", task: "S02", want: "progress:已完成人员摸底"},
	// Colloquial "done": 搞定了 / 已办结 say it; ok了 / done may mean only
	// "noted", so they are asked back, and asked as a question never act.
	{from: "sun", text: "S02 搞定了", task: "S02", want: "已报完成"},
	{from: "sun", text: "S02已办结", task: "S02", want: "已报完成"},
	{from: "sun", text: "S2 ok了", reply: "任务当前：【绿】S02 人员转岗到位｜时限 2027-01-10｜未启动\n您是要将 S02「人员转岗到位」报为已完成吗？", not: "已记录"},
	{from: "sun", text: "S02 done", reply: "您是要将 S02「人员转岗到位」报为已完成吗？", not: "已记录"},
	{from: "sun", text: "S02 OK", reply: "您是要将 S02", not: "已记录"},
	{from: "sun", text: "S02 done!", reply: "您是要将 S02", not: "已记录"},
	{from: "sun", setup: []string{"S2 ok了"}, text: "确认", task: "S02", want: "已报完成"},
	{from: "sun", text: "S02 ok了吗", reply: "任务当前：【绿】S02 人员转岗到位｜时限 2027-01-10｜未启动\n您是要将 S02", not: "已记录"},
	{from: "sun", text: "S02 OK了没", reply: "您是要将 S02", not: "已记录"},
	{from: "sun", text: "S02 done?", not: "已记录"},
	{from: "sun", text: "S04 ok了", not: "已记录"},                // already reported: no offer
	{from: "qian", text: "S02 ok了", not: "您是要将"},              // another unit's task
	{from: "sun", text: "ok了", reply: "没看懂这条消息", not: "您是要将"}, // no task
	// Who the unit's people are is answered from the ledger.
	{from: "sun", text: "谁是我们单位的联络员", reply: "市司法局：联络员 孙丽，一把手 周强", not: "【政策答复】"},
	{from: "zhou", text: "我们单位联络员是谁", reply: "市司法局：联络员 孙丽，一把手 周强", not: "【政策答复】"},
	{from: "sun", text: "本单位一把手是谁？", reply: "一把手 周强", not: "【政策答复】"},
	{from: "qian", text: "我们单位的联络员是哪位", reply: "市财政局：联络员 钱进", not: "【政策答复】"},
	{from: "sun", text: "联络员要做什么", reply: "【政策答复】"},
}

func TestTrialPhrasings(t *testing.T) { runPhrasings(t, trialPhrasings) }

// TestAllOfIsNoNote: 都 in "S01和S02都完成了" says both, it is no note.
func TestAllOfIsNoNote(t *testing.T) {
	h, _ := phrasingHandler(t)
	out := sendPhrase(t, h, "m1", "sun", "S01和S02都完成了")
	var all []string
	for _, o := range out {
		if o.To == "sun" {
			all = append(all, o.Text)
		}
	}
	got := strings.Join(all, "\n")
	if strings.Count(got, "未启动 → 已报完成。") != 2 || strings.Contains(got, "（都）") {
		t.Errorf("reply:\n%s", got)
	}
}

// TestTwoCommandsInOneMessage: "S02已完成，S03申请延期到1月20日，等编委会"
// is two commands; the second is not the first one's note.
func TestTwoCommandsInOneMessage(t *testing.T) {
	h, _ := phrasingHandler(t)
	sendPhrase(t, h, "m1", "sun", "S02已完成，S03申请延期到1月20日，等编委会")
	st := ledgerState(t, h)
	if st["S02"].Status != duban.StatusReported || st["S02"].Progress != "" {
		t.Errorf("S02: %+v", st["S02"])
	}
	if st["S03"].Ext.String() != "2027-01-20" {
		t.Errorf("S03: %+v", st["S03"])
	}
	// A note that names another task without a command stays a note.
	h, _ = phrasingHandler(t)
	sendPhrase(t, h, "m2", "sun", "S02已完成，与S03一并报编办")
	st = ledgerState(t, h)
	if st["S02"].Status != duban.StatusReported || st["S03"].Status != duban.StatusInProgress {
		t.Errorf("note naming S03: %+v %+v", st["S02"], st["S03"])
	}
}
