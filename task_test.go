package duban

import (
	"strings"
	"testing"
	"time"
)

var (
	unitA   = Unit{Code: "U01", Name: "市财政局", Group: "政府组"}
	unitB   = Unit{Code: "U02", Name: "市委办公室", Group: "党群组"}
	head    = Person{UserID: "head", Posts: []Post{{RoleHead, "U01"}}}
	contact = Person{UserID: "contact", Posts: []Post{{RoleContact, "U01"}}}
	other   = Person{UserID: "other", Posts: []Post{{RoleContact, "U02"}}}
	leader  = Person{UserID: "leader", Posts: []Post{{RoleLeader, "政府组"}}}
	leaderB = Person{UserID: "leaderB", Posts: []Post{{RoleLeader, "党群组"}}}
	admin   = Person{UserID: "admin", Posts: []Post{{RoleAdmin, ""}}}
	now     = time.Date(2017, 11, 20, 10, 0, 0, 0, time.UTC)
)

func task(s Status) Task {
	return Task{ID: "T001", Unit: "U01", Title: "制定改革方案", Deadline: NewDate(2017, 12, 31), Status: s}
}

func TestApplyLifeCycleAndPermissions(t *testing.T) {
	ext := &Extension{Deadline: NewDate(2018, 1, 15), Reason: "待审议", By: "contact"}
	withExt := func(s Status) Task { tk := task(s); tk.Extension = ext; return tk }
	tests := []struct {
		name     string
		task     Task
		by       Person
		act      Action
		note     string
		deadline Date
		want     Status
		code     string
	}{
		{"contact starts work", task(StatusNotStarted), contact, ActProgress, "已起草", 0, StatusInProgress, ""},
		{"head reports done", task(StatusInProgress), head, ActReport, "已报编办", 0, StatusReported, ""},
		{"done straight from not started", task(StatusNotStarted), contact, ActReport, "", 0, StatusReported, ""},
		{"admin may report", task(StatusNotStarted), admin, ActReport, "", 0, StatusReported, ""},
		{"other unit may not report", task(StatusNotStarted), other, ActReport, "", 0, "", EFORBIDDEN},
		{"group leader may not report", task(StatusNotStarted), leader, ActReport, "", 0, "", EFORBIDDEN},
		{"progress needs words", task(StatusNotStarted), contact, ActProgress, " ", 0, "", EINVALID},
		{"no progress once reported", task(StatusReported), contact, ActProgress, "x", 0, "", ECONFLICT},
		{"no report once verified", task(StatusVerified), contact, ActReport, "", 0, "", ECONFLICT},
		{"leader verifies", task(StatusReported), leader, ActVerify, "", 0, StatusVerified, ""},
		{"admin verifies", task(StatusReported), admin, ActVerify, "", 0, StatusVerified, ""},
		{"other group's leader may not verify", task(StatusReported), leaderB, ActVerify, "", 0, "", EFORBIDDEN},
		{"unit may not verify itself", task(StatusReported), head, ActVerify, "", 0, "", EFORBIDDEN},
		{"verify only when reported", task(StatusInProgress), leader, ActVerify, "", 0, "", ECONFLICT},
		{"leader rejects with reason", task(StatusReported), leader, ActReject, "缺附件", 0, StatusInProgress, ""},
		{"reject needs a reason", task(StatusReported), leader, ActReject, "", 0, "", EINVALID},
		{"reject only when reported", task(StatusVerified), leader, ActReject, "x", 0, "", ECONFLICT},
		{"contact requests extension", task(StatusInProgress), contact, ActExtend, "待审议", NewDate(2018, 1, 15), StatusInProgress, ""},
		{"extension must be later", task(StatusInProgress), contact, ActExtend, "x", NewDate(2017, 12, 1), "", EINVALID},
		{"extension needs a reason", task(StatusInProgress), contact, ActExtend, "", NewDate(2018, 1, 15), "", EINVALID},
		{"no extension when verified", task(StatusVerified), contact, ActExtend, "x", NewDate(2018, 1, 15), "", ECONFLICT},
		{"one pending extension at a time", withExt(StatusInProgress), contact, ActExtend, "x", NewDate(2018, 2, 1), "", ECONFLICT},
		{"leader approves", withExt(StatusInProgress), leader, ActApprove, "", 0, StatusInProgress, ""},
		{"unit may not approve", withExt(StatusInProgress), head, ActApprove, "", 0, "", EFORBIDDEN},
		{"approve needs a request", task(StatusInProgress), leader, ActApprove, "", 0, "", ECONFLICT},
		{"refuse needs a reason", withExt(StatusInProgress), leader, ActRefuse, "", 0, "", EINVALID},
		{"leader refuses", withExt(StatusInProgress), admin, ActRefuse, "时限不变", 0, StatusInProgress, ""},
		{"unknown action", task(StatusInProgress), admin, Action("删除"), "", 0, "", EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.task
			got, c, err := Apply(tt.task, unitA, Request{Action: tt.act, By: tt.by, Note: tt.note, Deadline: tt.deadline, MsgID: "m1", At: now})
			if tt.code != "" {
				if ErrorCode(err) != tt.code {
					t.Fatalf("err = %v (%s), want code %s", err, ErrorCode(err), tt.code)
				}
				if ErrorMessage(err) == "" {
					t.Fatal("refusal without a message")
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got.Status != tt.want {
				t.Errorf("status = %s, want %s", got.Status, tt.want)
			}
			if c.FromStatus != before.Status || c.ToStatus != got.Status || c.By != tt.by.UserID || c.MsgID != "m1" || !c.At.Equal(now) {
				t.Errorf("change = %+v does not record the transition", c)
			}
			if c.Before == nil || c.Before.Status != before.Status {
				t.Errorf("change does not keep the task as it was")
			}
			if tt.task.Status != before.Status {
				t.Errorf("Apply modified its input")
			}
		})
	}
}

func TestExtensionApprovalMovesDeadline(t *testing.T) {
	tk := task(StatusInProgress)
	tk, c, err := Apply(tk, unitA, Request{Action: ActExtend, By: contact, Note: "待审议", Deadline: NewDate(2018, 1, 15), At: now})
	if err != nil || tk.Extension == nil || tk.Deadline != NewDate(2017, 12, 31) || c.ToDeadline != NewDate(2018, 1, 15) {
		t.Fatalf("request: %v %+v %+v", err, tk, c)
	}
	tk, c, err = Apply(tk, unitA, Request{Action: ActApprove, By: leader, At: now})
	if err != nil || tk.Extension != nil || tk.Deadline != NewDate(2018, 1, 15) {
		t.Fatalf("approve: %v %+v", err, tk)
	}
	if c.FromDeadline != NewDate(2017, 12, 31) || c.ToDeadline != NewDate(2018, 1, 15) {
		t.Errorf("history does not keep the old deadline: %+v", c)
	}
	if got := c.Describe(); got != "同意延期：完成时限 2017-12-31 → 2018-01-15" {
		t.Errorf("Describe = %q", got)
	}
}

func TestUndo(t *testing.T) {
	tk := task(StatusInProgress)
	done, c, err := Apply(tk, unitA, Request{Action: ActReport, By: contact, Note: "已报", At: now})
	if err != nil {
		t.Fatal(err)
	}
	restored, uc, err := Undo(done, c, Request{By: contact, At: now.Add(5 * time.Minute)}, 10*time.Minute)
	if err != nil || restored.Status != StatusInProgress || uc.Action != ActUndo || uc.ToStatus != StatusInProgress {
		t.Fatalf("undo: %v %+v %+v", err, restored, uc)
	}
	if _, _, err := Undo(done, c, Request{By: head, At: now}, 10*time.Minute); ErrorCode(err) != ECONFLICT {
		t.Errorf("undo by someone else: %v", err)
	}
	if _, _, err := Undo(done, c, Request{By: contact, At: now.Add(11 * time.Minute)}, 10*time.Minute); ErrorCode(err) != ECONFLICT || !strings.Contains(err.Error(), "已超过 10分钟 的撤销时限") {
		t.Errorf("undo after the window: %v", err)
	}
	if got := durationText(2 * time.Hour); got != "2小时" {
		t.Errorf("durationText(2h) = %q", got)
	}
	if _, _, err := Undo(restored, uc, Request{By: contact, At: now}, 10*time.Minute); ErrorCode(err) != ECONFLICT {
		t.Errorf("undo of an undo: %v", err)
	}
}

func TestLightAndOverdue(t *testing.T) {
	dl := NewDate(2017, 12, 31)
	tests := []struct {
		status Status
		today  Date
		light  Light
		days   int
	}{
		{StatusNotStarted, dl.AddDays(-10), Green, 0},
		{StatusNotStarted, dl.AddDays(-3), Yellow, 0},
		{StatusInProgress, dl, Yellow, 0},
		{StatusInProgress, dl.AddDays(1), Red, 1},
		{StatusNotStarted, dl.AddDays(12), Red, 12},
		{StatusReported, dl.AddDays(5), Green, 0},
		{StatusVerified, dl.AddDays(5), Green, 0},
	}
	for _, tt := range tests {
		tk := Task{Deadline: dl, Status: tt.status}
		if got := tk.Light(tt.today, 3); got != tt.light {
			t.Errorf("%s on %s: light %s, want %s", tt.status, tt.today, got, tt.light)
		}
		if got := tk.DaysOverdue(tt.today); got != tt.days {
			t.Errorf("%s on %s: %d days overdue, want %d", tt.status, tt.today, got, tt.days)
		}
	}
}

func TestParseDate(t *testing.T) {
	want := NewDate(2017, 12, 31)
	for _, s := range []string{"2017-12-31", "2017/12/31", "2017年12月31日", "2017年12月31", "２０１７－１２－３１", " 2017.12.31 "} {
		got, err := ParseDate(s)
		if err != nil || got != want {
			t.Errorf("ParseDate(%q) = %v, %v", s, got, err)
		}
	}
	if d, _ := ParseDate("2018-1-5"); d != NewDate(2018, 1, 5) {
		t.Errorf("no leading zeros: %v", d)
	}
	for _, s := range []string{"", "2017-13-01", "2017-02-30", "明天", "2017-12", "20171231", "-1-1-1"} {
		if _, err := ParseDate(s); ErrorCode(err) != EINVALID {
			t.Errorf("ParseDate(%q) accepted: %v", s, err)
		}
	}
	if w := NewDate(2017, 12, 31).Weekday(); w != time.Sunday {
		t.Errorf("weekday %v", w)
	}
}

func TestPersonPosts(t *testing.T) {
	p := Person{UserID: "x", Posts: []Post{{RoleContact, "U01"}, {RoleLeader, "党群组"}}}
	if !p.CanReport(unitA) || p.CanReport(unitB) || !p.CanSupervise(unitB) || p.CanSupervise(unitA) {
		t.Errorf("posts not combined: %+v", p)
	}
	if !admin.CanSee(unitA) || other.CanSee(unitA) {
		t.Errorf("visibility wrong")
	}
}

func TestDescribeImport(t *testing.T) {
	c := Change{Action: ActImport, ToStatus: StatusNotStarted, ToDeadline: NewDate(2027, 1, 5), Note: "导入任务清单"}
	if got := c.Describe(); got != "导入：未启动；完成时限 2027-01-05（导入任务清单）" {
		t.Errorf("Describe = %q", got)
	}
}

func TestReportedAtSurvivesLaterChanges(t *testing.T) {
	tk, _, err := Apply(task(StatusInProgress), unitA, Request{Action: ActReport, By: contact, At: now})
	if err != nil || !tk.ReportedAt.Equal(now) {
		t.Fatalf("report: %+v %v", tk, err)
	}
	later := now.Add(48 * time.Hour)
	tk, _, err = Apply(tk, unitA, Request{Action: ActExtend, By: contact, Note: "待审议", Deadline: NewDate(2018, 1, 15), At: later})
	if err != nil || !tk.ReportedAt.Equal(now) || !tk.UpdatedAt.Equal(later) {
		t.Fatalf("an extension request moved the report time: %+v %v", tk, err)
	}
}

func TestDatesFarAhead(t *testing.T) {
	for _, s := range []string{"2262-04-12", "2300-01-01", "2999-12-31"} {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatalf("ParseDate(%q): %v", s, err)
		}
		if d.String() != s {
			t.Errorf("ParseDate(%q) = %s", s, d)
		}
	}
}
