package handlers

import (
	"strings"
	"testing"

	"github.com/duban-org/duban"
)

// Messages a third trial of the product found misread, as people typed them.
var trial3Phrasings = []phrasing{
	// Months and days written in Chinese numerals are dates, never a shift
	// of twelve months (十二月十号 is 12月10日).
	{from: "sun", text: "S02延到二月十号，领导出差", task: "S02", want: "ext:2027-02-10", reply: "（领导出差）"},
	{from: "sun", text: "S02延期到三月十五日 等编委会", task: "S02", want: "ext:2027-03-15"},
	{from: "sun", text: "S02延到十二月十号，领导出差", reply: "2026-12-10 须晚于现时限 2027-01-10", not: "2027-12", refused: true},
	{from: "sun", text: "延期 S02 二〇二七年三月 等审批", task: "S02", want: "ext:2027-03-31"},
	{from: "sun", text: "S02延期到明年三月底，等编委会", task: "S02", want: "ext:2027-03-31"},
	{from: "sun", text: "S02延期到元月底 等编委会", task: "S02", want: "ext:2027-01-31"},
	{from: "sun", text: "S02延期到二月 等编委会", task: "S02", want: "ext:2027-02-28"},
	// Yes or no to the bot's question (您是要将 … 吗？) is an answer: a plain
	// yes confirms, a no cancels, an ok that may only mean "noted" asks for
	// 确认; none of them is a miss or a courtesy.
	{from: "sun", setup: []string{"S02完成了吗"}, text: "是的", task: "S02", want: "已报完成"},
	{from: "sun", setup: []string{"S02完成了吗"}, text: "对", task: "S02", want: "已报完成"},
	{from: "sun", setup: []string{"人员转岗那个任务已经完成了"}, text: "对的，没错", task: "S02", want: "已报完成"},
	{from: "chen", setup: []string{"S04能销号吗"}, text: "嗯是的", task: "S04", want: "已销号"},
	{from: "sun", setup: []string{"S02完成了吗"}, text: "不是", reply: "已取消", not: "没看懂"},
	{from: "sun", setup: []string{"S02完成了吗"}, text: "不", reply: "已取消"},
	{from: "sun", setup: []string{"人员转岗那个任务已经完成了"}, text: "不是这个", reply: "已取消", not: "没看懂", refused: true},
	{from: "sun", setup: []string{"S02完成了吗"}, text: "不对，还没做完", reply: "已取消", not: "没看懂"},
	{from: "sun", setup: []string{"S02完成了吗"}, text: "好的", reply: "请回复「确认」", not: "不客气"},
	{from: "sun", setup: []string{"S02完成了吗"}, text: "嗯", reply: "请回复「确认」", not: "不客气"},
	{from: "sun", text: "是的", not: "已记录"},
	// A correction points to 撤销 and changes nothing itself.
	{from: "sun", setup: []string{"完成 S02 已报"}, text: "刚才说错了，S02还没完成", reply: "撤销", not: "没看懂"},
	{from: "sun", setup: []string{"进展 S03 方案已起草"}, text: "发错了", reply: "撤销", not: "没看懂"},
	// A group leader's decisions as they say them: 退回去, 打回重报, 可以销号了,
	// 帮我把…销了.
	{from: "chen", text: "S04 材料不全 退回去", task: "S04", want: "推进中", reply: "（材料不全）"},
	{from: "chen", text: "S04打回重报，纪要没附", task: "S04", want: "推进中", reply: "纪要没附"},
	{from: "chen", text: "退回 S04 缺少纪要", task: "S04", want: "推进中"},
	{from: "chen", text: "S04可以销号了", task: "S04", want: "已销号"},
	{from: "chen", text: "帮我把S04销了", task: "S04", want: "已销号"},
	{from: "chen", text: "S04 核销", task: "S04", want: "已销号"},
	{from: "chen", text: "S04没问题，给销了吧", reply: "您是要将 S04「核减领导职数」销号吗", not: "已记录"},
	{from: "chen", text: "S04该不该驳回", not: "已记录"},
	// A-not-A asks, wherever it stands (该不该, 批不批, 完成没完成).
	{from: "chen", text: "S05的延期批不批", not: "已记录"},
	{from: "sun", text: "S02报不报完成", not: "已记录"},
	{from: "sun", text: "S02完成没完成", not: "已记录"},
	{from: "chen", text: "S04同意不同意销号", not: "已记录"},
	// A task named without a verb by someone who supervises it: the example
	// is what they may do, not 完成.
	{from: "chen", text: "S04 看一下", reply: "销号 S04", not: "完成 S04"},
	// A list asked for as a question (待销号的有哪些, 有几个要我处理的) is the
	// list, never a quote from the documents; so is a unit or group named
	// with how it is doing (组织部进度咋样, 政府组的情况) or with a list
	// (政府组的待销号).
	{from: "chen", text: "待销号的有哪些", reply: "待销号和延期待批", not: "【政策答复】"},
	{from: "chen", text: "有几个要我处理的", reply: "待销号和延期待批", not: "【政策答复】"},
	{from: "chen", text: "现在有哪些逾期的任务？", reply: "逾期", not: "【政策答复】"},
	{from: "li", text: "逾期的单位有哪些", reply: "红灯单位", not: "【政策答复】"},
	{from: "sun", text: "最近有什么要截止的任务", reply: "临期", not: "【政策答复】"},
	{from: "chen", text: "政府组的待销号", reply: "政府组·待销号和延期待批"},
	{from: "li", text: "政府组的逾期任务", reply: "政府组·逾期"},
	{from: "chen", text: "司法局进度咋样", reply: "市司法局（政府组）任务清单", not: "【政策答复】"},
	{from: "chen", text: "政府组的情况", reply: "政府组：", not: "没看懂"},
	{from: "li", text: "市财政局完成情况怎么样了", reply: "市财政局（政府组）任务清单", not: "【政策答复】"},
	{from: "chen", text: "逾期怎么处理", reply: "【政策答复】"},
	// Who supervises the sender's unit is in the ledger: the group and its
	// leader, never a quote about 督办组 in general.
	{from: "sun", text: "督办组长是谁", reply: "政府组，组长 陈志强", not: "【政策答复】"},
	{from: "sun", text: "我们组长是谁", reply: "组长 陈志强", not: "【政策答复】"},
	{from: "sun", text: "我们单位归哪个督办组", reply: "督办组 政府组", not: "【政策答复】"},
	{from: "zhou", text: "有问题找谁", reply: "联络员 孙丽", not: "【政策答复】"},
	{from: "sun", text: "我要找谁对接", reply: "组长 陈志强", not: "【政策答复】"},
	{from: "sun", text: "谁是我们单位的联络员", reply: "市司法局：联络员 孙丽，一把手 周强"},
	{from: "sun", text: "督办组怎么开展工作", reply: "【政策答复】"},
	{from: "sun", text: "要推迟的话找谁", reply: "组长 陈志强。\n如果您是想申请延期，可以这样说：延期 S01"},
	// @mentions in a group chat (WeCom puts U+2005 after the name) are no
	// part of the note, wherever they stand.
	{from: "sun", text: "@督办助手\u2005S02 完成了 @周强\u2005", task: "S02", want: "已报完成", not: "@周强"},
	{from: "sun", text: "S03 进展 材料收集中 @陈志强 @周强", task: "S03", want: "progress:材料收集中"},
	{from: "sun", text: "完成 S02 材料已发 sun@example.com", task: "S02", want: "已报完成", reply: "sun@example.com"},
	// Dates typed as eight digits, extensions said as 延长, 往后推, 顺延.
	{from: "sun", text: "S02延期至20270220 编委会没开", task: "S02", want: "ext:2027-02-20"},
	{from: "sun", text: "S02 延长半个月 等编委会", task: "S02", want: "ext:2027-01-25"},
	{from: "sun", text: "S02 往后推一个月 编委会没开", task: "S02", want: "ext:2027-02-10"},
	{from: "sun", text: "S02顺延到2月20日，编委会没开", task: "S02", want: "ext:2027-02-20"},
	{from: "sun", text: "S02 延长到2月20号 等编委会", task: "S02", want: "ext:2027-02-20"},
	// Typos of 完成 are asked back, never taken as done nor missed.
	{from: "sun", text: "S02 完程了", reply: "您是要将 S02", not: "没看懂"},
	{from: "sun", text: "S02完城", reply: "您是要将 S02", not: "没看懂"},
	// Run-on sentences as voice input writes them.
	{from: "sun", text: "S02这个任务我们已经完成了，材料已经报给组里", task: "S02", want: "已报完成", reply: "（材料已经报给组里）"},
	{from: "sun", text: "嗯那个S02我们这边已经弄完了然后材料也交上去了你看一下", reply: "您是要将 S02「人员转岗到位」报为已完成吗", not: "没看懂"},
	{from: "sun", text: "S03在推进中，已经完成人员摸底", task: "S03", want: "progress:已经完成人员摸底"},
	{from: "sun", text: "S02我们申请延期因为编委会要到一月中旬才开会时间延到二月二十号", task: "S02", want: "ext:2027-02-20"},
	{from: "sun", text: "S02 延期到3月中旬 等编委会", reply: "请回复新的完成时限"},
	{from: "sun", text: "S02 延期3个月 等编委会", task: "S02", want: "ext:2027-04-10"},
	{from: "sun", text: "S02 延期两月 等编委会", task: "S02", want: "ext:2027-03-10"},
	{from: "sun", text: "S02我们这边还没弄完，材料也没交", not: "已报完成"},
	// A question never acts, however it ends (可以吧, 行吧), and the
	// question is no reason when asked back.
	{from: "sun", text: "S02 延期到3月 可以吧", not: "已记录"},
	{from: "sun", text: "S02 延期到3月底 行吧", not: "已记录"},
	{from: "sun", text: "S02延期到3月行吗", not: "理由：行吗"},
	{from: "sun", text: "S02延期到3月可以不", not: "理由：可以不"},
	{from: "sun", text: "S02 延期到3月份的话 会不会影响考核", not: "理由：的话"},
	// Taking back a request is 撤销, said so; it is never a new request.
	{from: "sun", setup: []string{"延期 S02 2027-02-20 等编委会"}, text: "S02延期申请撤回来", reply: "撤销", not: "请回复新的完成时限"},
	{from: "zhou", text: "我想撤回S05的延期申请", reply: "撤销", not: "没看懂"},
	{from: "sun", text: "S02能撤销吗", reply: "撤销"},
	// The sender's own list asked for in other words.
	{from: "sun", text: "还有几个任务没完成", reply: "市司法局（政府组）任务清单", not: "【政策答复】"},
	{from: "li", text: "全市还有多少任务没完成", reply: "全部 3 个单位", not: "【政策答复】"},
	{from: "sun", text: "有没有逾期的", reply: "逾期", not: "【政策答复】"},
	{from: "chen", text: "我的待办", reply: "待销号和延期待批", not: "没看懂"},
	// The reason first, the request after it; fields split by bars.
	{from: "sun", text: "S02时间不够，申请延后到2月20日", task: "S02", want: "ext:2027-02-20", reply: "（时间不够）"},
	{from: "sun", text: "S02 编委会还没开，需要延期到2月20号", task: "S02", want: "ext:2027-02-20", reply: "（编委会还没开）"},
	{from: "sun", text: "S02|延期|2027-02-20|等编委会", task: "S02", want: "ext:2027-02-20", reply: "（等编委会）"},
	{from: "sun", text: "S02 需要延期 原因是编委会1月中旬开会 新时限2月20日", task: "S02", want: "ext:2027-02-20", reply: "（编委会1月中旬开会）"},
	{from: "sun", text: "S02 人员还没到位，下周再报", not: "已记录"},
	// The bulletin asked for in other words.
	{from: "li", text: "发布本期通报", reply: "工作通报（预览，未编号）", not: "没看懂"},
	{from: "chen", text: "出一期通报", reply: "工作通报（预览，未编号）", not: "没看懂"},
	{from: "li", text: "发通报", reply: "工作通报（预览，未编号）", not: "没看懂"},
	// A leader approving a date other than the one requested changes
	// nothing and says so; the requested date written out is no note.
	{from: "chen", text: "S05 同意延期到2月10日", reply: "申请的是延至 2027-02-20", not: "已记录", refused: true},
	{from: "chen", text: "同意延期 S05 至2027-01-31", reply: "申请的是延至 2027-02-20", not: "已记录", refused: true},
	{from: "chen", text: "S05 同意延期至2月20日", task: "S05", want: "deadline:2027-02-20", not: "（至2月20日）"},
	// Decisions after the request, as said.
	{from: "chen", text: "S05的延期我同意了", task: "S05", want: "deadline:2027-02-20"},
	{from: "chen", text: "S05延期可以", task: "S05", want: "deadline:2027-02-20"},
	{from: "chen", text: "S05延期通过", task: "S05", want: "deadline:2027-02-20"},
	{from: "sun", text: "S02 延期可以等编委会开完 到2月20日", task: "S02", want: "ext:2027-02-20"},
	{from: "chen", text: "S05延期不行，时间太长", task: "S05", want: "noext", reply: "（时间太长）"},
	{from: "chen", text: "S05 不批，理由不充分", task: "S05", want: "noext", reply: "（理由不充分）"},
	{from: "chen", text: "批准S05延期申请", task: "S05", want: "deadline:2027-02-20", not: "（延期申请）"},
	// The sender's own unit named as people name it.
	{from: "sun", text: "我们单位的任务", reply: "市司法局（政府组）任务清单", not: "没看懂"},
	{from: "zhou", text: "本单位任务清单", reply: "市司法局（政府组）任务清单", not: "没看懂"},
	{from: "sun", text: "我们单位的逾期任务", reply: "市司法局", not: "没看懂"},
	{from: "chen", text: "我们单位的任务", not: "已记录"},
	// A question anywhere in the message, not only at its end, never acts.
	{from: "sun", text: "S02完成了吗？我记得上周就报了", not: "已记录"},
	{from: "sun", text: "S02完成了吗 我记得上周就报了", not: "已记录"},
	{from: "sun", text: "完成S02? 材料还没齐", not: "已记录"},
	{from: "sun", text: "S02完成了吗，需要附材料", not: "已记录"},
	{from: "sun", text: "完成 S02 党组会已通过，请问还需要什么材料", not: "已记录"},
	// That the ledger is wrong is no correction of the sender's own.
	{from: "sun", text: "S02时限是不是写错了，应该是1月28日", not: "撤销"},
	// A reason in brackets is the reason.
	{from: "sun", text: "S02延期：2027.02.20（编委会延期）", task: "S02", want: "ext:2027-02-20", reply: "待审批（编委会延期）"},
	// Who holds a post is changed by 编办 in the task list, and the bot says so.
	{from: "sun", text: "联络员换成李明了", reply: "编办", not: "没看懂"},
	{from: "sun", text: "我不是联络员了，换人了怎么办", reply: "人员", not: "【政策答复】"},
	{from: "sun", text: "一把手不是很重视怎么办", reply: "【政策答复】"},
	// Assent is not thanks; question marks alone ask for help.
	{from: "sun", text: "ok", reply: "好的", not: "不客气"},
	{from: "sun", text: "明白了", reply: "好的", not: "不客气"},
	{from: "sun", text: "谢谢", reply: "不客气"},
	{from: "sun", text: "？？？", reply: "可以这样对我说", not: "【政策答复】"},
	// The unit named before its task (市司法局S02已完成, ZF07的S02完成了).
	{from: "sun", text: "市司法局S02已完成", task: "S02", want: "已报完成"},
	{from: "sun", text: "司法局 S02 进展 方案已起草", task: "S02", want: "progress:方案已起草"},
	{from: "sun", text: "ZF07的S02完成了", task: "S02", want: "已报完成"},
	// A leader's verdict in their own words on a report waiting for 销号 is
	// asked back as 销号 or 驳回, never done on a guess and never a miss.
	{from: "chen", text: "S04材料我看了没问题", reply: "您是要将 S04「核减领导职数」销号吗", not: "已记录"},
	{from: "chen", text: "S04 核实了，可以", reply: "您是要将 S04「核减领导职数」销号吗", not: "已记录"},
	{from: "chen", text: "S04 OK", reply: "销号吗", not: "已记录"},
	{from: "chen", text: "S04同意", reply: "销号吗", not: "没有待审批的延期申请"},
	{from: "chen", text: "S04我看了材料不全你让他们补一下纪要再报", reply: "您是要驳回 S04「核减领导职数」（理由：我看了材料不全", not: "已记录"},
	{from: "chen", text: "S04 需要补充材料", reply: "您是要驳回 S04「核减领导职数」（理由：需要补充材料）吗", not: "没看懂"},
	{from: "chen", setup: []string{"S04 需要补充材料"}, text: "确认", task: "S04", want: "推进中"},
	{from: "sun", text: "S03 需要补充材料", not: "驳回"},
	{from: "chen", text: "S05同意", task: "S05", want: "deadline:2027-02-20"},
	// Answers to the bot's question for a date or a reason, as typed.
	{from: "sun", setup: []string{"延期 S02 理由是编委会没开"}, text: "就2月20号吧", task: "S02", want: "ext:2027-02-20", not: "（吧"},
	{from: "sun", setup: []string{"延期 S02"}, text: "二月二十号吧，编委会那时候开", task: "S02", want: "ext:2027-02-20"},
	{from: "sun", setup: []string{"延期 S02 2027-02-20"}, text: "因为编委会还没开吧", task: "S02", want: "ext:2027-02-20"},
	{from: "chen", setup: []string{"驳回 S04"}, text: "纪要没附吧", task: "S04", want: "推进中"},
	{from: "sun", text: "谁负责销号", reply: "组长 陈志强", not: "【政策答复】"},
	{from: "sun", text: "我们归哪个组管", reply: "督办组 政府组", not: "【政策答复】"},
	{from: "sun", text: "假如S02延期到3月，需要谁批", reply: "组长 陈志强", not: "已记录"},
	// What happened to a task is its record.
	{from: "chen", text: "S04 谁报的", reply: "周强（一把手） 完成", not: "【政策答复】"},
	{from: "chen", text: "S04的报送说明是什么", reply: "职数已核减", not: "【政策答复】"},
	{from: "zhou", setup: []string{"chen> 驳回 S04 未附纪要"}, text: "S04为什么被驳回", reply: "未附纪要", not: "【政策答复】"},
	// The person addressed first in a group chat (张局，…) is no part of it.
	{from: "sun", text: "张局 S02已经完成了", task: "S02", want: "已报完成"},
	{from: "sun", text: "陈组长，S02完成了，材料已报", task: "S02", want: "已报完成", reply: "（材料已报）"},
	{from: "sun", text: "李主任：S03进展 方案已起草", task: "S03", want: "progress:方案已起草"},
}

