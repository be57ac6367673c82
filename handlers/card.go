package handlers

// Cards: the notices that ask a group leader (or 编办) to decide, 待销号 and
// 延期申请, and what a click on a card's buttons does. A decision button's
// key names the report or request the card showed ("verify:T003@<ref>",
// duban.RefOf), so a click acts on that one alone: when another one, or
// none, is pending, the click changes nothing, says so, and the card is
// marked expired.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// Card button verbs: the part of a key before the first ':'.
const (
	keyVerify  = "verify"
	keyReject  = "reject"
	keyApprove = "approve"
	keyRefuse  = "refuse"
)

// decisions maps a decision button to the action it asks for.
var decisions = map[string]duban.Action{
	keyVerify: duban.ActVerify, keyReject: duban.ActReject,
	keyApprove: duban.ActApprove, keyRefuse: duban.ActRefuse,
}

// decisionKey is the key of a button deciding on the report or request ref
// of task id.
func decisionKey(verb, id, ref string) string { return verb + ":" + id + "@" + ref }

// legacyRef stands for the ref of a card sent before keys named what it
// showed: which report or request that was is unknown, so it matches none.
const legacyRef = "-"

// splitRef splits a decision button's argument "T003@ref"; a card sent
// before keys carried a ref has none.
func splitRef(arg string) (id, ref string) {
	if i := strings.LastIndexByte(arg, '@'); i >= 0 {
		return arg[:i], arg[i+1:]
	}
	return arg, ""
}

// stamp is how a card and its text give a time.
const stamp = "2006-01-02 15:04"

// requestNotice words a report (待销号) or an extension request (延期申请)
// for the people who decide on it: the text, which stands alone (cards =
// false, the console, personal WeChat), and the card with the same facts.
// by made the request c on task of unit.
func requestNotice(unit duban.Unit, task duban.Task, c duban.Change, by duban.Person, loc *time.Location) (string, *duban.Card) {
	subject := fmt.Sprintf("任务 %s「%s」", task.ID, task.Title)
	unitName := fmt.Sprintf("%s（%s）", unit.Name, unit.Group)
	who := nameWithRoles(by, unit)
	at := c.At.In(loc).Format(stamp)
	card := &duban.Card{Fields: []duban.Field{{Label: "单位", Value: unitName}}}
	var b strings.Builder
	switch c.Action {
	case duban.ActReport:
		note := c.Note
		if note == "" {
			note = "（未填写）"
		}
		fmt.Fprintf(&b, "【待销号】%s\n单位：%s\n报送人：%s\n报送时间：%s\n完成时限：%s\n报送说明：%s\n", subject, unitName, who, at, task.Deadline, note)
		fmt.Fprintf(&b, "核实无误请回复「销号 %s」；需补充请回复「驳回 %s 理由」。", task.ID, task.ID)
		card.Title = "待销号：" + task.ID + " " + task.Title
		card.Fields = append(card.Fields, duban.Field{Label: "报送人", Value: who},
			duban.Field{Label: "报送时间", Value: at}, duban.Field{Label: "完成时限", Value: task.Deadline.String()})
		card.Desc = "报送说明：" + note
		card.Buttons = []duban.Button{
			{Text: "销号", Key: decisionKey(keyVerify, task.ID, c.Ref()), Primary: true},
			{Text: "驳回", Key: decisionKey(keyReject, task.ID, c.Ref())},
		}
	case duban.ActExtend:
		fmt.Fprintf(&b, "【延期申请】%s\n单位：%s\n申请人：%s\n申请时间：%s\n完成时限：%s → 申请延至 %s\n理由：%s\n", subject, unitName, who, at, c.FromDeadline, c.ToDeadline, c.Note)
		fmt.Fprintf(&b, "同意请回复「同意延期 %s」；不同意请回复「不同意延期 %s 理由」。", task.ID, task.ID)
		card.Title = "延期申请：" + task.ID + " " + task.Title
		card.Fields = append(card.Fields, duban.Field{Label: "申请人", Value: who}, duban.Field{Label: "申请时间", Value: at},
			duban.Field{Label: "现时限", Value: c.FromDeadline.String()}, duban.Field{Label: "申请延至", Value: c.ToDeadline.String()})
		card.Desc = "理由：" + c.Note
		card.Buttons = []duban.Button{
			{Text: "同意延期", Key: decisionKey(keyApprove, task.ID, c.Ref()), Primary: true},
			{Text: "不同意", Key: decisionKey(keyRefuse, task.ID, c.Ref())},
		}
	default:
		return "", nil
	}
	// The card's id is unique per change (notify makes it unique per
	// recipient), so a later request is a new card.
	card.ID = fmt.Sprintf("%s-%s-%d", cardKind(c.Action), shortHash(task.ID), c.Seq)
	return b.String(), card
}

