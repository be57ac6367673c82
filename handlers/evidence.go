package handlers

// Evidence (佐证材料) in chat: a photo or file from a unit's contact or head
// is fetched from WeCom, stored, and attached to the task the sender's
// report named (完成 T003, then the photo) or, when none did, held while
// the bot asks which task it is for (the photo, then 完成 T003 见附件, or
// just T003). 附件 T003 sends a task's evidence back as files; the 待销号
// notice and 记录 count and name it.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// MediaFetcher fetches a file a person sent in chat by its media id, at
// most duban.MaxAttachmentBytes. A refusal worth telling the sender is a
// coded error (expired, too large); anything else means "try again later".
type MediaFetcher interface {
	FetchMedia(ctx context.Context, mediaID string) (name string, content []byte, err error)
}

// actAttach marks the follow-up question "which task is this photo for?".
const actAttach duban.Action = "附件"

// mediaAccepted says what the bot takes besides text.
const mediaAccepted = "我可以接收文字消息，以及作为佐证材料的图片和文件（" + duban.AcceptedKinds + "，每个不超过 20 MB）。语音、视频、位置和链接无法处理，请改用文字说明。"

// maxSentBack caps how many files 附件 T003 sends at once.
const maxSentBack = 10

// media answers a message that is not text: a photo or a file is
// evidence; anything else gets what is accepted.
func (h *Handler) media(ctx context.Context, t *turn) error {
	if t.in.MsgType == duban.MsgTypeEvidenceAdded {
		return h.evidenceAdded(ctx, t)
	}
	if t.in.MediaID == "" || (t.in.MsgType != "image" && t.in.MsgType != "file") {
		t.reply(mediaAccepted)
		return nil
	}
	if !t.known {
		t.reply(notRegistered(t.in.From))
		return nil
	}
	if len(t.person.Units()) == 0 {
		t.reply("佐证材料由单位的联络员或一把手上传。您没有可以上传材料的单位。")
		return nil
	}
	if h.Media == nil {
		t.reply("这里无法取回图片和文件。请在企业微信中发送，或在网页上上传。")
		return nil
	}
	task, ok, err := h.evidenceTask(ctx, t)
	if err != nil {
		return err
	}
	if ok {
		if err := h.mayAttach(ctx, t, task); err != nil {
			return err
		}
	}
	name, content, err := h.Media.FetchMedia(ctx, t.in.MediaID)
	if err != nil {
		if duban.ErrorCode(err) != duban.EINTERNAL {
			return err
		}
		h.log().Warn("evidence not fetched from wecom", "from", t.in.From, "key", t.in.Key, "err", err)
		t.reply("暂时无法从企业微信取回这" + mediaWord(t.in.MsgType) + "，未保存。请稍后重新发送。")
		return nil
	}
	if t.in.MsgType == "image" {
		name = "" // WeCom names a photo by its media id: named by its time instead
	}
	a := duban.Attachment{Name: name, By: t.person.UserID, At: t.now, Via: duban.AttachedViaChat, Msg: t.in.Key}
	if !ok {
		return h.holdAndAsk(ctx, t, a, content)
	}
	a.Task = task.ID
	r, err := h.Store.Attach(ctx, a, bytes.NewReader(content), h.AttachmentsPerTask)
	if err != nil {
		return err
	}
	if err := h.Store.RememberEvidenceTask(ctx, t.person.UserID, task.ID, t.now, h.followupWindow()); err != nil {
		return err
	}
	return h.sayAttached(ctx, t, task, []store.Attached{r})
}

func mediaWord(msgType string) string {
	if msgType == "image" {
		return "张图片"
	}
	return "个文件"
}

// evidenceTask returns the task the sender's evidence goes to without
// asking: the one remembered for them within the follow-up window.
func (h *Handler) evidenceTask(ctx context.Context, t *turn) (duban.Task, bool, error) {
	id, at, err := h.Store.EvidenceTask(ctx, t.person.UserID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.now.Sub(at) > h.followupWindow()) {
		return duban.Task{}, false, nil
	}
	if err != nil {
		return duban.Task{}, false, err
	}
	task, err := h.Store.Task(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return task, false, nil
	}
	return task, err == nil, err
}