func TestTrial3Phrasings(t *testing.T) { runPhrasings(t, trial3Phrasings) }

// Two commands side by side with only a space between them are each done,
// and neither is the other's note; a note that names a task with no
// command of its own stays the note.
func TestCommandsSeparatedBySpace(t *testing.T) {
	h, _ := phrasingHandler(t)
	out := sendPhrase(t, h, "m1", "sun", "S02已完成 S03延期到2月20日 等编委会")
	st := ledgerState(t, h)
	if st["S02"].Status != duban.StatusReported || st["S03"].Ext.String() != "2027-02-20" {
		t.Errorf("S02 %+v, S03 %+v\n%+v", st["S02"], st["S03"], out)
	}
	if r := must(t, out, "sun", "任务 S02").Text; strings.Contains(r, "S03") {
		t.Errorf("S03's command is S02's note: %s", r)
	}
	h, _ = phrasingHandler(t)
	sendPhrase(t, h, "m2", "sun", "S02已完成 与S03一并报编办")
	st = ledgerState(t, h)
	if st["S02"].Status != duban.StatusReported || st["S03"].Status != duban.StatusInProgress {
		t.Errorf("note naming S03: %+v %+v", st["S02"], st["S03"])
	}
}

// 编办 names the unit a 专函督办 is for (给市委办公室发专函, 专函 市财政局):
// that unit's draft alone is previewed; a unit with none due is told so,
// and nothing is issued before 确认.
func TestLetterToANamedUnit(t *testing.T) {
	h := letterHandler(t)
	out := say(t, h, "admin", "给市委办公室发个专函")
	must(t, out[1:], "admin", "尚有 1 件待处理", "致市委办公室")
	if n := len(lettersIssued(t, h.Store)); n != 0 {
		t.Fatalf("a preview issued %d letters", n)
	}
	out = say(t, h, "admin", "确认")
	must(t, out, "admin", "已发出专函督办", "市委办公室")
	if issued := lettersIssued(t, h.Store); len(issued) != 1 || issued[0].Unit != "U02" {
		t.Fatalf("issued %+v", issued)
	}
	must(t, say(t, h, "admin", "给市委办公室发督办函"), "admin", "市委办公室目前没有待发的专函督办")
	must(t, say(t, h, "admin", "专函 市财政局")[1:], "admin", "致市财政局")
	must(t, say(t, h, "admin", "取消"), "admin", "已取消：向市财政局发出专函督办")
	must(t, say(t, h, "admin", "给火星局发专函"), "admin", "没有找到单位")
	must(t, say(t, h, "lilei", "给市委办公室发专函"), "lilei", "只有编办可以发出专函督办")
	if n := len(lettersIssued(t, h.Store)); n != 1 {
		t.Fatalf("%d letters issued, want 1", n)
	}
}

// Which task a photo is for, answered as people answer a numbered list:
// 第二个, 第2项, 二, 2号.
func TestPhotoTaskByOrdinal(t *testing.T) {
	for _, answer := range []string{"第二个", "第2项", "二", "2号", "第二项吧", "是第2个"} {
		h, _ := evidenceHandler(t)
		must(t, send(t, h, "hanmei", "image", "P2"), "hanmei", "2. T002")
		must(t, say(t, h, "hanmei", answer), "hanmei", "作为任务 T002")
	}
}

// A task's evidence asked for with the task first (T001 附件, 看看T001的佐证材料).
func TestAttachmentsAskedTaskFirst(t *testing.T) {
	for _, s := range []string{"T001 附件", "看看T001的佐证材料", "T001的附件。"} {
		if id, ok := isAttachmentsCommand(s); !ok || id != "T001" {
			t.Errorf("%q → %q %v", s, id, ok)
		}
	}
	for _, s := range []string{"附件", "方案的附件", "T001 附件已报"} {
		if id, ok := isAttachmentsCommand(s); ok {
			t.Errorf("%q read as the evidence of %q", s, id)
		}
	}
}