// cardKind starts a card id: what the card asks for.
func cardKind(a duban.Action) string {
	if a == duban.ActExtend {
		return "extend"
	}
	return keyVerify
}

// nameWithRoles is "赵杰（联络员）": a person as a card names them, with
// their posts concerning unit.
func nameWithRoles(p duban.Person, unit duban.Unit) string {
	name := p.Name
	if name == "" {
		name = p.UserID
	}
	roles := p.RolesFor(unit)
	if len(roles) == 0 {
		return name
	}
	words := make([]string, len(roles))
	for i, r := range roles {
		words[i] = string(r)
	}
	return name + "（" + strings.Join(words, "、") + "）"
}

// person returns the person userid, or one known by the userid alone.
func (h *Handler) person(ctx context.Context, userid string) (duban.Person, error) {
	p, err := h.Store.Person(ctx, userid)
	if errors.Is(err, store.ErrNotFound) {
		return duban.Person{UserID: userid}, nil
	}
	return p, err
}

// cardClick acts on a template card button. The key is "verb:argument".
// When the click did what its button says, the clicked card is updated to
// show it; when the card was out of date, it is marked expired.
func (h *Handler) cardClick(ctx context.Context, t *turn) error {
	verb, arg, _ := strings.Cut(t.in.EventKey, ":")
	if !t.known {
		t.reply(notRegistered(t.in.From))
		return nil
	}
	var (
		err  error
		ok   bool   // the click did what its button says
		done string // what the card shows afterwards
	)
	switch verb {
	case keyVerify, keyReject, keyApprove, keyRefuse:
		return h.decisionClick(ctx, t, verb, arg)
	case "done":
		err, ok, done = h.change(ctx, t, arg, duban.Request{Action: duban.ActReport, Note: "点击「已完成」报送"}), true, "已报完成"
	case "extend": // 申请延期 needs a date and a reason: the next message is read as them
		err = h.clickAsks(ctx, t, duban.ActExtend, arg)
	case "ack":
		var n int
		n, err = h.acknowledge(ctx, t, arg)
		ok, done = n > 0, "已收到"
	case "confirm":
		ok, err = h.confirm(ctx, t, arg)
		done = "已确认"
	case "cancel":
		ok, err = h.cancel(ctx, t, arg)
		done = "已取消"
	default:
		h.log().Warn("unknown card button", "key", t.in.EventKey, "from", t.in.From)
		t.reply("这个按钮已失效，请用文字回复。发送「帮助」查看用法。")
		return nil
	}
	if err != nil {
		return err
	}
	if ok {
		h.updateCard(t, done)
	}
	return nil
}

// updateCard replaces the clicked card's buttons with note.
func (h *Handler) updateCard(t *turn, note string) {
	if t.in.ResponseCode != "" {
		t.send(duban.Outgoing{To: t.in.From, Text: note, CardUpdate: &duban.CardUpdate{ResponseCode: t.in.ResponseCode, Note: note}})
	}
}

