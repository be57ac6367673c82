// Package diskspace keeps a floor of free space under a directory. Below
// it, write-heavy work waits or is refused: Badger writes through memory
// maps, and a full disk kills the process (SIGBUS) instead of failing a
// write.
package diskspace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// ErrLow matches every LowError (errors.Is).
var ErrLow = errors.New("low disk space")

// LowError says the free space under Dir is below the floor. Its message
// is Chinese, for the person at the command line; English gives the same
// for logs and /healthz.
type LowError struct {
	Dir       string
	Free, Min uint64 // bytes
	Need      uint64 // bytes the refused step needs above the floor
}

func (e *LowError) Error() string {
	s := fmt.Sprintf("磁盘空间不足：%s 所在的磁盘只剩 %s，低于下限 %s（[store] min_free_mb）", e.Dir, mb(e.Free), mb(e.Min))
	if e.Need > 0 {
		s = fmt.Sprintf("磁盘空间不足：%s 所在的磁盘只剩 %s，这一步还需要约 %s，加上下限 %s（[store] min_free_mb）不够", e.Dir, mb(e.Free), mb(e.Need), mb(e.Min))
	}
	return s + "；请先清理磁盘"
}

// English is the message in English.
func (e *LowError) English() string {
	s := fmt.Sprintf("low disk space: %s free under %s, below the floor of %s ([store] min_free_mb)", mb(e.Free), e.Dir, mb(e.Min))
	if e.Need > 0 {
		s += fmt.Sprintf(" plus the %s this step needs", mb(e.Need))
	}
	return s
}

func (e *LowError) Is(target error) bool { return target == ErrLow }

func mb(b uint64) string { return fmt.Sprintf("%d MB", b>>20) }

// Options tune a Guard.
type Options struct {
	// MinFree is the floor in bytes; 0 turns the guard off.
	MinFree uint64
	// Free returns the bytes available under dir; nil means the
	// filesystem's space available to unprivileged users.
	Free func(dir string) (uint64, error)
	// Logger receives one line when space runs low, one a minute while it
	// stays low, and one when it returns; nil discards them.
	Logger *slog.Logger
	// Poll is how often Wait and Run look again (default 1 s).
	Poll time.Duration
	// Now is the clock of the log's rate limit; nil means time.Now.
	Now func() time.Time
}

// Guard checks the free space under one directory. It is safe for
// concurrent use.
type Guard struct {
	dir string
	o   Options

	mu      sync.Mutex
	low     bool
	logged  time.Time // last line about low space (or a failing Free)
	lastErr error
}

// logEvery bounds the lines logged while space stays low.
const logEvery = time.Minute

// New returns a guard for dir.
func New(dir string, o Options) *Guard {
	if o.Free == nil {
		o.Free = freeSpace
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Guard{dir: dir, o: o}
}

// Check returns nil when the space under the directory is at or above the
// floor, a *LowError otherwise. When the free space cannot be read it logs
// that (at most once a minute) and returns nil: an unknown is no reason to
// stop work.
func (g *Guard) Check() error { return g.CheckFor(0) }

// CheckFor is Check for a step that will write about need bytes.
func (g *Guard) CheckFor(need uint64) error {
	if g == nil || g.o.MinFree == 0 {
		return nil
	}
	free, err := g.o.Free(g.dir)
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.o.Now()
	if err != nil {
		if now.Sub(g.logged) >= logEvery {
			g.logged = now
			g.o.Logger.Warn("cannot read free disk space; not guarding", "dir", g.dir, "err", err)
		}
		return nil
	}
	if free >= g.o.MinFree+need {
		if g.low && need == 0 {
			g.low = false
			g.o.Logger.Info("disk space back above the floor; resuming", "dir", g.dir, "free_mb", free>>20, "min_free_mb", g.o.MinFree>>20)
		}
		return nil
	}
	low := &LowError{Dir: g.dir, Free: free, Min: g.o.MinFree, Need: need}
	if need == 0 && (!g.low || now.Sub(g.logged) >= logEvery) {
		g.low, g.logged = true, now
		g.o.Logger.Warn("disk space low: callbacks refused with 503, reminders, imports and backups wait", "dir", g.dir, "free_mb", free>>20, "min_free_mb", g.o.MinFree>>20)
	}
	return low
}

// Wait returns nil once Check passes, or ctx's error.
func (g *Guard) Wait(ctx context.Context) error {
	for {
		if err := g.Check(); err == nil {
			return nil
		}
		t := time.NewTimer(g.o.Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Run checks every Poll until ctx ends, so the log says when space runs
// low and when it returns even while nothing asks. It returns ctx's error.
func (g *Guard) Run(ctx context.Context) error {
	t := time.NewTicker(g.o.Poll)
	defer t.Stop()
	for {
		g.Check()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
