package bot

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot/wecomtest"
	"github.com/duban-org/duban/store"
)

// runWorker runs w until the test ends and waits for Run to return.
func runWorker(t *testing.T, w *Worker) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker Run: %v", err)
		}
	})
}

func echo(_ context.Context, in duban.Inbound) ([]duban.Outgoing, error) {
	return []duban.Outgoing{{To: in.From, Text: "收到：" + in.Text}}, nil
}

func pending(t *testing.T, st *store.Store) []store.OutboxEntry {
	t.Helper()
	es, err := st.PendingOutgoing(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestWorkerAnswersInOrder(t *testing.T) {
	st := newMemStore(t)
	ctx := context.Background()
	for i, text := range []string{"一", "二", "三"} {
		in := duban.Inbound{Key: "msg:" + text, From: "u1", Text: text, At: time.Unix(int64(i), 0)}
		if _, err := st.Enqueue(ctx, in, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	w := NewWorker(st, echo, quietLogger())
	woken := make(chan struct{}, 10)
	w.OnReplies = func() { woken <- struct{}{} }
	runWorker(t, w)
	waitFor(t, "three replies", func() bool { return outboxLen(t, st) == 3 })
	if n := inboxLen(t, st); n != 0 {
		t.Errorf("inbox still has %d entries", n)
	}
	for i, e := range pending(t, st) {
		if want := "收到：" + []string{"一", "二", "三"}[i]; e.Msg.Text != want || e.Msg.To != "u1" {
			t.Errorf("outbox %d = %+v, want %q", i, e.Msg, want)
		}
	}
	if len(woken) == 0 {
		t.Error("sender never woken")
	}
}

func TestWorkerApologisesOnHandlerFailure(t *testing.T) {
	st := newMemStore(t)
	ctx := context.Background()
	st.Enqueue(ctx, duban.Inbound{Key: "msg:a", From: "u1", Text: "boom"}, time.Minute)
	st.Enqueue(ctx, duban.Inbound{Key: "msg:b", From: "u2", Text: "panic"}, time.Minute)
	w := NewWorker(st, func(_ context.Context, in duban.Inbound) ([]duban.Outgoing, error) {
		if in.Text == "panic" {
			panic("handler bug")
		}
		return nil, errors.New("ledger unreadable")
	}, quietLogger())
	runWorker(t, w)
	waitFor(t, "two apologies", func() bool { return outboxLen(t, st) == 2 })
	for _, e := range pending(t, st) {
		if e.Msg.Text != Apology {
			t.Errorf("reply to %s = %q, want the apology", e.Msg.To, e.Msg.Text)
		}
	}
	if n := inboxLen(t, st); n != 0 {
		t.Errorf("failed entries are retried: inbox has %d", n)
	}
}

// An acknowledged callback survives a crash before the worker got to it.
func TestInboxSurvivesCrash(t *testing.T) {
	dir := t.TempDir()
	fake := wecomtest.New(t)
	st := openStore(t, dir)
	target, _ := callbackServer(t, fake, st, nil)
	if code, _ := post(t, fake.NewTextCallback("u1", "任务", "crash-1"), target); code != 200 {
		t.Fatalf("callback: %d", code)
	}
	// The process dies here: no worker ran. Badger's synced write is all
	// that is left; closing without flushing anything else stands in for it.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st = openStore(t, dir)
	defer st.Close()
	var mu sync.Mutex
	var seen []string
	w := NewWorker(st, func(ctx context.Context, in duban.Inbound) ([]duban.Outgoing, error) {
		mu.Lock()
		seen = append(seen, in.Text)
		mu.Unlock()
		return echo(ctx, in)
	}, quietLogger())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	waitFor(t, "the reply", func() bool { return outboxLen(t, st) == 1 })
	cancel()
	<-done
	if strings.Join(seen, ",") != "任务" {
		t.Errorf("handled %q, want the one message once", seen)
	}
	// The retry that WeCom may still send after the restart is a duplicate.
	if code, _ := post(t, fake.NewTextCallback("u1", "任务", "crash-1"), mustServe(t, fake, st)); code != 200 {
		t.Fatalf("retry: %d", code)
	}
	if n := inboxLen(t, st); n != 0 {
		t.Errorf("retry after restart was enqueued again")
	}
}

func mustServe(t *testing.T, fake *wecomtest.Server, st *store.Store) string {
	target, _ := callbackServer(t, fake, st, nil)
	return target
}

// Stopping waits for the entry in hand and leaves the rest for next time.
func TestWorkerStopFinishesInFlight(t *testing.T) {
	st := newMemStore(t)
	ctx := context.Background()
	st.Enqueue(ctx, duban.Inbound{Key: "msg:1", From: "u1", Text: "1"}, time.Minute)
	st.Enqueue(ctx, duban.Inbound{Key: "msg:2", From: "u1", Text: "2"}, time.Minute)
	started := make(chan struct{})
	release := make(chan struct{})
	w := NewWorker(st, func(ctx context.Context, in duban.Inbound) ([]duban.Outgoing, error) {
		close(started)
		<-release
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return echo(ctx, in)
	}, quietLogger())
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- w.Run(runCtx) }()
	<-started
	cancel()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	es := pending(t, st)
	if len(es) != 1 || es[0].Msg.Text != "收到：1" {
		t.Fatalf("outbox = %+v, want the first entry's reply", es)
	}
	if n := inboxLen(t, st); n != 1 {
		t.Fatalf("inbox has %d, want the second entry left", n)
	}
}
