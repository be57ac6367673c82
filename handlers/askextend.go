package handlers

import (
	"context"
	"strings"

	"github.com/duban-org/duban"
)

// A question about extending one of the sender's tasks (S02能不能延期到明年3月,
// S02可以申请延期吗, 能否把S02推迟到2月20日) never files a request: with a date
// and a reason it is asked back, otherwise the reply says how to ask and who
// decides.

// modals are the words that make a request a question about it (能不能延期).
var modals = []string{"是否可以", "可不可以", "能不能", "能否", "可否", "可以", "能"}

// asStatement is a question with its asking words taken off: the modal
// before the verb or 把 (能不能延期 → 延期), the tag that asks for assent at
// the end (可以吧, 行吗) and the closing particle.
func asStatement(s string) string {
	s = strings.TrimRight(s, "?？。.！! ")
	for _, tag := range askingTags {
		if cut, ok := strings.CutSuffix(s, tag); ok {
			s = cut
			break
		}
	}
	s = strings.TrimRight(strings.TrimRight(s, "吗呢吧么嘛"), "，,、 ")
	for _, m := range modals {
		for i := 0; ; {
			j := strings.Index(s[i:], m)
			if j < 0 {
				break
			}
			at := i + j
			after := strings.TrimPrefix(strings.TrimLeft(s[at+len(m):], " "), "再") // 能不能再延期
			if _, _, ok := splitVerb(strings.TrimPrefix(after, "申请")); ok || strings.HasPrefix(after, "把") || strings.HasPrefix(after, "将") {
				s = s[:at] + after
				continue
			}
			i = at + len(m)
		}
	}
	return s
}

// answerExtendQuestion answers a question asking to extend a task the
// sender may extend; ok is false when the question is not one.
func (h *Handler) answerExtendQuestion(ctx context.Context, t *turn, text string) (bool, error) {
	c := parseCommand(asStatement(normalise(text)), t.today)
	if c.Verb != VerbExtend || c.Task == "" || len(c.More) > 0 || c.Err != "" {
		return false, nil
	}
	task, err := h.resolve(ctx, t.person, c.Task)
	if err != nil || task.Status == duban.StatusVerified {
		return false, nil
	}
	unit, err := h.Store.Unit(ctx, task.Unit)
	if err != nil {
		return false, err
	}
	if !t.person.CanReport(unit) {
		return false, nil
	}
	deadline := c.Deadline
	if c.Shift != (shift{}) {
		deadline = c.Shift.from(task.Deadline, h.WorkdaysBetween)
	}
	reason := statedPart(c.Rest)
	if isQuestion(reason) {
		return false, nil // 延期 S02 需要什么材料: a question about something else
	}
	if c.Need == "" && reason != "" && h.checkNote(reason) == nil && deadline > task.Deadline {
		r := duban.Request{Action: duban.ActExtend, By: t.person, At: t.now, MsgID: t.in.Key, Note: reason, Deadline: deadline}
		if _, _, err := duban.Apply(task, unit, r); err == nil {
			return true, h.proposeAsked(ctx, t, task, unit, r)
		}
	}
	leaders, err := h.leadersOf(ctx, unit)
	if err != nil {
		return false, err
	}
	date, sample := "新时限", example(VerbExtend, task)
	if deadline > task.Deadline && deadline >= t.today {
		date = deadline.String()
		sample = "延期 " + task.ID + " " + date + " 待市编委会审议"
	}
	t.reply("任务 " + task.ID + "「" + task.Title + "」现时限 " + task.Deadline.String() + "。如需延期，请发送：延期 " + task.ID + " " + date +
		" 理由，例如：" + sample + "。\n申请由督办组长 " + strings.Join(leaders, "、") + " 审批，批准前时限不变。")
	return true, nil
}

// leadersOf names the leaders of a unit's 督办组, （未登记） when none is.
func (h *Handler) leadersOf(ctx context.Context, unit duban.Unit) ([]string, error) {
	people, err := h.Store.PeopleConcerned(ctx, unit)
	if err != nil {
		return nil, err
	}
	var leaders []string
	for _, p := range people {
		if p.Has(duban.RoleLeader, unit.Group) {
			leaders = append(leaders, p.Name)
		}
	}
	if len(leaders) == 0 {
		leaders = []string{"（未登记）"}
	}
	return leaders, nil
}
