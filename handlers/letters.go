package handlers

import (
	"context"
	"fmt"
	"slices"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// letters walks 编办 through the 专函督办 drafts due, one at a time: each is
// previewed to the requester alone (a summary and the .docx, its 文号 left
// blank); 确认 issues it (issueLetter), 取消 discards it, and either shows
// the next draft.
// A unit named (给市委办公室发个专函) has its own draft previewed alone.
func (h *Handler) letters(ctx context.Context, t *turn, unitRef string) error {
	if !t.person.IsAdmin() {
		return duban.Errorf(duban.EFORBIDDEN, "只有编办可以发出专函督办。")
	}
	if h.Reminders == nil {
		return duban.Errorf(duban.EINVALID, "本部署未启用专函督办。")
	}
	if unitRef == "" {
		return h.previewLetter(ctx, t, nil)
	}
	units, err := h.Store.Units(ctx)
	if err != nil {
		return err
	}
	unit, err := duban.FindUnit(units, unitRef)
	if err != nil {
		return err
	}
	drafts, err := h.Reminders.LetterDrafts(ctx, t.now)
	if err != nil {
		return err
	}
	var others []string
	for _, d := range drafts {
		if d.Unit != unit.Code {
			others = append(others, d.Unit)
		}
	}
	if len(others) == len(drafts) {
		t.reply(unit.Name + "目前没有待发的专函督办（逾期未达发函时限，或今天已发函）。未做任何变更。发送「专函」查看全部待发的草稿。")
		return nil
	}
	return h.previewLetter(ctx, t, others)
}

// previewLetter previews the first draft due to a unit not in done, or says
// there is none left.
func (h *Handler) previewLetter(ctx context.Context, t *turn, done []string) error {
	drafts, err := h.Reminders.LetterDrafts(ctx, t.now)
	if err != nil {
		return err
	}
	left := slices.DeleteFunc(drafts, func(d LetterDraft) bool { return slices.Contains(done, d.Unit) })
	if len(left) == 0 {
		if len(done) == 0 {
			t.reply("目前没有需要专函督办的单位（逾期未达发函时限，或今天均已发函）。")
		} else {
			t.reply("专函草稿已逐件处理完毕。")
		}
		return nil
	}
	d := left[0]
	id := shortHash(t.in.Key + "/" + d.Unit)
	if err := h.Store.SavePreview(ctx, id, []store.BulletinFile{d.File}); err != nil {
		return err
	}
	p := store.Proposal{ID: id, Kind: store.ProposeLetter, Unit: d.Unit, Done: done, MsgKey: t.in.Key,
		Text: "向" + d.Name + "发出专函督办", At: t.now}
	if err := h.Store.Propose(ctx, t.person.UserID, p, duban.Change{}); err != nil {
		return err
	}
	t.send(store.FileMessage(t.in.From, store.PreviewDocRef(id, d.File.Name)))
	head := fmt.Sprintf("专函督办草稿（尚有 %d 件待处理）\n", len(left))
	ask := "以上为草稿，文号未编。回复「确认」发出（编文号、存档，并将通知和函件发送给该单位一把手），回复「取消」不发此函，看下一件。"
	t.send(duban.Outgoing{To: t.in.From, Text: head + d.Summary + "\n\n" + ask,
		Card: &duban.Card{
			ID: "confirm-" + id, Title: "专函督办草稿：" + d.Name, Desc: d.Summary,
			Buttons: []duban.Button{{Text: "确认发出", Key: "confirm:" + id, Primary: true}, {Text: "不发此函", Key: "cancel:" + id}},
		}})
	return nil
}

// issueLetter issues the letter whose draft p was confirmed. The store
// issues a unit at most one letter a day, so a repeated 确认 issues
// nothing more.
func (h *Handler) issueLetter(ctx context.Context, t *turn, p store.Proposal) error {
	if !t.person.IsAdmin() {
		return duban.Errorf(duban.EFORBIDDEN, "只有编办可以发出专函督办。")
	}
	if h.Reminders == nil {
		return duban.Errorf(duban.EINVALID, "本部署未启用专函督办。")
	}
	said, err := h.Reminders.IssueLetter(ctx, t.person, p.Unit, t.now)
	if err != nil {
		return err
	}
	t.reply(said)
	return nil
}

// nextLetter shows the draft after p's, once p was issued or discarded.
func (h *Handler) nextLetter(ctx context.Context, t *turn, p store.Proposal) error {
	return h.previewLetter(ctx, t, append(slices.Clip(p.Done), p.Unit))
}
