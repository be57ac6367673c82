package remind

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

var shanghai = Defaults().Location()

// at parses "2026-10-09 09:00" in Asia/Shanghai.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// testLedger: two units in 政府组 (led by L1), one unit in 党群组 (no
// leader), 编办 A1. c3 is both contact and head of U3; U4 has only a head.
func testLedger(tasks ...duban.Task) duban.Ledger {
	return duban.Ledger{
		Units: []duban.Unit{
			{Code: "U1", Name: "市财政局", Group: "政府组"},
			{Code: "U2", Name: "市农业局", Group: "政府组"},
			{Code: "U3", Name: "市委办公室", Group: "党群组"},
			{Code: "U4", Name: "市档案馆", Group: "政府组"},
		},
		People: []duban.Person{
			{UserID: "c1", Name: "联络员一", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "U1"}}},
			{UserID: "h1", Name: "一把手一", Posts: []duban.Post{{Role: duban.RoleHead, Scope: "U1"}}},
			{UserID: "c2", Name: "联络员二", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "U2"}}},
			{UserID: "h2", Name: "一把手二", Posts: []duban.Post{{Role: duban.RoleHead, Scope: "U2"}}},
			{UserID: "c3", Name: "兼职", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "U3"}, {Role: duban.RoleHead, Scope: "U3"}}},
			{UserID: "h4", Name: "馆长", Posts: []duban.Post{{Role: duban.RoleHead, Scope: "U4"}}},
			{UserID: "L1", Name: "组长", Posts: []duban.Post{{Role: duban.RoleLeader, Scope: "政府组"}}},
			{UserID: "A1", Name: "编办", Posts: []duban.Post{{Role: duban.RoleAdmin}}},
		},
		Tasks: tasks,
	}
}

func task(id, unit, deadline string) duban.Task {
	return duban.Task{ID: id, Unit: unit, Title: "任务" + id, Deadline: date(deadline), Status: duban.StatusNotStarted}
}

func reported(t duban.Task, when string) duban.Task {
	t.Status, t.UpdatedAt = duban.StatusReported, at(when)
	return t
}

// summary renders notices as sorted "task stage→to" lines.
func summary(ns []Notice) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.TaskID + " " + string(n.Stage) + "→" + n.To
	}
	slices.Sort(out)
	return out
}

