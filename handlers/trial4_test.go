package handlers

import "testing"

// Messages a fourth trial of the product found misread, as people typed them.
var trial4Phrasings = []phrasing{
	// A question about an extension (能不能, 可以…吗, 能否) never files one:
	// with a date and a reason it is asked back; without, it says how to ask.
	{from: "sun", text: "S02能不能延期到明年3月", reply: "延期 S02 2027-03-31 理由", not: "待审批"},
	{from: "sun", text: "S02可以延期到3月底吗", reply: "延期 S02 2027-03-31 理由", not: "待审批"},
	{from: "sun", text: "S02能不能延期", reply: "延期 S02 ", not: "待审批"},
	{from: "sun", text: "S02可以申请延期吗", reply: "陈志强", not: "待审批"},
	{from: "sun", text: "能不能把S02推迟到2月20日", reply: "延期 S02 2027-02-20 理由", not: "待审批"},
	{from: "sun", text: "S02能否延期到2月20日 等编委会", reply: "您是要申请将 S02「人员转岗到位」的完成时限由 2027-01-10 延至 2027-02-20（理由：等编委会）吗"},
	{from: "sun", setup: []string{"S02能否延期到2月20日 等编委会"}, text: "确认", task: "S02", want: "ext:2027-02-20"},
	{from: "qian", text: "S02能不能延期到3月", not: "延期 S02"}, // another unit's task
	{from: "sun", text: "能否推迟到明年", reply: "【政策答复】"},
	{from: "sun", text: "S02能不能延期到3月份 会不会影响考核", reply: "【政策答复】"},
	{from: "sun", text: "S02 延期到3月 可以吧", reply: "延期 S02 2027-03-31 理由", not: "待审批"},
}

func TestTrial4Phrasings(t *testing.T) { runPhrasings(t, trial4Phrasings) }
