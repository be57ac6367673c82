package handlers

import (
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/duban-org/duban"
)

func TestParse(t *testing.T) {
	d := duban.NewDate(2018, 1, 15)
	tests := []struct {
		in   string
		want Command
	}{
		{"完成 T012", Command{Verb: VerbReport, Task: "T012"}},
		{"完成 t012 方案已报编办", Command{Verb: VerbReport, Task: "t012", Rest: "方案已报编办"}},
		{"  完成：T012，方案已报编办 ", Command{Verb: VerbReport, Task: "T012", Rest: "方案已报编办"}},
		{"完成T012方案已报编办", Command{Verb: VerbReport, Task: "T012", Rest: "方案已报编办"}},
		{"已完成　Ｔ０１２　已报", Command{Verb: VerbReport, Task: "T012", Rest: "已报"}},
		{"完成 改革方案 已报编办", Command{Verb: VerbReport, Task: "改革方案", Rest: "已报编办"}},
		{"进展 T012 方案已起草，正在征求意见", Command{Verb: VerbProgress, Task: "T012", Rest: "方案已起草，正在征求意见"}},
		{"进度 T3 起草中", Command{Verb: VerbProgress, Task: "T3", Rest: "起草中"}},
		{"延期 T012 2018-01-15 待市编委会审议", Command{Verb: VerbExtend, Task: "T012", Deadline: d, Rest: "待市编委会审议"}},
		{"申请延期 T012 2018年1月15日 待审议", Command{Verb: VerbExtend, Task: "T012", Deadline: d, Rest: "待审议"}},
		{"销号 T012", Command{Verb: VerbVerify, Task: "T012"}},
		{"驳回 T012 未附审核意见", Command{Verb: VerbReject, Task: "T012", Rest: "未附审核意见"}},
		{"同意延期 T012", Command{Verb: VerbApprove, Task: "T012"}},
		{"不同意延期 T012 时限不变", Command{Verb: VerbRefuse, Task: "T012", Rest: "时限不变"}},
		{"撤销", Command{Verb: VerbUndo}},
		{"记录 T012", Command{Verb: VerbRecord, Task: "T012"}},
		{"帮助", Command{Verb: VerbHelp}},
		{"HELP", Command{Verb: VerbHelp}},
		{"任务", Command{Verb: VerbTasks}},
		{"我的任务", Command{Verb: VerbTasks}},
		{"任务 U01", Command{Verb: VerbTasks, Task: "U01"}},
		{"确认", Command{Verb: VerbConfirm}},
		{"取消", Command{Verb: VerbCancel}},
		{"收到", Command{Verb: VerbAck}},
		{"收到，谢谢", Command{Verb: VerbAck}},
		{"收到 T012", Command{Verb: VerbAck, Task: "T012"}},
		{"延期需要什么手续？", Command{Rest: "延期需要什么手续？", Question: true}},
		{"完成时限是哪天?", Command{Rest: "完成时限是哪天?", Question: true}},
		{"通报", Command{Verb: VerbBulletin}},
		{"问 每个科室最少几个人", Command{Verb: VerbAsk, Rest: "每个科室最少几个人", Question: true}},
		// Not commands: free text goes to the LLM or policy Q&A.
		{"每个科室最少要有几个人？", Command{Rest: "每个科室最少要有几个人？", Question: true}},
		{"提交方案那项上周已经报给编办了", Command{Rest: "提交方案那项上周已经报给编办了"}},
		{"任务清单制是什么意思", Command{Rest: "任务清单制是什么意思", Question: true}},
		{"撤销机构的规定有哪些", Command{Rest: "撤销机构的规定有哪些", Question: true}},
		{"", Command{}},
		// Malformed commands say what is missing.
		{"完成", Command{Verb: VerbReport, Need: NeedTask}},
		{"延期 T012", Command{Verb: VerbExtend, Task: "T012", Need: NeedDate}},
		{"延期 T012 下个月", Command{Verb: VerbExtend, Task: "T012", Rest: "下个月", Need: NeedDate}},
		{"问", Command{Verb: VerbAsk, Question: true, Need: NeedNote}},
	}
	for _, tt := range tests {
		got := Parse(tt.in, duban.NewDate(2017, 12, 20))
		// Task ids are kept as typed here; the store canonicalises them.
		got.Task = duban.FoldWidth(got.Task)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"完成 T012 已报", "延期 T1 2018-01-15 理由", "完成T012说明", "不同意延期 x", "问", "　", "任务 U01 x", "延期 T1 2018年13月1日",
		"T003 完成了", "完成了T003", "T003已完成，方案已报编办", "T003 有进展：方案已起草", "人员转岗 已完成",
		"T003 申请延期到2027年1月25日，因为等审议", "延期 T1 1/25 x", "延期 T1 下周五 x", "延期 T1 2月30日 x",
		"延期 T1 月底", "延期 T1 下月10日 x", "延期 T1 99999999天后 x", "收到提醒要回复吗", "撤消", "进展 T3 。",
		"任务 司法局", "问题是什么", "任务 红 第2页", "逾期的任务？", "下一页", "第二十页", "任务 江城组 待销号", "看看红的", "延期 T1 两周 等审议", "T1 推迟一个月，等审议", "延期 T1 半个月", "\x00完成\u200b T1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Parse(s, duban.NewDate(2026, 11, 29))
		if c.Verb == "" && (c.Err != "" || c.Need != "" && c.Need != NeedVerb) {
			t.Fatalf("error without a verb: %+v", c)
		}
		if needsTask[c.Verb] && c.Err == "" && c.Need == "" && c.Task == "" {
			t.Fatalf("%q: %s without a task and without an error", s, c.Verb)
		}
		if c.Verb == VerbExtend && c.Err == "" && c.Need != NeedDate && c.Need != NeedTask && c.Deadline.IsZero() && c.Shift == (shift{}) {
			t.Fatalf("%q: extension without a date", s)
		}
		if c.Question && c.Verb != "" && c.Verb != VerbAsk {
			t.Fatalf("%q: a question parsed as %s", s, c.Verb)
		}
		if isQuestion(normalise(s)) && c.Verb != "" && c.Verb != VerbAsk && c.Verb != VerbHelp {
			t.Fatalf("%q reads as a question but parsed as %s", s, c.Verb)
		}
		if (c.List != "" || c.Page != 0) && c.Verb != VerbTasks && c.Verb != VerbPage || c.Page < PageLast || c.Verb == VerbPage && c.Page == 0 {
			t.Fatalf("%q: a page or list out of place: %+v", s, c)
		}
		if utf8.ValidString(s) && (!utf8.ValidString(c.Task) || !utf8.ValidString(c.Rest)) {
			t.Fatalf("%q: split inside a character: %+v", s, c)
		}
	})
}
