package handlers

import (
	"sync"

	"github.com/duban-org/duban"
)

// standingCache keeps, for each scope, the standing last counted from the
// store's tallies, with the ledger generation and the day it counts: asked
// again before the ledger changes (编办's 任务 and its pages, by several
// people), a standing is read, not counted again over 10,000 units. A
// standing is never changed once counted, so readers share it.
type standingCache struct {
	mu   sync.Mutex
	last map[string]cachedStanding // by standingKey.groups
}

// standingKey is what a standing counted from the tallies depends on.
type standingKey struct {
	groups string // the scope's groups; "" for every unit
	gen    uint64 // the ledger generation of the tallies
	today  duban.Date
	warn   int // Handler.WarnDays
}

type cachedStanding struct {
	key standingKey
	s   *standing
}

// maxCachedScopes bounds the scopes remembered (every group, and the sets
// of groups their leaders hold, are far fewer).
const maxCachedScopes = 256

// get returns the standing of key, counting it (count) unless the last one
// of its scope has the same key.
func (c *standingCache) get(key standingKey, count func() *standing) *standing {
	c.mu.Lock()
	e, ok := c.last[key.groups]
	c.mu.Unlock()
	if ok && e.key == key {
		return e.s
	}
	s := count()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil || len(c.last) >= maxCachedScopes {
		c.last = map[string]cachedStanding{}
	}
	// A count of an older generation, finished late, does not replace a newer.
	if e, ok := c.last[key.groups]; !ok || e.key.gen <= key.gen {
		c.last[key.groups] = cachedStanding{key, s}
	}
	return s
}
