package bot

// Files over WeCom: a document is uploaded as temporary media
// (/cgi-bin/media/upload, valid 3 days), then sent by its media_id as a file
// or image message, to a member or to a group chat the app created.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const opUpload = "media/upload"

// MediaKind is the type of an upload.
type MediaKind string

const (
	MediaFile  MediaKind = "file"  // any format, at most 20 MB
	MediaImage MediaKind = "image" // JPG or PNG, at most 10 MB
)

// WeCom's limits on media/upload: more than 5 bytes, at most 20 MB for a
// file and 10 MB for an image.
const (
	MinMediaBytes = 6
	MaxFileBytes  = 20 << 20
	MaxImageBytes = 10 << 20
)

// ErrMediaRefused is wrapped by UploadMedia when the file cannot be uploaded
// as it is (size, format, kind); WeCom is not called. Retrying does not help.
var ErrMediaRefused = errors.New("media refused")

// Media is an uploaded file.
type Media struct {
	Kind      MediaKind
	ID        string // media_id, valid 3 days
	CreatedAt time.Time
}

// UploadMedia uploads data named name (the name a recipient sees) as kind,
// checking WeCom's limits first.
func (c *WeComClient) UploadMedia(ctx context.Context, kind MediaKind, name string, data []byte) (Media, error) {
	if err := checkMedia(kind, name, data); err != nil {
		return Media{}, err
	}
	body, contentType, err := multipartMedia(name, data)
	if err != nil {
		return Media{}, fmt.Errorf("wecom %s %s: %w", opUpload, name, err)
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.Token(ctx)
		if err != nil {
			return Media{}, err
		}
		q := url.Values{"access_token": {tok}, "type": {string(kind)}}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/cgi-bin/media/upload", bytes.NewReader(body))
		if err != nil {
			return Media{}, fmt.Errorf("wecom %s: %w", opUpload, err)
		}
		req.URL.RawQuery = q.Encode()
		req.Header.Set("Content-Type", contentType)
		m, err := c.upload(req)
		if ae, ok := errors.AsType[*APIError](err); ok && isTokenCode(ae.Code) && attempt == 0 {
			c.log.Info("wecom access token refused; renewing and uploading again", "op", opUpload, "errcode", ae.Code)
			c.invalidate(ctx, tok)
			continue
		}
		if err != nil {
			return Media{}, fmt.Errorf("upload %s: %w", name, err)
		}
		return m, nil
	}
}

func checkMedia(kind MediaKind, name string, data []byte) error {
	limit := 0
	switch kind {
	case MediaFile:
		limit = MaxFileBytes
	case MediaImage:
		limit = MaxImageBytes
		if !isPNG(data) && !isJPEG(data) {
			return fmt.Errorf("upload %s: an image must be JPG or PNG: %w", name, ErrMediaRefused)
		}
	default:
		return fmt.Errorf("upload %s: unknown media type %q: %w", name, kind, ErrMediaRefused)
	}
	if len(data) < MinMediaBytes || len(data) > limit {
		return fmt.Errorf("upload %s: %d bytes, WeCom takes %d to %d for a %s: %w", name, len(data), MinMediaBytes, limit, kind, ErrMediaRefused)
	}
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("upload: a file needs a name: %w", ErrMediaRefused)
	}
	return nil
}

func isPNG(b []byte) bool  { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }
func isJPEG(b []byte) bool { return bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) }

// multipartMedia writes the form WeCom wants: one part named "media" with
// filename and filelength.
func multipartMedia(name string, data []byte) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	quoted := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "").Replace(name)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="media"; filename="%s"; filelength=%d`, quoted, len(data)))
	h.Set("Content-Type", "application/octet-stream")
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(data); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

type uploadResult struct {
	ErrCode   int    `json:"errcode"`
	ErrMsg    string `json:"errmsg"`
	Type      string `json:"type"`
	MediaID   string `json:"media_id"`
	CreatedAt string `json:"created_at"` // seconds, as a string
}

// upload sends an upload request and reads WeCom's answer. Errors never
// carry the URL: its query holds the access token.
func (c *WeComClient) upload(req *http.Request) (Media, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return Media{}, fmt.Errorf("wecom %s: %w", opUpload, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return Media{}, &HTTPStatusError{Op: opUpload, Status: resp.StatusCode}
	}
	var res uploadResult
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&res); err != nil {
		return Media{}, fmt.Errorf("wecom %s: decode answer: %w", opUpload, err)
	}
	if res.ErrCode != 0 {
		return Media{}, &APIError{Op: opUpload, Code: res.ErrCode, Msg: res.ErrMsg}
	}
	if res.MediaID == "" {
		return Media{}, fmt.Errorf("wecom %s: answer without media_id", opUpload)
	}
	m := Media{Kind: MediaKind(res.Type), ID: res.MediaID}
	if s, err := strconv.ParseInt(res.CreatedAt, 10, 64); err == nil {
		m.CreatedAt = time.Unix(s, 0)
	}
	return m, nil
}

// MediaRef is the body of a file or image message.
type MediaRef struct {
	MediaID string `json:"media_id"`
}

// FileMessage sends an uploaded file.
type FileMessage struct {
	SendHeader
	File MediaRef `json:"file"`
}

// ImageMessage sends an uploaded image.
type ImageMessage struct {
	SendHeader
	Image MediaRef `json:"image"`
}

// SendMedia sends uploaded media m to a member as a file or image message.
func (c *WeComClient) SendMedia(ctx context.Context, to string, m Media) error {
	var msg Sendable
	switch m.Kind {
	case MediaImage:
		msg = &ImageMessage{SendHeader: SendHeader{ToUser: to, MsgType: "image"}, Image: MediaRef{m.ID}}
	default:
		msg = &FileMessage{SendHeader: SendHeader{ToUser: to, MsgType: "file"}, File: MediaRef{m.ID}}
	}
	_, err := c.Send(ctx, msg)
	return err
}

// SendMediaToChat sends uploaded media m to a group chat the app created.
func (c *WeComClient) SendMediaToChat(ctx context.Context, chatID string, m Media) error {
	kind := string(m.Kind)
	if kind == "" {
		kind = string(MediaFile)
	}
	body := map[string]any{"chatid": chatID, "msgtype": kind, kind: MediaRef{m.ID}, "safe": 0}
	var res SendResult
	return c.post(ctx, opChatSend, "/cgi-bin/appchat/send", body, &res)
}
