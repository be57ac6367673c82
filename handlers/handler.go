package handlers

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// PolicyAnswerer answers a policy question from the reform documents.
// Declined is true when the documents do not cover the question; Text then
// says so.
type PolicyAnswerer interface {
	AnswerText(ctx context.Context, question string) (text string, declined bool, err error)
}

// Interpreter turns free text into a proposed action with the help of an
// LLM. It is shown only the sender's own tasks; whatever it returns is still
// checked against the sender's rights before anything changes.
type Interpreter interface {
	Interpret(ctx context.Context, in InterpretInput) (Intent, error)
}

// InterpretInput is what the LLM is shown.
type InterpretInput struct {
	Person duban.Person
	Tasks  []duban.Task // only tasks the sender may report on
	Today  duban.Date
	Text   string
}

// IntentKind is what the LLM understood.
type IntentKind string

const (
	IntentNone     IntentKind = ""
	IntentReport   IntentKind = "report"   // the task is done
	IntentProgress IntentKind = "progress" // progress on the task
	IntentExtend   IntentKind = "extend"   // asks for a later deadline
	IntentList     IntentKind = "list"     // wants their task list
	IntentAsk      IntentKind = "ask"      // a policy question
)

// Intent is one understood request.
type Intent struct {
	Kind     IntentKind
	TaskID   string
	Note     string
	Deadline duban.Date
	Question string
}

// Reminders is the reminder package's side of the conversation: recording
// acknowledgements (收到) and listing a task's notices for 记录.
type Reminders interface {
	// Acknowledge records that userid received the notices about taskID
	// ("" for every notice sent to them) and returns how many it covered.
	Acknowledge(ctx context.Context, userid, taskID string, at time.Time) (int, error)
	// Evidence returns one line per notice sent about taskID.
	Evidence(ctx context.Context, taskID string) ([]string, error)
	// PublishBulletin issues the next 工作通报 on behalf of by (who receives
	// it with everyone else) and returns a line saying so; the same msgKey
	// again (a message reprocessed after a crash) publishes nothing new.
	PublishBulletin(ctx context.Context, by duban.Person, msgKey string, now time.Time) (string, error)
}

// Handler answers messages. Only Store is required.
type Handler struct {
	Store       *store.Store
	Policy      PolicyAnswerer // nil: no policy Q&A
	Interpreter Interpreter    // nil: command grammar only
	Reminders   Reminders      // nil: no acknowledgements, evidence or bulletins
	Now         func() time.Time
	Location    *time.Location
	WarnDays    int
	UndoWindow  time.Duration
	Log         *slog.Logger
}

// turn is one message being handled: who sent it, when, and the replies.
type turn struct {
	in     duban.Inbound
	person duban.Person
	known  bool
	now    time.Time
	today  duban.Date
	out    []duban.Outgoing
}

func (t *turn) reply(text string) {
	t.out = append(t.out, duban.Outgoing{To: t.in.From, Text: text})
}

func (t *turn) send(o duban.Outgoing) { t.out = append(t.out, o) }

// Handle answers one inbound message or event with the messages to send.
// It is safe to call again with the same message after a crash: a change
// already applied for in.Key is not applied twice, and the replies are the
// same.
func (h *Handler) Handle(ctx context.Context, in duban.Inbound) ([]duban.Outgoing, error) {
	now := h.now()
	t := &turn{in: in, now: now, today: duban.DateOf(now)}
	p, err := h.Store.Person(ctx, in.From)
	switch {
	case err == nil:
		t.person, t.known = p, true
	case errors.Is(err, store.ErrNotFound):
		t.person = duban.Person{UserID: in.From}
	default:
		return nil, fmt.Errorf("look up sender %s: %w", in.From, err)
	}
	if err := h.dispatch(ctx, t); err != nil {
		if duban.ErrorCode(err) == duban.EINTERNAL {
			return nil, err
		}
		t.reply(duban.ErrorMessage(err))
	}
	return t.out, nil
}

func (h *Handler) now() time.Time {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	loc := h.Location
	if loc == nil {
		loc = time.Local
	}
	return now().In(loc)
}