// mayAttach refuses evidence on a task of a unit the sender does not
// report for, or a task already closed.
func (h *Handler) mayAttach(ctx context.Context, t *turn, task duban.Task) error {
	unit, err := h.Store.Unit(ctx, task.Unit)
	if err != nil {
		return err
	}
	if !t.person.Has(duban.RoleHead, unit.Code) && !t.person.Has(duban.RoleContact, unit.Code) {
		return duban.Errorf(duban.EFORBIDDEN, "任务 %s 属于%s，您不是该单位的联络员或一把手，不能为它上传佐证材料。未保存。", task.ID, unit.Name)
	}
	if task.Status == duban.StatusVerified {
		return duban.Errorf(duban.ECONFLICT, "任务 %s 已销号，不再接收佐证材料。未保存。", task.ID)
	}
	return nil
}

// holdAndAsk stores the evidence for the sender and asks which of their
// open tasks it is for.
func (h *Handler) holdAndAsk(ctx context.Context, t *turn, a duban.Attachment, content []byte) error {
	held, err := h.Store.Hold(ctx, a, bytes.NewReader(content), h.followupWindow())
	if err != nil {
		return err
	}
	open, err := h.openTasks(ctx, t.person)
	if err != nil {
		return err
	}
	if len(open) == 0 {
		if err := h.Store.DropHeld(ctx, t.person.UserID); err != nil {
			return err
		}
		t.reply("您所在单位没有未销号的任务，「" + held.Name + "」未保存为佐证材料。")
		return nil
	}
	f := store.Followup{Action: actAttach, MsgKey: t.in.Key, At: t.now}
	if err := h.Store.SetFollowup(ctx, t.person.UserID, f, h.followupWindow()); err != nil {
		return err
	}
	t.reply("已收到「" + held.Name + "」（" + duban.SizeText(held.Size) + "）。" + whichTaskPrompt(open))
	return h.rememberTasks(ctx, t, open[:min(len(open), promptTasks)])
}

// promptTasks is how many open tasks the question lists.
const promptTasks = 9

func whichTaskPrompt(open []duban.Task) string {
	var b strings.Builder
	b.WriteString("这是哪项任务的佐证材料？请回复序号或任务编号（回复「取消」放弃）：")
	for i, task := range open {
		if i == promptTasks {
			fmt.Fprintf(&b, "\n……共 %d 项，其余请回复任务编号", len(open))
			break
		}
		fmt.Fprintf(&b, "\n%d. %s %s（%s）", i+1, task.ID, task.Title, task.Status)
	}
	return b.String()
}

// openTasks returns the tasks, not yet closed, of the units p reports for.
func (h *Handler) openTasks(ctx context.Context, p duban.Person) ([]duban.Task, error) {
	var out []duban.Task
	for _, u := range p.Units() {
		ts, err := h.Store.Tasks(ctx, store.TaskFilter{Unit: u})
		if err != nil {
			return nil, err
		}
		for _, task := range ts {
			if task.Status != duban.StatusVerified {
				out = append(out, task)
			}
		}
	}
	return out, nil
}

// answerAttach reads the answer to "which task is this photo for?": a
// number from the list or a task id files the held evidence there;
// 取消 drops it. It reports false when s is something else (a command
// goes on, and a report files the evidence under its task).
func (h *Handler) answerAttach(ctx context.Context, t *turn, c Command, s string) (bool, error) {
	if c.Verb == VerbCancel {
		if err := h.Store.DropHeld(ctx, t.person.UserID); err != nil {
			return true, err
		}
		if err := h.Store.DropFollowup(ctx, t.person.UserID); err != nil {
			return true, err
		}
		t.reply("已取消，刚才的图片或文件未保存为佐证材料。")
		return true, nil
	}
	ref := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), "吧。.！! "))
	if n, ok := ordinal(ref); ok {
		open, err := h.openTasks(ctx, t.person)
		if err != nil {
			return true, err
		}
		if n < 1 || n > len(open) {
			t.reply(fmt.Sprintf("没有第 %d 项。", n) + whichTaskPrompt(open))
			return true, nil
		}
		ref = open[n-1].ID
	} else if !isTaskID(ref) {
		return false, nil
	}
	task, err := h.resolve(ctx, t.person, ref)
	if err != nil {
		return true, err
	}
	if err := h.mayAttach(ctx, t, task); err != nil {
		return true, err
	}
	return true, h.fileHeld(ctx, t, task, true)
}

