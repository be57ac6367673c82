package bot

import (
	"testing"
	"time"

	"github.com/duban-org/duban/store"
)

func TestQueueCursor(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	var c queueCursor
	if got := c.start(now, 30*time.Second); got != "" {
		t.Fatalf("first scan starts at %q, want the start", got)
	}
	lag := store.QueueIDAt(now.Add(-cursorLag))
	c.advance(now, "", "", false)
	if got := c.start(now.Add(time.Second), 30*time.Second); got != lag {
		t.Errorf("idle: cursor %q, want clock minus lag %q", got, lag)
	}
	old := store.QueueIDAt(now.Add(-time.Hour))
	c.advance(now, old, store.QueueIDAt(now), false)
	if got := c.start(now, 30*time.Second); got != old {
		t.Errorf("a waiting entry must be scanned again: %q, want %q", got, old)
	}
	c.advance(now, "", old, true)
	if got := c.start(now, 30*time.Second); got != old {
		t.Errorf("a truncated scan must resume where it stopped: %q, want %q", got, old)
	}
	newer := store.QueueIDAt(now)
	c.advance(now, newer, newer, false)
	if got := c.start(now, 30*time.Second); got != lag {
		t.Errorf("the cursor passed the clock minus lag: %q", got)
	}
	if got := c.start(now.Add(31*time.Second), 30*time.Second); got != "" {
		t.Errorf("no full scan after the poll period: %q", got)
	}
	c.reset()
	if got := c.start(now.Add(32*time.Second), 30*time.Second); got != "" {
		t.Errorf("reset did not force a full scan: %q", got)
	}
}