func (h *Handler) dispatch(ctx context.Context, t *turn) error {
	switch t.in.Event {
	case "":
	case "enter_agent":
		t.reply(h.greeting(t))
		return nil
	case "click":
		return h.command(ctx, t, Parse(t.in.EventKey))
	case "template_card_event":
		return h.cardClick(ctx, t)
	default:
		return nil // other events (subscribe, location…) need no answer
	}
	text := strings.TrimSpace(t.in.Text)
	if text == "" {
		t.reply("目前只能处理文字消息。发送「帮助」查看用法。")
		return nil
	}
	return h.command(ctx, t, Parse(text))
}

func (h *Handler) command(ctx context.Context, t *turn, c Command) error {
	if c.Err != "" {
		t.reply(c.Err)
		return nil
	}
	switch c.Verb {
	case VerbHelp:
		t.reply(h.help(t))
		return nil
	case VerbAsk:
		return h.ask(ctx, t, c.Rest, false)
	case "":
		return h.freeText(ctx, t, c.Rest)
	}
	if !t.known {
		t.reply(notRegistered(t.in.From))
		return nil
	}
	switch c.Verb {
	case VerbTasks:
		return h.listTasks(ctx, t, c.Task)
	case VerbReport:
		return h.change(ctx, t, c.Task, duban.Request{Action: duban.ActReport, Note: c.Rest})
	case VerbProgress:
		return h.change(ctx, t, c.Task, duban.Request{Action: duban.ActProgress, Note: c.Rest})
	case VerbExtend:
		return h.change(ctx, t, c.Task, duban.Request{Action: duban.ActExtend, Note: c.Rest, Deadline: c.Deadline})
	case VerbVerify:
		return h.change(ctx, t, c.Task, duban.Request{Action: duban.ActVerify, Note: c.Rest})
	case VerbReject:
		return h.change(ctx, t, c.Task, duban.Request{Action: duban.ActReject, Note: c.Rest})
	case VerbApprove:
		return h.change(ctx, t, c.Task, duban.Request{Action: duban.ActApprove, Note: c.Rest})
	case VerbRefuse:
		return h.change(ctx, t, c.Task, duban.Request{Action: duban.ActRefuse, Note: c.Rest})
	case VerbUndo:
		return h.undo(ctx, t)
	case VerbRecord:
		return h.record(ctx, t, c.Task)
	case VerbConfirm:
		_, err := h.confirm(ctx, t, "")
		return err
	case VerbCancel:
		_, err := h.cancel(ctx, t, "")
		return err
	case VerbAck:
		_, err := h.acknowledge(ctx, t, c.Task)
		return err
	case VerbBulletin:
		return h.bulletin(ctx, t)
	}
	return duban.Errorf(duban.EINTERNAL, "verb %s has no handler", c.Verb)
}

func notRegistered(userid string) string {
	return fmt.Sprintf("您好！您的账号（%s）还没有登记在改革任务清单中，暂时不能查看或报送任务。如需登记，请联系编办。\n您仍可以咨询改革政策，例如：每个科室最少要有几个人？", userid)
}

// resolve finds the task a person named: an id, or a fragment of a title
// unique among the tasks they can see.
func (h *Handler) resolve(ctx context.Context, p duban.Person, ref string) (duban.Task, error) {
	t, err := h.Store.Task(ctx, ref)
	if err == nil {
		return t, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return t, err
	}
	visible, err := h.visibleTasks(ctx, p)
	if err != nil {
		return t, err
	}
	var matches []duban.Task
	for _, vt := range visible {
		if strings.Contains(strings.ToLower(vt.Title), strings.ToLower(ref)) {
			matches = append(matches, vt)
		}
	}
	switch len(matches) {
	case 0:
		return t, duban.Errorf(duban.ENOTFOUND, "没有找到任务「%s」。发送「任务」查看您的任务编号。", ref)
	case 1:
		return matches[0], nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "「%s」对应 %d 项任务，请用编号指明：", ref, len(matches))
	for i, m := range matches {
		if i == 8 {
			fmt.Fprintf(&b, "\n……等 %d 项", len(matches))
			break
		}
		fmt.Fprintf(&b, "\n%s %s", m.ID, m.Title)
	}
	return t, duban.Errorf(duban.EINVALID, "%s", b.String())
}

