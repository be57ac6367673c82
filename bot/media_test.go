package bot

import (
	"bytes"
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/duban-org/duban/bot/wecomtest"
)

func mediaClient(t *testing.T) (*WeComClient, *wecomtest.Server) {
	t.Helper()
	fake := wecomtest.New(t)
	c, err := NewWeComClient(ClientConfig{APIBase: fake.URL, CorpID: fake.CorpID, AgentID: fake.AgentID, Secret: fake.Secret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, fake
}

func TestUploadAndSendFile(t *testing.T) {
	c, fake := mediaClient(t)
	ctx := context.Background()
	doc := bytes.Repeat([]byte("PK\x03\x04 docx "), 100)
	m, err := c.UploadMedia(ctx, MediaFile, "工作通报-2026年第3期.docx", doc)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID == "" || m.Kind != MediaFile || m.CreatedAt.IsZero() {
		t.Fatalf("media %+v", m)
	}
	ups := fake.Uploads()
	if len(ups) != 1 || ups[0].Name != "工作通报-2026年第3期.docx" || ups[0].Length != len(doc) || !bytes.Equal(ups[0].Data, doc) || ups[0].Type != "file" {
		t.Fatalf("uploads %+v", ups)
	}
	if err := c.SendMedia(ctx, "wang", m); err != nil {
		t.Fatal(err)
	}
	got := fake.MessagesTo("wang")
	if len(got) != 1 || got[0].MsgType != "file" || got[0].File == nil || got[0].File.MediaID != m.ID {
		t.Fatalf("sent %+v", got)
	}
	// To the bulletin's group chat too.
	chat, err := c.CreateChat(ctx, "改革督办群", "wang", []string{"wang", "li"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendMediaToChat(ctx, chat, m); err != nil {
		t.Fatal(err)
	}
	if got := fake.MessagesTo("chat:" + chat); len(got) != 1 || got[0].File == nil || got[0].File.MediaID != m.ID {
		t.Fatalf("chat got %+v", got)
	}
	// A media_id WeCom never gave out is refused (40007), and not retried.
	err = c.SendMedia(ctx, "wang", Media{Kind: MediaFile, ID: "forged"})
	if ae, ok := errors.AsType[*APIError](err); !ok || ae.Code != 40007 || Retryable(err) {
		t.Fatalf("forged media_id: %v", err)
	}
}

func TestUploadImage(t *testing.T) {
	c, fake := mediaClient(t)
	ctx := context.Background()
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
	m, err := c.UploadMedia(ctx, MediaImage, "图1.png", png)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendMedia(ctx, "wang", m); err != nil {
		t.Fatal(err)
	}
	if got := fake.MessagesTo("wang"); len(got) != 1 || got[0].MsgType != "image" || got[0].Image == nil || got[0].Image.MediaID != m.ID {
		t.Fatalf("sent %+v", got)
	}
}

// Files WeCom would refuse are refused before any call.
func TestUploadLimits(t *testing.T) {
	c, fake := mediaClient(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		kind MediaKind
		data []byte
	}{
		{"tiny.docx", MediaFile, []byte("12345")},
		{"big.docx", MediaFile, make([]byte, MaxFileBytes+1)},
		{"big.png", MediaImage, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, MaxImageBytes)...)},
		{"chart.gif", MediaImage, []byte("GIF89a......")},
		{"", MediaFile, []byte("0123456789")},
		{"voice.amr", MediaKind("voice"), []byte("0123456789")},
	} {
		_, err := c.UploadMedia(ctx, tc.kind, tc.name, tc.data)
		if !errors.Is(err, ErrMediaRefused) {
			t.Errorf("%s (%s, %d bytes): %v", tc.name, tc.kind, len(tc.data), err)
		}
	}
	if n := fake.SendRequests(); n != 0 {
		t.Errorf("%d calls to WeCom for files it would refuse", n)
	}
	// At the limit it goes.
	if _, err := c.UploadMedia(ctx, MediaFile, "limit.docx", make([]byte, MaxFileBytes)); err != nil {
		t.Errorf("a 20 MB file: %v", err)
	}
}

func TestUploadTokenAndErrors(t *testing.T) {
	c, fake := mediaClient(t)
	ctx := context.Background()
	if _, err := c.UploadMedia(ctx, MediaFile, "a.docx", []byte("0123456789")); err != nil {
		t.Fatal(err)
	}
	fake.ExpireTokens()
	if _, err := c.UploadMedia(ctx, MediaFile, "b.docx", []byte("0123456789")); err != nil {
		t.Fatalf("after the token expired: %v", err)
	}
	if n := fake.TokenRequests(); n != 2 {
		t.Errorf("%d token requests, want a renewal", n)
	}
	fake.FailNext(1, -1)
	_, err := c.UploadMedia(ctx, MediaFile, "c.docx", []byte("0123456789"))
	if !Retryable(err) {
		t.Errorf("system busy: %v, want retryable", err)
	}
	fake.FailNextHTTP(1, http.StatusBadGateway)
	_, err = c.UploadMedia(ctx, MediaFile, "c.docx", []byte("0123456789"))
	if !Retryable(err) || strings.Contains(err.Error(), "access_token") {
		t.Errorf("502: %v", err)
	}
	if len(fake.Uploads()) != 2 {
		t.Errorf("uploads %d", len(fake.Uploads()))
	}
}

// The fake answers malformed uploads as WeCom does.
func TestFakeRefusesBadUploads(t *testing.T) {
	c, fake := mediaClient(t)
	ctx := context.Background()
	tok, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	post := func(kind, field, name string, data []byte) int {
		t.Helper()
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		if field != "" {
			part, _ := w.CreateFormFile(field, name)
			part.Write(data)
		}
		w.Close()
		req, _ := http.NewRequest(http.MethodPost, fake.URL+"/cgi-bin/media/upload?access_token="+tok+"&type="+kind, &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		m, err := c.upload(req)
		if err == nil {
			t.Fatalf("accepted %s %s: %+v", kind, name, m)
		}
		ae, ok := errors.AsType[*APIError](err)
		if !ok {
			t.Fatalf("%s: %v", name, err)
		}
		return ae.Code
	}
	for _, tc := range []struct {
		kind, field, name string
		data              []byte
		code              int
	}{
		{"document", "media", "a.docx", []byte("0123456789"), 40005},
		{"file", "", "", nil, 41005},
		{"file", "other", "a.docx", []byte("0123456789"), 41005},
		{"file", "media", "a.docx", nil, 44001},
		{"file", "media", "a.docx", []byte("12345"), 40006},
		{"image", "media", "a.png", []byte("12345"), 40009},
		{"image", "media", "a.gif", []byte("GIF89a......"), 40004},
	} {
		if got := post(tc.kind, tc.field, tc.name, tc.data); got != tc.code {
			t.Errorf("%s %s (%d bytes): errcode %d, want %d", tc.kind, tc.name, len(tc.data), got, tc.code)
		}
	}
	if len(fake.Uploads()) != 0 {
		t.Errorf("refused uploads were recorded")
	}
}
