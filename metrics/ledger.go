package metrics

// The ledger's gauges. A scrape does not read the whole ledger: the
// collector keeps each task's status and deadline, read once at the first
// scrape and then re-read only for the tasks the store reports changed; the
// light is judged at scrape time from the counts by (status, deadline), so
// a day passing needs no re-read. Queue lengths are counted at most once
// per queueMaxAge.

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// Source is what the gauges read: *store.Store.
type Source interface {
	Tasks(ctx context.Context, f store.TaskFilter) ([]duban.Task, error)
	Task(ctx context.Context, id string) (duban.Task, error)
	WatchTasks(fn func(ids []string)) (stop func())
	InboxLen(ctx context.Context) (int, error)
	OutboxLen(ctx context.Context) (int, error)
}

// queueMaxAge is how long a count of the queues serves scrapes.
const queueMaxAge = 10 * time.Second

var (
	inboxDesc  = prometheus.NewDesc("duban_inbox_pending", "Accepted callbacks not yet handled.", nil, nil)
	outboxDesc = prometheus.NewDesc("duban_outbox_pending", "Outgoing messages not yet delivered (including those waiting to retry).", nil, nil)
	tasksDesc  = prometheus.NewDesc("duban_tasks", "Tasks by status and traffic light.", []string{"status", "light"}, nil)
	errDesc    = prometheus.NewDesc("duban_store_scrape_error", "1 when the store could not be read for this scrape.", nil, nil)
)

type standing struct {
	status   duban.Status
	deadline duban.Date
}

type ledgerCollector struct {
	src      Source
	loc      *time.Location
	warnDays int
	now      func() time.Time

	// dirty holds the tasks changed since the last scrape, under its own
	// lock so a writer telling a change never waits for a scrape.
	dirtyMu sync.Mutex
	dirty   map[string]bool

	mu       sync.Mutex // serialises scrapes
	seeded   bool
	tasks    map[string]standing
	counts   map[standing]int
	queuedAt time.Time // when inbox and outbox were counted
	inbox    int
	outbox   int
}

func newLedgerCollector(src Source, loc *time.Location, warnDays int) *ledgerCollector {
	c := &ledgerCollector{src: src, loc: loc, warnDays: warnDays, now: time.Now,
		dirty: map[string]bool{}, tasks: map[string]standing{}, counts: map[standing]int{}}
	// Watching before the first read: a change committed meanwhile is
	// re-read after it, so none is missed.
	src.WatchTasks(c.changed)
	return c
}

// changed is told the ids of tasks whose change has committed.
func (c *ledgerCollector) changed(ids []string) {
	c.dirtyMu.Lock()
	defer c.dirtyMu.Unlock()
	for _, id := range ids {
		c.dirty[id] = true
	}
}

func (c *ledgerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- inboxDesc
	ch <- outboxDesc
	ch <- tasksDesc
	ch <- errDesc
}

func (c *ledgerCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	failed := 0.0
	if err := c.refresh(ctx); err != nil && !errors.Is(err, context.Canceled) {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(inboxDesc, prometheus.GaugeValue, float64(c.inbox))
	ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(c.outbox))
	today := duban.DateOf(c.now().In(c.loc))
	type key struct {
		s duban.Status
		l duban.Light
	}
	byLight := map[key]int{}
	for st, n := range c.counts {
		t := duban.Task{Status: st.status, Deadline: st.deadline}
		byLight[key{st.status, t.Light(today, c.warnDays)}] += n
	}
	for k, n := range byLight {
		ch <- prometheus.MustNewConstMetric(tasksDesc, prometheus.GaugeValue, float64(n), string(k.s), string(k.l))
	}
	ch <- prometheus.MustNewConstMetric(errDesc, prometheus.GaugeValue, failed)
}

// refresh brings the counts up to date: every task at the first scrape,
// the changed ones after; the queues when their count is older than
// queueMaxAge. c.mu is held.
func (c *ledgerCollector) refresh(ctx context.Context) error {
	var errs []error
	if now := c.now(); now.Sub(c.queuedAt) >= queueMaxAge || now.Before(c.queuedAt) {
		in, err1 := c.src.InboxLen(ctx)
		out, err2 := c.src.OutboxLen(ctx)
		if err := errors.Join(err1, err2); err != nil {
			errs = append(errs, err)
		} else {
			c.inbox, c.outbox, c.queuedAt = in, out, now
		}
	}
	if !c.seeded {
		all, err := c.src.Tasks(ctx, store.TaskFilter{})
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		for _, t := range all {
			c.set(t.ID, standing{t.Status, t.Deadline}, true)
		}
		c.seeded = true
	}
	c.dirtyMu.Lock()
	dirty := c.dirty
	c.dirty = map[string]bool{}
	c.dirtyMu.Unlock()
	var unread []string
	for id := range dirty {
		t, err := c.src.Task(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			c.set(id, standing{}, false)
		case err != nil:
			errs = append(errs, err)
			unread = append(unread, id) // read again next scrape
		default:
			c.set(id, standing{t.Status, t.Deadline}, true)
		}
	}
	c.changed(unread)
	return errors.Join(errs...)
}

// set records task id's standing (or its absence).
func (c *ledgerCollector) set(id string, s standing, exists bool) {
	if old, ok := c.tasks[id]; ok {
		if c.counts[old]--; c.counts[old] == 0 {
			delete(c.counts, old)
		}
		delete(c.tasks, id)
	}
	if exists {
		c.tasks[id] = s
		c.counts[s]++
	}
}
