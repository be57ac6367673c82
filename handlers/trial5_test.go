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
}

func TestTrial5Phrasings(t *testing.T) { runPhrasings(t, trial5Phrasings) }
