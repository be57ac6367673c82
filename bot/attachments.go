package bot

// Evidence (佐证材料) sent back to the people who check it: a message
// carrying an attachment is delivered as the file itself.

import (
	"context"
	"errors"
	"fmt"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// WithAttachments returns a Deliverer that sends a message carrying an
// attachment (Outgoing.Attachment) as the file itself — uploaded from the
// store, then sent as an image (a photo of at most 10 MB) or a file — and
// hands every other message to d.
func WithAttachments(d Deliverer, c *WeComClient, st *store.Store) Deliverer {
	return attachmentDeliverer{d: d, c: c, st: st}
}

type attachmentDeliverer struct {
	d  Deliverer
	c  *WeComClient
	st *store.Store
}

func (a attachmentDeliverer) Deliver(ctx context.Context, m duban.Outgoing) error {
	if m.Attachment == "" {
		return a.d.Deliver(ctx, m)
	}
	if _, isChat := m.ChatID(); isChat {
		return Permanent(fmt.Errorf("attachment %s: files are sent to people, not group chats", m.Attachment))
	}
	att, err := a.st.Attachment(ctx, m.Attachment)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Permanent(err)
		}
		return err
	}
	content, err := a.st.AttachmentBytes(ctx, att)
	if err != nil {
		return Permanent(err) // damaged content is never sent as evidence
	}
	kind := MediaFile
	if (att.Type == "image/jpeg" || att.Type == "image/png") && att.Size <= MaxImageBytes {
		kind = MediaImage
	}
	media, err := a.c.UploadMedia(ctx, kind, att.Name, content)
	if errors.Is(err, ErrMediaRefused) {
		return Permanent(err)
	}
	if err != nil {
		return err
	}
	return a.c.SendMedia(ctx, m.To, media)
}
