// Package remind decides which reminders (照单催收) are due, for whom, and how
// the ladder climbs for lagging units (督办组组长, then 专函督办 by 编办); it
// batches them into one digest per person and computes the 工作通报.
//
// Planning is a pure function of (ledger, policy, calendar, now): Plan says
// what is due at an instant and nothing else. Whether a notice was already
// sent is the store's notice ledger's business (Runner glues the two).
package remind

import (
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duban-org/duban"
)

// Stage is a step of the reminder ladder: before-7, before-3, before-1, due,
// overdue-N (N working days overdue), escalate, letter, verify.
type Stage string

const (
	StageDue      Stage = "due"      // the deadline day (or the working day before it)
	StageEscalate Stage = "escalate" // to the group leader, once per task and deadline
	StageLetter   Stage = "letter"   // 专函督办 draft to 编办, once per task and deadline
	StageVerify   Stage = "verify"   // 已报完成 waiting for 销号, to the group leader
)

// StageBefore returns the stage "before-n".
func StageBefore(n int) Stage { return Stage("before-" + strconv.Itoa(n)) }

// StageOverdue returns the stage "overdue-n": n working days overdue.
func StageOverdue(n int) Stage { return Stage("overdue-" + strconv.Itoa(n)) }

// IsBefore reports whether s is a before-N stage.
func (s Stage) IsBefore() bool { return strings.HasPrefix(string(s), "before-") }

// IsOverdue reports whether s is an overdue-N stage.
func (s Stage) IsOverdue() bool { return strings.HasPrefix(string(s), "overdue-") }

// ToUnit reports whether the stage is addressed to the unit's own people
// (联络员, 一把手) rather than to supervisors.
func (s Stage) ToUnit() bool { return s.IsBefore() || s == StageDue || s.IsOverdue() }

// Item is one task in a list carried by a notice (a unit's overdue list).
type Item struct {
	TaskID          string     `json:"task"`
	Title           string     `json:"title"`
	Deadline        duban.Date `json:"deadline"`
	DaysOverdue     int        `json:"days_overdue"`     // calendar days
	WorkdaysOverdue int        `json:"workdays_overdue"` // working days
}

// Notice is one reminder for one person about one task at one stage. Its
// identity is Key(); the embedded Subject (shared by every notice about the
// same task in one plan, read-only) is what the digest renders.
type Notice struct {
	TaskID   string     `json:"task"`
	Stage    Stage      `json:"stage"`
	To       string     `json:"to"` // WeCom userid
	Deadline duban.Date `json:"deadline"`
	// Since is the day a task was reported done (verify stage only); it is
	// part of the key, so a task reported again after 驳回 is chased again.
	Since duban.Date `json:"since,omitzero"`
	// Role is the post the recipient gets the notice for.
	Role duban.Role `json:"role"`
	*Subject
}

// Subject is the task as a notice shows it, on the day of the plan.
type Subject struct {
	Unit     duban.Unit   `json:"unit"`
	Title    string       `json:"title"`
	Status   duban.Status `json:"status"`
	Progress string       `json:"progress,omitempty"`
	Light    duban.Light  `json:"light"`
	Today    duban.Date   `json:"today"`
	// DaysLeft counts calendar days from today to the deadline (negative past it).
	DaysLeft        int `json:"days_left"`
	WorkdaysOverdue int `json:"workdays_overdue,omitempty"`
	// WorkdaysWaiting counts working days a reported task has waited for 销号.
	WorkdaysWaiting int `json:"workdays_waiting,omitempty"`
	// Extension is the deadline asked for by a pending 延期 request.
	Extension duban.Date `json:"extension,omitzero"`
	// Escalated is set once the group leader (EscalatedTo 编办 when the
	// group's only leader is the unit's own) has been told.
	Escalated   bool       `json:"escalated,omitempty"`
	EscalatedTo duban.Role `json:"escalated_to,omitempty"`
	// UnitOverdue lists all overdue tasks of the unit, longest first; set
	// when the task is escalated (the leader's and the letter's list).
	UnitOverdue []Item `json:"unit_overdue,omitempty"`
}

// Key identifies the notice in the sent-notice ledger: task, stage,
// recipient and deadline (and the report day for verify). A new deadline
// (an approved extension) makes new keys, so the ladder starts afresh.
func (n Notice) Key() string {
	return string(n.AppendKey(make([]byte, 0, len(n.TaskID)+len(n.Stage)+len(n.To)+24)))
}

