package handlers

import (
	"context"
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

// pageMemo remembers the pages read of one list of a standing counted from
// the tallies (overdue, due soon, waiting): the tallies do not change, so
// a page asked again (编办's 任务 逾期 第2页, by several people) is the same
// tasks, merged from 10,000 units once.
type pageMemo struct {
	read  func(from, n int) []duban.Task
	mu    sync.Mutex
	pages map[[2]int][]duban.Task // by [from, to)
}

// maxMemoPages bounds the pages remembered of one list.
const maxMemoPages = 64

func rememberPages(read func(from, n int) []duban.Task) func(context.Context, int, int) ([]duban.Task, error) {
	m := &pageMemo{read: read}
	return m.page
}

func (m *pageMemo) page(_ context.Context, from, to int) ([]duban.Task, error) {
	k := [2]int{from, to}
	m.mu.Lock()
	p, ok := m.pages[k]
	m.mu.Unlock()
	if ok {
		return p, nil
	}
	p = m.read(from, to-from)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pages == nil || len(m.pages) >= maxMemoPages {
		m.pages = map[[2]int][]duban.Task{}
	}
	m.pages[k] = p
	return p, nil
}
