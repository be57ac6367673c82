package handlers

import "testing"

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
}

func TestTrial5Phrasings(t *testing.T) { runPhrasings(t, trial5Phrasings) }
