package bot

import (
	"time"

	"github.com/duban-org/duban/store"
)

// queueCursor lets the worker's and the sender's scans start past what they
// have already handled instead of wading, on every wake-up, through the
// deletion markers of every entry handled since the last compaction (at a
// few hundred callbacks a second that was most of serve's CPU).
//
// Queue ids are the wall clock taken just before an entry's transaction, so
// an entry may commit with an id older than one already seen. The cursor
// therefore never passes the clock minus cursorLag, and a full scan from the
// start every poll period catches anything slower still.
type queueCursor struct {
	from     string
	lastFull time.Time
}

const cursorLag = 5 * time.Second

// start returns the id the next scan begins at: "" (the start) when a full
// scan is due.
func (c *queueCursor) start(now time.Time, every time.Duration) string {
	if c.from == "" || now.Sub(c.lastFull) >= every {
		c.lastFull = now
		return ""
	}
	return c.from
}

// advance places the cursor after a scan: at the oldest entry read that will
// still be there next time (waiting == ""  when none), never past the last
// entry read when the scan was cut short by its limit, and never past the
// clock minus cursorLag.
func (c *queueCursor) advance(now time.Time, waiting, lastRead string, truncated bool) {
	from := store.QueueIDAt(now.Add(-cursorLag))
	if waiting != "" && waiting < from {
		from = waiting
	}
	if truncated && lastRead < from {
		from = lastRead
	}
	c.from = from
}

// reset makes the next scan a full one (an entry may have stayed behind).
func (c *queueCursor) reset() { c.from = "" }
