package duban

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Status is a task's stored state. 逾期 (overdue) is not a status: it is
// derived from the deadline and the clock (see Task.Overdue).
type Status string

const (
	StatusNotStarted Status = "未启动"
	StatusInProgress Status = "推进中"
	StatusReported   Status = "已报完成" // reported done, waiting for 销号
	StatusVerified   Status = "已销号"  // checked against the ledger and closed
)

// Statuses lists every status in life-cycle order.
var Statuses = []Status{StatusNotStarted, StatusInProgress, StatusReported, StatusVerified}

// ParseStatus accepts the Chinese names and their English equivalents.
func ParseStatus(s string) (Status, bool) {
	switch s {
	case "未启动", "not_started", "":
		return StatusNotStarted, true
	case "推进中", "in_progress":
		return StatusInProgress, true
	case "已报完成", "待销号", "reported":
		return StatusReported, true
	case "已销号", "verified", "closed":
		return StatusVerified, true
	}
	return "", false
}

// Open reports whether work on the task is still expected from its unit.
func (s Status) Open() bool { return s == StatusNotStarted || s == StatusInProgress }

// Extension is a pending request for a later deadline (申请延期).
type Extension struct {
	Deadline Date      `json:"deadline"`
	Reason   string    `json:"reason"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	// Ref names this request (see RefOf): a card that showed it carries
	// it, so the card can act on this request and no later one.
	Ref string `json:"ref,omitempty"`
}

// Task is one item of a unit's task list (任务清单).
type Task struct {
	ID        string     `json:"id"`    // 任务编号, stable across imports
	Unit      string     `json:"unit"`  // 单位编码
	Title     string     `json:"title"` // 任务事项
	Deadline  Date       `json:"deadline"`
	Note      string     `json:"note,omitempty"` // 备注 from the task list
	Status    Status     `json:"status"`
	Progress  string     `json:"progress,omitempty"`  // the latest report's words
	Extension *Extension `json:"extension,omitempty"` // pending request, if any
	// ReportedAt is when the unit last reported the task done: how long it
	// has waited for 销号, whatever else touched it since.
	ReportedAt time.Time `json:"reported_at,omitzero"`
	// ReportedBy made that report: nobody closes a report they made.
	ReportedBy string `json:"reported_by,omitempty"`
	// ReportRef names that report (see RefOf), as Extension.Ref does.
	ReportRef string    `json:"report_ref,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

// Overdue reports whether the deadline has passed on today and the unit has
// not yet reported the task done.
func (t Task) Overdue(today Date) bool {
	return t.Status.Open() && !t.Deadline.IsZero() && today > t.Deadline
}

// Light is the derived traffic light of a task.
type Light string

const (
	Green  Light = "绿"
	Yellow Light = "黄"
	Red    Light = "红"
)

// Rank orders lights worst first: 红 0, 黄 1, 绿 2.
func (l Light) Rank() int {
	switch l {
	case Red:
		return 0
	case Yellow:
		return 1
	}
	return 2
}

// Light returns 红 when overdue, 黄 when open and due within warnDays of
// today, and 绿 otherwise (including reported and closed tasks).
func (t Task) Light(today Date, warnDays int) Light {
	switch {
	case t.Overdue(today):
		return Red
	case t.Status.Open() && !t.Deadline.IsZero() && t.Deadline <= today.AddDays(warnDays):
		return Yellow
	}
	return Green
}

// DaysOverdue returns how many calendar days past its deadline an overdue
// task is, and 0 otherwise.
func (t Task) DaysOverdue(today Date) int {
	if !t.Overdue(today) {
		return 0
	}
	return int(today - t.Deadline)
}

// Action is a change a person asks for on a task.
type Action string

const (
	ActProgress Action = "进展"    // report progress: → 推进中
	ActReport   Action = "完成"    // report done: → 已报完成
	ActVerify   Action = "销号"    // close: 已报完成 → 已销号
	ActReject   Action = "驳回"    // send back: 已报完成 → 推进中
	ActExtend   Action = "延期"    // request a later deadline
	ActApprove  Action = "同意延期"  // approve the pending request: new deadline
	ActRefuse   Action = "不同意延期" // refuse the pending request
	ActUndo     Action = "撤销"    // revert the sender's own last change
	ActImport   Action = "导入"    // created or updated by a task-list import

	// History-only entries: they record what was said, never change a task.
	ActPropose Action = "提议" // a change inferred from free text, awaiting 确认
	ActCancel  Action = "取消" // a proposal the sender cancelled
	ActDenied  Action = "拒绝" // a request refused (not allowed, wrong state)
)

// Request is one asked-for change: who, what, on which task, with what words.
type Request struct {
	Action   Action
	By       Person
	Note     string // progress words, reason for a rejection or an extension
	Deadline Date   // the requested deadline, for ActExtend
	MsgID    string // the message it came from, kept in the history
	At       time.Time
	// Ref, for a decision made on a card, names the report or extension
	// request the card showed: the decision acts on that one alone and is
	// refused (ESTALE) when another one, or none, is pending now. Empty
	// for text commands, which act on what is pending.
	Ref string
}

// RefOf names the report or extension request made by the message msgID of
// userid at at: a short hash, unique per request however fast they come
// and whatever the clock says, since a message is handled once.
func RefOf(a Action, userid, msgID string, at time.Time) string {
	h := sha256.New()
	h.Write([]byte(string(a) + "\x00" + CanonicalUserID(userid) + "\x00" + msgID + "\x00"))
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(at.UnixNano())))
	return hex.EncodeToString(h.Sum(nil)[:6])
}

