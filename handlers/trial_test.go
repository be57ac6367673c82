package handlers

import "testing"

// Messages a trial of the product as its users found misread, as they
// typed them.
var trialPhrasings = []phrasing{
	// 了没 / 没有 ask as 吗 does: never a command, never a task named 没有T003.
	{from: "sun", text: "完成了没有S02", reply: "您是要将 S02", not: "没有找到任务"},
	{from: "sun", text: "S02完成了没", reply: "您是要将 S02", not: "已记录"},
	{from: "sun", text: "S03进展报了没有", reply: "任务当前：【绿】S03", not: "已记录"},
	{from: "sun", text: "完成情况报了没", not: "没有找到任务"},
	{from: "chen", text: "S04销号了没", reply: "S04", not: "已记录"},
	{from: "sun", text: "S02完成没", not: "已记录"},
	// A statement that something has not happened yet is not a question.
	{from: "sun", text: "进展 S03 方案还没有", task: "S03", want: "progress:方案还没有"},
}

func TestTrialPhrasings(t *testing.T) { runPhrasings(t, trialPhrasings) }