// ordinal reads the number of an item of a list as people answer: 2, 第二个,
// 第2项, 二, 2号, 是第2个.
func ordinal(s string) (int, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "是"), "就是")
	s = strings.TrimRight(s, "吧。.！! ")
	s = strings.TrimPrefix(s, "第")
	for _, w := range []string{"个", "项", "条", "号", "件"} {
		s = strings.TrimSuffix(s, w)
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	n := cnNumber(s)
	return n, n > 0
}

// fileHeld files the evidence held for the sender under task, remembers
// the task for their next photos, and, when asked, says what was attached.
// Without held evidence it only remembers the task.
func (h *Handler) fileHeld(ctx context.Context, t *turn, task duban.Task, say bool) error {
	if err := h.Store.RememberEvidenceTask(ctx, t.person.UserID, task.ID, t.now, h.followupWindow()); err != nil {
		return err
	}
	held, err := h.Store.Held(ctx, t.person.UserID)
	if err != nil || len(held) == 0 {
		return err
	}
	attached, err := h.Store.AttachHeld(ctx, t.person.UserID, task.ID, h.AttachmentsPerTask)
	if err != nil {
		return err
	}
	if f, pending, err := h.pendingFollowup(ctx, t); err != nil {
		return err
	} else if pending && f.Action == actAttach {
		if err := h.Store.DropFollowup(ctx, t.person.UserID); err != nil {
			return err
		}
	}
	if say {
		return h.sayAttached(ctx, t, task, attached)
	}
	return nil
}

// afterChange files held evidence under the task a sender's report
// (完成, 进展, 延期) just changed, before its notice is written, so the
// 待销号 notice counts it.
func (h *Handler) afterChange(ctx context.Context, t *turn, task duban.Task, a duban.Action) error {
	switch a {
	case duban.ActReport, duban.ActProgress, duban.ActExtend:
	default:
		return nil
	}
	if !t.person.Has(duban.RoleHead, task.Unit) && !t.person.Has(duban.RoleContact, task.Unit) {
		return nil
	}
	return h.fileHeld(ctx, t, task, true)
}

func (h *Handler) sayAttached(ctx context.Context, t *turn, task duban.Task, attached []store.Attached) error {
	all, err := h.Store.Attachments(ctx, task.ID)
	if err != nil {
		return err
	}
	var names []string
	again := 0
	for _, a := range attached {
		names = append(names, "「"+a.Name+"」")
		if a.Again && a.Msg != t.in.Key { // not this message, handled again
			again++
		}
	}
	what := "已将" + strings.Join(names, "、") + "作为任务 " + task.ID + "「" + task.Title + "」的佐证材料保存"
	if again == len(attached) {
		what = strings.Join(names, "、") + "此前已是任务 " + task.ID + " 的佐证材料，未重复保存"
	}
	more := ""
	if task.Status != duban.StatusReported {
		more = "报送完成时请回复「完成 " + task.ID + " 说明」，督办组长将一并看到。"
	}
	t.reply(fmt.Sprintf("%s（该任务现有 %d 件）。%s", what, len(all), more))
	if task.Status == duban.StatusReported && again < len(attached) {
		return h.notifyEvidence(ctx, t, task, attached, len(all))
	}
	return nil
}

