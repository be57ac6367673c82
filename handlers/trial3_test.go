package handlers

import "testing"

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
}

func TestTrial3Phrasings(t *testing.T) { runPhrasings(t, trial3Phrasings) }
