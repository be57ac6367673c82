package bot

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duban-org/duban/bot/wecomtest"
	"github.com/duban-org/duban/store"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openStore(t testing.TB, dir string) *store.Store {
	t.Helper()
	o := store.Options{}
	if dir == "" {
		o.InMemory = true
	}
	st, err := store.Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func newMemStore(t testing.TB) *store.Store {
	st := openStore(t, "")
	t.Cleanup(func() { st.Close() })
	return st
}

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// callbackServer serves a Callback for fake's app on 127.0.0.1.
func callbackServer(t testing.TB, fake *wecomtest.Server, inbox Inbox, mod func(*CallbackConfig)) (url string, cb *Callback) {
	t.Helper()
	cfg := CallbackConfig{
		Token: fake.Token, EncodingAESKey: fake.EncodingAESKey, CorpID: fake.CorpID,
		Logger: quietLogger(),
	}
	if mod != nil {
		mod(&cfg)
	}
	cb, err := NewCallback(cfg, inbox)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(cb)
	t.Cleanup(srv.Close)
	return srv.URL + "/wecom/callback", cb
}

// post sends c and returns the status and body.
func post(t testing.TB, c wecomtest.Callback, target string) (int, string) {
	t.Helper()
	resp, err := c.Send(nil, target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func inboxLen(t testing.TB, st *store.Store) int {
	t.Helper()
	n, err := st.InboxLen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func outboxLen(t testing.TB, st *store.Store) int {
	t.Helper()
	n, err := st.OutboxLen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var _ http.Handler = (*Callback)(nil)

// logBuf collects a logger's lines, safe for concurrent use.
type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// count returns how many lines hold s.
func (l *logBuf) count(s string) int {
	n := 0
	for line := range strings.Lines(l.String()) {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// captureLogger returns a logger writing every level into the returned buffer.
func captureLogger() (*slog.Logger, *logBuf) {
	b := &logBuf{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}