// notifyEvidence tells whoever verifies a pending report (待销号) that
// evidence was added to it after they were asked.
func (h *Handler) notifyEvidence(ctx context.Context, t *turn, task duban.Task, attached []store.Attached, total int) error {
	unit, err := h.Store.Unit(ctx, task.Unit)
	if err != nil {
		return err
	}
	people, err := h.Store.PeopleConcerned(ctx, unit) // its leaders and 编办 among them
	if err != nil {
		return err
	}
	to, _ := deciders(people, unit, t.person)
	var names []string
	for _, a := range attached {
		if !a.Again || a.Msg == t.in.Key {
			names = append(names, "「"+a.Name+"」（"+duban.SizeText(a.Size)+"）")
		}
	}
	text := fmt.Sprintf("【待销号·补充佐证材料】任务 %s「%s」（%s）\n%s补充了%s。\n佐证材料：%d 件。回复「附件 %s」查看%s；核实无误请回复「销号 %s」。",
		task.ID, task.Title, unit.Name, nameWithRoles(t.person, unit), strings.Join(names, "、"), total, task.ID, h.onPage(task.ID), task.ID)
	h.notify(t, to, text, nil)
	return nil
}

// reportEvidence is what a 待销号 notice says of a task's evidence: how
// many, which, which of them came since the previous report (after a 驳回),
// and how to see them; "" when there is none.
func (h *Handler) reportEvidence(ctx context.Context, task duban.Task, c duban.Change) (line string, count int, err error) {
	all, err := h.Store.Attachments(ctx, task.ID)
	if err != nil || len(all) == 0 {
		return "", 0, err
	}
	hist, err := h.Store.History(ctx, task.ID)
	if err != nil {
		return "", 0, err
	}
	// What the leader has not seen: evidence since the last 驳回 (which may
	// have named what was missing), else since the previous report.
	var since time.Time
	label := ""
	for _, e := range hist {
		switch {
		case e.Seq >= c.Seq:
		case e.Action == duban.ActReject:
			since, label = e.At, "驳回后"
		case e.Action == duban.ActReport && label != "驳回后":
			since, label = e.At, "上次报送后"
		}
	}
	var names, added []string
	for _, a := range all {
		names = append(names, a.Name)
		if !since.IsZero() && a.At.After(since) {
			added = append(added, a.Name)
		}
	}
	line = fmt.Sprintf("佐证材料：%d 件（%s）", len(all), strings.Join(names, "、"))
	if !since.IsZero() {
		if len(added) > 0 {
			line += fmt.Sprintf("，%s新增 %d 件：%s", label, len(added), strings.Join(added, "、"))
		} else {
			line += "，" + label + "未新增"
		}
	}
	return line + "。回复「附件 " + task.ID + "」查看" + h.onPage(task.ID) + "。", len(all), nil
}

// onPage is "，或在网页查看：<address of the task's page>", or "" without pages.
func (h *Handler) onPage(id string) string {
	if h.TaskPage == nil {
		return ""
	}
	if u := h.TaskPage(id); u != "" {
		return "，或在网页查看：" + u
	}
	return ""
}

// withEvidence adds the evidence line to a 待销号 notice's text and card.
func (h *Handler) withEvidence(ctx context.Context, task duban.Task, c duban.Change, text string, card *duban.Card) (string, *duban.Card, error) {
	if c.Action != duban.ActReport {
		return text, card, nil
	}
	line, n, err := h.reportEvidence(ctx, task, c)
	if err != nil {
		return text, card, err
	}
	if n == 0 {
		line = "佐证材料：无。"
	}
	if i := strings.LastIndex(text, "\n"); i >= 0 {
		text = text[:i+1] + line + "\n" + text[i+1:]
	} else {
		text += "\n" + line
	}
	if card != nil {
		cc := *card
		cc.Fields = append(append([]duban.Field(nil), card.Fields...), duban.Field{Label: "佐证材料", Value: fmt.Sprintf("%d 件", n)})
		if n > 0 {
			cc.Desc += "\n" + line
		}
		card = &cc
	}
	return text, card, nil
}