// AppendKey appends the notice's Key to b.
func (n Notice) AppendKey(b []byte) []byte {
	b = append(b, n.TaskID...)
	b = append(b, '|')
	b = append(b, n.Stage...)
	if n.Stage == StageVerify {
		b = append(b, '@')
		b, _ = n.Since.AppendText(b)
	}
	b = append(b, '|')
	b = append(b, n.To...)
	b = append(b, '|')
	b, _ = n.Deadline.AppendText(b)
	return b
}

// KeyPrefix returns the prefix shared by the keys of every notice about task
// id (for listing a task's evidence trail).
func KeyPrefix(taskID string) string { return taskID + "|" }

// Window reports whether now is inside the sending window: a working day,
// at or after send_at, outside the quiet hours. It also returns today's date
// in the policy's zone.
func Window(p Policy, cal *Calendar, now time.Time) (today duban.Date, open bool) {
	c, err := p.compile()
	if err != nil {
		return duban.DateOf(now), false
	}
	return c.window(cal, now)
}

func (c compiled) window(cal *Calendar, now time.Time) (duban.Date, bool) {
	local := now.In(c.loc)
	today := duban.DateOf(local)
	m := local.Hour()*60 + local.Minute()
	return today, cal.IsWorkday(today) && m >= c.sendAt && !c.quiet(m)
}

// stageInfo is what a deadline means on today; it depends on the deadline
// alone, so the planner computes it once per distinct deadline.
type stageInfo struct {
	stage    Stage // "" when nothing is due yet
	workdays int   // working days overdue
}

// people indexes who holds which post.
type people struct {
	contacts map[string][]string // unit code → userids
	heads    map[string][]string
	leaders  map[string][]string // group → userids
	admins   []string
}

func indexPeople(ps []duban.Person) people {
	ix := people{contacts: map[string][]string{}, heads: map[string][]string{}, leaders: map[string][]string{}}
	for _, p := range ps {
		for _, post := range p.Posts {
			switch post.Role {
			case duban.RoleContact:
				ix.contacts[post.Scope] = appendUniq(ix.contacts[post.Scope], p.UserID)
			case duban.RoleHead:
				ix.heads[post.Scope] = appendUniq(ix.heads[post.Scope], p.UserID)
			case duban.RoleLeader:
				ix.leaders[post.Scope] = appendUniq(ix.leaders[post.Scope], p.UserID)
			case duban.RoleAdmin:
				ix.admins = appendUniq(ix.admins, p.UserID)
			}
		}
	}
	return ix
}