func TestPlanLadder(t *testing.T) {
	cal := DefaultCalendar()
	p := Defaults()
	tests := []struct {
		name  string
		task  duban.Task
		now   string
		want  []string
		check func(t *testing.T, ns []Notice)
	}{
		{name: "ordinary Saturday sends nothing", task: task("T1", "U1", "2026-09-15"), now: "2026-09-12 10:00"},
		{name: "国庆 holiday sends nothing", task: task("T1", "U1", "2026-09-30"), now: "2026-10-05 10:00"},
		{name: "far deadline: nothing yet", task: task("T1", "U1", "2026-12-31"), now: "2026-10-09 10:00"},
		// Deadline Monday 10-12: before-7 (10-05, a holiday) moves back to 09-30.
		{name: "before-7 moved back over 国庆", task: task("T1", "U1", "2026-10-12"), now: "2026-09-30 09:00",
			want: []string{"T1 before-7→c1"}},
		{name: "before-7 not yet the day before", task: task("T1", "U1", "2026-10-12"), now: "2026-09-29 09:00"},
		{name: "before-3 on a working Friday", task: task("T1", "U1", "2026-10-12"), now: "2026-10-09 09:00",
			want: []string{"T1 before-3→c1"}},
		// before-1 is Sunday 10-11 → the 调休 Saturday 10-10 is a working day.
		{name: "before-1 on the 调休 Saturday", task: task("T1", "U1", "2026-10-12"), now: "2026-10-10 09:30",
			want: []string{"T1 before-1→c1"}},
		// 2026-09-20 is a working Sunday: before-3 of a Wednesday deadline 09-23.
		{name: "调休 Sunday reminds", task: task("T1", "U1", "2026-09-23"), now: "2026-09-20 09:00",
			want: []string{"T1 before-3→c1"}},
		{name: "quiet hours at night", task: task("T1", "U1", "2026-10-09"), now: "2026-10-09 21:00"},
		{name: "quiet hours early morning", task: task("T1", "U1", "2026-10-09"), now: "2026-10-09 07:30"},
		{name: "before send_at", task: task("T1", "U1", "2026-10-09"), now: "2026-10-09 08:59"},
		{name: "deadline day: contact and head", task: task("T1", "U1", "2026-10-09"), now: "2026-10-09 09:00",
			want: []string{"T1 due→c1", "T1 due→h1"},
			check: func(t *testing.T, ns []Notice) {
				if ns[0].Light != duban.Yellow || ns[0].DaysLeft != 0 {
					t.Errorf("light %s days left %d", ns[0].Light, ns[0].DaysLeft)
				}
			}},
		{name: "later the same day still due", task: task("T1", "U1", "2026-10-09"), now: "2026-10-09 17:45",
			want: []string{"T1 due→c1", "T1 due→h1"}},
		// Deadline Saturday 10-17: the day itself moves to Friday and wins over before-1.
		{name: "weekend deadline: due on Friday", task: task("T1", "U1", "2026-10-17"), now: "2026-10-16 09:00",
			want: []string{"T1 due→c1", "T1 due→h1"}},
		{name: "overdue 1 working day after 国庆", task: task("T1", "U1", "2026-09-30"), now: "2026-10-08 09:00",
			want: []string{"T1 overdue-1→c1", "T1 overdue-1→h1"},
			check: func(t *testing.T, ns []Notice) {
				if ns[0].Light != duban.Red || ns[0].WorkdaysOverdue != 1 || ns[0].Escalated {
					t.Errorf("notice %+v", ns[0])
				}
			}},
		{name: "overdue 2: no escalation yet", task: task("T1", "U1", "2026-09-30"), now: "2026-10-09 09:00",
			want: []string{"T1 overdue-2→c1", "T1 overdue-2→h1"}},
		{name: "overdue 3 on the 调休 Saturday: escalate to leader", task: task("T1", "U1", "2026-09-30"), now: "2026-10-10 09:00",
			want: []string{"T1 escalate→L1", "T1 overdue-3→c1", "T1 overdue-3→h1"},
			check: func(t *testing.T, ns []Notice) {
				for _, n := range ns {
					if n.Stage == StageEscalate && (len(n.UnitOverdue) != 1 || n.UnitOverdue[0].TaskID != "T1") {
						t.Errorf("escalate notice overdue list %+v", n.UnitOverdue)
					}
				}
			}},
		{name: "overdue 9: no letter yet", task: task("T1", "U1", "2026-09-30"), now: "2026-10-19 09:00",
			want: []string{"T1 escalate→L1", "T1 overdue-9→c1", "T1 overdue-9→h1"}},
		{name: "overdue 10: 专函 draft to 编办", task: task("T1", "U1", "2026-09-30"), now: "2026-10-20 09:00",
			want: []string{"T1 escalate→L1", "T1 letter→A1", "T1 overdue-10→c1", "T1 overdue-10→h1"}},
		{name: "group without leader escalates to 编办", task: task("T3", "U3", "2026-09-30"), now: "2026-10-10 09:00",
			want: []string{"T3 escalate→A1", "T3 overdue-3→c3"}},
		{name: "unit without contact: head gets before", task: task("T4", "U4", "2026-10-12"), now: "2026-10-09 09:00",
			want: []string{"T4 before-3→h4"}},
		{name: "reported done: no unit reminder, leader not yet", task: reported(task("T1", "U1", "2026-09-30"), "2026-10-08 15:00"), now: "2026-10-09 09:00"},
		{name: "reported done 3 working days: verify to leader", task: reported(task("T1", "U1", "2026-09-30"), "2026-10-08 15:00"), now: "2026-10-12 09:00",
			want: []string{"T1 verify→L1"},
			check: func(t *testing.T, ns []Notice) {
				if ns[0].Since != date("2026-10-08") || ns[0].WorkdaysWaiting != 3 {
					t.Errorf("verify notice %+v", ns[0])
				}
				if !strings.Contains(ns[0].Key(), "verify@2026-10-08") {
					t.Errorf("verify key %q lacks the report day", ns[0].Key())
				}
			}},
		{name: "a leader's own report waits for 编办, not for him", task: func() duban.Task {
			t := reported(task("T1", "U1", "2026-09-30"), "2026-10-08 15:00")
			t.ReportedBy = "l1" // WeCom userids compare without case
			return t
		}(), now: "2026-10-12 09:00", want: []string{"T1 verify→A1"}},
		{name: "verified never reminds", task: func() duban.Task {
			t := task("T1", "U1", "2026-09-30")
			t.Status = duban.StatusVerified
			return t
		}(), now: "2026-10-20 09:00"},
		{name: "no deadline never reminds", task: duban.Task{ID: "T9", Unit: "U1", Status: duban.StatusInProgress}, now: "2026-10-20 09:00"},
		{name: "unknown unit is skipped", task: task("T9", "U9", "2026-10-09"), now: "2026-10-09 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := Plan(testLedger(tt.task), p, cal, at(tt.now))
			if got := summary(ns); !slices.Equal(got, tt.want) {
				t.Fatalf("Plan at %s = %q, want %q", tt.now, got, tt.want)
			}
			if tt.check != nil {
				tt.check(t, ns)
			}
		})
	}
}

