package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// Follow-ups: when the bot asks the sender for something — after the 申请延期
// button (a date and a reason), the 不同意 or 驳回 button (a reason), or a
// command that lacks them (驳回 T003, 延期 T004) — it remembers the question
// for that sender (in the store, for FollowupWindow) and reads the sender's
// next message as the answer. 取消 drops it; a clear new command replaces it.

const defaultFollowupWindow = 30 * time.Minute

// followupKeep is how long a question is kept past its window, so that an
// answer sent after it is told the question expired (expiredFollowup).
const followupKeep = 24 * time.Hour

func (h *Handler) followupWindow() time.Duration {
	if h.FollowupWindow > 0 {
		return h.FollowupWindow
	}
	return defaultFollowupWindow
}

// askFor checks that the sender may take action a on task at all, then
// remembers what is missing and asks for it. A request they could never
// make is refused at once instead of asking for words it would not use.
func (h *Handler) askFor(ctx context.Context, t *turn, task duban.Task, f store.Followup) error {
	unit, err := h.Store.Unit(ctx, task.Unit)
	if err != nil {
		return err
	}
	probe := duban.Request{Action: f.Action, By: t.person, At: t.now, Note: "理由", Deadline: task.Deadline.AddDays(3650), Ref: f.Ref}
	if _, _, err := duban.Apply(task, unit, probe); err != nil && duban.ErrorCode(err) != duban.EINVALID {
		h.recordRefusal(ctx, t, task, f.Action, err)
		return err
	}
	f.TaskID, f.MsgKey, f.At = task.ID, t.in.Key, t.now
	if err := h.Store.SetFollowup(ctx, t.person.UserID, f, h.followupWindow()+followupKeep); err != nil {
		return err
	}
	t.reply(followupPrompt(task, f, t.today) + "（回复「取消」放弃）")
	return nil
}

// followupPrompt says what the bot waits for, with an example answer (an
// example date two weeks past the deadline, or past today when the
// deadline is already behind).
func followupPrompt(task duban.Task, f store.Followup, today duban.Date) string {
	subject := fmt.Sprintf("任务 %s「%s」", task.ID, task.Title)
	later := max(task.Deadline, today).AddDays(14)
	switch {
	case f.Action == duban.ActExtend && f.Deadline.IsZero() && f.Note != "":
		return fmt.Sprintf("%s申请延期（理由：%s）：请回复新的完成时限（现时限 %s），例如：%s",
			subject, f.Note, task.Deadline, later)
	case f.Action == duban.ActExtend && f.Deadline.IsZero():
		return fmt.Sprintf("%s申请延期：请回复新的完成时限和理由（现时限 %s），例如：%s 待市编委会审议",
			subject, task.Deadline, later)
	case f.Action == duban.ActExtend:
		return fmt.Sprintf("%s申请延至 %s：请回复延期理由，例如：待市编委会审议", subject, f.Deadline)
	case f.Action == duban.ActReject:
		return fmt.Sprintf("驳回%s：请回复驳回理由，例如：未附党组会纪要", subject)
	case f.Action == duban.ActRefuse:
		return fmt.Sprintf("不同意%s的延期申请：请回复理由，例如：时限不变，请按期完成", subject)
	case f.Action == duban.ActProgress:
		return fmt.Sprintf("%s的进展：请回复进展情况，例如：方案已起草，正在征求意见", subject)
	}
	return subject + "：请回复说明"
}

// pendingFollowup returns the sender's open question, if one is waiting
// and still within the window at this turn's clock.
func (h *Handler) pendingFollowup(ctx context.Context, t *turn) (store.Followup, bool, error) {
	if !t.known {
		return store.Followup{}, false, nil
	}
	f, err := h.Store.Followup(ctx, t.person.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return f, false, nil
	}
	if err != nil {
		return f, false, err
	}
	if t.now.Sub(f.At) > h.followupWindow() || t.now.Before(f.At.Add(-time.Minute)) {
		return f, false, nil
	}
	return f, true, nil
}

