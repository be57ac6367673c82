package duban

import (
	"strings"
	"testing"
)

// Two people, each holding two posts, act on unit U01 of 政府组.
var (
	adminHead     = Person{UserID: "AdminHead", Posts: []Post{{RoleAdmin, ""}, {RoleHead, "U01"}}}
	contactLeader = Person{UserID: "contactleader", Posts: []Post{{RoleContact, "U01"}, {RoleLeader, "政府组"}}}
)

func TestNobodyDecidesTheirOwnRequest(t *testing.T) {
	reported, _, err := Apply(task(StatusInProgress), unitA, Request{Action: ActReport, By: adminHead, MsgID: "m1", At: now})
	if err != nil {
		t.Fatal(err)
	}
	// WeCom compares userids without case: the same person however spelt.
	self := adminHead
	self.UserID = "adminhead"
	for _, act := range []Action{ActVerify, ActReject} {
		_, _, err := Apply(reported, unitA, Request{Action: act, By: self, Note: "理由", At: now})
		if ErrorCode(err) != EFORBIDDEN || !strings.Contains(ErrorMessage(err), "本人报完成") || !strings.Contains(ErrorMessage(err), "请由政府组督办组长办理") {
			t.Errorf("%s of one's own report: %v", act, err)
		}
	}
	if got, _, err := Apply(reported, unitA, Request{Action: ActVerify, By: leader, At: now}); err != nil || got.Status != StatusVerified {
		t.Errorf("the group leader may verify it: %v", err)
	}
	if _, _, err := Apply(reported, unitA, Request{Action: ActVerify, By: admin, At: now}); err != nil {
		t.Errorf("another 编办 member may verify it: %v", err)
	}

	asked, _, err := Apply(task(StatusInProgress), unitA, Request{Action: ActExtend, By: contactLeader, Note: "待审议", Deadline: NewDate(2018, 1, 15), MsgID: "m2", At: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, act := range []Action{ActApprove, ActRefuse} {
		_, _, err := Apply(asked, unitA, Request{Action: act, By: contactLeader, Note: "理由", At: now})
		if ErrorCode(err) != EFORBIDDEN || !strings.Contains(ErrorMessage(err), "您本人提出") || !strings.Contains(ErrorMessage(err), "请由编办办理") {
			t.Errorf("%s of one's own extension: %v", act, err)
		}
	}
	if got, _, err := Apply(asked, unitA, Request{Action: ActApprove, By: admin, At: now}); err != nil || got.Deadline != NewDate(2018, 1, 15) {
		t.Errorf("编办 may approve it: %v", err)
	}
	// A report by someone else of the unit is no one's own for the leader.
	byContact, _, _ := Apply(task(StatusInProgress), unitA, Request{Action: ActReport, By: contact, MsgID: "m3", At: now})
	if _, _, err := Apply(byContact, unitA, Request{Action: ActVerify, By: contactLeader, At: now}); err != nil {
		t.Errorf("leader verifying a colleague's report: %v", err)
	}
}

func TestCardActsOnlyOnWhatItShowed(t *testing.T) {
	ask := func(tk Task, msg string, d Date) Task {
		t.Helper()
		next, _, err := Apply(tk, unitA, Request{Action: ActExtend, By: contact, Note: "待审议", Deadline: d, MsgID: msg, At: now})
		if err != nil {
			t.Fatal(err)
		}
		return next
	}
	// The clock does not move: versions must not depend on it.
	first := ask(task(StatusInProgress), "m1", NewDate(2018, 1, 15))
	shown := first.Extension.Ref
	refused, _, err := Apply(first, unitA, Request{Action: ActRefuse, By: leader, Note: "时限不变", At: now})
	if err != nil {
		t.Fatal(err)
	}
	second := ask(refused, "m2", NewDate(2018, 6, 30))
	if second.Extension.Ref == shown {
		t.Fatal("two requests share a version")
	}
	for _, act := range []Action{ActApprove, ActRefuse} {
		_, _, err := Apply(second, unitA, Request{Action: act, By: leader, Note: "x", Ref: shown, At: now})
		if ErrorCode(err) != ESTALE || !strings.HasPrefix(ErrorMessage(err), "该卡片已过期：") || !strings.Contains(ErrorMessage(err), "当前") || !strings.Contains(ErrorMessage(err), "2018-06-30") {
			t.Errorf("%s on the old card: %v", act, err)
		}
	}
	got, _, err := Apply(second, unitA, Request{Action: ActApprove, By: leader, Ref: second.Extension.Ref, At: now})
	if err != nil || got.Deadline != NewDate(2018, 6, 30) {
		t.Fatalf("the current card: %v %+v", err, got)
	}
	if _, _, err := Apply(got, unitA, Request{Action: ActApprove, By: leader, Ref: second.Extension.Ref, At: now}); ErrorCode(err) != ESTALE {
		t.Errorf("a decided card clicked again: %v", err)
	}

	report := func(tk Task, msg string) (Task, Change) {
		t.Helper()
		next, c, err := Apply(tk, unitA, Request{Action: ActReport, By: contact, Note: msg, MsgID: msg, At: now})
		if err != nil {
			t.Fatal(err)
		}
		return next, c
	}
	r1, c1 := report(task(StatusInProgress), "m3")
	if c1.Ref() != r1.ReportRef || r1.ReportRef == "" {
		t.Fatalf("history names another report: %q vs %q", c1.Ref(), r1.ReportRef)
	}
	back, _, _ := Apply(r1, unitA, Request{Action: ActReject, By: leader, Note: "缺附件", At: now})
	r2, _ := report(back, "m4")
	for _, act := range []Action{ActVerify, ActReject} {
		if _, _, err := Apply(r2, unitA, Request{Action: act, By: leader, Note: "x", Ref: r1.ReportRef, At: now}); ErrorCode(err) != ESTALE {
			t.Errorf("%s on the first report's card: %v", act, err)
		}
	}
	if _, _, err := Apply(back, unitA, Request{Action: ActVerify, By: leader, Ref: r1.ReportRef, At: now}); ErrorCode(err) != ESTALE || !strings.Contains(ErrorMessage(err), "推进中") {
		t.Errorf("verify on a rejected report's card: %v", err)
	}
	if _, _, err := Apply(r2, unitA, Request{Action: ActVerify, By: leader, At: now}); err != nil {
		t.Errorf("a text command acts on what is pending: %v", err)
	}
}

func TestRolesFor(t *testing.T) {
	if got := contactLeader.RolesFor(unitA); len(got) != 2 || got[0] != RoleContact || got[1] != RoleLeader {
		t.Errorf("roles for U01: %v", got)
	}
	if got := adminHead.RolesFor(unitB); len(got) != 1 || got[0] != RoleAdmin {
		t.Errorf("roles for U02: %v", got)
	}
}