func TestPlanExtensionRestartsLadder(t *testing.T) {
	cal, p := DefaultCalendar(), Defaults()
	old := task("T1", "U1", "2026-09-30")
	before := Plan(testLedger(old), p, cal, at("2026-10-10 09:00"))
	extended := old
	extended.Deadline = date("2026-10-16") // approved extension
	after := Plan(testLedger(extended), p, cal, at("2026-10-10 09:00"))
	if got := summary(after); !slices.Equal(got, []string{"T1 before-7→c1"}) {
		t.Fatalf("after extension = %q, want before-7 to the contact", got)
	}
	for _, a := range after {
		for _, b := range before {
			if a.Key() == b.Key() {
				t.Errorf("key %q survives the extension", a.Key())
			}
		}
	}
}

func TestPlanPendingExtensionShown(t *testing.T) {
	tk := task("T1", "U1", "2026-10-09")
	tk.Extension = &duban.Extension{Deadline: date("2026-10-30"), Reason: "待审议"}
	ns := Plan(testLedger(tk), Defaults(), DefaultCalendar(), at("2026-10-09 09:00"))
	if len(ns) == 0 || ns[0].Extension != date("2026-10-30") {
		t.Fatalf("notices %+v", ns)
	}
}

func TestPlanEscalationCarriesUnitOverdueList(t *testing.T) {
	l := testLedger(
		task("T1", "U1", "2026-09-30"), // 3 working days overdue on 10-10
		task("T2", "U1", "2026-10-08"), // 2
		task("T3", "U1", "2026-09-21"), // longer
	)
	ns := Plan(l, Defaults(), DefaultCalendar(), at("2026-10-10 09:00"))
	var esc []Notice
	for _, n := range ns {
		if n.Stage == StageEscalate {
			esc = append(esc, n)
		}
	}
	if len(esc) != 2 {
		t.Fatalf("escalations %q", summary(esc))
	}
	list := esc[0].UnitOverdue
	var ids []string
	for _, it := range list {
		ids = append(ids, it.TaskID)
	}
	if !slices.Equal(ids, []string{"T3", "T1", "T2"}) {
		t.Fatalf("overdue list %q, want longest first", ids)
	}
}

func TestPlanInvalidPolicyPlansNothing(t *testing.T) {
	p := Defaults()
	p.SendAt = "9am"
	if ns := Plan(testLedger(task("T1", "U1", "2026-10-09")), p, DefaultCalendar(), at("2026-10-09 10:00")); ns != nil {
		t.Fatalf("plan with invalid policy = %v", ns)
	}
}

func TestWindow(t *testing.T) {
	cal, p := DefaultCalendar(), Defaults()
	for _, tt := range []struct {
		now  string
		open bool
	}{
		{"2026-10-09 09:00", true}, {"2026-10-09 19:59", true}, {"2026-10-09 20:00", false},
		{"2026-10-09 08:30", false}, {"2026-10-10 12:00", true}, {"2026-10-11 12:00", false},
	} {
		if _, open := Window(p, cal, at(tt.now)); open != tt.open {
			t.Errorf("Window(%s) = %v, want %v", tt.now, open, tt.open)
		}
	}
	// The zone comes from the policy, not from the instant's location.
	if today, open := Window(p, cal, at("2026-10-09 09:00").UTC()); !open || today != date("2026-10-09") {
		t.Errorf("UTC instant: today %s open %v", today, open)
	}
}