// answerFollowup reads text as the answer to f and applies the request it
// completes. A date that cannot be used keeps the question open; anything
// else (done or refused) closes it.
func (h *Handler) answerFollowup(ctx context.Context, t *turn, f store.Followup, text string) error {
	task, err := h.Store.Task(ctx, f.TaskID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return h.Store.DropFollowup(ctx, t.person.UserID)
		}
		return err
	}
	s := normalise(text)
	r := duban.Request{Action: f.Action, Deadline: f.Deadline, Note: f.Note, Ref: f.Ref}
	if f.Action == duban.ActExtend {
		// A date alone answering the question for a reason changes the
		// date (延期 T004 一个月, then 2027-01-20): it is no reason. A
		// reason may start with a date (3月份编委会才开会).
		_, after, dateOnly, _ := readDate(trimDateLead(s), t.today)
		dateOnly = dateOnly && isBlank(trimReason(afterDate(after)))
		if r.Deadline.IsZero() || dateOnly {
			d, rest, ok, err := readDate(trimDateLead(s), t.today)
			if !ok {
				if sh, after, isShift := readShift(trimDateLead(s)); isShift {
					d, rest, ok = sh.from(task.Deadline, h.WorkdaysBetween), after, true
				}
			}
			if !ok {
				d, rest, ok, err = findDate(s, t.today)
			}
			switch {
			case err != nil:
				t.reply(duban.ErrorMessage(err) + "请重新回复新的完成时限和理由。")
				return nil
			case !ok:
				if !isBlank(s) {
					f.Note = trimReason(s)
					if err := h.Store.SetFollowup(ctx, t.person.UserID, f, h.followupWindow()+followupKeep); err != nil {
						return err
					}
				}
				t.reply("没看懂这条消息：没有找到日期。" + followupPrompt(task, f, t.today) + "（回复「取消」放弃）")
				return nil
			}
			r.Deadline, s = d, afterDate(rest)
			if err := deadlineProblem(task, d, t.today); err != nil {
				// 延期到下周五 before the current deadline: say so now, not
				// after the reason, and ask for another date.
				if reason := trimReason(s); !isBlank(reason) {
					f.Note = reason
				}
				if err := h.Store.SetFollowup(ctx, t.person.UserID, f, h.followupWindow()+followupKeep); err != nil {
					return err
				}
				t.reply(refusal(err) + followupPrompt(task, f, t.today) + "（回复「取消」放弃）")
				return nil
			}
		}
		if reason := trimReason(s); !isBlank(reason) {
			r.Note = reason
		}
		if isBlank(r.Note) {
			f.Deadline = r.Deadline
			if err := h.Store.SetFollowup(ctx, t.person.UserID, f, h.followupWindow()+followupKeep); err != nil {
				return err
			}
			t.reply(followupPrompt(task, f, t.today) + "（回复「取消」放弃）")
			return nil
		}
	} else {
		r.Note = trimLead(s)
		if isBlank(r.Note) {
			t.reply(followupPrompt(task, f, t.today) + "（回复「取消」放弃）")
			return nil
		}
	}
	err = h.apply(ctx, t, task.ID, r)
	if duban.ErrorCode(err) == duban.EINVALID && f.Action == duban.ActExtend {
		return err // a date the rules refuse: the question stays open
	}
	if duban.ErrorCode(err) == duban.EINTERNAL {
		return err
	}
	if derr := h.Store.DropFollowup(ctx, t.person.UserID); derr != nil {
		return derr
	}
	return err
}

// cancelFollowup drops the open question on 取消.
func (h *Handler) cancelFollowup(ctx context.Context, t *turn, f store.Followup) error {
	if err := h.Store.DropFollowup(ctx, t.person.UserID); err != nil {
		return err
	}
	t.reply(fmt.Sprintf("已取消（%s %s），未做任何变更。", f.Action, f.TaskID))
	return nil
}

// clickAsks answers the card buttons that need words before they act: the
// 申请延期 button of a reminder, 驳回 and 不同意 of a leader's card.
func (h *Handler) clickAsks(ctx context.Context, t *turn, a duban.Action, taskID string) error {
	task, err := h.Store.Task(ctx, taskID)
	if errors.Is(err, store.ErrNotFound) {
		return duban.Errorf(duban.ENOTFOUND, "没有找到任务 %s。", taskID)
	}
	if err != nil {
		return err
	}
	return h.askFor(ctx, t, task, store.Followup{Action: a})
}

