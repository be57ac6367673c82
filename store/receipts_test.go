package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

// Receipts older than the cutoff go; the evidence of the reminders they
// carried (notice records, their latest outcome) and the history stay.
func TestPruneReceiptsKeepsEvidence(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.Import(ctx, slashLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	old := recordOne(t, s, "T1", "c0", "T1|overdue-1|c0|2026-09-30", at)
	if err := s.FinishOutgoing(ctx, old, Delivery{Status: DeliveryDelivered, Parts: 1, At: at}); err != nil {
		t.Fatal(err)
	}
	ids, err := s.QueueOutgoing(ctx, at, duban.Outgoing{To: "c0", Text: "已记录"})
	if err != nil {
		t.Fatal(err)
	}
	recent, _ := s.PendingOutgoing(ctx, 0)
	if err := s.FinishOutgoing(ctx, recent[0], Delivery{Status: DeliveryDelivered, Parts: 1, At: at.Add(100 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneReceipts(ctx, at.Add(10*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PruneReceipts = %d, %v; want the old receipt", n, err)
	}
	if _, err := s.DeliveryByID(ctx, old.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("old receipt kept: %v", err)
	}
	if _, err := s.DeliveryByID(ctx, ids[0]); err != nil {
		t.Errorf("recent receipt pruned: %v", err)
	}
	trail, err := s.NoticesOf(ctx, "T1")
	if err != nil || len(trail) != 1 || trail[0].Delivery == nil || trail[0].Delivery.Status != DeliveryDelivered {
		t.Errorf("the notice's evidence went with its receipt: %+v, %v", trail, err)
	}
	if h, _ := s.History(ctx, "T1"); len(h) != 1 {
		t.Errorf("history: %+v", h)
	}
	if n, _ := s.PruneReceipts(ctx, at.Add(10*24*time.Hour)); n != 0 {
		t.Errorf("second prune deleted %d", n)
	}
}

// Pruning walks the receipts in chunks and misses none.
func TestPruneReceiptsManyChunks(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	defer func(c int) { pruneChunk = c }(pruneChunk)
	pruneChunk = 4
	n := pruneChunk*5 + 3
	msgs := make([]duban.Outgoing, n)
	for i := range msgs {
		msgs[i] = duban.Outgoing{To: "c0", Text: "x"}
	}
	if _, err := s.QueueOutgoing(ctx, at, msgs...); err != nil {
		t.Fatal(err)
	}
	es, _ := s.PendingOutgoing(ctx, 0)
	for i, e := range es {
		end := at
		if i%2 == 1 {
			end = at.Add(48 * time.Hour)
		}
		if err := s.FinishOutgoing(ctx, e, Delivery{Status: DeliveryDelivered, At: end}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.PruneReceipts(ctx, at.Add(time.Hour))
	if err != nil || got != (n+1)/2 {
		t.Fatalf("PruneReceipts = %d, %v; want %d", got, err, (n+1)/2)
	}
	if left := countKeys(t, s, prefixSentMsg); left != n/2 {
		t.Errorf("%d receipts left, want %d", left, n/2)
	}
}
