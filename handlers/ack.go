package handlers

import (
	"context"
	"fmt"
)

// acknowledge records 收到 for one task's reminders, or for all the
// sender's, and returns how many it covered.
func (h *Handler) acknowledge(ctx context.Context, t *turn, ref string) (int, error) {
	if h.Reminders == nil {
		t.reply("好的。")
		return 0, nil
	}
	id := ""
	if ref != "" {
		task, err := h.resolve(ctx, t.person, ref)
		if err != nil {
			return 0, err
		}
		id = task.ID
	}
	n, err := h.Reminders.Acknowledge(ctx, t.person.UserID, id, t.now)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		t.reply("好的。目前没有需要确认收到的提醒。")
		return 0, nil
	}
	t.reply(fmt.Sprintf("已确认收到 %d 条提醒，已留痕。", n))
	return n, nil
}
