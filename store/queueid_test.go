package store

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

// A clock stepped back between two runs neither reorders the queues nor
// lets a new entry take the id of an old one or of a delivery receipt.
func TestQueueIDsSurviveClockStepBack(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st := openQueueStore(t, dir)
	if _, err := st.Enqueue(ctx, duban.Inbound{Key: "msg:1", From: "u1", Text: "完成 T1"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	sent, err := st.QueueOutgoing(ctx, time.Now(), duban.Outgoing{To: "u2", Text: "一"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := st.OutboxEntryByID(ctx, sent[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := st.FinishOutgoing(ctx, e, Delivery{Status: DeliveryDelivered, Parts: 1}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// A new process, its clock an hour behind.
	defer func(c func() time.Time) { queueClock = c }(queueClock)
	queueClock = func() time.Time { return time.Now().Add(-time.Hour) }
	ids.mu.Lock()
	ids.last = 0
	ids.mu.Unlock()

	st = openQueueStore(t, dir)
	defer st.Close()
	if _, err := st.Enqueue(ctx, duban.Inbound{Key: "msg:2", From: "u1", Text: "撤销"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	es, err := st.InboxEntries(ctx, 0)
	if err != nil || len(es) != 2 || es[0].In.Text != "完成 T1" || es[1].In.Text != "撤销" {
		t.Fatalf("inbox after the clock stepped back = %+v, %v; want 完成 T1 then 撤销", es, err)
	}
	next, err := st.QueueOutgoing(ctx, time.Now(), duban.Outgoing{To: "u2", Text: "二"})
	if err != nil {
		t.Fatal(err)
	}
	if next[0] <= sent[0] {
		t.Errorf("new outbox id %s not after the delivered %s", next[0], sent[0])
	}
	if d, err := st.DeliveryByID(ctx, sent[0]); err != nil || d.Status != DeliveryDelivered {
		t.Errorf("receipt of %s = %+v, %v", sent[0], d, err)
	}
}

// However many of one sender's messages are enqueued at once, nobody
// reading the queue ever sees a later one committed before an earlier
// one: what a reader sees of a person is always a prefix of the final
// order, so the worker handles them in the order of their ids.
func TestOnePersonsEntriesCommitInOrder(t *testing.T) {
	st := openQueueStore(t, "")
	defer st.Close()
	ctx := context.Background()
	const writers, each = 8, 40
	var snapshots [][]string
	stop := make(chan struct{})
	read := make(chan struct{})
	go func() {
		defer close(read)
		for {
			select {
			case <-stop:
				return
			default:
			}
			refs, err := st.InboxQueue(ctx, 0)
			if err != nil {
				t.Error(err)
				return
			}
			var s []string
			for _, r := range refs {
				s = append(s, r.ID)
			}
			snapshots = append(snapshots, s)
		}
	}()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				in := duban.Inbound{Key: "msg:" + string(rune('a'+w)) + string(rune('A'+i)), From: "zhaojie", Text: "进展"}
				if _, err := st.Enqueue(ctx, in, time.Minute); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-read
	refs, err := st.InboxQueue(ctx, 0)
	if err != nil || len(refs) != writers*each {
		t.Fatalf("%d entries, %v", len(refs), err)
	}
	var final []string
	for _, r := range refs {
		final = append(final, r.ID)
	}
	for _, s := range snapshots {
		if len(s) == 0 {
			continue
		}
		if want := final[:len(s)]; !slices.Equal(s, want) {
			t.Fatalf("a reader saw %d entries that are not the first %d: a later message was committed before an earlier one", len(s), len(s))
		}
	}
	t.Logf("%d snapshots", len(snapshots))
}
