// Package metrics exposes duban's health to Prometheus: HTTP traffic on the
// callback, deliveries to WeCom by outcome, messages handled, the queues'
// lengths and the ledger's tasks by status and light (ledger.go).
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot"
)

// Metrics holds duban's collectors in a registry of its own.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.HistogramVec
	deliveries *prometheus.CounterVec
	failures   *prometheus.CounterVec
	handled    *prometheus.CounterVec
	ledger     *ledgerCollector
	store      storeSpace
}

// New registers the collectors. The ledger's gauges follow st's changes;
// today is judged in loc with a yellow window of warnDays.
func New(st Source, loc *time.Location, warnDays int) *Metrics {
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
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duban_delivery_failures_total",
			Help: "Failed attempts to deliver one message part, by cause: unreachable, certificate, busy, untrusted_ip, credentials, token, unknown (all retried), recipient, no_such_user, content (final).",
		}, []string{"cause"}),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duban_inbound_handled_total",
			Help: "Inbound messages and events handled by the conversation, by kind and outcome.",
		}, []string{"kind", "outcome"}),
		ledger: newLedgerCollector(st, loc, warnDays),
		store:  newStoreSpace(),
	}
	m.reg.MustRegister(m.requests, m.deliveries, m.failures, m.handled, m.store.bytes, m.store.rewrites,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.ledger)
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
		cause := bot.CauseOf(err)
		c.m.failures.WithLabelValues(string(cause)).Inc()
		outcome = "failed"
		if !cause.Final() {
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