// Ref names the report or extension request this history entry recorded
// (as RefOf); empty for other entries.
func (c Change) Ref() string {
	if c.Action != ActReport && c.Action != ActExtend {
		return ""
	}
	return RefOf(c.Action, c.By, c.MsgID, c.At)
}

// Change is one append-only history entry of a task: who, when, from which
// message, old → new, and the words that came with it.
type Change struct {
	Seq          uint64    `json:"seq"` // order within the task, assigned by the store
	TaskID       string    `json:"task"`
	At           time.Time `json:"at"`
	By           string    `json:"by"`
	Action       Action    `json:"action"`
	FromStatus   Status    `json:"from_status,omitempty"`
	ToStatus     Status    `json:"to_status,omitempty"`
	FromDeadline Date      `json:"from_deadline,omitempty"`
	ToDeadline   Date      `json:"to_deadline,omitempty"`
	Note         string    `json:"note,omitempty"`
	MsgID        string    `json:"msg,omitempty"`
	// Before is the task as it was, so 撤销 can restore it exactly.
	Before *Task `json:"before,omitempty"`
}

// Describe says what the change did, in the words a person reads in chat.
func (c Change) Describe() string {
	var b strings.Builder
	b.WriteString(string(c.Action))
	sep := "："
	switch {
	case c.FromStatus == "" && c.ToStatus != "":
		b.WriteString(sep + string(c.ToStatus))
		sep = "；"
	case c.FromStatus != c.ToStatus && c.ToStatus != "":
		b.WriteString(sep + string(c.FromStatus) + " → " + string(c.ToStatus))
		sep = "；"
	}
	switch {
	case c.Action == ActExtend:
		b.WriteString(sep + "申请将完成时限由 " + c.FromDeadline.String() + " 延至 " + c.ToDeadline.String() + "，待审批")
	case c.Action == ActRefuse && c.Before != nil && c.Before.Extension != nil:
		b.WriteString(sep + "申请延至 " + c.Before.Extension.Deadline.String() + " 未获同意，完成时限仍为 " + c.ToDeadline.String())
	case c.FromDeadline.IsZero() && !c.ToDeadline.IsZero():
		b.WriteString(sep + "完成时限 " + c.ToDeadline.String())
	case c.FromDeadline != c.ToDeadline && !c.ToDeadline.IsZero():
		b.WriteString(sep + "完成时限 " + c.FromDeadline.String() + " → " + c.ToDeadline.String())
	}
	if c.Note != "" {
		b.WriteString("（" + c.Note + "）")
	}
	return b.String()
}

// Apply checks that r is allowed on t of unit u and returns the task after
// it together with the history entry that records it. t is not modified.
// Undo is not handled here: see Undo.
func Apply(t Task, u Unit, r Request) (Task, Change, error) {
	if t.Unit != u.Code {
		return t, Change{}, Errorf(EINTERNAL, "task %s belongs to unit %s, not %s", t.ID, t.Unit, u.Code)
	}
	if err := allowed(t, u, r); err != nil {
		return t, Change{}, err
	}
	before := t
	next := t
	next.UpdatedAt, next.UpdatedBy = r.At, r.By.UserID
	note := strings.TrimSpace(r.Note)
	switch r.Action {
	case ActProgress:
		next.Status, next.Progress = StatusInProgress, note
	case ActReport:
		next.Status, next.ReportedAt, next.ReportedBy = StatusReported, r.At, r.By.UserID
		next.ReportRef = RefOf(ActReport, r.By.UserID, r.MsgID, r.At)
		if note != "" {
			next.Progress = note
		}
	case ActVerify:
		next.Status = StatusVerified
	case ActReject:
		next.Status = StatusInProgress
	case ActExtend:
		next.Extension = &Extension{Deadline: r.Deadline, Reason: note, By: r.By.UserID, At: r.At,
			Ref: RefOf(ActExtend, r.By.UserID, r.MsgID, r.At)}
	case ActApprove:
		next.Deadline, next.Extension = t.Extension.Deadline, nil
	case ActRefuse:
		next.Extension = nil
	}
	c := Change{
		TaskID: t.ID, At: r.At, By: r.By.UserID, Action: r.Action,
		FromStatus: t.Status, ToStatus: next.Status,
		FromDeadline: t.Deadline, ToDeadline: next.Deadline,
		Note: note, MsgID: r.MsgID, Before: &before,
	}
	if r.Action == ActExtend {
		c.ToDeadline = r.Deadline // the asked-for date, for the record; the deadline itself is unchanged
	}
	return next, c, nil
}