// visibleTasks returns the tasks of the units p reports on or supervises.
func (h *Handler) visibleTasks(ctx context.Context, p duban.Person) ([]duban.Task, error) {
	if p.IsAdmin() {
		return h.Store.Tasks(ctx, store.TaskFilter{})
	}
	var all []duban.Task
	seen := map[string]bool{}
	add := func(f store.TaskFilter) error {
		ts, err := h.Store.Tasks(ctx, f)
		for _, t := range ts {
			if !seen[t.ID] {
				seen[t.ID] = true
				all = append(all, t)
			}
		}
		return err
	}
	for _, u := range p.Units() {
		if err := add(store.TaskFilter{Unit: u}); err != nil {
			return nil, err
		}
	}
	for _, g := range p.Groups() {
		if err := add(store.TaskFilter{Group: g}); err != nil {
			return nil, err
		}
	}
	return all, nil
}

// change applies one request to the task named by ref, records a refusal in
// the task's history, and tells everyone concerned.
func (h *Handler) change(ctx context.Context, t *turn, ref string, r duban.Request) error {
	task, err := h.resolve(ctx, t.person, ref)
	if err != nil {
		return err
	}
	r.By, r.MsgID, r.At = t.person, t.in.Key, t.now
	reporter, err := h.reporter(ctx, task)
	if err != nil {
		return err
	}
	applied, err := h.Store.Apply(ctx, task.ID, t.in.Key, func(tk duban.Task, u duban.Unit) (duban.Task, duban.Change, error) {
		if tk.Status == duban.StatusReported && tk.ReportedBy == "" {
			tk.ReportedBy = reporter
		}
		return duban.Apply(tk, u, r)
	})
	if err != nil {
		h.recordRefusal(ctx, t, task, r.Action, err)
		return err
	}
	return h.announce(ctx, t, applied)
}

// reporter returns who made task's pending report when the task, reported
// before reports recorded their author, does not say: the author of the
// last 完成 in its history. Nobody closes their own report, old or new.
func (h *Handler) reporter(ctx context.Context, task duban.Task) (string, error) {
	if task.Status != duban.StatusReported || task.ReportedBy != "" {
		return task.ReportedBy, nil
	}
	hist, err := h.Store.History(ctx, task.ID)
	if err != nil {
		return "", err
	}
	for i := len(hist) - 1; i >= 0; i-- {
		if hist[i].Action == duban.ActReport {
			return hist[i].By, nil
		}
	}
	return "", nil
}