// isBareID reports whether c's message is its task id alone (punctuation
// aside).
func isBareID(c Command) bool {
	words := strings.TrimFunc(c.Rest, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return strings.EqualFold(words, c.Task)
}

// incomplete answers a recognised command that lacks a part: without a task
// it is a miss; without a date, reason or note the bot asks for it and reads
// the next message as the answer.
func (h *Handler) incomplete(ctx context.Context, t *turn, c Command) error {
	if c.Need == NeedVerb && isBareID(c) {
		// T003 alone: the sender's own task is shown as 记录 T003 shows it.
		want := looseID(c.Task)
		found, err := h.visibleMatching(ctx, t.person, func(task *duban.Task) bool {
			return looseID(task.ID) == want || strings.EqualFold(task.ID, c.Task)
		})
		if err != nil {
			return err
		}
		same := sameID(found, c.Task) // T003, t003, T3
		for _, task := range found {
			if strings.EqualFold(task.ID, c.Task) { // 任务三
				same = []duban.Task{task}
			}
		}
		if len(same) == 1 {
			return h.command(ctx, t, Command{Verb: VerbRecord, Task: same[0].ID})
		}
	}
	if c.Need == NeedVerb {
		if g, ok := statedProgress(c, c.Rest); ok {
			return h.proposeGuess(ctx, t, g) // S02 已经开始了，正在拟定方案
		}
	}
	if c.Need == NeedTask || c.Need == NeedVerb {
		t.reply(h.needReply(ctx, t, c))
		return nil
	}
	task, err := h.resolve(ctx, t.person, c.Task)
	if err != nil {
		return err
	}
	f := store.Followup{Action: actionOf(c.Verb), Deadline: c.Deadline}
	if c.Shift != (shift{}) {
		f.Deadline = c.Shift.from(task.Deadline, h.WorkdaysBetween)
	}
	noCalendar := c.Shift.workdays > 0 && f.Deadline.IsZero()
	if c.Verb == VerbExtend && !isBlank(c.Rest) {
		f.Note = c.Rest
	}
	if f.Action == duban.ActExtend && !f.Deadline.IsZero() {
		if err := deadlineProblem(task, f.Deadline, t.today); err != nil {
			// 延期 T004 下周五 before the current deadline: refused before
			// the reason is asked for; the question asks for another date.
			f.Deadline = 0
			if aerr := h.askFor(ctx, t, task, f); aerr != nil {
				return aerr
			}
			t.out[len(t.out)-1].Text = refusal(err) + t.out[len(t.out)-1].Text
			return nil
		}
	}
	if err := h.askFor(ctx, t, task, f); err != nil || !noCalendar {
		return err
	}
	// Without a working-day calendar the bot cannot count them, and says so.
	t.out[len(t.out)-1].Text = "没有配置工作日日历，无法按工作日推算新时限。" + t.out[len(t.out)-1].Text
	return nil
}

// deadlineProblem says why d cannot be a task's requested new deadline: it
// is past, or not after the current deadline. The domain refuses both too;
// the conversation says so before asking for a reason it would not use.
func deadlineProblem(task duban.Task, d, today duban.Date) error {
	switch {
	case d < today:
		return duban.Errorf(duban.EINVALID, "申请的新时限 %s 已经过去（今天是 %s），须晚于现时限 %s。", d, today, task.Deadline)
	case d <= task.Deadline:
		return duban.Errorf(duban.EINVALID, "申请的新时限 %s 须晚于现时限 %s。", d, task.Deadline)
	}
	return nil
}

// expiredFollowup answers a message that reads as the answer to a question
// the bot asked more than followupWindow ago (延期 S02, then 2月20日 an hour
// later): the question expired, nothing changed, and the whole command to
// send is given. It reports whether it answered; the question is then
// dropped, so this is said once.
func (h *Handler) expiredFollowup(ctx context.Context, t *turn, text string) (bool, error) {
	f, pending, err := h.pendingFollowup(ctx, t)
	if err != nil || pending || f.TaskID == "" || f.Action == actAttach || t.now.Sub(f.At) > h.followupWindow()+followupKeep {
		return false, err
	}
	s := normalise(text)
	verb := map[duban.Action]string{duban.ActExtend: "延期", duban.ActReject: "驳回", duban.ActRefuse: "不同意延期", duban.ActProgress: "进展"}[f.Action]
	if verb == "" {
		return false, nil
	}
	if f.Action == duban.ActExtend && f.Deadline.IsZero() {
		_, _, dated, _ := findDate(s, t.today)
		if _, _, shifted := readShift(trimDateLead(s)); !dated && !shifted {
			return false, nil // the answer to 延期 S02 holds a date
		}
	}
	task, err := h.Store.Task(ctx, f.TaskID)
	if err != nil {
		return false, nil
	}
	cmd := verb + " " + task.ID + " "
	if !f.Deadline.IsZero() {
		cmd += f.Deadline.String() + " "
	}
	cmd += s
	if f.Note != "" {
		cmd += " " + f.Note
	}
	if err := h.Store.DropFollowup(ctx, t.person.UserID); err != nil {
		return false, err
	}
	at := f.At.In(t.now.Location())
	when := at.Format("15:04")
	if duban.DateOf(at) != t.today {
		when = fmt.Sprintf("%d月%d日 %s", at.Month(), at.Day(), when)
	}
	t.reply(fmt.Sprintf("我 %s 就任务 %s「%s」问您的问题已超过 %s，已失效，这条回复未做任何变更。如仍要办理，请发送：%s",
		when, task.ID, task.Title, durationWords(h.followupWindow()), cmd))
	return true, nil
}
