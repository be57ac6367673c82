package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// A miss is never a quote: a message the bot cannot act on is answered
// with what was missing and a command that would work, built from the
// sender's own tasks.

// miss answers a message the bot cannot act on: what was wrong, and a
// command that would work, built from the sender's own open tasks.
func (h *Handler) miss(ctx context.Context, t *turn, why string) string {
	if !t.known {
		return notRegistered(t.in.From)
	}
	ex := h.examples(ctx, t, 2)
	s := "没看懂这条消息"
	if why != "" {
		s += "：" + why
	} else {
		s += "。"
	}
	if len(ex) > 0 {
		s += "\n可以这样说：" + strings.Join(ex, "\n")
	}
	return s + "\n发送「帮助」查看全部用法；咨询政策请直接提问，如：每个科室最少要有几个人？"
}

// examples are commands the sender could send now, on their own tasks.
func (h *Handler) examples(ctx context.Context, t *turn, n int) []string {
	var out []string
	if task := h.exampleTask(ctx, t, duban.ActReport); task.ID != "" {
		out = append(out, example(VerbReport, task), example(VerbProgress, task), example(VerbExtend, task))
	}
	if task := h.exampleTask(ctx, t, duban.ActVerify); task.ID != "" {
		out = append(out, example(VerbVerify, task), example(VerbReject, task))
	}
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// exampleTask is one of the sender's tasks on which action a would be
// allowed now (the zero Task when there is none): examples are built from
// the sender's own list, never another unit's. The list is walked only as
// far as the first such task: 编办's is the whole ledger.
func (h *Handler) exampleTask(ctx context.Context, t *turn, a duban.Action) duban.Task {
	want := func(task duban.Task) bool { return task.Status.Open() }
	switch a {
	case duban.ActVerify, duban.ActReject:
		want = func(task duban.Task) bool { return task.Status == duban.StatusReported }
	case duban.ActApprove, duban.ActRefuse:
		want = func(task duban.Task) bool { return task.Extension != nil }
	}
	var found, unverified, first duban.Task // failing one that is wanted, one not closed, or any
	look := func(task duban.Task) error {
		switch {
		case want(task):
			found = task
			return errFound
		case unverified.ID == "" && task.Status != duban.StatusVerified:
			unverified = task
		case first.ID == "":
			first = task
		}
		return nil
	}
	var err error
	supervise := a == duban.ActVerify || a == duban.ActReject || a == duban.ActApprove || a == duban.ActRefuse
	switch {
	case supervise && len(t.person.Groups()) > 0:
		for _, g := range t.person.Groups() {
			if err = h.Store.EachTask(ctx, store.TaskFilter{Group: g}, look); err != nil {
				break
			}
		}
	case supervise && !t.person.IsAdmin(), !supervise && len(t.person.Units()) == 0 && !t.person.IsAdmin():
		return duban.Task{}
	case len(t.person.Units()) > 0:
		var tasks []duban.Task
		tasks, err = h.reportable(ctx, t.person)
		for _, task := range tasks {
			if err = look(task); err != nil {
				break
			}
		}
	default:
		err = h.Store.EachTask(ctx, store.TaskFilter{}, look)
	}
	switch {
	case errors.Is(err, errFound):
		if found.Deadline < t.today {
			found.Deadline = t.today // an example extension must lie ahead
		}
		return found
	case err != nil:
		return duban.Task{}
	case unverified.ID != "":
		return unverified
	}
	return first
}

// errFound stops a walk of tasks at the one sought.
var errFound = errors.New("found")

// needReply words what a recognised command lacks, with an example on the
// sender's own tasks.
func (h *Handler) needReply(ctx context.Context, t *turn, c Command) string {
	switch c.Need {
	case NeedTask:
		task := h.exampleTask(ctx, t, actionOf(c.Verb))
		return h.miss(ctx, t, fmt.Sprintf("「%s」后面要写任务编号（或任务名称中的词）。例如：%s", c.Verb, example(c.Verb, task)))
	case NeedVerb:
		task, err := h.resolve(ctx, t.person, c.Task)
		if err != nil { // 2027年完成改革: not a task id after all
			if named, ok := h.namedTask(ctx, t, c.Rest); ok && isTaskID(named.ID) && containsID(strings.ToUpper(c.Rest), strings.ToUpper(named.ID)) {
				return h.miss(ctx, t, h.whatToDo(ctx, t, named)) // 12月25日前S02能完成: S02 is named after the date
			}
			return h.miss(ctx, t, whyMissed(c.Rest))
		}
		return h.miss(ctx, t, h.whatToDo(ctx, t, task))
	}
	return h.miss(ctx, t, "")
}

// whatToDo says a task was named without what to do with it, with an
// example of what the sender may do: report on their own unit's task,
// decide on a task they supervise.
func (h *Handler) whatToDo(ctx context.Context, t *turn, task duban.Task) string {
	unit, err := h.Store.Unit(ctx, task.Unit)
	if err != nil || t.person.CanReport(unit) {
		return fmt.Sprintf("写了任务 %s，但没写要做什么（完成、进展、延期……）。例如：%s", task.ID, example(VerbReport, task))
	}
	eg := "记录 " + task.ID
	switch {
	case task.Status == duban.StatusReported:
		eg = "销号 " + task.ID + "，或 " + example(VerbReject, task)
	case task.Extension != nil:
		eg = "同意延期 " + task.ID + "，或 " + example(VerbRefuse, task)
	}
	return fmt.Sprintf("写了任务 %s，但没写要做什么（销号、驳回、同意延期……）。例如：%s", task.ID, eg)
}

// replyError words an error for the sender: a task it could not find is a
// miss (with examples of the sender's own); any other refusal reads
// 未执行：….
func (h *Handler) replyError(ctx context.Context, t *turn, err error) string {
	if duban.ErrorCode(err) == duban.ENOTFOUND && t.known {
		return h.miss(ctx, t, duban.ErrorMessage(err))
	}
	return refusal(err)
}

// refusal words an error for the sender as "未执行：…", so a refusal never
// reads like a decision.
func refusal(err error) string {
	msg := duban.ErrorMessage(err)
	if strings.HasPrefix(msg, "没看懂") || strings.HasPrefix(msg, "未执行") {
		return msg
	}
	return "未执行：" + msg
}

// whyMissed says what the grammar found missing in a message it could not
// read.
func whyMissed(s string) string {
	switch n := utf8.RuneCountInString(s); {
	case isBlank(s):
		return "消息里没有文字。"
	case n > 200:
		return fmt.Sprintf("消息太长（%d 字），没有找到要办的事。报送请一条消息说一件事。", n)
	}
	return "没有找到要办的事（如「完成」「进展」「延期」）和任务编号。"
}
