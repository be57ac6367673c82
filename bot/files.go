package bot

// Documents through the outbox: a message carrying a file (Outgoing.File)
// is sent by uploading the document the store keeps once (media/upload,
// type file), caching its media_id in the store for the three days WeCom
// keeps it, and sending a file message by that id, to a member or to a
// group chat. A media_id WeCom no longer knows (40007) is forgotten and the
// document uploaded again once.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// mediaMargin stops using a cached upload this long before WeCom forgets it,
// so a file is never sent by an id that dies in flight.
const mediaMargin = time.Hour

// deliverFile sends the document m.File names as a file message.
func (c *WeComClient) deliverFile(ctx context.Context, m duban.Outgoing) error {
	if c.st == nil {
		return fmt.Errorf("send file %s: no store to read it from: %w", m.File.Name, ErrMediaRefused)
	}
	for attempt := 0; ; attempt++ {
		media, err := c.mediaOf(ctx, *m.File)
		if err != nil {
			return err
		}
		if chatID, ok := m.ChatID(); ok {
			err = c.SendMediaToChat(ctx, chatID, media)
		} else {
			err = c.SendMedia(ctx, m.To, media)
		}
		if ae, ok := errors.AsType[*APIError](err); ok && ae.Code == codeInvalidMediaID && attempt == 0 {
			c.log.Info("wecom no longer knows an uploaded file; uploading it again", "file", m.File.Name)
			if err := c.st.ForgetMedia(ctx, m.File.Key, media.ID); err != nil {
				return err
			}
			continue
		}
		return err
	}
}

// mediaOf returns the upload of the document ref names: the cached one while
// WeCom keeps it, else a new upload, recorded.
func (c *WeComClient) mediaOf(ctx context.Context, ref duban.FileRef) (Media, error) {
	if m, ok, err := c.cachedMedia(ctx, ref); ok || err != nil {
		return m, err
	}
	// One upload at a time, so recipients served together share it.
	select {
	case c.uploading <- struct{}{}:
	case <-ctx.Done():
		return Media{}, fmt.Errorf("send file %s: %w", ref.Name, ctx.Err())
	}
	defer func() { <-c.uploading }()
	if m, ok, err := c.cachedMedia(ctx, ref); ok || err != nil {
		return m, err
	}
	data, err := c.st.Document(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return Media{}, fmt.Errorf("send file %s: the document is no longer kept: %w", ref.Name, ErrMediaRefused)
	}
	if err != nil {
		return Media{}, err
	}
	media, err := c.UploadMedia(ctx, MediaFile, ref.Name, data)
	if err != nil {
		return Media{}, err
	}
	// The upload's own time, as this server counts it: WeCom's created_at
	// may differ from this clock.
	media.Kind, media.CreatedAt = MediaFile, c.now()
	if err := c.st.SaveMedia(ctx, ref.Key, store.Media{ID: media.ID, Uploaded: media.CreatedAt}, c.now()); err != nil {
		c.log.Warn("uploaded file not cached; the next send uploads it again", "file", ref.Name, "err", err)
	}
	return media, nil
}

// cachedMedia returns the upload of ref while WeCom still keeps it.
func (c *WeComClient) cachedMedia(ctx context.Context, ref duban.FileRef) (Media, bool, error) {
	cached, err := c.st.CachedMedia(ctx, ref.Key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Media{}, false, nil
	case err != nil:
		return Media{}, false, err
	case !c.now().Before(cached.Uploaded.Add(store.MediaTTL - mediaMargin)):
		return Media{}, false, nil
	}
	return Media{Kind: MediaFile, ID: cached.ID, CreatedAt: cached.Uploaded}, true, nil
}