// recordRefusal keeps a refused request in the task's history when the
// sender is concerned with the task (a stranger's attempts are not its
// history) and the refusal is about rights or state.
func (h *Handler) recordRefusal(ctx context.Context, t *turn, task duban.Task, a duban.Action, why error) {
	if code := duban.ErrorCode(why); code != duban.EFORBIDDEN && code != duban.ECONFLICT {
		return
	}
	u, err := h.Store.Unit(ctx, task.Unit)
	if err != nil || !t.person.CanSee(u) {
		return
	}
	err = h.Store.Record(ctx, duban.Change{TaskID: task.ID, At: t.now, By: t.person.UserID, Action: duban.ActDenied,
		Note: string(a) + "：" + duban.ErrorMessage(why), MsgID: t.in.Key})
	if err != nil {
		h.log().Error("record refusal", "task", task.ID, "err", err)
	}
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// announce replies to the sender with what changed and notifies the people
// the change concerns: those who decide when a task awaits a decision, the
// unit when it was decided (and the group's leader when 编办 decided).
func (h *Handler) announce(ctx context.Context, t *turn, a store.Applied) error {
	task, c := a.Task, a.Change
	unit, err := h.Store.Unit(ctx, task.Unit)
	if err != nil {
		return err
	}
	people, err := h.Store.People(ctx)
	if err != nil {
		return err
	}
	subject := fmt.Sprintf("任务 %s「%s」（%s）", task.ID, task.Title, unit.Name)
	leaders := holders(people, func(p duban.Person) bool { return p.Has(duban.RoleLeader, unit.Group) })
	unitPeople := holders(people, func(p duban.Person) bool {
		return p.Has(duban.RoleContact, unit.Code) || p.Has(duban.RoleHead, unit.Code)
	})
	by := t.person.Name
	if by == "" {
		by = t.person.UserID
	}
	said := "已记录。" + subject + "：" + c.Describe()
	switch c.Action {
	case duban.ActReport, duban.ActExtend:
		deciders, title := deciders(people, unit, t.person)
		verb, own := "审批", "申请"
		if c.Action == duban.ActReport {
			verb, own = "对账销号", "报送"
		}
		switch {
		case len(deciders) == 0:
			t.reply(said + "。目前没有可以" + verb + "的人员，请联系编办。")
		case title == "编办" && len(leaders) > 0:
			t.reply(said + "。已提交编办" + verb + "（您是该组督办组长，本人的" + own + "不能由本人办理）。")
		default:
			t.reply(said + "。已提交" + title + verb + "。")
		}
		text, card := requestNotice(unit, task, c, t.person, t.now.Location())
		h.notify(t, deciders, text, card)
	case duban.ActVerify, duban.ActReject, duban.ActApprove, duban.ActRefuse:
		said += h.decidedOn(ctx, t, c)
		var text string
		switch c.Action {
		case duban.ActVerify:
			text = fmt.Sprintf("【已销号】%s 已由%s核实销号。", subject, by)
		case duban.ActReject:
			text = fmt.Sprintf("【驳回】%s 被%s驳回，已退回「推进中」。\n理由：%s\n补充完善后请再次回复「完成 %s 说明」。", subject, by, c.Note, task.ID)
		case duban.ActApprove:
			text = fmt.Sprintf("【同意延期】%s 的完成时限已由 %s 调整为 %s（%s同意）。", subject, c.FromDeadline, c.ToDeadline, by)
		case duban.ActRefuse:
			asked := ""
			if c.Before != nil && c.Before.Extension != nil {
				asked = "（延至 " + c.Before.Extension.Deadline.String() + "）"
			}
			text = fmt.Sprintf("【不同意延期】%s 的延期申请%s未获%s同意，完成时限仍为 %s。\n理由：%s", subject, asked, by, task.Deadline, c.Note)
		}
		told, whom := unitPeople, "该单位"
		if len(leaders) > 0 && !t.person.Has(duban.RoleLeader, unit.Group) {
			// 编办 decided on a group's task: its leader is told too.
			told, whom = union(told, leaders), "该单位和"+unit.Group+"督办组长"
		}
		t.reply(said + "。已通知" + whom + "。")
		h.notify(t, told, text, nil)
	case duban.ActUndo:
		// Whoever acted on the undone change must not act on it still.
		t.reply(said + "。已通知该单位和督办组。")
		text := fmt.Sprintf("【撤销】%s：%s%s，现为「%s」，完成时限 %s。", subject, by, c.Note, task.Status, task.Deadline)
		supervisors := leaders
		if len(supervisors) == 0 {
			supervisors = holders(people, duban.Person.IsAdmin)
		}
		h.notify(t, union(unitPeople, supervisors), text, nil)
	default:
		t.reply(said + "。")
	}
	return nil
}

// deciders returns who decides on a request by requester about unit's
// tasks, and what they are called: the group's leaders, or 编办 when no
// one else leads the group (the leader asked as the unit's contact).
// Nobody decides their own request.
func deciders(people []duban.Person, unit duban.Unit, requester duban.Person) ([]duban.Person, string) {
	me := duban.CanonicalUserID(requester.UserID)
	others := func(keep func(duban.Person) bool) []duban.Person {
		return holders(people, func(p duban.Person) bool { return keep(p) && duban.CanonicalUserID(p.UserID) != me })
	}
	if leaders := others(func(p duban.Person) bool { return p.Has(duban.RoleLeader, unit.Group) }); len(leaders) > 0 {
		return leaders, unit.Group + "督办组长"
	}
	return others(duban.Person.IsAdmin), "编办"
}

// decidedOn says which report or request a decision acted on: who made it
// and when, so a text command's reply shows what was pending.
func (h *Handler) decidedOn(ctx context.Context, t *turn, c duban.Change) string {
	if c.Before == nil {
		return ""
	}
	var userid string
	var at time.Time
	switch {
	case (c.Action == duban.ActVerify || c.Action == duban.ActReject) && c.Before.ReportedBy != "":
		userid, at = c.Before.ReportedBy, c.Before.ReportedAt
	case (c.Action == duban.ActApprove || c.Action == duban.ActRefuse) && c.Before.Extension != nil:
		userid, at = c.Before.Extension.By, c.Before.Extension.At
	default:
		return ""
	}
	name := userid
	if p, err := h.person(ctx, userid); err == nil && p.Name != "" {
		name = p.Name
	}
	what := "报送"
	if c.Action == duban.ActApprove || c.Action == duban.ActRefuse {
		what = "申请"
	}
	return "；所办理的是" + name + " " + at.In(t.now.Location()).Format(stamp) + " 的" + what
}

// notify sends text (and the card, if any) to each person except the
// sender, who already has the reply.
func (h *Handler) notify(t *turn, to []duban.Person, text string, card *duban.Card) {
	for _, p := range to {
		if duban.CanonicalUserID(p.UserID) == duban.CanonicalUserID(t.in.From) {
			continue
		}
		o := duban.Outgoing{To: p.UserID, Text: text}
		if card != nil {
			cc := *card
			cc.ID = card.ID + "-" + shortHash(p.UserID)
			o.Card = &cc
		}
		t.send(o)
	}
}

func shortHash(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:5])
}