// A unit whose contact is its group's only leader is escalated to 编办, not
// to her, and her reminder says it went to 编办.
func TestPlanEscalatesPastALeaderWhoIsTheUnitsContact(t *testing.T) {
	l := testLedger(task("T1", "U1", "2026-09-30")) // 3 working days overdue on 10-10
	for i := range l.People {
		if l.People[i].UserID == "c1" {
			l.People[i].Posts = append(l.People[i].Posts, duban.Post{Role: duban.RoleLeader, Scope: "政府组"})
		}
		if l.People[i].UserID == "L1" {
			l.People[i].Posts = nil // c1 leads 政府组 alone
		}
	}
	ns := Plan(l, Defaults(), DefaultCalendar(), at("2026-10-10 09:00"))
	var esc []string
	for _, n := range ns {
		if n.Stage == StageEscalate {
			esc = append(esc, n.To+" "+string(n.Role))
		}
	}
	if !slices.Equal(esc, []string{"A1 编办"}) {
		t.Fatalf("escalated to %q, want 编办 only; plan %q", esc, summary(ns))
	}
	for _, m := range Digest(ns) {
		if m.To == "c1" && (!strings.Contains(m.Text+m.Card.Desc, "已报编办") || strings.Contains(m.Text+m.Card.Desc, "督办组组长")) {
			t.Errorf("c1 is told:\n%s\n%s", m.Text, m.Card.Desc)
		}
	}
}

// keySet is a Sent over a set of notice keys.
type keySet map[string]bool

func (k keySet) SentTo(n *Notice, to []string) uint64 {
	var mask uint64
	for i, id := range to {
		m := *n
		m.To = id
		if k[m.Key()] {
			mask |= 1 << i
		}
	}
	return mask
}

// PlanUnsent is Plan less the standing notices (escalate, letter, verify)
// already sent: each recipient's own (a second leader added later still
// gets the escalation), never an overdue step or a notice to the unit, and
// the notices it keeps carry the same subjects (the unit's overdue list,
// the escalation mark) as Plan's.
func TestPlanUnsentLeavesOutStandingNoticesSent(t *testing.T) {
	l := testLedger(task("T1", "U1", "2026-09-01"), task("T2", "U1", "2026-09-20"), reported(task("T3", "U2", "2026-12-01"), "2026-09-01 10:00"))
	l.People = append(l.People, duban.Person{UserID: "L2", Name: "新组长", Posts: []duban.Post{{Role: duban.RoleLeader, Scope: "政府组"}}})
	now := at("2026-10-12 09:30")
	all := Plan(l, Defaults(), DefaultCalendar(), now)
	sent := keySet{}
	var want []Notice
	for _, n := range all {
		switch {
		case n.Stage == StageEscalate && n.To == "L1" || n.Stage == StageLetter || n.Stage == StageVerify && n.TaskID == "T3" && n.To == "L1":
			sent[n.Key()] = true
		case n.Stage.IsOverdue() && n.To == "c1":
			sent[n.Key()] = true // not standing: planned all the same
			want = append(want, n)
		default:
			want = append(want, n)
		}
	}
	if !slices.ContainsFunc(all, func(n Notice) bool { return n.Stage == StageLetter }) || !slices.ContainsFunc(all, func(n Notice) bool { return n.Stage == StageVerify }) {
		t.Fatalf("the ledger plans no letter or verify: %v", summary(all))
	}
	got, skipped := PlanUnsent(l, Defaults(), DefaultCalendar(), now, sent)
	if !slices.Equal(summary(got), summary(want)) || skipped != len(all)-len(want) {
		t.Fatalf("PlanUnsent gave %v (skipped %d), want %v (skipped %d)", summary(got), skipped, summary(want), len(all)-len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(*got[i].Subject, *want[i].Subject) {
			t.Errorf("%s %s→%s: subject %+v, Plan's %+v", got[i].TaskID, got[i].Stage, got[i].To, *got[i].Subject, *want[i].Subject)
		}
	}
	if got, skipped := PlanUnsent(l, Defaults(), DefaultCalendar(), now, nil); !reflect.DeepEqual(got, all) || skipped != 0 {
		t.Errorf("PlanUnsent with nothing sent differs from Plan")
	}
}

// sameUser is duban.CanonicalUserID's equality, ASCII or not.
func TestSameUser(t *testing.T) {
	for _, c := range [][2]string{
		{"ZhangSan", "zhangsan"}, {" c1", "C1 "}, {"c1", "c2"}, {"c1", "c1x"}, {"", " "},
		{"İ", "I"}, {"İ", "i"}, {"Σ", "σ"}, {"Σ", "ς"}, {"K", "k"}, {"张三", "张三 "}, {"张三", "李四"},
		{"ſ", "s"}, {"ǅ", "ǆ"}, {"a\u00a0", "A"},
	} {
		want := duban.CanonicalUserID(c[0]) == duban.CanonicalUserID(c[1])
		if got := sameUser(c[0], c[1]); got != want {
			t.Errorf("sameUser(%q, %q) = %v, want %v", c[0], c[1], got, want)
		}
	}
}
