package diskspace

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeDisk is an injected free-space function and clock.
type fakeDisk struct {
	free atomic.Uint64
	mu   sync.Mutex
	now  time.Time
}

func (d *fakeDisk) Free(string) (uint64, error) { return d.free.Load(), nil }
func (d *fakeDisk) Now() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.now
}
func (d *fakeDisk) advance(by time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.now = d.now.Add(by)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestGuardLogsOnceAMinuteAndRecovers(t *testing.T) {
	disk := &fakeDisk{now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	disk.free.Store(500 << 20)
	var log syncBuffer
	g := New("/srv/duban", Options{MinFree: 100 << 20, Free: disk.Free, Now: disk.Now, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err := g.Check(); err != nil {
		t.Fatal(err)
	}
	disk.free.Store(40 << 20)
	for range 1000 {
		err := g.Check()
		var low *LowError
		if !errors.As(err, &low) || !errors.Is(err, ErrLow) || low.Free != 40<<20 ||
			!strings.Contains(err.Error(), "磁盘空间不足：/srv/duban 所在的磁盘只剩 40 MB，低于下限 100 MB") {
			t.Fatalf("low: %v", err)
		}
		disk.advance(50 * time.Millisecond) // 1000 checks in 50 s
	}
	if n := strings.Count(log.String(), "disk space low"); n != 1 {
		t.Fatalf("%d lines in 50 s:\n%s", n, log.String())
	}
	disk.advance(15 * time.Second)
	g.Check()
	if n := strings.Count(log.String(), "disk space low"); n != 2 {
		t.Fatalf("%d lines after a minute:\n%s", n, log.String())
	}
	disk.free.Store(101 << 20)
	if err := g.Check(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "resuming") {
		t.Fatalf("no recovery line:\n%s", log.String())
	}
	if err := g.CheckFor(10 << 20); !errors.Is(err, ErrLow) || !strings.Contains(err.Error(), "还需要约 10 MB") {
		t.Fatalf("need: %v", err)
	}
}

func TestWaitReturnsWhenSpaceReturns(t *testing.T) {
	disk := &fakeDisk{now: time.Now()}
	disk.free.Store(1 << 20)
	g := New("d", Options{MinFree: 2 << 20, Free: disk.Free, Poll: time.Millisecond})
	done := make(chan error, 1)
	go func() { done <- g.Wait(context.Background()) }()
	select {
	case err := <-done:
		t.Fatalf("returned while low: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	disk.free.Store(3 << 20)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	disk.free.Store(0)
	cancel()
	if err := g.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
}

func TestRealFreeSpace(t *testing.T) {
	free, err := freeSpace(t.TempDir())
	if err != nil || free == 0 {
		t.Fatalf("free %d err %v", free, err)
	}
	if err := New(t.TempDir(), Options{MinFree: 1}).Check(); err != nil {
		t.Fatal(err)
	}
	if err := New(t.TempDir(), Options{MinFree: 1 << 62}).Check(); !errors.Is(err, ErrLow) {
		t.Fatalf("an impossible floor passed: %v", err)
	}
}
