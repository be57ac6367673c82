package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot"
	"github.com/duban-org/duban/store"
)

type fakeDeliverer struct{ errs []error }

func (f *fakeDeliverer) Deliver(context.Context, duban.Outgoing) error {
	err := f.errs[0]
	f.errs = f.errs[1:]
	return err
}

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestMetrics(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	today := duban.DateOf(time.Now().In(time.UTC))
	if _, err := st.Import(ctx, duban.Ledger{
		Units: []duban.Unit{{Code: "U1", Name: "市财政局", Group: "政府组"}},
		Tasks: []duban.Task{
			{ID: "T1", Unit: "U1", Title: "a", Deadline: today.AddDays(-2)},
			{ID: "T2", Unit: "U1", Title: "b", Deadline: today.AddDays(30)},
		},
	}, "import", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.QueueOutgoing(ctx, time.Now(), duban.Outgoing{To: "u", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	m := New(st, time.UTC, 3)

	h := m.Instrument("callback", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("bad") != "" {
			http.Error(w, "forbidden", http.StatusForbidden)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/cb", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/cb?bad=1", nil))

	d := m.Deliverer(&fakeDeliverer{errs: []error{nil, bot.Temporary(errors.New("busy")), bot.Permanent(errors.New("no such user"))}})
	for range 3 {
		_ = d.Deliver(ctx, duban.Outgoing{})
	}
	handle := m.Handle(func(context.Context, duban.Inbound) ([]duban.Outgoing, error) { return nil, nil })
	_, _ = handle(ctx, duban.Inbound{Event: "template_card_event"})

	out := scrape(t, m)
	for _, want := range []string{
		`duban_http_request_duration_seconds_count{code="200",route="callback"} 1`,
		`duban_http_request_duration_seconds_count{code="403",route="callback"} 1`,
		`duban_delivery_attempts_total{outcome="ok"} 1`,
		`duban_delivery_attempts_total{outcome="retry"} 1`,
		`duban_delivery_attempts_total{outcome="failed"} 1`,
		`duban_delivery_failures_total{cause="unknown"} 1`,
		`duban_delivery_failures_total{cause="console"} 1`,
		`duban_inbound_handled_total{kind="template_card_event",outcome="ok"} 1`,
		`duban_outbox_pending 1`,
		`duban_inbox_pending 0`,
		`duban_tasks{light="红",status="未启动"} 1`,
		`duban_tasks{light="绿",status="未启动"} 1`,
		`duban_store_scrape_error 0`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
