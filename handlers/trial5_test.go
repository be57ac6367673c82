package handlers

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

// Messages a fifth trial of the product found misread, as people typed them.
var trial5Phrasings = []phrasing{
	// Whether a task was done or closed, asked when it was: its standing
	// answers, never a quote from the documents.
	{from: "chen", setup: []string{"销号 S04"}, text: "S04销号了吗", reply: "任务当前：【绿】S04 核减领导职数｜时限 2027-01-05｜已销号", not: "【政策答复】"},
	{from: "chen", setup: []string{"销号 S04"}, text: "s04销号吗", reply: "已销号", not: "【政策答复】"},
	{from: "sun", text: "S04完成了吗", reply: "已报完成", not: "【政策答复】"},
	{from: "chen", text: "S02完成了吗", reply: "任务当前：【绿】S02", not: "【政策答复】"},
	// A task id after a date (12月25日前S02能完成) is the task named: the
	// reply says what is missing, never that no task was named.
	{from: "sun", text: "12月25日前S02能完成 已经报给领导审批了", reply: "写了任务 S02", not: "和任务编号"},
	// Traditional characters (typed on a phone set so, or pasted) read as
	// simplified ones.
	{from: "sun", text: "S02已經完成", task: "S02", want: "已报完成"},
	{from: "sun", text: "S02申請延期到2027年2月20日，理由是編委會尚未召開", task: "S02", want: "ext:2027-02-20", reply: "（编委会尚未召开）"},
	{from: "sun", text: "S03有新進展：人員已轉崗", task: "S03", want: "progress:人员已转岗"},
	{from: "chen", text: "S04銷號", task: "S04", want: "已销号"},
	{from: "sun", text: "S02完成了嗎", reply: "您是要将 S02"},
	// Two requests in one message: one refused does not drop the other.
	{from: "sun", text: "S04完成了，S02延期到2月20日 等编委会", task: "S02", want: "ext:2027-02-20", reply: "2027-02-20", refused: true},
	{from: "sun", text: "S04已完成 S02有进展：方案已起草", task: "S02", want: "progress:方案已起草", refused: true},
	// The same without punctuation, as voice input writes it.
	{from: "sun", text: "S04完成了S02延期到2月20日等编委会", task: "S02", want: "ext:2027-02-20", reply: "（等编委会）", refused: true},
	{from: "sun", text: "S02还在推进中预计下周能完成", task: "S02", want: "progress:预计下周能完成"},
	// Done on a day, said before the verb (已于11月30日完成).
	{from: "sun", text: "报告：S01已于11月30日完成，材料已报送编办", task: "S01", want: "已报完成", reply: "11月30日"},
	{from: "sun", text: "S01于11月30日已完成 材料已报编办", task: "S01", want: "已报完成", reply: "材料已报编办"},
	{from: "sun", text: "S01 2月20日完成", not: "已报完成。"},
	{from: "sun", text: "S01已于11月30日完成了吗", not: "已报完成。"},
	// Whether an extension was granted is in the ledger.
	{from: "sun", text: "S05的延期批了吗", reply: "延期待批（至 2027-02-20）", not: "【政策答复】"},
	{from: "sun", text: "S05延期申请批下来没有", reply: "延期待批", not: "【政策答复】"},
	// An emoji before the id, a greeting to the group, a connective
	// between two requests, an acknowledgement before a report.
	{from: "sun", text: "✅S02已完成", task: "S02", want: "已报完成"},
	{from: "sun", text: "👍 S02 已完成", task: "S02", want: "已报完成"},
	{from: "sun", text: "各位领导好，S02已经完成了，请审核", task: "S02", want: "已报完成"},
	{from: "sun", text: "S04完成了，另外S02需要延期到1月30日因为编委会没开", task: "S02", want: "ext:2027-01-30", reply: "（编委会没开）", not: "另外", refused: true},
	{from: "sun", text: "S04完成了 还有S02申请延期到1月30日 编委会没开", task: "S02", want: "ext:2027-01-30", not: "（还有）", refused: true},
	{from: "sun", text: "收到，S02已完成", task: "S02", want: "已报完成", acks: 3, reply: "已确认收到"},
	{from: "sun", text: "收到，谢谢", acks: 3, reply: "已确认收到"},
	// 编办's and a leader's questions about the ledger are answered from it.
	{from: "li", text: "现在全市完成了多少", reply: "全部 3 个单位，共 7 项任务；已销号 0", not: "【政策答复】"},
	{from: "li", text: "完成率多少", reply: "已销号 0", not: "【政策答复】"},
	{from: "chen", text: "我们组完成情况怎么样", reply: "政府组：2 个单位", not: "【政策答复】"},
	{from: "li", text: "司法局有几项没完成", reply: "市司法局（政府组）任务清单", not: "全部 3 个单位"},
	{from: "li", text: "市财政局还有多少任务没完成？", reply: "市财政局（政府组）任务清单"},
	{from: "sun", text: "完成率多少", reply: "【政策答复】"}, // a unit's people: no ledger of others
	{from: "li", text: "本周通报", reply: "工作通报（预览，未编号）"},
	{from: "li", text: "出个通报", reply: "工作通报（预览，未编号）"},
	// A vague date with its year (明年春节后) is asked for exactly, the year
	// no reason.
	{from: "sun", text: "S02延期到明年春节后", reply: "请回复新的完成时限和理由", not: "理由：明年"},
	{from: "sun", text: "S02延期到明年3月中旬 等编委会", reply: "（理由：等编委会）", not: "明年"},
	// A new deadline said as a change of the date (时限调整到, 完成时间改成).
	{from: "sun", text: "S02的完成时间改成2月20日 因为编委会没开", task: "S02", want: "ext:2027-02-20", reply: "（编委会没开）"},
	{from: "sun", text: "S02时限调整到2月20日，原因编委会没开", task: "S02", want: "ext:2027-02-20"},
	{from: "sun", text: "S02延迟到2月20日 编委会没开", task: "S02", want: "ext:2027-02-20"},
	// A verb mistyped (延其, 近展) is asked back, never done on the guess.
	{from: "sun", text: "S02延其到2月20日 编委会没开", reply: "延至 2027-02-20", not: "没看懂"},
	{from: "sun", setup: []string{"S02延其到2月20日 编委会没开"}, text: "确认", task: "S02", want: "ext:2027-02-20"},
	{from: "sun", text: "S03近展 方案已起草", reply: "方案已起草", not: "没看懂"},
	// Work under way said at length, as voice input writes it: asked back
	// as progress, never reported done.
	{from: "sun", text: "那个S02的话我们这边人员基本都已经转岗到位了就是还有两个人的手续在走预计下周能办完", reply: "您是要报告 S02「人员转岗到位」的进展", not: "报为已完成"},
	{from: "sun", text: "S02还有两个人没转岗到位", reply: "您是要报告 S02「人员转岗到位」的进展", not: "报为已完成"},
	{from: "sun", text: "S02 人员已全部转岗到位", not: "的进展"},
	// A plan to finish (本周五前完成, 争取月底前完成) is progress, asked back;
	// the reply never suggests reporting it done.
	{from: "sun", text: "S02 本周五前完成", reply: "您是要报告 S02「人员转岗到位」的进展", not: "完成 S02"},
	{from: "sun", text: "S02争取月底前完成", reply: "您是要报告 S02「人员转岗到位」的进展", not: "完成 S02"},
	{from: "sun", text: "S02计划12月20日完成", reply: "您是要报告 S02「人员转岗到位」的进展", not: "完成 S02"},
	{from: "sun", text: "S02力争年底完成", reply: "您是要报告 S02「人员转岗到位」的进展", not: "完成 S02"},
	{from: "sun", text: "S02 finished", reply: "您是要将 S02", not: "没看懂"},
}