// Allowed reports whether r may be applied to t of unit u, as Apply would,
// without applying it: nil, or the refusal Apply would return.
func Allowed(t Task, u Unit, r Request) error { return allowed(t, u, r) }

// allowed holds the permission table and the life-cycle rules. The order
// of the checks decides which refusal a person reads: rights first, then
// whether a card is out of date, then separation of duties, then state.
func allowed(t Task, u Unit, r Request) error {
	who := r.By
	switch r.Action {
	case ActProgress, ActReport, ActExtend:
		if !who.CanReport(u) {
			return Errorf(EFORBIDDEN, "任务 %s 属于%s，您不是该单位的一把手或联络员，不能报送。", t.ID, u.Name)
		}
	case ActVerify, ActReject, ActApprove, ActRefuse:
		if !who.CanSupervise(u) {
			return Errorf(EFORBIDDEN, "任务 %s 属于%s（%s），只有该组督办组长或编办可以%s。", t.ID, u.Name, u.Group, r.Action)
		}
		if err := stale(t, r); err != nil {
			return err
		}
		if err := ownRequest(t, u, r); err != nil {
			return err
		}
	default:
		return Errorf(EINVALID, "不支持的操作：%s", r.Action)
	}
	switch r.Action {
	case ActProgress, ActReport:
		if !t.Status.Open() {
			return Errorf(ECONFLICT, "任务 %s 当前为「%s」，不能再报%s。", t.ID, t.Status, r.Action) // 报完成, 报进展
		}
		if r.Action == ActProgress && strings.TrimSpace(r.Note) == "" {
			return Errorf(EINVALID, "请写明进展情况，例如：进展 %s 方案已起草。", t.ID)
		}
	case ActVerify, ActReject:
		if t.Status != StatusReported {
			return Errorf(ECONFLICT, "任务 %s 当前为「%s」，只有「已报完成」的任务可以%s。", t.ID, t.Status, r.Action)
		}
		if r.Action == ActReject && strings.TrimSpace(r.Note) == "" {
			return Errorf(EINVALID, "驳回须写明理由，例如：驳回 %s 方案未附编办审核意见。", t.ID)
		}
	case ActExtend:
		if t.Status == StatusVerified {
			return Errorf(ECONFLICT, "任务 %s 已销号，无需延期。", t.ID)
		}
		if t.Extension != nil {
			return Errorf(ECONFLICT, "任务 %s 已有待审批的延期申请（至 %s），请等待督办组答复。", t.ID, t.Extension.Deadline)
		}
		if r.Deadline <= t.Deadline {
			return Errorf(EINVALID, "申请的新时限 %s 须晚于现时限 %s。", r.Deadline, t.Deadline)
		}
		if strings.TrimSpace(r.Note) == "" {
			return Errorf(EINVALID, "申请延期须写明理由，例如：延期 %s %s 待市编委会审议。", t.ID, r.Deadline)
		}
	case ActApprove, ActRefuse:
		if t.Extension == nil {
			return Errorf(ECONFLICT, "任务 %s 没有待审批的延期申请。", t.ID)
		}
		if r.Action == ActRefuse && strings.TrimSpace(r.Note) == "" {
			return Errorf(EINVALID, "不同意延期须写明理由。")
		}
	}
	return nil
}

// PendingRef returns the ref of what a decision a would act on now: the
// report awaiting 销号 (verify, reject) or the extension request awaiting
// approval (approve, refuse); "" when there is none.
func (t Task) PendingRef(a Action) string {
	switch a {
	case ActVerify, ActReject:
		if t.Status == StatusReported {
			return t.ReportRef
		}
	case ActApprove, ActRefuse:
		if t.Extension != nil {
			return t.Extension.Ref
		}
	}
	return ""
}

