package main

import (
	"context"
	"log/slog"
	"math"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestSetMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	log := slog.New(slog.DiscardHandler)
	noEnv := func(string) string { return "" }

	debug.SetMemoryLimit(math.MaxInt64)
	if got := setMemoryLimit(log, 160, noEnv); got != 160<<20 || debug.SetMemoryLimit(-1) != 160<<20 {
		t.Errorf("memory_limit_mb = 160: limit %d, runtime's %d; want %d", got, debug.SetMemoryLimit(-1), 160<<20)
	}
	debug.SetMemoryLimit(math.MaxInt64)
	if got := setMemoryLimit(log, 0, noEnv); got != math.MaxInt64 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Errorf("memory_limit_mb = 0 set a limit: %d", got)
	}
	// GOMEMLIMIT, read by the runtime at start, wins over the key.
	debug.SetMemoryLimit(300 << 20)
	env := func(k string) string {
		if k == "GOMEMLIMIT" {
			return "300MiB"
		}
		return ""
	}
	if got := setMemoryLimit(log, 160, env); got != 300<<20 || debug.SetMemoryLimit(-1) != 300<<20 {
		t.Errorf("with GOMEMLIMIT set the key replaced it: %d", got)
	}
}

func TestWatchMemoryLimitWarnsOncePastNineTenths(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	var live atomic.Uint64
	live.Store(100 << 20)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); watchMemoryLimit(ctx, log, 160<<20, live.Load, time.Millisecond) }()
	time.Sleep(30 * time.Millisecond)
	if strings.Contains(buf.String(), "memory limit") {
		t.Fatalf("warned at 100 of 160 MB live: %s", buf.String())
	}
	live.Store(150 << 20)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(buf.String(), "memory_limit_mb") && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(30 * time.Millisecond)
	cancel()
	<-done
	out := buf.String()
	if n := strings.Count(out, "live heap near the memory limit"); n != 1 {
		t.Fatalf("at 150 of 160 MB live: %d warnings, want one within the hour:\n%s", n, out)
	}
	if !strings.Contains(out, "live_mb=150") || !strings.Contains(out, "memory_limit_mb=160") {
		t.Errorf("the warning does not say the figures: %s", out)
	}
}

// syncBuffer is a log's writer safe for the watcher's goroutine and the
// test's reads.
type syncBuffer struct{ lockedBuffer }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}