func TestTrial5Phrasings(t *testing.T) { runPhrasings(t, trial5Phrasings) }

// A run-on report of two tasks, as voice input writes it, is two reports.
func TestRunOnReportOfTwoTasks(t *testing.T) {
	h, _ := phrasingHandler(t)
	out := sendPhrase(t, h, "m", "sun", "S03已经完成了方案也报给编办了S02还在推进中预计下周能完成")
	st := ledgerState(t, h)
	if st["S03"].Status != duban.StatusReported || st["S02"].Progress != "预计下周能完成" {
		t.Errorf("S03 %+v, S02 %+v\n%+v", st["S03"], st["S02"], out)
	}
	must(t, out, "sun", "（方案也报给编办了）")
}

// The answer to a question the bot asked, sent after the question expired,
// is told so with the whole command to send, and changes nothing.
func TestAnswerAfterFollowupExpired(t *testing.T) {
	for _, c := range []struct{ from, ask, answer, want string }{
		{"sun", "S02 延期", "2月20日 等编委会", "延期 S02 2月20日 等编委会"},
		{"chen", "驳回 S04", "材料不全", "驳回 S04 材料不全"},
		{"sun", "进展 S02", "方案已起草", "进展 S02 方案已起草"},
	} {
		h, _ := phrasingHandler(t)
		sendPhrase(t, h, "m1", c.from, c.ask)
		before, lines := ledgerState(t, h), historyLines(t, h)
		h.Now = func() time.Time { return phrasingClock.Add(time.Hour) }
		must(t, sendPhrase(t, h, "m2", c.from, c.answer), c.from, "已超过 30 分钟", c.want, "未做任何变更")
		if after := ledgerState(t, h); !reflect.DeepEqual(after, before) || historyLines(t, h) != lines {
			t.Errorf("%q after the question expired changed the ledger", c.answer)
		}
		if r := must(t, sendPhrase(t, h, "m3", c.from, c.answer), c.from).Text; strings.Contains(r, "已超过") {
			t.Errorf("the expired question is told twice: %s", r)
		}
	}
}

// A connective between two requests (另外, 还有) is no part of the first's
// note.
func TestConnectiveBetweenRequests(t *testing.T) {
	for _, text := range []string{"S02完成了，另外S03需要延期到1月30日因为编委会没开", "S02完成了 还有S03申请延期到1月30日 编委会没开"} {
		h, _ := phrasingHandler(t)
		out := sendPhrase(t, h, "m", "sun", text)
		st := ledgerState(t, h)
		if st["S02"].Status != duban.StatusReported || st["S02"].Progress != "" || st["S03"].Ext.String() != "2027-01-30" {
			t.Errorf("%q: S02 %+v, S03 %+v\n%+v", text, st["S02"], st["S03"], out)
		}
	}
}
