package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

func TestOutboxLifecycle(t *testing.T) {
	st := openQueueStore(t, "")
	defer st.Close()
	ctx := context.Background()
	now := time.Unix(1767225600, 0)
	ids, err := st.QueueOutgoing(ctx, now,
		duban.Outgoing{To: "u1", Text: "一", NoticeKeys: []string{"due:T1", "due:T2"}},
		duban.Outgoing{To: "u2", Text: "二"})
	if err != nil {
		t.Fatal(err)
	}
	es, _ := st.PendingOutgoing(ctx, 0)
	if len(es) != 2 || es[0].ID != ids[0] || es[1].ID != ids[1] {
		t.Fatalf("pending = %+v", es)
	}
	e := es[0]
	e.PartsSent, e.Attempts, e.LastError = 1, 2, "boom"
	if err := st.SaveOutgoingProgress(ctx, e); err != nil {
		t.Fatal(err)
	}
	if es, _ = st.PendingOutgoing(ctx, 1); len(es) != 1 || es[0].PartsSent != 1 || es[0].LastError != "boom" {
		t.Fatalf("progress not kept: %+v", es)
	}
	if _, err := st.DeliveryOf(ctx, "due:T1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("DeliveryOf before delivery: %v", err)
	}
	if err := st.FinishOutgoing(ctx, e, Delivery{Status: DeliveryDelivered, Parts: 2, At: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishOutgoing(ctx, e, Delivery{Status: DeliveryFailed}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second finish: %v", err)
	}
	if err := st.SaveOutgoingProgress(ctx, e); !errors.Is(err, ErrNotFound) {
		t.Fatalf("progress after finish: %v", err)
	}
	for _, k := range []string{"due:T1", "due:T2"} {
		d, err := st.DeliveryOf(ctx, k)
		if err != nil || d.OutboxID != ids[0] || d.To != "u1" || d.Status != DeliveryDelivered || !d.Queued.Equal(now) {
			t.Errorf("DeliveryOf(%s) = %+v, %v", k, d, err)
		}
	}
	if d, err := st.DeliveryByID(ctx, ids[0]); err != nil || d.Parts != 2 {
		t.Errorf("DeliveryByID = %+v, %v", d, err)
	}
	e2, _ := st.PendingOutgoing(ctx, 0)
	st.FinishOutgoing(ctx, e2[0], Delivery{Status: DeliveryFailed, Error: "invalid user", InvalidUser: "u2"})
	all, err := st.Deliveries(ctx, 0)
	if err != nil || len(all) != 2 || all[0].OutboxID != ids[1] || all[1].OutboxID != ids[0] {
		t.Fatalf("deliveries (newest first) = %+v, %v", all, err)
	}
	if n, _ := st.OutboxLen(ctx); n != 0 {
		t.Errorf("outbox has %d", n)
	}
}

func TestAccessTokenCache(t *testing.T) {
	st := openQueueStore(t, "")
	defer st.Close()
	ctx := context.Background()
	if _, err := st.AccessToken(ctx, "ww1/1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty cache: %v", err)
	}
	tok := AccessToken{Token: "t1", Expires: time.Unix(1767232800, 0)}
	if err := st.SaveAccessToken(ctx, "ww1/1", tok); err != nil {
		t.Fatal(err)
	}
	if got, err := st.AccessToken(ctx, "ww1/1"); err != nil || got.Token != "t1" || !got.Expires.Equal(tok.Expires) {
		t.Fatalf("cached = %+v, %v", got, err)
	}
	st.DeleteAccessToken(ctx, "ww1/1", "someone-else's") // keeps t1
	if _, err := st.AccessToken(ctx, "ww1/1"); err != nil {
		t.Fatalf("token deleted by a stale caller: %v", err)
	}
	st.DeleteAccessToken(ctx, "ww1/1", "t1")
	if _, err := st.AccessToken(ctx, "ww1/1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

// Failed and uncertain deliveries wait to be reported to 编办, once; one
// shown in the console, one delivered, and a report's own failure do not.
func TestReportUndelivered(t *testing.T) {
	st := openQueueStore(t, "")
	defer st.Close()
	ctx := context.Background()
	now := time.Now()
	var msgs []duban.Outgoing
	for _, to := range []string{"failed", "uncertain", "console", "delivered", "report"} {
		msgs = append(msgs, duban.Outgoing{To: to, Text: to})
	}
	if _, err := st.QueueOutgoing(ctx, now, msgs...); err != nil {
		t.Fatal(err)
	}
	es, err := st.PendingOutgoing(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		d := map[string]Delivery{
			"failed":    {Status: DeliveryFailed, Error: "该账号不在应用可见范围内"},
			"uncertain": {Status: DeliveryUncertain},
			"console":   {Status: DeliveryConsole},
			"delivered": {Status: DeliveryDelivered},
			"report":    {Status: DeliveryFailed, Unreported: true},
		}[e.Msg.To]
		if err := st.FinishOutgoing(ctx, e, d); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	n, err := st.ReportUndelivered(ctx, now, func(ds []Delivery) []duban.Outgoing {
		for _, d := range ds {
			got = append(got, d.To+":"+d.Status)
		}
		return []duban.Outgoing{{To: "admin", Text: "【消息未送达】"}}
	})
	if err != nil || n != 2 || strings.Join(got, ",") != "failed:failed,uncertain:uncertain" {
		t.Fatalf("reported %d %v, %v; want the failed and the uncertain", n, got, err)
	}
	if es, _ := st.PendingOutgoing(ctx, 0); len(es) != 1 || es[0].Msg.To != "admin" {
		t.Errorf("outbox after the report = %+v", es)
	}
	if n, err := st.ReportUndelivered(ctx, now, func([]Delivery) []duban.Outgoing { t.Error("reported twice"); return nil }); n != 0 || err != nil {
		t.Errorf("second report: %d, %v", n, err)
	}
}
