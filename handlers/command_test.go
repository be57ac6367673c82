package handlers

import (
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
		{"延期需要什么手续？", Command{Rest: "延期需要什么手续？"}},
		{"完成时限是哪天?", Command{Rest: "完成时限是哪天?"}},
		{"通报", Command{Verb: VerbBulletin}},
		{"问 每个科室最少几个人", Command{Verb: VerbAsk, Rest: "每个科室最少几个人"}},
		// Not commands: free text goes to the LLM or policy Q&A.
		{"每个科室最少要有几个人？", Command{Rest: "每个科室最少要有几个人？"}},
		{"提交方案那项上周已经报给编办了", Command{Rest: "提交方案那项上周已经报给编办了"}},
		{"任务清单制是什么意思", Command{Rest: "任务清单制是什么意思"}},
		{"撤销机构的规定有哪些", Command{Rest: "撤销机构的规定有哪些"}},
		{"", Command{}},
		// Malformed commands say what is missing.
		{"完成", Command{Verb: VerbReport, Err: "请写上任务编号，例如：完成 T012"}},
		{"延期 T012", Command{Verb: VerbExtend, Task: "T012", Err: "请写上申请的新时限和理由，例如：延期 T012 2018-01-15 待市编委会审议"}},
		{"延期 T012 下个月", Command{Verb: VerbExtend, Task: "T012", Err: "请写上申请的新时限和理由，例如：延期 T012 2018-01-15 待市编委会审议"}},
		{"问", Command{Verb: VerbAsk, Err: "请在「问」后写上问题，例如：问 每个科室最少要有几个人？"}},
	}
	for _, tt := range tests {
		got := Parse(tt.in)
		// Task ids are kept as typed here; the store canonicalises them.
		got.Task = duban.FoldWidth(got.Task)
		if got != tt.want {
			t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"完成 T012 已报", "延期 T1 2018-01-15 理由", "完成T012说明", "不同意延期 x", "问", "　", "任务 U01 x", "延期 T1 2018年13月1日"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Parse(s)
		if c.Verb == "" && c.Err != "" {
			t.Fatalf("error without a verb: %+v", c)
		}
		if needsTask[c.Verb] && c.Err == "" && c.Task == "" {
			t.Fatalf("%q: %s without a task and without an error", s, c.Verb)
		}
		if c.Verb == VerbExtend && c.Err == "" && c.Deadline.IsZero() {
			t.Fatalf("%q: extension without a date", s)
		}
		if utf8.ValidString(s) && (!utf8.ValidString(c.Task) || !utf8.ValidString(c.Rest)) {
			t.Fatalf("%q: split inside a character: %+v", s, c)
		}
	})
}
