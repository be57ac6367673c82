// Package metrics exposes duban's health to Prometheus: HTTP traffic on the
// callback, deliveries to WeCom by outcome, messages handled, and the state
// of the queues and of the ledger read from the store at scrape time.
package metrics

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot"
	"github.com/duban-org/duban/store"
)

// Metrics holds duban's collectors in a registry of its own.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.HistogramVec
	deliveries *prometheus.CounterVec
	handled    *prometheus.CounterVec
}

// New registers the collectors. The store is read at each scrape for the
// queue lengths and the ledger's standing; today is judged in loc with a
// yellow window of warnDays.
func New(st *store.Store, loc *time.Location, warnDays int) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "duban_http_request_duration_seconds",
			Help:    "HTTP requests by route and status code; the callback's latency is WeCom's wait for an acknowledgement.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "code"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duban_delivery_attempts_total",
			Help: "Attempts to deliver one message part, by outcome: ok, retry (temporary failure) or failed (permanent).",
		}, []string{"outcome"}),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duban_inbound_handled_total",
			Help: "Inbound messages and events handled by the conversation, by kind and outcome.",
		}, []string{"kind", "outcome"}),
	}
	m.reg.MustRegister(m.requests, m.deliveries, m.handled,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&storeCollector{st: st, loc: loc, warnDays: warnDays})
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Instrument times h's requests under route.
func (m *Metrics) Instrument(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		m.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Observe(time.Since(start).Seconds())
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// Deliverer counts the outcomes of d's deliveries.
func (m *Metrics) Deliverer(d bot.Deliverer) bot.Deliverer { return countingDeliverer{d, m} }

type countingDeliverer struct {
	next bot.Deliverer
	m    *Metrics
}

func (c countingDeliverer) Deliver(ctx context.Context, o duban.Outgoing) error {
	err := c.next.Deliver(ctx, o)
	outcome := "ok"
	if err != nil {
		outcome = "failed"
		if bot.Retryable(err) {
			outcome = "retry"
		}
	}
	c.m.deliveries.WithLabelValues(outcome).Inc()
	return err
}

// Handle counts what the conversation handled.
func (m *Metrics) Handle(h bot.HandleFunc) bot.HandleFunc {
	return func(ctx context.Context, in duban.Inbound) ([]duban.Outgoing, error) {
		out, err := h(ctx, in)
		kind := "text"
		if in.Event != "" {
			kind = in.Event
		}
		outcome := "ok"
		if err != nil {
			outcome = "error"
		}
		m.handled.WithLabelValues(kind, outcome).Inc()
		return out, err
	}
}

// storeCollector reads queue lengths and the ledger's standing at scrape time.
type storeCollector struct {
	st       *store.Store
	loc      *time.Location
	warnDays int
}

var (
	inboxDesc  = prometheus.NewDesc("duban_inbox_pending", "Accepted callbacks not yet handled.", nil, nil)
	outboxDesc = prometheus.NewDesc("duban_outbox_pending", "Outgoing messages not yet delivered (including those waiting to retry).", nil, nil)
	tasksDesc  = prometheus.NewDesc("duban_tasks", "Tasks by status and traffic light.", []string{"status", "light"}, nil)
	errDesc    = prometheus.NewDesc("duban_store_scrape_error", "1 when the store could not be read for this scrape.", nil, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- inboxDesc
	ch <- outboxDesc
	ch <- tasksDesc
	ch <- errDesc
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	failed := 0.0
	if n, err := c.st.InboxLen(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(inboxDesc, prometheus.GaugeValue, float64(n))
	} else {
		failed = 1
	}
	if n, err := c.st.OutboxLen(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(n))
	} else {
		failed = 1
	}
	if l, err := c.st.Snapshot(ctx); err == nil {
		today := duban.DateOf(time.Now().In(c.loc))
		type key struct {
			s duban.Status
			l duban.Light
		}
		counts := map[key]int{}
		for _, t := range l.Tasks {
			counts[key{t.Status, t.Light(today, c.warnDays)}]++
		}
		for k, n := range counts {
			ch <- prometheus.MustNewConstMetric(tasksDesc, prometheus.GaugeValue, float64(n), string(k.s), string(k.l))
		}
	} else if !errors.Is(err, context.Canceled) {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(errDesc, prometheus.GaugeValue, failed)
}
