package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

func openQueueStore(t *testing.T, dir string) *Store {
	t.Helper()
	st, err := Open(dir, Options{InMemory: dir == ""})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestEnqueueDeduplicates(t *testing.T) {
	st := openQueueStore(t, "")
	defer st.Close()
	ctx := context.Background()
	in := duban.Inbound{Key: "msg:1", From: "u1", Text: "任务"}
	for i, want := range []bool{true, false, false} {
		fresh, err := st.Enqueue(ctx, in, time.Minute)
		if err != nil || fresh != want {
			t.Fatalf("enqueue %d: fresh %v, %v; want %v", i, fresh, err, want)
		}
	}
	if _, err := st.Enqueue(ctx, duban.Inbound{From: "u1"}, time.Minute); err == nil {
		t.Error("an inbound without a key was accepted")
	}
	es, err := st.InboxEntries(ctx, 0)
	if err != nil || len(es) != 1 || es[0].In != in {
		t.Fatalf("inbox = %+v, %v", es, err)
	}
}

// Concurrent deliveries of the same message: exactly one is fresh.
func TestEnqueueConcurrentDuplicates(t *testing.T) {
	st := openQueueStore(t, "")
	defer st.Close()
	var wg sync.WaitGroup
	var mu sync.Mutex
	fresh := 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := st.Enqueue(context.Background(), duban.Inbound{Key: fmt.Sprintf("msg:%d", i%4), From: "u"}, time.Minute)
			if err != nil {
				t.Error(err)
			}
			if f {
				mu.Lock()
				fresh++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if fresh != 4 {
		t.Errorf("%d fresh, want 4", fresh)
	}
}

func TestDedupeExpires(t *testing.T) {
	st := openQueueStore(t, "")
	defer st.Close()
	ctx := context.Background()
	in := duban.Inbound{Key: "msg:ttl", From: "u1"}
	if f, _ := st.Enqueue(ctx, in, time.Second); !f {
		t.Fatal("first enqueue not fresh")
	}
	time.Sleep(1100 * time.Millisecond) // Badger TTLs have one-second resolution
	if f, err := st.Enqueue(ctx, in, time.Second); err != nil || !f {
		t.Fatalf("after the TTL: fresh %v, %v; want true", f, err)
	}
}

func TestCompleteInboundIsAtomicAndOnce(t *testing.T) {
	dir := t.TempDir()
	st := openQueueStore(t, dir)
	ctx := context.Background()
	for i := range 3 {
		st.Enqueue(ctx, duban.Inbound{Key: fmt.Sprintf("msg:%d", i), From: "u1", Text: fmt.Sprint(i)}, time.Minute)
	}
	es, _ := st.InboxEntries(ctx, 2)
	if len(es) != 2 || es[0].In.Text != "0" || es[1].In.Text != "1" {
		t.Fatalf("first two entries = %+v", es)
	}
	now := time.Unix(1767225600, 0)
	ids, err := st.CompleteInbound(ctx, es[0].ID, []duban.Outgoing{{To: "u1", Text: "a"}, {To: "u1", Text: "b"}}, now)
	if err != nil || len(ids) != 2 {
		t.Fatalf("complete: %v, %v", ids, err)
	}
	if _, err := st.CompleteInbound(ctx, es[0].ID, []duban.Outgoing{{To: "u1", Text: "again"}}, now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second completion: %v, want ErrNotFound", err)
	}
	if _, err := st.CompleteInbound(ctx, es[1].ID, []duban.Outgoing{{Text: "nobody"}}, now); err == nil {
		t.Fatal("a reply without recipient was queued")
	}
	st.Close()

	st = openQueueStore(t, dir) // what a restart finds
	defer st.Close()
	rest, _ := st.InboxEntries(ctx, 0)
	out, _ := st.PendingOutgoing(ctx, 0)
	if len(rest) != 2 || len(out) != 2 || out[0].Msg.Text != "a" || out[1].Msg.Text != "b" || !out[0].Queued.Equal(now) || out[0].ID != ids[0] {
		t.Fatalf("after restart: inbox %+v, outbox %+v", rest, out)
	}
}
