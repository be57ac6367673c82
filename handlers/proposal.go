package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// interpret asks the LLM what free text means. It returns done=false when
// the text should be treated as a policy question instead.
func (h *Handler) interpret(ctx context.Context, t *turn, text string) (bool, error) {
	mine, err := h.reportable(ctx, t.person)
	if err != nil {
		return false, err
	}
	intent, err := h.Interpreter.Interpret(ctx, InterpretInput{Person: t.person, Tasks: mine, Today: t.today, Text: text})
	if err != nil {
		h.log().Warn("LLM could not interpret a message; falling back to the grammar", "from", t.in.From, "err", err)
		return true, h.notUnderstood(ctx, t, text, mine, errors.Is(err, ErrInterpreterUnavailable))
	}
	var r duban.Request
	switch intent.Kind {
	case IntentList:
		return true, h.listTasks(ctx, t, "")
	case IntentAsk:
		q := intent.Question
		if q == "" {
			q = text
		}
		return true, h.ask(ctx, t, q, false)
	case IntentReport:
		r = duban.Request{Action: duban.ActReport, Note: intent.Note}
	case IntentProgress:
		r = duban.Request{Action: duban.ActProgress, Note: intent.Note}
	case IntentExtend:
		r = duban.Request{Action: duban.ActExtend, Note: intent.Note, Deadline: intent.Deadline}
	default:
		return false, nil
	}
	return true, h.propose(ctx, t, intent.TaskID, r)
}

// ErrInterpreterUnavailable is wrapped by an Interpreter whose model could
// not be reached (timeout, HTTP error, paused after failures), as opposed to
// one that answered with something unusable.
var ErrInterpreterUnavailable = errors.New("interpreter unavailable")

// notUnderstood tells the sender the free text was not understood, and
// how to say it as a command with one of their own tasks; the documents'
// answer follows when they cover the text, since it may be a question.
func (h *Handler) notUnderstood(ctx context.Context, t *turn, text string, mine []duban.Task, unavailable bool) error {
	id := "T012"
	if len(mine) > 0 {
		id = mine[0].ID
	}
	head := "未能理解这句话。"
	if unavailable {
		head = "智能理解暂不可用，"
	}
	t.reply(fmt.Sprintf("%s请用命令：完成 %s 说明｜进展 %s 说明｜延期 %s %s 理由。发送「帮助」查看全部用法。",
		head, id, id, id, t.today.AddDays(14)))
	if h.Policy == nil {
		return nil
	}
	answer, declined, err := h.Policy.AnswerText(ctx, text)
	if err != nil || declined {
		return err
	}
	t.reply(answer)
	return nil
}

// reportable returns the open tasks the person may report on: the only
// tasks the LLM is shown.
func (h *Handler) reportable(ctx context.Context, p duban.Person) ([]duban.Task, error) {
	var out []duban.Task
	for _, code := range p.Units() {
		ts, err := h.Store.Tasks(ctx, store.TaskFilter{Unit: code})
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if t.Status != duban.StatusVerified {
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// propose checks an inferred change against the sender's rights and the
// task's state without applying it, then asks the sender to confirm.
func (h *Handler) propose(ctx context.Context, t *turn, taskID string, r duban.Request) error {
	task, err := h.Store.Task(ctx, taskID)
	if errors.Is(err, store.ErrNotFound) {
		return duban.Errorf(duban.ENOTFOUND, "没有找到任务 %s，未做任何变更。", taskID)
	}
	if err != nil {
		return err
	}
	unit, err := h.Store.Unit(ctx, task.Unit)
	if err != nil {
		return err
	}
	r.By, r.At, r.MsgID = t.person, t.now, t.in.Key
	if _, _, err := duban.Apply(task, unit, r); err != nil {
		h.recordRefusal(ctx, t, task, r.Action, err)
		return duban.Errorf(duban.ErrorCode(err), "%s 未做任何变更。", duban.ErrorMessage(err))
	}
	what := describeRequest(task, unit, r)
	p := store.Proposal{
		ID: shortHash(t.in.Key), TaskID: task.ID, Action: r.Action, Note: r.Note, Deadline: r.Deadline,
		MsgKey: t.in.Key, Text: what, At: t.now,
	}
	entry := duban.Change{TaskID: task.ID, At: t.now, By: t.person.UserID, Action: duban.ActPropose, Note: what, MsgID: t.in.Key}
	if err := h.Store.Propose(ctx, t.person.UserID, p, entry); err != nil {
		return err
	}
	t.send(duban.Outgoing{To: t.in.From, Text: "我理解为：" + what + "\n回复「确认」执行，回复「取消」放弃。",
		Card: &duban.Card{
			ID: "confirm-" + p.ID, Title: "请确认", Desc: what,
			Buttons: []duban.Button{{Text: "确认", Key: "confirm:" + p.ID, Primary: true}, {Text: "取消", Key: "cancel:" + p.ID}},
		}})
	return nil
}

func describeRequest(t duban.Task, u duban.Unit, r duban.Request) string {
	s := fmt.Sprintf("%s %s「%s」（%s）", r.Action, t.ID, t.Title, u.Name)
	switch r.Action {
	case duban.ActReport:
		s += "：" + string(t.Status) + " → " + string(duban.StatusReported)
	case duban.ActProgress:
		s += "：" + string(t.Status) + " → " + string(duban.StatusInProgress)
	case duban.ActExtend:
		s += "：完成时限 " + t.Deadline.String() + " → " + r.Deadline.String() + "（待督办组审批）"
	}
	if n := strings.TrimSpace(r.Note); n != "" {
		s += "，说明：" + n
	}
	return s
}

// confirm applies the sender's pending proposal. id, from a card button,
// must match it; from text ("确认") any pending proposal is meant. It
// reports whether a proposal was acted on.
func (h *Handler) confirm(ctx context.Context, t *turn, id string) (bool, error) {
	p, err := h.Store.Proposal(ctx, t.person.UserID)
	if errors.Is(err, store.ErrNotFound) || err == nil && id != "" && p.ID != id {
		t.reply("没有待确认的变更（可能已确认、已取消或已过期）。")
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r := duban.Request{Action: p.Action, Note: p.Note, Deadline: p.Deadline}
	if err := h.change(ctx, t, p.TaskID, r); err != nil {
		// A refusal ends the proposal; a failure of the store keeps it
		// for another 确认.
		if duban.ErrorCode(err) != duban.EINTERNAL {
			if derr := h.Store.DropProposal(ctx, t.person.UserID, p.ID, nil); derr != nil {
				return false, derr
			}
		}
		return false, err
	}
	return true, h.Store.DropProposal(ctx, t.person.UserID, p.ID, nil)
}

func (h *Handler) cancel(ctx context.Context, t *turn, id string) (bool, error) {
	p, err := h.Store.Proposal(ctx, t.person.UserID)
	if errors.Is(err, store.ErrNotFound) || err == nil && id != "" && p.ID != id {
		t.reply("没有待确认的变更。")
		return false, nil
	}
	if err != nil {
		return false, err
	}
	entry := duban.Change{TaskID: p.TaskID, At: t.now, By: t.person.UserID, Action: duban.ActCancel, Note: p.Text, MsgID: t.in.Key}
	if err := h.Store.DropProposal(ctx, t.person.UserID, p.ID, &entry); err != nil {
		return false, err
	}
	t.reply("已取消：" + p.Text + "。未做任何变更。")
	return true, nil
}
