package handlers

import (
	"context"

	"github.com/duban-org/duban"
)

// bulletin issues the next 工作通报 (编办 and group leaders only).
func (h *Handler) bulletin(ctx context.Context, t *turn) error {
	if !t.person.IsAdmin() && len(t.person.Groups()) == 0 {
		return duban.Errorf(duban.EFORBIDDEN, "只有编办和督办组长可以发布工作通报。")
	}
	if h.Reminders == nil {
		return duban.Errorf(duban.EINVALID, "本部署未启用工作通报。")
	}
	summary, err := h.Reminders.PublishBulletin(ctx, t.person, t.in.Key, t.now)
	if err != nil {
		return err
	}
	t.reply(summary)
	return nil
}
