package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/duban-org/duban/store"
)

// syncWriter collects a log written from many goroutines.
type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// serve with an injected free-space figure: below [store] min_free_mb it
// starts, holds its outbox, refuses callbacks with 503 (stores nothing),
// /healthz says why, one log line says so; when space returns it carries
// on by itself.
func TestServeSurvivesLowDiskSpace(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	code, out, errs := cli(t, "", "remind", "--config", e.cfgPath, "--now", "2026-11-26 23:59")
	queued := 0
	if i := strings.LastIndex(out, "已将 "); i >= 0 {
		fmt.Sscanf(out[i:], "已将 %d 条", &queued)
	}
	if code != 0 || queued == 0 {
		t.Fatalf("remind: %d\n%s\n%s", code, out, errs)
	}
	var free atomic.Uint64
	free.Store(100 << 20) // below the default floor of 256 MB
	logs := &syncWriter{}
	env := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: logs, getenv: func(string) string { return "" },
		log:       slog.New(slog.NewTextHandler(logs, nil)),
		freeSpace: func(string) (uint64, error) { return free.Load(), nil }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- runEnv(ctx, env, []string{"serve", "--config", e.cfgPath}) }()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d:\n%s", code, logs.String())
		}
	}()
	serving := regexp.MustCompile(`msg=serving addr=(\S+)`)
	var addr string
	waitFor(t, 15*time.Second, "serve to listen", func() bool {
		if m := serving.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
		}
		return addr != ""
	})
	p := &serveProc{t: t, addr: addr}
	health := func() (int, string) {
		resp, err := http.Get(p.url("/healthz"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	const user = "zhaojie"
	code, body := health()
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "low disk space: 100 MB free") || !strings.Contains(body, "磁盘空间不足") {
		t.Fatalf("healthz while low: %d %q", code, body)
	}
	refused := e.fake.NewTextCallback(user, "帮助", "low-space-1")
	for range 50 {
		if code, _ := p.send(refused); code != http.StatusServiceUnavailable {
			t.Fatalf("callback while low answered %d", code)
		}
	}
	if n := strings.Count(logs.String(), "disk space low"); n != 1 {
		t.Errorf("%d log lines about low space, want 1:\n%s", n, logs.String())
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(e.fake.Messages()); n != 0 {
		t.Fatalf("%d messages sent while the store could not record them", n)
	}

	free.Store(10 << 30)
	if code, body := health(); code != http.StatusOK {
		t.Fatalf("healthz after space returned: %d %q", code, body)
	}
	if !strings.Contains(logs.String(), "resuming") {
		t.Errorf("no recovery line:\n%s", logs.String())
	}
	waitFor(t, 20*time.Second, "the queued reminders", func() bool { return len(e.fake.Messages()) >= queued })
	// Nothing of the refused callbacks was stored: no reply to them.
	before := len(e.fake.MessagesTo(user))
	if got := e.barrier(p, user); len(got) != before {
		t.Fatalf("%d messages before the barrier, want %d%s", len(got), before, describe(got))
	}
	// WeCom's retry of a refused callback is now accepted and answered.
	p.mustAck(refused)
	e.waitMessagesTo(user, before+2, 10*time.Second)
	select {
	case code := <-done:
		t.Fatalf("serve exited %d", code)
	default:
	}
}

// Commands that write much refuse at once, in Chinese, and write nothing.
func TestCommandsRefuseOnLowDiskSpace(t *testing.T) {
	cfg, storeDir := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %s %s", out, errs)
	}
	good := filepath.Join(t.TempDir(), "good.bak")
	if code, out, errs := cli(t, "", "backup", "--config", cfg, good); code != 0 {
		t.Fatalf("backup: %s %s", out, errs)
	}
	// A floor no disk meets: the real free space is below it.
	full := func(dir string) string {
		p := filepath.Join(t.TempDir(), "full.toml")
		os.WriteFile(p, []byte("[store]\ndir = \""+dir+"\"\nmin_free_mb = 1000000000\n"), 0o600)
		return p
	}
	lowCfg := full(storeDir)
	newStore := filepath.Join(t.TempDir(), "new")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "--config", lowCfg, "../../examples/sample"}, "没有写入任何内容"},
		{[]string{"remind", "--config", lowCfg, "--now", "2026-11-26 09:00"}, "本轮提醒没有记录，也没有发出"},
		{[]string{"backup", "--config", lowCfg, good + ".2"}, "没有写备份"},
		{[]string{"restore", "--config", full(newStore), good}, "没有恢复"},
	} {
		code, _, errs := cli(t, "", c.args...)
		if code != 2 || !strings.Contains(errs, "磁盘空间不足") || !strings.Contains(errs, c.want) || !strings.Contains(errs, "min_free_mb") {
			t.Errorf("%v: %d %s", c.args[0], code, errs)
		}
	}
	if _, err := os.Stat(good + ".2"); !os.IsNotExist(err) {
		t.Errorf("backup written: %v", err)
	}
	if _, err := os.Stat(newStore); !os.IsNotExist(err) {
		t.Errorf("restore wrote %s: %v", newStore, err)
	}
	st, err := store.Open(storeDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, err := st.OutboxLen(context.Background()); err != nil || n != 0 {
		t.Errorf("outbox %d %v after a refused pass", n, err)
	}
}

func TestServeWaitsToOpenAFullDisk(t *testing.T) {
	logs := &syncWriter{}
	e := &env{log: slog.New(slog.NewTextHandler(logs, nil))}
	full := fmt.Errorf("open store: Cannot write pid file: %w", syscall.ENOSPC)
	tries := 0
	a, err := openWhenRoom(context.Background(), e, time.Millisecond, func() (*app, error) {
		if tries++; tries < 5 {
			return nil, full
		}
		return &app{}, nil
	})
	if err != nil || a == nil || tries != 5 {
		t.Fatalf("%v %v after %d tries", a, err, tries)
	}
	if n := strings.Count(logs.String(), "waiting for space"); n != 1 {
		t.Errorf("%d log lines:\n%s", n, logs.String())
	}
	other := errors.New("permission denied")
	if _, err := openWhenRoom(context.Background(), e, time.Millisecond, func() (*app, error) { return nil, other }); err != other {
		t.Errorf("other error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if a, err := openWhenRoom(ctx, e, time.Hour, func() (*app, error) { return nil, full }); a != nil || err != nil {
		t.Errorf("stopped while waiting: %v %v", a, err)
	}
}
