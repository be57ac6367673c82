package handlers

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// Notices: after a change, the sender is told what changed and the people
// it concerns are told in turn — those who decide on a request, the unit
// when it was decided.

// announce replies to the sender with what changed and notifies the people
// the change concerns: those who decide when a task awaits a decision, the
// unit when it was decided (and the group's leader when 编办 decided).
func (h *Handler) announce(ctx context.Context, t *turn, a store.Applied) error {
	task, c := a.Task, a.Change
	unit, err := h.Store.Unit(ctx, task.Unit)
	if err != nil {
		return err
	}
	people, err := h.Store.PeopleConcerned(ctx, unit) // the only ones announce can pick
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
		text, card, err := h.withEvidence(ctx, task, c, text, card) // evidence.go
		if err != nil {
			return err
		}
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
		// Whoever acted on the undone change must not act on it still, and
		// whoever was sent a report or request to decide must not decide it.
		text := fmt.Sprintf("【撤销】%s：%s%s，现为「%s」，完成时限 %s。", subject, by, c.Note, task.Status, task.Deadline)
		supervisors, whom := leaders, "该单位和督办组"
		if len(supervisors) == 0 {
			supervisors = holders(people, duban.Person.IsAdmin)
		}
		if c.Note == "撤销「"+string(duban.ActReport)+"」" || c.Note == "撤销「"+string(duban.ActExtend)+"」" {
			// A group leader's own report went to 编办, not to the group.
			if sent, title := deciders(people, unit, t.person); title == "编办" && len(sent) > 0 {
				supervisors, whom = union(supervisors, sent), "该单位和编办"
			}
		}
		t.reply(said + "。已通知" + whom + "。")
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