// recordEvidence adds a task's evidence to 记录.
func (h *Handler) recordEvidence(ctx context.Context, b *strings.Builder, t *turn, task duban.Task, people map[string]duban.Person, unit duban.Unit) error {
	all, err := h.Store.Attachments(ctx, task.ID)
	if err != nil || len(all) == 0 {
		return err
	}
	fmt.Fprintf(b, "\n佐证材料（%d 件，回复「附件 %s」查看%s）：", len(all), task.ID, h.onPage(task.ID))
	for _, a := range all {
		fmt.Fprintf(b, "\n%s %s 上传「%s」（%s）", a.At.In(t.now.Location()).Format(stamp), who(a.By, people, unit), a.Name, duban.SizeText(a.Size))
	}
	return nil
}

// isAttachmentsCommand reads 附件 T003 (佐证材料 T003, 查看附件 T003).
func isAttachmentsCommand(s string) (string, bool) {
	words := []string{"查看附件", "查看佐证材料", "佐证材料", "附件"}
	for _, p := range words {
		if rest, ok := strings.CutPrefix(s, p); ok {
			rest = strings.TrimSpace(strings.TrimLeft(rest, "：: "))
			if isTaskID(rest) {
				return rest, true
			}
		}
	}
	// The task first: T003 附件, T003的佐证材料, 看看T003的附件.
	t := strings.TrimRight(s, "。.！! ")
	for _, lead := range []string{"看看", "看一下", "查看", "查一下", "发一下", "发我"} {
		t = strings.TrimPrefix(t, lead)
	}
	for _, p := range words {
		if id, ok := strings.CutSuffix(t, p); ok {
			id = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(id), "的"))
			if isTaskID(id) {
				return id, true
			}
		}
	}
	return "", false
}

// sendAttachments sends a task's evidence to the sender as files: to the
// unit's people, its group leader and 编办, nobody else.
func (h *Handler) sendAttachments(ctx context.Context, t *turn, ref string) error {
	if !t.known {
		t.reply(notRegistered(t.in.From))
		return nil
	}
	task, _, err := h.visibleTask(ctx, t.person, ref, "查看它的佐证材料")
	if err != nil {
		return err
	}
	all, err := h.Store.Attachments(ctx, task.ID)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		t.reply(fmt.Sprintf("任务 %s「%s」还没有佐证材料。", task.ID, task.Title))
		return nil
	}
	shown := all
	if len(shown) > maxSentBack {
		shown = shown[len(shown)-maxSentBack:]
	}
	head := fmt.Sprintf("任务 %s「%s」的佐证材料共 %d 件", task.ID, task.Title, len(all))
	if len(shown) < len(all) {
		head += fmt.Sprintf("，以下发送最近的 %d 件", len(shown))
	}
	t.reply(head + "：")
	for _, a := range shown {
		ref := store.AttachmentDocRef(a)
		t.send(duban.Outgoing{To: t.in.From, File: &ref,
			Text: fmt.Sprintf("【佐证材料】%s：%s（%s，%s 上传）", task.ID, a.Name, duban.SizeText(a.Size), a.At.In(t.now.Location()).Format(stamp))})
	}
	return nil
}

// evidenceAdded tells whoever verifies a task's pending report of evidence
// its sender uploaded on the task's page (duban.MsgTypeEvidenceAdded). The
// page has answered the uploader; only attachments of that task by that
// sender count.
func (h *Handler) evidenceAdded(ctx context.Context, t *turn) error {
	task, err := h.Store.Task(ctx, t.in.EventKey)
	if err != nil || task.Status != duban.StatusReported || !t.known {
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	var added []store.Attached
	for _, id := range strings.Fields(t.in.Text) {
		a, err := h.Store.Attachment(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if a.Task == task.ID && duban.CanonicalUserID(a.By) == duban.CanonicalUserID(t.person.UserID) {
			added = append(added, store.Attached{Attachment: a})
		}
	}
	if len(added) == 0 {
		return nil
	}
	all, err := h.Store.Attachments(ctx, task.ID)
	if err != nil {
		return err
	}
	return h.notifyEvidence(ctx, t, task, added, len(all))
}
