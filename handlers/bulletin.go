package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// bulletin previews the next 工作通报 to its requester alone (编办 and
// group leaders only): a short summary and the documents, unnumbered. It
// changes nothing but the requester's pending proposal; 确认 publishes it
// (publishBulletin), 取消 drops it.
func (h *Handler) bulletin(ctx context.Context, t *turn) error {
	if !t.person.IsAdmin() && len(t.person.Groups()) == 0 {
		return duban.Errorf(duban.EFORBIDDEN, "只有编办和督办组长可以发布工作通报。")
	}
	if h.Reminders == nil {
		return duban.Errorf(duban.EINVALID, "本部署未启用工作通报。")
	}
	pv, err := h.Reminders.PreviewBulletin(ctx, t.now)
	if err != nil {
		return err
	}
	id := shortHash(t.in.Key)
	kept := append(slices.Clone(pv.Files), store.BulletinFile{Name: previewFiguresFile, Data: pv.Figures})
	if err := h.Store.SavePreview(ctx, id, kept); err != nil {
		return err
	}
	const what = "发布工作通报"
	p := store.Proposal{ID: id, Kind: store.ProposeBulletin, MsgKey: t.in.Key, Text: what, At: t.now}
	if err := h.Store.Propose(ctx, t.person.UserID, p, duban.Change{}); err != nil {
		return err
	}
	for _, f := range pv.Files {
		t.send(store.FileMessage(t.in.From, store.PreviewDocRef(id, f.Name)))
	}
	ask := fmt.Sprintf("以上为预览，尚未编号、存档或发送。回复「确认」发布（编号、存档，发送给编办和督办组长共 %d 个接收方：一条简报加附件），回复「取消」放弃。", pv.Recipients)
	t.send(duban.Outgoing{To: t.in.From, Text: pv.Summary + "\n\n" + ask,
		Card: &duban.Card{
			ID: "confirm-" + id, Title: "工作通报预览", Desc: pv.Summary,
			Buttons: []duban.Button{{Text: "确认发布", Key: "confirm:" + id, Primary: true}, {Text: "取消", Key: "cancel:" + id}},
		}})
	return nil
}

// previewFiguresFile names the previewed figures among a preview's files;
// it is kept with them but never sent.
const previewFiguresFile = "figures.json"

// publishBulletin publishes the 工作通报 whose preview p was confirmed,
// with the preview's figures.
// The preview's message key numbers it at most once, however many times
// it is confirmed (a 确认 reprocessed after a crash, a second 确认 before
// the proposal was dropped).
func (h *Handler) publishBulletin(ctx context.Context, t *turn, p store.Proposal) error {
	if !t.person.IsAdmin() && len(t.person.Groups()) == 0 {
		return duban.Errorf(duban.EFORBIDDEN, "只有编办和督办组长可以发布工作通报。")
	}
	if h.Reminders == nil {
		return duban.Errorf(duban.EINVALID, "本部署未启用工作通报。")
	}
	figures, err := h.Store.Document(ctx, store.PreviewDocRef(p.ID, previewFiguresFile))
	if errors.Is(err, store.ErrNotFound) {
		return duban.Errorf(duban.EINVALID, "这份通报预览已过期，未发布。请重新发送「通报」预览后再确认。")
	}
	if err != nil {
		return err
	}
	summary, err := h.Reminders.PublishBulletin(ctx, t.person, "preview:"+p.MsgKey, figures, t.now)
	if err != nil {
		return err
	}
	t.reply(summary)
	return nil
}