// sameUser reports whether userids a and b name the same person (their
// duban.CanonicalUserID is the same), without its copies for ASCII ids.
func sameUser(a, b string) bool {
	if a == b {
		return true
	}
	if isASCII(a) && isASCII(b) { // ASCII folds as it lowers
		return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
	}
	return duban.CanonicalUserID(a) == duban.CanonicalUserID(b)
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func appendUniq(s []string, v string) []string {
	if v == "" || slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// verifiers returns who is reminded to 销号 a report by reporter: the
// supervisors other than the reporter, who may not close their own report
// (a group leader who reported as a unit's contact leaves it to 编办).
func (ix people) verifiers(group, reporter string) ([]string, duban.Role) {
	return ix.supervisorsBesides(group, []string{reporter}, nil)
}

// supervisorsBesides returns the leaders of group other than those in own
// and more, or 编办 (but those) when no other leads it: a unit whose
// contact leads its group is escalated to 编办, not to herself.
func (ix people) supervisorsBesides(group string, own, more []string) ([]string, duban.Role) {
	isOwn := func(id string) bool {
		is := func(o string) bool { return sameUser(o, id) }
		return slices.ContainsFunc(own, is) || slices.ContainsFunc(more, is)
	}
	others := func(ids []string) []string {
		if !slices.ContainsFunc(ids, isOwn) {
			return ids // shared, never changed
		}
		return slices.DeleteFunc(slices.Clone(ids), isOwn)
	}
	if l := others(ix.leaders[group]); len(l) > 0 {
		return l, duban.RoleLeader
	}
	return others(ix.admins), duban.RoleAdmin
}

// Plan returns the notices due at now under policy p — nothing outside the
// sending window (rest days, before send_at, quiet hours). For each task it
// gives the current step of the ladder only: a step missed while duban was
// down is superseded by the next, never sent late in a burst.
//
// The ladder: before the deadline, the unit's 联络员 (its 一把手 when it has
// no contact); on the deadline day and every working day overdue, 联络员 and
// 一把手; from escalate_after_workdays overdue, the group leader once (with
// the unit's overdue list); from letter_after_workdays, a 专函督办 draft to
// 编办 once. A task 已报完成 reminds its group leader once it has waited
// verify_after_workdays for 销号. 已销号 tasks and tasks without a deadline
// never remind. Notices come in ledger order, recipients in ladder order.
//
// An invalid policy plans nothing; check it with Validate first.
func Plan(l duban.Ledger, p Policy, cal *Calendar, now time.Time) []Notice {
	out, _ := PlanUnsent(l, p, cal, now, nil)
	return out
}

// Sent tells the planner which notices were recorded (sent) before.
type Sent interface {
	// SentTo returns which of to (bit i: to[i]; the first 64 alone) were
	// sent notice n (its key with each of them as the recipient; n.To is
	// not read): a bit is set only when that notice is known recorded.
	SentTo(n *Notice, to []string) uint64
}

// PlanUnsent is Plan leaving out the standing notices — escalate, letter
// and verify, planned again with the same key every day until the task
// moves on — that sent says were recorded; skipped counts them. The
// unit's overdue list and a subject's escalation mark are the same as
// Plan's: they do not depend on what was sent. A nil sent leaves out
// nothing.
func PlanUnsent(l duban.Ledger, p Policy, cal *Calendar, now time.Time, sent Sent) (planned []Notice, skipped int) {
	c, err := p.compile()
	if err != nil {
		return nil, 0
	}
	today, open := c.window(cal, now)
	if !open {
		return nil, 0
	}
	ix := indexPeople(l.People)
	// One lookup per task finds the unit and everyone on its ladder.
	units := make(map[string]*unitLadder, len(l.Units))
	ladders := make([]unitLadder, len(l.Units))
	for i := range l.Units {
		u := &l.Units[i]
		lad := &ladders[i]
		*lad = unitLadder{unit: u, contacts: ix.contacts[u.Code], heads: ix.heads[u.Code]}
		lad.sup, lad.supRole = ix.supervisorsBesides(u.Group, lad.contacts, lad.heads)
		lad.unitSide = recipients(lad.contacts, nil) + recipients(lad.heads, lad.contacts)
		units[u.Code] = lad
	}
	on := c.on(cal, today)

	// First what is due for each task and to how many, so the notices and
	// their subjects are allocated once, at their size: a province plans a
	// quarter of a million notices.
	due := make([]dueTask, 0, len(l.Tasks))
	count, overdue := 0, 0
	probe := &Notice{} // the notice asked about, one for the whole plan
	for i := range l.Tasks {
		t := &l.Tasks[i]
		if t.Deadline.IsZero() {
			continue
		}
		d := dueTask{t: t}
		if t.Status.Open() {
			if d.si = on.stage(t.Deadline); d.si.stage == "" {
				continue
			}
			lad := units[t.Unit]
			if lad == nil {
				continue
			}
			d.lad = lad
			if d.si.workdays > 0 {
				lad.overdueCount++
				overdue++
			}
			if d.si.stage.IsBefore() && len(lad.contacts) > 0 {
				count += len(lad.contacts) // before the deadline the contact alone is chased
			} else {
				count += lad.unitSide
			}
			if c.escalate > 0 && d.si.workdays >= c.escalate {
				d.sentSup = sentTo(sent, probe, t, StageEscalate, 0, lad.sup)
				count += len(lad.sup) - bits.OnesCount64(d.sentSup)
			}
			if c.letter > 0 && d.si.workdays >= c.letter {
				d.sentAdmins = sentTo(sent, probe, t, StageLetter, 0, ix.admins)
				count += len(ix.admins) - bits.OnesCount64(d.sentAdmins)
			}
		} else {
			since, waited, ok := on.verifyWait(t)
			if !ok || waited < c.verify {
				continue
			}
			if d.lad = units[t.Unit]; d.lad == nil {
				continue
			}
			d.since, d.waited = since, int32(waited)
			sup, _ := d.lad.verifiers(ix, t)
			d.sentSup = sentTo(sent, probe, t, StageVerify, d.since, sup)
			count += len(sup) - bits.OnesCount64(d.sentSup)
		}
		due = append(due, d)
	}

	subjects := make([]Subject, len(due))
	out := make(notices, 0, count)
	// Each unit's overdue list is a window of one array, sized above.
	items := make([]Item, 0, overdue)
	for i := range ladders {
		if n := ladders[i].overdueCount; n > 0 {
			ladders[i].overdue, items = items[:0:n], items[n:n:cap(items)]
		}
	}
	for i, d := range due {
		t, lad := d.t, d.lad
		var si stageInfo // none for verify
		if d.si != nil {
			si = *d.si
		}
		u := lad.unit
		subj := &subjects[i]
		*subj = Subject{
			Unit: *u, Title: t.Title, Status: t.Status, Progress: t.Progress, Today: today,
			DaysLeft: int(t.Deadline - today), Light: t.Light(today, c.warn),
			WorkdaysOverdue: si.workdays, WorkdaysWaiting: int(d.waited),
		}
		if t.Extension != nil {
			subj.Extension = t.Extension.Deadline
		}
		base := Notice{TaskID: t.ID, Deadline: t.Deadline, Subject: subj}
		if d.since != 0 {
			base.Stage, base.Since = StageVerify, d.since
			sup, role := lad.verifiers(ix, t)
			skipped += out.addUnsent(base, sup, role, d.sentSup)
			continue
		}
		base.Stage = si.stage
		if si.workdays > 0 {
			lad.overdue = append(lad.overdue, Item{
				TaskID: t.ID, Title: t.Title, Deadline: t.Deadline,
				DaysOverdue: int(today - t.Deadline), WorkdaysOverdue: si.workdays,
			})
		}
		contacts, heads := lad.contacts, lad.heads
		if si.stage.IsBefore() && len(contacts) > 0 {
			heads = nil // before the deadline the contact alone is chased
		}
		out.add(base, contacts, duban.RoleContact, nil)
		out.add(base, heads, duban.RoleHead, contacts)
		if c.escalate > 0 && si.workdays >= c.escalate {
			subj.Escalated, subj.EscalatedTo = true, lad.supRole
			base.Stage = StageEscalate
			skipped += out.addUnsent(base, lad.sup, lad.supRole, d.sentSup)
		}
		if c.letter > 0 && si.workdays >= c.letter {
			base.Stage = StageLetter
			skipped += out.addUnsent(base, ix.admins, duban.RoleAdmin, d.sentAdmins)
		}
	}
	for i := range ladders {
		slices.SortStableFunc(ladders[i].overdue, func(a, b Item) int { return b.WorkdaysOverdue - a.WorkdaysOverdue })
	}
	for i := range subjects {
		if subjects[i].Escalated {
			subjects[i].UnitOverdue = due[i].lad.overdue
		}
	}
	if len(out) == 0 {
		return nil, skipped
	}
	return out, skipped
}

// dueTask is a task with something due today: its step of the ladder, or
// the day it was reported and who is to verify it.
type dueTask struct {
	t      *duban.Task
	lad    *unitLadder
	si     *stageInfo // shared by the tasks of a deadline
	since  duban.Date // reported on (verify), else 0
	waited int32
	// The recipients (bit i: the i-th) whose standing notice is recorded:
	// escalate or verify to the supervisors, letter to 编办.
	sentSup, sentAdmins uint64
}

// sentTo returns which of to (bit i: to[i], the first 64 alone) were sent
// task t's standing notice at stage (since: the report day, for verify).
func sentTo(sent Sent, probe *Notice, t *duban.Task, stage Stage, since duban.Date, to []string) uint64 {
	if sent == nil || len(to) == 0 {
		return 0
	}
	*probe = Notice{TaskID: t.ID, Stage: stage, Deadline: t.Deadline, Since: since}
	return sent.SentTo(probe, to)
}

// verifiers returns who is reminded to 销号 task t of the unit.
func (lad *unitLadder) verifiers(ix people, t *duban.Task) ([]string, duban.Role) {
	if t.ReportedBy != "" {
		return ix.verifiers(lad.unit.Group, t.ReportedBy)
	}
	return lad.sup, lad.supRole
}

// unitLadder is a unit with the people its notices go to and, while
// planning, its overdue tasks.
type unitLadder struct {
	unit     *duban.Unit
	contacts []string
	heads    []string
	sup      []string // group leaders, or 编办 when the group has none but the unit's own
	supRole  duban.Role
	unitSide int // its contacts and heads, each once
	overdue  []Item
	// overdueCount is the length overdue will have, counted first.
	overdueCount int
}

// notices collects a plan's notices.
type notices []Notice

// recipients counts the people of to not in skip, as add adds them.
func recipients(to, skip []string) int {
	n := 0
	for _, id := range to {
		if !slices.Contains(skip, id) {
			n++
		}
	}
	return n
}

// addUnsent appends base once for each recipient in to but those whose bit
// is set in sent (recorded before), and returns how many it left out.
func (out *notices) addUnsent(base Notice, to []string, role duban.Role, sent uint64) int {
	if sent == 0 {
		out.add(base, to, role, nil)
		return 0
	}
	for i, id := range to {
		if i < 64 && sent&(1<<i) != 0 {
			continue
		}
		n := base
		n.To, n.Role = id, role
		*out = append(*out, n)
	}
	return bits.OnesCount64(sent)
}

// add appends base once for each recipient in to, skipping those in skip
// (a person who is both contact and head is told once).
func (out *notices) add(base Notice, to []string, role duban.Role, skip []string) {
	for _, id := range to {
		if slices.Contains(skip, id) {
			continue
		}
		n := base
		n.To, n.Role = id, role
		*out = append(*out, n)
	}
}

// day says where deadlines and reports stand on today, each distinct date
// worked out once.
type day struct {
	c      compiled
	cal    *Calendar
	today  duban.Date
	stages map[duban.Date]*stageInfo
	waits  map[duban.Date]int
	// The last deadline asked about, and its stage.
	lastDate duban.Date
	last     *stageInfo
}

func (c compiled) on(cal *Calendar, today duban.Date) *day {
	return &day{c: c, cal: cal, today: today, stages: map[duban.Date]*stageInfo{}, waits: map[duban.Date]int{}}
}

// stage is the step of the ladder an open task with deadline d is at
// (shared by the tasks of the deadline, read-only).
func (on *day) stage(d duban.Date) *stageInfo {
	if d == on.lastDate && on.last != nil { // the ledger comes by deadline
		return on.last
	}
	si := on.stages[d]
	if si == nil {
		s := on.c.stageOn(on.cal, d, on.today)
		si = &s
		on.stages[d] = si
	}
	on.lastDate, on.last = d, si
	return si
}

// verifyWait returns the day task t was reported done and the working days
// it has waited since for 销号; ok is false when no verify reminder is
// ever due about it (not 已报完成, or verify reminders off).
func (on *day) verifyWait(t *duban.Task) (since duban.Date, waited int, ok bool) {
	if t.Status != duban.StatusReported || on.c.verify <= 0 || reportedAt(*t).IsZero() {
		return 0, 0, false
	}
	since = duban.DateOf(reportedAt(*t).In(on.c.loc))
	waited, ok = on.waits[since]
	if !ok {
		waited = on.cal.WorkdaysBetween(since, on.today)
		on.waits[since] = waited
	}
	return since, waited, true
}

// mayRemind reports whether a plan on the day may hold a notice about t,
// whatever its unit and people: the others need not be read.
func (on *day) mayRemind(t *duban.Task) bool {
	if t.Deadline.IsZero() {
		return false
	}
	if t.Status.Open() {
		return on.stage(t.Deadline).stage != ""
	}
	_, waited, ok := on.verifyWait(t)
	return ok && waited >= on.c.verify
}

// stageOn returns the current step of the ladder for an open task with
// deadline d on working day today: the latest reminder day not after today
// (before-N days and the deadline day, each moved back to a working day), or
// overdue-N once the deadline has passed.
func (c compiled) stageOn(cal *Calendar, d, today duban.Date) stageInfo {
	if today > d {
		w := cal.WorkdaysBetween(d, today)
		return stageInfo{stage: StageOverdue(w), workdays: w}
	}
	var si stageInfo
	for _, n := range c.before {
		if cal.WorkdayOnOrBefore(d.AddDays(-n)) <= today {
			si.stage = StageBefore(n)
		}
	}
	if cal.WorkdayOnOrBefore(d) <= today {
		si.stage = StageDue
	}
	return si
}

// reportedAt is when a task was reported done; for one imported as 已报完成
// (no report in its history) its last update stands in.
func reportedAt(t duban.Task) time.Time {
	if !t.ReportedAt.IsZero() {
		return t.ReportedAt
	}
	return t.UpdatedAt
}
