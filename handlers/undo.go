package handlers

import (
	"context"

	"github.com/duban-org/duban"
)

// undo reverts the sender's own last change, if nobody changed the task
// since and it is within the undo window; the store checks both in the
// transaction that writes the undo.
func (h *Handler) undo(ctx context.Context, t *turn) error {
	r := duban.Request{Action: duban.ActUndo, By: t.person, MsgID: t.in.Key, At: t.now}
	applied, err := h.Store.Undo(ctx, t.person.UserID, t.in.Key, func(tk duban.Task, last duban.Change) (duban.Task, duban.Change, error) {
		return duban.Undo(tk, last, r, h.UndoWindow)
	})
	if err != nil {
		return err
	}
	return h.announce(ctx, t, applied)
}
