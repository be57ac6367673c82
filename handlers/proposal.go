package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

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
	return h.offer(ctx, t, task, r, what, "我理解为："+what+"\n回复「确认」执行，回复「取消」放弃。", true)
}

// proposeAsked asks back when a question named one of the sender's tasks
// with an action they may take; the caller has checked it is allowed. A
// question leaves no line in the task's history: nobody proposed anything.
func (h *Handler) proposeAsked(ctx context.Context, t *turn, task duban.Task, unit duban.Unit, r duban.Request) error {
	return h.offer(ctx, t, task, r, describeRequest(task, unit, r), askBack(task, r)+"回复「确认」执行，回复「取消」放弃。", false)
}

// proposeWithStanding asks back as proposeAsked does, after the task's
// standing: T003完成了吗 asks how it stands as much as whether to report it.
func (h *Handler) proposeWithStanding(ctx context.Context, t *turn, task duban.Task, unit duban.Unit, r duban.Request) error {
	return h.offer(ctx, t, task, r, describeRequest(task, unit, r),
		"任务当前："+h.line(t, task, 0)+"\n"+askBack(task, r)+"回复「确认」执行，回复「取消」放弃。", false)
}

// offer stores r as the sender's pending proposal and sends text with 确认
// and 取消 buttons. A change read from a statement (inferred) is recorded in
// the task's history as 提议, as what the sender was understood to say.
func (h *Handler) offer(ctx context.Context, t *turn, task duban.Task, r duban.Request, what, text string, inferred bool) error {
	p := store.Proposal{
		ID: shortHash(t.in.Key), TaskID: task.ID, Action: r.Action, Note: r.Note, Deadline: r.Deadline,
		MsgKey: t.in.Key, Text: what, At: t.now, Asked: !inferred,
	}
	var entry duban.Change
	if inferred {
		entry = duban.Change{TaskID: task.ID, At: t.now, By: t.person.UserID, Action: duban.ActPropose, Note: what, MsgID: t.in.Key}
	}
	if err := h.Store.Propose(ctx, t.person.UserID, p, entry); err != nil {
		return err
	}
	t.send(duban.Outgoing{To: t.in.From, Text: text,
		Card: &duban.Card{
			ID: "confirm-" + p.ID, Title: "请确认", Desc: what,
			Buttons: []duban.Button{{Text: "确认", Key: "confirm:" + p.ID, Primary: true}, {Text: "取消", Key: "cancel:" + p.ID}},
		}})
	return nil
}

// dropStaleOffer drops the sender's pending offer about task once they have
// changed it by another message (T004完成了吗 offered 报完成, then they
// asked for an extension): a later 确认 must not act on the older offer.
func (h *Handler) dropStaleOffer(ctx context.Context, t *turn, taskID string) error {
	p, err := h.Store.Proposal(ctx, t.person.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if p.Kind != "" || p.TaskID != taskID || p.MsgKey == t.in.Key {
		return nil
	}
	return h.Store.DropProposal(ctx, t.person.UserID, p.ID, nil)
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

// confirm applies the sender's pending proposal (or publishes the
// bulletin it previewed). id, from a card button,
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
	act := func() error {
		return h.change(ctx, t, p.TaskID, duban.Request{Action: p.Action, Note: p.Note, Deadline: p.Deadline})
	}
	switch p.Kind {
	case store.ProposeBulletin:
		act = func() error { return h.publishBulletin(ctx, t, p) }
	case store.ProposeLetter:
		act = func() error { return h.issueLetter(ctx, t, p) }
	}
	if err := act(); err != nil {
		// A refusal ends the proposal; a failure of the store keeps it
		// for another 确认.
		if duban.ErrorCode(err) != duban.EINTERNAL {
			if derr := h.Store.DropProposal(ctx, t.person.UserID, p.ID, nil); derr != nil {
				return false, derr
			}
		}
		return false, err
	}
	if err := h.Store.DropProposal(ctx, t.person.UserID, p.ID, nil); err != nil {
		return false, err
	}
	if p.Kind == store.ProposeLetter {
		return true, h.nextLetter(ctx, t, p)
	}
	return true, nil
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
	var entry *duban.Change
	if p.TaskID != "" && !p.Asked {
		entry = &duban.Change{TaskID: p.TaskID, At: t.now, By: t.person.UserID, Action: duban.ActCancel, Note: p.Text, MsgID: t.in.Key}
	}
	if err := h.Store.DropProposal(ctx, t.person.UserID, p.ID, entry); err != nil {
		return false, err
	}
	t.reply("已取消：" + p.Text + "。未做任何变更。")
	if p.Kind == store.ProposeLetter {
		return true, h.nextLetter(ctx, t, p)
	}
	return true, nil
}