// union returns the people of a and then those of b not in a.
func union(a, b []duban.Person) []duban.Person {
	out := slices.Clone(a)
	for _, p := range b {
		if !slices.ContainsFunc(out, func(q duban.Person) bool {
			return duban.CanonicalUserID(q.UserID) == duban.CanonicalUserID(p.UserID)
		}) {
			out = append(out, p)
		}
	}
	return out
}

func holders(people []duban.Person, keep func(duban.Person) bool) []duban.Person {
	var out []duban.Person
	for _, p := range people {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// undo reverts the sender's own last change, if nobody changed the task
// since and it is within the undo window; the store checks both in the
// transaction that writes the undo.
func (h *Handler) undo(ctx context.Context, t *turn) error {
	r := duban.Request{Action: duban.ActUndo, By: t.person, MsgID: t.in.Key, At: t.now}
	applied, err := h.Store.Undo(ctx, t.person.UserID, t.in.Key, func(tk duban.Task, last duban.Change) (duban.Task, duban.Change, error) {
		return duban.Undo(tk, last, r, h.UndoWindow)
	})
	if err != nil {
		return err
	}
	return h.announce(ctx, t, applied)
}

// record lists a task's history and the notices sent about it (留痕).
func (h *Handler) record(ctx context.Context, t *turn, ref string) error {
	task, err := h.resolve(ctx, t.person, ref)
	if err != nil {
		return err
	}
	unit, err := h.Store.Unit(ctx, task.Unit)
	if err != nil {
		return err
	}
	if !t.person.CanSee(unit) {
		return duban.Errorf(duban.EFORBIDDEN, "任务 %s 属于%s，您无权查看。", task.ID, unit.Name)
	}
	hist, err := h.Store.History(ctx, task.ID)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "任务 %s「%s」（%s）\n当前：%s｜时限 %s\n变更记录：", task.ID, task.Title, unit.Name, task.Status, task.Deadline)
	for _, c := range hist {
		fmt.Fprintf(&b, "\n%s %s %s", c.At.In(t.now.Location()).Format("2006-01-02 15:04"), c.By, c.Describe())
	}
	if h.Reminders != nil {
		lines, err := h.Reminders.Evidence(ctx, task.ID)
		if err != nil {
			return err
		}
		if len(lines) > 0 {
			b.WriteString("\n催办记录：")
			for _, l := range lines {
				b.WriteString("\n" + l)
			}
		}
	}
	t.reply(b.String())
	return nil
}

// acknowledge records 收到 for one task's reminders, or for all the
// sender's, and returns how many it covered.
func (h *Handler) acknowledge(ctx context.Context, t *turn, ref string) (int, error) {
	if h.Reminders == nil {
		t.reply("好的。")
		return 0, nil
	}
	id := ""
	if ref != "" {
		task, err := h.resolve(ctx, t.person, ref)
		if err != nil {
			return 0, err
		}
		id = task.ID
	}
	n, err := h.Reminders.Acknowledge(ctx, t.person.UserID, id, t.now)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		t.reply("好的。目前没有需要确认收到的提醒。")
		return 0, nil
	}
	t.reply(fmt.Sprintf("已确认收到 %d 条提醒，已留痕。", n))
	return n, nil
}

func (h *Handler) bulletin(ctx context.Context, t *turn) error {
	if !t.person.IsAdmin() && len(t.person.Groups()) == 0 {
		return duban.Errorf(duban.EFORBIDDEN, "只有编办和督办组长可以发布工作通报。")
	}
	if h.Reminders == nil {
		return duban.Errorf(duban.EINVALID, "本部署未启用工作通报。")
	}
	summary, err := h.Reminders.PublishBulletin(ctx, t.person, t.in.Key, t.now)
	if err != nil {
		return err
	}
	t.reply(summary)
	return nil
}
