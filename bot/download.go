package bot

// Files a person sent the app (a photo, a file), fetched by media_id from
// /cgi-bin/media/get within three days of sending.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/duban-org/duban"
)

// opMediaGet names /cgi-bin/media/get in errors and logs.
const opMediaGet = "media/get"

// Download is a file fetched from WeCom, named as WeCom's
// Content-Disposition names it.
type Download struct {
	Name    string // may be "" or WeCom's own "<media_id>.jpg"
	Type    string // the Content-Type WeCom gave
	Content []byte
}

// MediaTooLargeError is a media file past the caller's limit; it is not
// retried.
type MediaTooLargeError struct {
	Limit int64
}

func (e *MediaTooLargeError) Error() string {
	return fmt.Sprintf("wecom %s: the file is larger than %d bytes", opMediaGet, e.Limit)
}

// mediaAttempts and mediaBackoff (doubled each time) bound the retries of
// one download: a person is waiting for the answer.
const mediaAttempts = 3

var mediaBackoff = time.Second // shortened by tests

// DownloadMedia fetches media_id through /cgi-bin/media/get, reading at most
// limit bytes (the Content-Length is checked first, then the stream is cut
// at limit+1). It is retried like any WeCom call: the token renewed once
// when WeCom refuses it, temporary failures (timeouts, 5xx, -1, 45009)
// tried again with backoff; WeCom's error answers (40007: the media_id is
// invalid or expired, after three days) and a file past limit are not.
func (c *WeComClient) DownloadMedia(ctx context.Context, mediaID string, limit int64) (Download, error) {
	if mediaID == "" {
		return Download{}, Permanent(fmt.Errorf("wecom %s: empty media_id", opMediaGet))
	}
	renewed := false
	for attempt := 1; ; attempt++ {
		tok, err := c.Token(ctx)
		if err != nil {
			return Download{}, err
		}
		m, err := c.getMedia(ctx, tok, mediaID, limit)
		if ae, ok := errors.AsType[*APIError](err); ok && isTokenCode(ae.Code) && !renewed {
			c.log.Info("wecom access token refused; renewing and downloading again", "op", opMediaGet, "errcode", ae.Code)
			c.invalidate(ctx, tok)
			renewed = true
			attempt--
			continue
		}
		if err == nil {
			return m, nil
		}
		if !Retryable(err) || attempt >= mediaAttempts {
			return Download{}, err
		}
		c.log.Warn("wecom media download failed; trying again", "attempt", attempt, "err", err)
		select {
		case <-time.After(mediaBackoff << (attempt - 1)):
		case <-ctx.Done():
			return Download{}, fmt.Errorf("wecom %s: %w (after: %w)", opMediaGet, ctx.Err(), err)
		}
	}
}

func (c *WeComClient) getMedia(ctx context.Context, tok, mediaID string, limit int64) (Download, error) {
	// The query is set apart, so no error quotes the token.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/cgi-bin/media/get", nil)
	if err != nil {
		return Download{}, fmt.Errorf("wecom %s: %w", opMediaGet, err)
	}
	req.URL.RawQuery = url.Values{"access_token": {tok}, "media_id": {mediaID}}.Encode()
	resp, err := c.http.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // *url.Error repeats the URL, token and all
		}
		return Download{}, fmt.Errorf("wecom %s: %w", opMediaGet, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return Download{}, &HTTPStatusError{Op: opMediaGet, Status: resp.StatusCode}
	}
	ctype, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	disposition := resp.Header.Get("Content-Disposition")
	if disposition == "" && (strings.Contains(ctype, "json") || ctype == "text/plain") {
		// An error is an ordinary 200 answer with a JSON body.
		var res SendResult
		if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&res); err != nil {
			return Download{}, fmt.Errorf("wecom %s: decode answer: %w", opMediaGet, err)
		}
		if res.ErrCode != 0 {
			return Download{}, &APIError{Op: opMediaGet, Code: res.ErrCode, Msg: res.ErrMsg}
		}
		return Download{}, Permanent(fmt.Errorf("wecom %s: a %s answer without a file", opMediaGet, ctype))
	}
	if resp.ContentLength > limit {
		return Download{}, Permanent(&MediaTooLargeError{Limit: limit})
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	n, err := io.Copy(&buf, io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return Download{}, fmt.Errorf("wecom %s: read the file: %w", opMediaGet, err)
	}
	if n > limit {
		return Download{}, Permanent(&MediaTooLargeError{Limit: limit})
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return Download{}, fmt.Errorf("wecom %s: %d of %d bytes: %w", opMediaGet, n, resp.ContentLength, io.ErrUnexpectedEOF)
	}
	return Download{Name: dispositionName(disposition), Type: ctype, Content: buf.Bytes()}, nil
}

// dispositionName returns the file name of a Content-Disposition header:
// filename* (RFC 5987) when present, else filename, which WeCom sends as
// raw UTF-8 between quotes.
func dispositionName(h string) string {
	if h == "" {
		return ""
	}
	if _, params, err := mime.ParseMediaType(h); err == nil {
		return params["filename"] // mime decodes filename* into filename
	}
	// ParseMediaType refuses some headers seen in the wild (a name
	// with spaces and no quotes); take what follows filename=.
	_, rest, ok := strings.Cut(h, "filename=")
	if !ok {
		return ""
	}
	rest, _, _ = strings.Cut(rest, ";")
	return strings.Trim(strings.TrimSpace(rest), `"`)
}

// FetchMedia fetches a photo or file a person sent, for the conversation
// (handlers.MediaFetcher): at most duban.MaxAttachmentBytes, with the
// refusals worth telling the sender as coded errors in their words.
func (c *WeComClient) FetchMedia(ctx context.Context, mediaID string) (string, []byte, error) {
	d, err := c.DownloadMedia(ctx, mediaID, duban.MaxAttachmentBytes)
	if err == nil {
		return d.Name, d.Content, nil
	}
	if _, ok := errors.AsType[*MediaTooLargeError](err); ok {
		return "", nil, duban.Errorf(duban.EINVALID, "这个文件超过 %d MB，未保存。请压缩或拆分后再发送，或在网页上上传。", duban.MaxAttachmentBytes>>20)
	}
	if ae, ok := errors.AsType[*APIError](err); ok && (ae.Code == codeInvalidMediaID) {
		return "", nil, duban.Errorf(duban.EINVALID, "企业微信已取不到这个文件（发送超过三天或已失效，错误码 %d），未保存。请重新发送。", ae.Code)
	}
	return "", nil, err
}
