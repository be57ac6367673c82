package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// recordOne queues one message carrying notice key k of task id to user.
func recordOne(t *testing.T, s *Store, id, user, k string, at time.Time) OutboxEntry {
	t.Helper()
	rec := map[string]NoticeRecord{k: {TaskID: id, Stage: "overdue-1", To: user, Role: duban.RoleContact, Unit: "A"}}
	n, err := s.RecordNotices(context.Background(), []duban.Outgoing{{To: user, Text: "提醒", NoticeKeys: []string{k}}}, rec, at)
	if err != nil || n != 1 {
		t.Fatalf("RecordNotices(%s) = %d, %v", k, n, err)
	}
	es, err := s.PendingOutgoing(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if len(e.Msg.NoticeKeys) == 1 && e.Msg.NoticeKeys[0] == k {
			return e
		}
	}
	t.Fatalf("no outbox entry carries %s", k)
	return OutboxEntry{}
}

// A notice whose message failed for good is queued again; until the new
// message is delivered, the trail shows it waiting, not the old failure.
func TestNoticesOfShowsTheLatestDelivery(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	const k = "T1|overdue-1|c0|2026-09-30"
	e := recordOne(t, s, "T1", "c0", k, at)
	if err := s.FinishOutgoing(ctx, e, Delivery{Status: DeliveryFailed, Error: "企业微信暂时无法访问", At: at}); err != nil {
		t.Fatal(err)
	}
	e2 := recordOne(t, s, "T1", "c0", k, at.Add(time.Hour))
	trail, err := s.NoticesOf(ctx, "T1")
	if err != nil || len(trail) != 1 {
		t.Fatalf("trail = %+v, %v", trail, err)
	}
	if d := trail[0].Delivery; d != nil {
		t.Fatalf("the re-sent notice shows the earlier message's outcome %+v; want it waiting", *d)
	}
	if err := s.FinishOutgoing(ctx, e2, Delivery{Status: DeliveryDelivered, Parts: 1, At: at.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	trail, _ = s.NoticesOf(ctx, "T1")
	if len(trail) != 1 || trail[0].Delivery == nil || trail[0].Delivery.Status != DeliveryDelivered {
		t.Fatalf("after delivery: %+v", trail)
	}
}

// A task id holding the notice key's '|' does not bring its notices into
// another task's trail or acknowledgement.
func TestNoticesStayWithTheirTask(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	recordOne(t, s, "T1", "c0", "T1|overdue-1|c0|2026-09-30", at)
	recordOne(t, s, "T1|X", "c0", "T1|X|overdue-1|c0|2026-09-30", at)
	trail, err := s.NoticesOf(ctx, "T1")
	if err != nil || len(trail) != 1 || trail[0].TaskID != "T1" {
		t.Fatalf("trail of T1 = %+v, %v", trail, err)
	}
	if err := s.Ack(ctx, "T1", "c0", at); err != nil {
		t.Fatal(err)
	}
	if trail, _ := s.NoticesOf(ctx, "T1|X"); len(trail) != 1 || !trail[0].AckedAt.IsZero() {
		t.Fatalf("acknowledging T1 acknowledged T1|X: %+v", trail)
	}
}

// 收到 reads the person's unacknowledged notices from unacked/, which
// holds exactly those: recorded with the notice, dropped with the
// acknowledgement, and dropped when the notice was released.
func TestAckAllUsesThePersonsIndex(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	recordOne(t, s, "T1", "C0", "T1|overdue-1|c0|2026-09-30", at)
	recordOne(t, s, "T2", "c0", "T2|overdue-1|c0|2026-09-30", at)
	recordOne(t, s, "T2", "h0", "T2|overdue-1|h0|2026-09-30", at)
	released := recordOne(t, s, "T3", "c0", "T3|overdue-1|c0|2026-09-30", at)
	if err := s.FinishOutgoing(ctx, released, Delivery{Status: DeliveryFailed, At: at}); err != nil {
		t.Fatal(err)
	}
	if got := countKeys(t, s, "unacked/c0/"); got != 3 {
		t.Fatalf("unacked/c0/ holds %d entries, want 3 (T1, T2, the released T3)", got)
	}
	if err := s.Ack(ctx, "T1", "c0", at); err != nil {
		t.Fatal(err)
	}
	if got := countKeys(t, s, "unacked/c0/"); got != 2 {
		t.Fatalf("after 收到 T1, unacked/c0/ holds %d entries, want 2", got)
	}
	n, err := s.AckAll(ctx, "C0", at.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("AckAll = %d, %v; want T2 only", n, err)
	}
	if got := countKeys(t, s, "unacked/c0/"); got != 0 {
		t.Errorf("after 收到, unacked/c0/ holds %d entries", got)
	}
	if got := countKeys(t, s, "unacked/h0/"); got != 1 {
		t.Errorf("another person's entry went: unacked/h0/ holds %d", got)
	}
	trail, _ := s.NoticesOf(ctx, "T2")
	for _, r := range trail {
		if acked := !r.AckedAt.IsZero(); acked != (r.To == "c0") {
			t.Errorf("notice %s acknowledged = %v", r.Key, acked)
		}
	}
	if n, _ := s.AckAll(ctx, "c0", at.Add(2*time.Minute)); n != 0 {
		t.Errorf("second 收到 covered %d", n)
	}
}

func countKeys(t testing.TB, s *Store, prefix string) int {
	t.Helper()
	n := 0
	err := s.db.View(func(txn *badger.Txn) error {
		return scanPrefix(txn, []byte(prefix), true, func(_, _ []byte) error { n++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// BenchmarkAckAll acknowledges one person's open notice in a store holding
// 20,000 notices to others: the cost follows the person's open notices,
// not every notice ever sent.
func BenchmarkAckAll(b *testing.B) {
	ctx := context.Background()
	s, err := Open("", Options{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const others = 20_000
	msgs := make([]duban.Outgoing, 0, 500)
	recs := map[string]NoticeRecord{}
	flush := func() {
		if _, err := s.RecordNotices(ctx, msgs, recs, at); err != nil {
			b.Fatal(err)
		}
		msgs, recs = msgs[:0], map[string]NoticeRecord{}
	}
	for i := range others {
		to := fmt.Sprintf("u%d", i%500)
		k := fmt.Sprintf("T%05d|overdue-1|%s|2026-09-30", i, to)
		msgs = append(msgs, duban.Outgoing{To: to, Text: "提醒", NoticeKeys: []string{k}})
		recs[k] = NoticeRecord{TaskID: fmt.Sprintf("T%05d", i), To: to}
		if len(msgs) == cap(msgs) {
			flush()
		}
	}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		k := fmt.Sprintf("X%d|overdue-1|me|2026-09-30", i)
		msgs = append(msgs, duban.Outgoing{To: "me", Text: "提醒", NoticeKeys: []string{k}})
		recs[k] = NoticeRecord{TaskID: fmt.Sprintf("X%d", i), To: "me"}
		flush()
		b.StartTimer()
		if n, err := s.AckAll(ctx, "me", at); err != nil || n != 1 {
			b.Fatalf("AckAll = %d, %v", n, err)
		}
	}
}

// A pass's messages are written many to a transaction, and still each
// with its notices: a pass far larger than one Badger transaction holds is
// recorded whole, every notice naming its own message's outbox entry, a
// message whose notice another run recorded first is dropped alone, and
// each recipient's entries keep the pass's order.
func TestRecordNoticesInBatches(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	const n = 3000
	long := strings.Repeat("市司法局：任务逾期未办结，请抓紧推进并及时报送进展。\n", 30) // ≈2.4 KB
	msgs := make([]duban.Outgoing, n)
	recs := map[string]NoticeRecord{}
	for i := range msgs {
		to := fmt.Sprintf("c%d", i%7)
		var keys []string
		for j := range 3 {
			k := fmt.Sprintf("T%05d|overdue-%d|%s|2026-09-30", i, j+1, to)
			keys = append(keys, k)
			recs[k] = NoticeRecord{TaskID: fmt.Sprintf("T%05d", i), Stage: fmt.Sprintf("overdue-%d", j+1), To: to}
		}
		msgs[i] = duban.Outgoing{To: to, Text: fmt.Sprintf("%d\n%s", i, long), NoticeKeys: keys}
	}
	const taken = 1234
	recordOne(t, s, fmt.Sprintf("T%05d", taken), msgs[taken].To, msgs[taken].NoticeKeys[1], at)
	before, err := s.PendingOutgoing(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}

	queued, err := s.RecordNotices(ctx, msgs, recs, at)
	if err != nil || queued != n-1 {
		t.Fatalf("RecordNotices = %d, %v; want %d queued (≈%d MB, several transactions)", queued, err, n-1, n*len(long)>>20)
	}
	es, err := s.PendingOutgoing(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != n-1+len(before) {
		t.Fatalf("outbox holds %d entries, want %d", len(es), n-1+len(before))
	}
	last := map[string]int{}
	for _, e := range es[len(before):] {
		var i int
		fmt.Sscan(e.Msg.Text, &i)
		if i == taken {
			t.Errorf("the message whose notice was taken was queued")
		}
		if prev, ok := last[e.Msg.To]; ok && i < prev {
			t.Errorf("%s: message %d queued after %d", e.Msg.To, i, prev)
		}
		last[e.Msg.To] = i
		err := s.view(ctx, func(txn *badger.Txn) error {
			for _, k := range e.Msg.NoticeKeys {
				var r NoticeRecord
				if err := getJSON(txn, noticeKey(k), &r); err != nil {
					return err
				}
				if r.OutboxID != e.ID {
					t.Errorf("notice %s names entry %s, carried by %s", k, r.OutboxID, e.ID)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Recorded(ctx, 3, func(buf []byte, j int) []byte { return append(buf, msgs[taken].NoticeKeys[j]...) })
	if err != nil || got[0] || !got[1] || got[2] {
		t.Errorf("the dropped message's notices recorded %v (%v), want only the one taken before", got, err)
	}
}

// A digest's delivery is kept once per notice it carried, each copy
// without the digest's list of notices (the receipt keeps the list): a
// province's digests carry dozens of notices, and the list written under
// each was most of the evidence's size.
func TestNoticeDeliveryLeavesOutTheList(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	keys := []string{"T1|overdue-1|c0|2026-09-30", "T2|overdue-1|c0|2026-09-30", "T3|due|c0|2026-10-09"}
	recs := map[string]NoticeRecord{}
	for _, k := range keys {
		recs[k] = NoticeRecord{TaskID: k[:2], To: "c0"}
	}
	if n, err := s.RecordNotices(ctx, []duban.Outgoing{{To: "c0", Text: "提醒", NoticeKeys: keys}}, recs, at); err != nil || n != 1 {
		t.Fatalf("RecordNotices = %d, %v", n, err)
	}
	es, err := s.PendingOutgoing(ctx, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("outbox %v, %v", es, err)
	}
	if err := s.FinishOutgoing(ctx, es[0], Delivery{Status: DeliveryDelivered, Parts: 1, At: at.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		d, err := s.DeliveryOf(ctx, k)
		if err != nil || d.OutboxID != es[0].ID || d.Status != DeliveryDelivered || d.To != "c0" || !d.At.Equal(at.Add(time.Minute)) {
			t.Errorf("DeliveryOf(%s) = %+v, %v", k, d, err)
		}
		if len(d.NoticeKeys) != 0 {
			t.Errorf("DeliveryOf(%s) repeats the digest's notices %v", k, d.NoticeKeys)
		}
	}
	if d, err := s.DeliveryByID(ctx, es[0].ID); err != nil || len(d.NoticeKeys) != 3 {
		t.Errorf("the receipt lists %v (%v), want the three notices", d.NoticeKeys, err)
	}
	trail, err := s.NoticesOf(ctx, "T2")
	if err != nil || len(trail) != 1 || trail[0].Delivery == nil || trail[0].Delivery.Status != DeliveryDelivered {
		t.Errorf("记录 of T2: %+v, %v", trail, err)
	}
}
