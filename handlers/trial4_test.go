package handlers

import (
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

// Messages a fourth trial of the product found misread, as people typed them.
var trial4Phrasings = []phrasing{
	// A question about an extension (能不能, 可以…吗, 能否) never files one:
	// with a date and a reason it is asked back; without, it says how to ask.
	{from: "sun", text: "S02能不能延期到明年3月", reply: "延期 S02 2027-03-31 理由", not: "待审批"},
	{from: "sun", text: "S02可以延期到3月底吗", reply: "延期 S02 2027-03-31 理由", not: "待审批"},
	{from: "sun", text: "S02能不能延期", reply: "延期 S02 ", not: "待审批"},
	{from: "sun", text: "S02能不能再往后推一推", reply: "延期 S02 ", not: "待审批"},
	{from: "sun", text: "S02可以再延长一个月吗", reply: "延期 S02 ", not: "待审批"},
	{from: "sun", text: "S02可以申请延期吗", reply: "陈志强", not: "待审批"},
	{from: "sun", text: "能不能把S02推迟到2月20日", reply: "延期 S02 2027-02-20 理由", not: "待审批"},
	{from: "sun", text: "S02能否延期到2月20日 等编委会", reply: "您是要申请将 S02「人员转岗到位」的完成时限由 2027-01-10 延至 2027-02-20（理由：等编委会）吗"},
	{from: "sun", setup: []string{"S02能否延期到2月20日 等编委会"}, text: "确认", task: "S02", want: "ext:2027-02-20"},
	{from: "qian", text: "S02能不能延期到3月", not: "延期 S02"}, // another unit's task
	{from: "sun", text: "能否推迟到明年", reply: "【政策答复】"},
	{from: "sun", text: "S02能不能延期到3月份 会不会影响考核", reply: "【政策答复】"},
	{from: "sun", text: "S02 延期到3月 可以吧", reply: "延期 S02 2027-03-31 理由", not: "待审批"},
	// A date no one can hold a task to (春节后, 国庆后, 节后, 3月中旬) is
	// asked for exactly, and is no part of the reason.
	{from: "sun", text: "S02延期到春节后，原因是编委会没开", reply: "请回复新的完成时限", not: "春节后"},
	{from: "sun", setup: []string{"S02延期到春节后，原因是编委会没开"}, text: "2月20日", task: "S02", want: "ext:2027-02-20", reply: "（编委会没开）"},
	{from: "sun", text: "S02申请延期到国庆以后 领导出差", reply: "（理由：领导出差）：请回复新的完成时限", not: "国庆"},
	{from: "sun", text: "S02延到节后 等审批", reply: "请回复新的完成时限", not: "理由：节后"},
	{from: "sun", text: "S02推迟到过完年 等编委会", reply: "请回复新的完成时限", not: "过完年"},
	{from: "sun", text: "S02 延期到3月中旬 等编委会", reply: "请回复新的完成时限", not: "中旬"},
	{from: "sun", text: "延期 S02 春节以后", reply: "请回复新的完成时限", not: "理由：春节"},
	// An id split by a space, in any case (s 02, S 2), is the id.
	{from: "sun", text: "s 02 完成", task: "S02", want: "已报完成"},
	{from: "sun", text: "完成 S 02 材料已报", task: "S02", want: "已报完成", reply: "（材料已报）"},
	{from: "sun", text: "s 03 进展 方案已起草", task: "S03", want: "progress:方案已起草"},
	{from: "sun", text: "s 02 完成了吗", reply: "您是要将 S02"},
	{from: "sun", text: "完成 x 02", not: "已记录"},
	// Whether a task may be closed, asked by the unit's own people (销号 is
	// the supervisor's), is asked back as reporting it done; nothing changes.
	{from: "sun", text: "S02 人员已经全部转岗到位了，可以销号了吧", reply: "您是要将 S02「人员转岗到位」报为已完成吗", not: "已报完成。"},
	{from: "sun", text: "S02能销号了吗", reply: "您是要将 S02", not: "【政策答复】"},
	{from: "chen", text: "S02能销号了吗", not: "报为已完成"}, // the supervisor: S02 is not reported, nothing to offer
	// A task named by its place in a list the bot does not remember is
	// asked for by its id.
	{from: "sun", text: "第3项任务完成了", reply: "请写明任务编号", not: "没看懂"},
	{from: "sun", text: "第二个任务延期到2月20日 等编委会", reply: "请写明任务编号", not: "没看懂"},
	// A decision naming who asked (同意周强的延期申请) is asked back with
	// that person's one pending request, never done on the guess.
	{from: "chen", text: "同意周强的延期申请", reply: "您是要同意 S05「报送改革完成情况」的延期申请（延至 2027-02-20）吗", not: "已记录"},
	{from: "chen", setup: []string{"同意周强的延期申请"}, text: "确认", task: "S05", want: "deadline:2027-02-20"},
	{from: "chen", text: "周强的延期我同意了", reply: "您是要同意 S05", not: "已记录"},
	{from: "chen", text: "不同意周强的延期申请", reply: "不同意延期 S05 理由", not: "已记录"},
	{from: "chen", text: "同意孙丽的延期申请", reply: "没有找到孙丽待审批的延期申请", not: "没看懂"},
	{from: "liu", text: "同意周强的延期申请", not: "S05"}, // another group's unit
	// Which units have not moved is in the ledger, for those who
	// supervise them.
	{from: "li", text: "哪些单位还没动", reply: "3 个单位中，1 个还没有动（任务均未启动，也未报进展）：\n1. 市财政局（政府组）", not: "【政策答复】"},
	{from: "chen", text: "哪些单位一项都没完成？", reply: "2 个单位中，1 个一项任务都还没有报完成：\n1. 市财政局（政府组）", not: "市司法局"},
	{from: "li", text: "还有哪些单位没启动", reply: "市财政局", not: "市委办公室"},
	{from: "liu", text: "哪些单位还没动", reply: "您督办的 1 个单位都已启动任务或报过进展。", not: "【政策答复】"},
	{from: "sun", text: "哪些单位还没动", reply: "【政策答复】"},
}

func TestTrial4Phrasings(t *testing.T) { runPhrasings(t, trial4Phrasings) }

// A shift in working days (延期10个工作日, 延后5个工作日) is counted from the
// current deadline on the working-day calendar; without one the sender is
// asked for the date, and the shift is never the reason.
func TestShiftInWorkingDays(t *testing.T) {
	weekdays := func(from, to duban.Date) int { // Saturdays and Sundays off
		n := 0
		for d := from.AddDays(1); d <= to; d = d.AddDays(1) {
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				n++
			}
		}
		return n
	}
	for _, c := range []struct{ text, ext, reply string }{
		// S02's deadline 2027-01-10 is a Sunday.
		{"S02延期10个工作日 等编委会", "2027-01-22", "2027-01-22"},
		{"S02 延后5个工作日，编委会没开", "2027-01-15", "（编委会没开）"},
		{"延期 S02 十个工作日 等编委会", "2027-01-22", ""},
	} {
		h, _ := phrasingHandler(t)
		h.WorkdaysBetween = weekdays
		out := sendPhrase(t, h, "m", "sun", c.text)
		if got := ledgerState(t, h)["S02"].Ext.String(); got != c.ext {
			t.Errorf("%q: extension %q, want %q\n%+v", c.text, got, c.ext, out)
		}
		must(t, out, "sun", c.reply)
	}
	h, _ := phrasingHandler(t)
	out := sendPhrase(t, h, "m", "sun", "S02延期10个工作日 等编委会")
	if got := ledgerState(t, h)["S02"].Ext; !got.IsZero() {
		t.Errorf("no calendar, yet extended to %s", got)
	}
	r := must(t, out, "sun", "请回复新的完成时限").Text
	if strings.Contains(r, "理由：10个工作日") {
		t.Errorf("the shift is the reason: %s", r)
	}
}

func TestShiftInWorkingDaysWithoutReason(t *testing.T) {
	h, _ := phrasingHandler(t)
	must(t, sendPhrase(t, h, "m", "sun", "S02延期10个工作日"), "sun", "没有配置工作日日历", "请回复新的完成时限")
	must(t, sendPhrase(t, h, "m2", "sun", "2月20日"), "sun", "请回复延期理由")
}

// Two pending requests by the same person are listed, and neither is
// decided.
func TestDecisionByRequesterWithSeveral(t *testing.T) {
	h, _ := phrasingHandler(t)
	sendPhrase(t, h, "m1", "zhou", "延期 S02 2027-02-20 等编委会")
	out := sendPhrase(t, h, "m2", "chen", "同意周强的延期申请")
	must(t, out, "chen", "周强有 2 项待审批的延期申请", "S02「人员转岗到位」", "S05「报送改革完成情况」", "同意延期 S02")
	if st := ledgerState(t, h); st["S02"].Deadline.String() != "2027-01-10" || st["S05"].Deadline.String() != "2027-01-20" {
		t.Errorf("decided on a guess: %+v %+v", st["S02"], st["S05"])
	}
}