// decisionClick handles 销号, 驳回, 同意延期 and 不同意 on a card: it acts
// only on the report or request the card showed.
func (h *Handler) decisionClick(ctx context.Context, t *turn, verb, arg string) error {
	act := decisions[verb]
	id, ref := splitRef(arg)
	task, err := h.Store.Task(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		t.reply("这个按钮已失效（没有任务 " + id + "），请用文字回复。发送「帮助」查看用法。")
		return nil
	}
	if err != nil {
		return err
	}
	unit, err := h.Store.Unit(ctx, task.Unit)
	if err != nil {
		return err
	}
	r := duban.Request{Action: act, By: t.person, Ref: ref, At: t.now, MsgID: t.in.Key}
	if ref == "" {
		r.Ref = legacyRef
	}
	if act == duban.ActReject || act == duban.ActRefuse {
		// The reason comes by text; ask for it only if the decision
		// would be allowed on what the card showed.
		r.Note = "理由"
	}
	if err := duban.Allowed(task, unit, r); err != nil {
		if duban.ErrorCode(err) == duban.ESTALE {
			return h.staleClick(ctx, t, task, unit, act, ref)
		}
		h.recordRefusal(ctx, t, task, act, err)
		return err
	}
	if act == duban.ActReject || act == duban.ActRefuse {
		// The next message is read as the reason, applied to what the
		// card showed.
		return h.askFor(ctx, t, task, store.Followup{Action: act, Ref: r.Ref})
	}
	// The store checks the ref again in the transaction that applies it.
	err = h.change(ctx, t, task.ID, duban.Request{Action: act, Ref: ref})
	if duban.ErrorCode(err) == duban.ESTALE {
		if task, err = h.Store.Task(ctx, task.ID); err != nil {
			return err
		}
		return h.staleClick(ctx, t, task, unit, act, ref)
	}
	if err != nil {
		return err
	}
	if act == duban.ActVerify {
		h.updateCard(t, "已销号")
	} else {
		h.updateCard(t, "已同意延期")
	}
	return nil
}

// staleClick answers a click on a card whose report or request is no
// longer pending: nothing changes; the reply says what the card showed and
// what is pending now, and the card is marked expired.
func (h *Handler) staleClick(ctx context.Context, t *turn, task duban.Task, unit duban.Unit, act duban.Action, ref string) error {
	hist, err := h.Store.History(ctx, task.ID)
	if err != nil {
		return err
	}
	loc := t.now.Location()
	var shown, pending *duban.Change
	now := task.PendingRef(act)
	for i := range hist {
		switch hist[i].Ref() {
		case "":
		case ref:
			shown = &hist[i]
		case now:
			pending = &hist[i]
		}
	}
	// Two reports in one minute read alike: the seconds and the report's
	// words tell the card's from the pending one.
	layout := stamp
	if shown != nil && pending != nil && shown.At.In(loc).Format(stamp) == pending.At.In(loc).Format(stamp) {
		layout = stamp + ":05"
	}
	describe := func(c *duban.Change) (string, error) {
		p, err := h.person(ctx, c.By)
		if err != nil {
			return "", err
		}
		s := nameWithRoles(p, unit) + " " + c.At.In(loc).Format(layout)
		if c.Action == duban.ActExtend {
			return s + " 申请延至 " + c.ToDeadline.String(), nil
		}
		if note := []rune(strings.TrimSpace(c.Note)); len(note) > 0 {
			if len(note) > 30 {
				note = append(note[:30], '…')
			}
			return s + " 的报送「" + string(note) + "」", nil
		}
		return s + " 的报送", nil
	}
	what, waits := "报送", "待销号"
	if act == duban.ActApprove || act == duban.ActRefuse {
		what, waits = "延期申请", "待审批"
	}
	var b strings.Builder
	b.WriteString("该卡片已过期：")
	if shown != nil {
		s, err := describe(shown)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "卡片上是%s，已不再%s", s, waits)
	} else {
		fmt.Fprintf(&b, "无法确认卡片上是哪一次%s", what)
	}
	fmt.Fprintf(&b, "（当前：任务 %s「%s」（%s）", task.ID, task.Title, unit.Name)
	switch {
	case now != "" && pending != nil:
		s, err := describe(pending)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s的是%s", waits, s)
	case act == duban.ActApprove || act == duban.ActRefuse:
		fmt.Fprintf(&b, "没有待审批的延期申请，完成时限 %s", task.Deadline)
	default:
		fmt.Fprintf(&b, "为「%s」，完成时限 %s", task.Status, task.Deadline)
	}
	b.WriteString("）。未做任何变更。")
	if now != "" {
		fmt.Fprintf(&b, "请在新卡片上办理，或回复「%s %s」。", act, task.ID)
	}
	t.reply(b.String())
	h.updateCard(t, "已过期")
	return nil
}
