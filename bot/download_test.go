package bot

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/duban-org/duban/bot/wecomtest"
)

func fastMediaRetries(t *testing.T) {
	old := mediaBackoff
	mediaBackoff = 5 * time.Millisecond
	t.Cleanup(func() { mediaBackoff = old })
}

func TestDownloadMedia(t *testing.T) {
	fastMediaRetries(t)
	ctx := context.Background()
	fake := wecomtest.New(t)
	c := newClient(t, fake, nil, 2*time.Second)
	photo := bytes.Repeat([]byte("\xff\xd8\xff\xe0photo"), 50000) // ~450 KB, several writes
	id := fake.AddMedia("党组会纪要 第3次.jpg", "image/jpeg", photo)

	m, err := c.DownloadMedia(ctx, id, 1<<20)
	if err != nil || !bytes.Equal(m.Content, photo) || m.Name != "党组会纪要 第3次.jpg" || m.Type != "image/jpeg" {
		t.Fatalf("download: %q %q %d bytes, %v", m.Name, m.Type, len(m.Content), err)
	}

	// Past the limit, by Content-Length or, without one, by the stream.
	if _, err := c.DownloadMedia(ctx, id, int64(len(photo)-1)); !isTooLarge(err) {
		t.Errorf("over the limit: %v", err)
	}
	fake.SetMediaChunked(true)
	if _, err := c.DownloadMedia(ctx, id, int64(len(photo)-1)); !isTooLarge(err) {
		t.Errorf("over the limit, streamed: %v", err)
	}
	if m, err := c.DownloadMedia(ctx, id, int64(len(photo))); err != nil || len(m.Content) != len(photo) {
		t.Errorf("at the limit, streamed: %d %v", len(m.Content), err)
	}
	fake.SetMediaChunked(false)

	// An expired media_id is WeCom's 40007, answered once, not retried.
	fake.ExpireMedia(id)
	before := fake.MediaRequests()
	_, err = c.DownloadMedia(ctx, id, 1<<20)
	if ae, ok := errors.AsType[*APIError](err); !ok || ae.Code != 40007 || Retryable(err) {
		t.Errorf("expired: %v", err)
	}
	if n := fake.MediaRequests() - before; n != 1 {
		t.Errorf("expired media_id asked %d times", n)
	}
}

func isTooLarge(err error) bool {
	_, ok := errors.AsType[*MediaTooLargeError](err)
	return ok && !Retryable(err)
}

func TestDownloadMediaRetries(t *testing.T) {
	fastMediaRetries(t)
	ctx := context.Background()
	fake := wecomtest.New(t)
	c := newClient(t, fake, nil, 300*time.Millisecond)
	id := fake.AddMedia("x.jpg", "image/jpeg", []byte("\xff\xd8\xff\xe0jpeg"))

	// System busy, then a 502: the third try gets it.
	fake.FailMediaNext(1, -1)
	fake.FailMediaNextHTTP(1, http.StatusBadGateway)
	if _, err := c.DownloadMedia(ctx, id, 1<<20); err != nil {
		t.Fatalf("after two failures: %v", err)
	}
	// Three failures: given up, and the error says it is worth trying later.
	fake.FailMediaNextHTTP(3, http.StatusServiceUnavailable)
	if _, err := c.DownloadMedia(ctx, id, 1<<20); err == nil || !Retryable(err) {
		t.Fatalf("after three failures: %v", err)
	}
	// An expired token is renewed once, without using up a try.
	fake.ExpireTokens()
	fake.FailMediaNextHTTP(2, http.StatusInternalServerError)
	tokens := fake.TokenRequests()
	if _, err := c.DownloadMedia(ctx, id, 1<<20); err != nil {
		t.Fatalf("expired token: %v", err)
	}
	if fake.TokenRequests() != tokens+1 {
		t.Errorf("%d token requests for one expiry", fake.TokenRequests()-tokens)
	}
	// A timeout is retried; the error never quotes the token.
	fake.SetDelay(time.Second)
	_, err := c.DownloadMedia(ctx, id, 1<<20)
	if err == nil || !Retryable(err) || bytes.Contains([]byte(err.Error()), []byte("fake-token")) {
		t.Fatalf("timeout: %v", err)
	}
}

func TestDispositionName(t *testing.T) {
	for h, want := range map[string]string{
		`attachment; filename="MEDIA_ID.jpg"`:                  "MEDIA_ID.jpg",
		`attachment; filename="党组会纪要.pdf"`:                     "党组会纪要.pdf",
		`attachment; filename*=UTF-8''%E6%96%B9%E6%A1%88.docx`: "方案.docx",
		`attachment; filename=plan v2.docx`:                    "plan v2.docx",
		``:                                                     "",
		`inline`:                                               "",
	} {
		if got := dispositionName(h); got != want {
			t.Errorf("%q: %q, want %q", h, got, want)
		}
	}
}

func FuzzDispositionName(f *testing.F) {
	f.Add(`attachment; filename="a.jpg"`)
	f.Add(`attachment; filename*=UTF-8''%E6%96%B9.doc`)
	f.Add(`filename=`)
	f.Fuzz(func(t *testing.T, h string) { dispositionName(h) })
}