// stale refuses a decision made on a card when the report or request the
// card showed is no longer the one pending.
func stale(t Task, r Request) error {
	if r.Ref == "" || t.PendingRef(r.Action) == r.Ref {
		return nil
	}
	switch r.Action {
	case ActVerify, ActReject:
		if t.Status == StatusReported {
			return Errorf(ESTALE, "该卡片已过期：卡片上的报送已不是待销号的报送（当前：任务 %s 有一份新的报送待销号）。未做任何变更。", t.ID)
		}
		return Errorf(ESTALE, "该卡片已过期：卡片上的报送已处理（当前：任务 %s 为「%s」）。未做任何变更。", t.ID, t.Status)
	default:
		if t.Extension != nil {
			return Errorf(ESTALE, "该卡片已过期：卡片上的延期申请已处理（当前：任务 %s 待审批的是延至 %s 的新申请）。未做任何变更。", t.ID, t.Extension.Deadline)
		}
		return Errorf(ESTALE, "该卡片已过期：卡片上的延期申请已处理（当前：任务 %s 没有待审批的延期申请，完成时限 %s）。未做任何变更。", t.ID, t.Deadline)
	}
}

// ownRequest keeps anyone, whatever posts they hold, from closing a report
// they made or deciding an extension they asked for (separation of duties).
func ownRequest(t Task, u Unit, r Request) error {
	me := CanonicalUserID(r.By.UserID)
	switch r.Action {
	case ActVerify, ActReject:
		if t.Status == StatusReported && t.ReportedBy != "" && CanonicalUserID(t.ReportedBy) == me {
			return Errorf(EFORBIDDEN, "任务 %s 是您本人报完成的，不能由本人%s。请由%s办理。", t.ID, r.Action, DecidersBesides(r.By, u))
		}
	case ActApprove, ActRefuse:
		if t.Extension != nil && CanonicalUserID(t.Extension.By) == me {
			return Errorf(EFORBIDDEN, "任务 %s 的延期申请是您本人提出的，不能由本人审批。请由%s办理。", t.ID, DecidersBesides(r.By, u))
		}
	}
	return nil
}

// DecidersBesides names, in words, who decides on unit u's tasks when p
// (who made the request) may not: 编办 when p leads u's group, the group's
// leader otherwise.
func DecidersBesides(p Person, u Unit) string {
	if p.Has(RoleLeader, u.Group) {
		return "编办"
	}
	return u.Group + "督办组长"
}

// Undo reverts last, the most recent change of the task, when it was made by
// the requester within window before r.At. It returns the restored task and
// the history entry recording the undo.
func Undo(t Task, last Change, r Request, window time.Duration) (Task, Change, error) {
	if last.Action == ActUndo && last.By == r.By.UserID {
		return t, Change{}, Errorf(ECONFLICT, "您最近一次变更是撤销任务 %s 的%s，撤销不能再撤销；如需恢复，请重新发送原来的命令。", t.ID, strings.TrimPrefix(last.Note, "撤销"))
	}
	if last.By != r.By.UserID || last.Before == nil || last.Action == ActUndo || last.Action == ActImport {
		return t, Change{}, Errorf(ECONFLICT, "任务 %s 的最近一次变更不是您做的，无法撤销。", t.ID)
	}
	if r.At.Sub(last.At) > window {
		return t, Change{}, Errorf(ECONFLICT, "最近一次变更（%s）已超过 %s 的撤销时限，请联系编办。", last.At.Format("01-02 15:04"), durationText(window))
	}
	restored := *last.Before
	restored.UpdatedAt, restored.UpdatedBy = r.At, r.By.UserID
	c := Change{
		TaskID: t.ID, At: r.At, By: r.By.UserID, Action: ActUndo,
		FromStatus: t.Status, ToStatus: restored.Status,
		FromDeadline: t.Deadline, ToDeadline: restored.Deadline,
		Note: "撤销「" + string(last.Action) + "」", MsgID: r.MsgID, Before: &t,
	}
	return restored, c, nil
}

// durationText says d as people read it: 30分钟, 2小时 (not Go's 30m0s).
func durationText(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return fmt.Sprintf("%d小时", d/time.Hour)
	}
	return fmt.Sprintf("%d分钟", max(d/time.Minute, 1))
}

// CanonicalID normalises a task id as people type it: trimmed, full-width
// folded, ASCII upper-cased, so "ｔ012" and "t012" name task T012.
func CanonicalID(id string) string {
	return strings.ToUpper(strings.TrimSpace(FoldWidth(id)))
}

// CanonicalUserID normalises a WeCom userid, which WeCom compares without case.
func CanonicalUserID(id string) string {
	return strings.ToLower(strings.TrimSpace(id))
}
