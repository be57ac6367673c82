package bot

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
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
	defer st.WatchOutbox(func([]string) { woken <- struct{}{} })()
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

// recorder is a handler that logs calls, can hold chosen messages until
// released, and notes when one sender's calls overlap.
type recorder struct {
	mu      sync.Mutex
	calls   []string       // texts, in the order calls started
	perKey  map[string]int // calls per dedupe key
	active  map[string]int // calls running per canonical sender
	maxAll  int            // most calls running at once
	overlap bool           // a sender had two calls running at once
	running int
	started map[string]chan struct{} // closed when that text's call starts
	release map[string]chan struct{} // that text's call waits for it
	freed   map[string]bool
}

func newRecorder(hold ...string) *recorder {
	r := &recorder{
		perKey: map[string]int{}, active: map[string]int{},
		started: map[string]chan struct{}{}, release: map[string]chan struct{}{},
		freed: map[string]bool{},
	}
	for _, text := range hold {
		r.started[text] = make(chan struct{})
		r.release[text] = make(chan struct{})
	}
	return r
}

func (r *recorder) handle(ctx context.Context, in duban.Inbound) ([]duban.Outgoing, error) {
	from := duban.CanonicalUserID(in.From)
	r.mu.Lock()
	r.calls = append(r.calls, in.Text)
	r.perKey[in.Key]++
	r.active[from]++
	r.overlap = r.overlap || r.active[from] > 1
	r.running++
	r.maxAll = max(r.maxAll, r.running)
	started, release := r.started[in.Text], r.release[in.Text]
	r.mu.Unlock()
	if started != nil {
		close(started)
		<-release
	}
	r.mu.Lock()
	r.active[from]--
	r.running--
	r.mu.Unlock()
	return echo(ctx, in)
}

// waitStarted waits until text's call is in the handler.
func (r *recorder) waitStarted(t *testing.T, text string) {
	t.Helper()
	select {
	case <-r.started[text]:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %q to be handled", text)
	}
}

// free lets text's call return; freeing twice is harmless.
func (r *recorder) free(text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.freed[text] {
		r.freed[text] = true
		close(r.release[text])
	}
}

// freeAll lets every held call return, so a failed test still stops.
func (r *recorder) freeAll() {
	for text := range r.release {
		r.free(text)
	}
}

func (r *recorder) snapshot() (calls []string, perKey map[string]int, maxAll int, overlap bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	perKey = map[string]int{}
	for k, n := range r.perKey {
		perKey[k] = n
	}
	return append([]string(nil), r.calls...), perKey, r.maxAll, r.overlap
}

// enqueueAll puts one entry per "from:text" pair in the inbox, in order.
func enqueueAll(t *testing.T, st *store.Store, pairs ...string) {
	t.Helper()
	for i, p := range pairs {
		from, text, _ := strings.Cut(p, ":")
		in := duban.Inbound{Key: "msg:" + p, From: from, Text: text, At: time.Unix(int64(i), 0)}
		if _, err := st.Enqueue(context.Background(), in, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
}

// repliesTo returns the texts queued for to, in outbox order.
func repliesTo(t *testing.T, st *store.Store, to string) []string {
	t.Helper()
	var out []string
	for _, e := range pending(t, st) {
		if e.Msg.To == to {
			out = append(out, e.Msg.Text)
		}
	}
	return out
}

// A slow answer for one person does not hold up another.
func TestWorkerServesOtherSendersWhileOneIsSlow(t *testing.T) {
	st := newMemStore(t)
	enqueueAll(t, st, "u1:政策问题", "u2:任务")
	rec := newRecorder("政策问题")
	w := NewWorker(st, rec.handle, quietLogger())
	w.Poll = time.Millisecond // poll hard while u1's entry is in hand
	var woken atomic.Int32
	defer st.WatchOutbox(func([]string) { woken.Add(1) })()
	runWorker(t, w)
	t.Cleanup(rec.freeAll) // before the worker is stopped

	rec.waitStarted(t, "政策问题")
	waitFor(t, "u2's reply while u1's is still in hand", func() bool {
		return len(repliesTo(t, st, "u2")) == 1
	})
	if got := repliesTo(t, st, "u1"); len(got) != 0 {
		t.Fatalf("u1 answered before its handler returned: %q", got)
	}
	if n := inboxLen(t, st); n != 1 {
		t.Fatalf("inbox has %d entries, want u1's still there", n)
	}
	rec.free("政策问题")
	waitFor(t, "u1's reply", func() bool { return len(repliesTo(t, st, "u1")) == 1 })

	_, perKey, _, _ := rec.snapshot()
	for key, n := range perKey {
		if n != 1 {
			t.Errorf("%s handled %d times, want once although polled while in hand", key, n)
		}
	}
	if woken.Load() != 2 {
		t.Errorf("the sender was told of replies %d times, want 2", woken.Load())
	}
}

// One person's messages apply in the order sent, even when the first is
// slow and others are served meanwhile; userids compare without case.
func TestWorkerKeepsEachSendersOrder(t *testing.T) {
	st := newMemStore(t)
	enqueueAll(t, st, "u1:完成 T1", "u2:a", "U1 :撤销", "u2:b", "u1:任务")
	rec := newRecorder("完成 T1")
	w := NewWorker(st, rec.handle, quietLogger())
	runWorker(t, w)
	t.Cleanup(rec.freeAll) // before the worker is stopped

	rec.waitStarted(t, "完成 T1")
	// u2's second entry starts only in a pass after its first finished;
	// that pass saw "撤销" and had to leave it, as u1 was still in hand.
	waitFor(t, "both of u2's replies", func() bool { return len(repliesTo(t, st, "u2")) == 2 })
	calls, _, _, _ := rec.snapshot()
	for _, c := range calls {
		if c == "撤销" || c == "任务" {
			t.Fatalf("%q handled while 完成 T1 was in hand: calls %q", c, calls)
		}
	}
	rec.free("完成 T1")
	waitFor(t, "all five replies", func() bool { return outboxLen(t, st) == 5 })

	calls, _, _, overlap := rec.snapshot()
	var u1 []string
	for _, c := range calls {
		if c != "a" && c != "b" {
			u1 = append(u1, c)
		}
	}
	if want := "完成 T1,撤销,任务"; strings.Join(u1, ",") != want {
		t.Errorf("u1 handled as %q, want %s", u1, want)
	}
	if overlap {
		t.Error("one sender had two entries in hand at once")
	}
	var got []string
	for _, e := range pending(t, st) {
		if duban.CanonicalUserID(e.Msg.To) == "u1" {
			got = append(got, e.Msg.Text)
		}
	}
	if want := "收到：完成 T1,收到：撤销,收到：任务"; strings.Join(got, ",") != want {
		t.Errorf("u1's replies queued as %q, want %s", got, want)
	}
}

// Stopping waits for every entry in hand, not only the first, and starts
// nothing new; what was not started stays for the next run.
func TestWorkerStopWaitsForAllInHand(t *testing.T) {
	st := newMemStore(t)
	enqueueAll(t, st, "u1:1", "u2:2", "u1:3", "u3:4")
	rec := newRecorder("1", "2")
	w := NewWorker(st, rec.handle, quietLogger())
	w.Concurrency = 2
	ctx, cancel := context.WithCancel(context.Background())
	var runErr error
	stopped := make(chan struct{})
	go func() { runErr = w.Run(ctx); close(stopped) }()
	t.Cleanup(func() { rec.freeAll(); cancel(); <-stopped })
	rec.waitStarted(t, "1")
	rec.waitStarted(t, "2")
	cancel()

	rec.free("1")
	waitFor(t, "u1's reply", func() bool { return len(repliesTo(t, st, "u1")) == 1 })
	select {
	case <-stopped:
		t.Fatalf("Run returned (%v) while u2's entry was in hand", runErr)
	case <-time.After(50 * time.Millisecond):
	}
	rec.free("2")
	select {
	case <-stopped:
		if runErr != nil {
			t.Fatal(runErr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the entries in hand finished")
	}

	if n := outboxLen(t, st); n != 2 {
		t.Errorf("outbox has %d replies, want the two in hand", n)
	}
	calls, _, _, _ := rec.snapshot()
	if len(calls) != 2 {
		t.Errorf("handled %q after stop, want only the two in hand", calls)
	}
	es, err := st.InboxEntries(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range es {
		left = append(left, e.In.Text)
	}
	if strings.Join(left, ",") != "3,4" {
		t.Errorf("inbox left %q, want 3,4 for the next run", left)
	}
}

// Concurrency 1 is the old worker: the whole inbox one entry at a time, in
// inbox order, whoever sent it.
func TestWorkerConcurrencyOneIsSequential(t *testing.T) {
	st := newMemStore(t)
	enqueueAll(t, st, "u1:1", "u2:2", "u3:3", "u1:4", "u2:5")
	rec := newRecorder("1")
	w := NewWorker(st, rec.handle, quietLogger())
	w.Concurrency = 1
	w.Poll = time.Millisecond
	runWorker(t, w)
	t.Cleanup(rec.freeAll) // before the worker is stopped

	rec.waitStarted(t, "1")
	w.Wake()
	time.Sleep(20 * time.Millisecond) // room for a wrong second start
	if calls, _, _, _ := rec.snapshot(); len(calls) != 1 {
		t.Fatalf("handled %q while the first entry was in hand", calls)
	}
	rec.free("1")
	waitFor(t, "five replies", func() bool { return outboxLen(t, st) == 5 })

	calls, _, maxAll, _ := rec.snapshot()
	if strings.Join(calls, ",") != "1,2,3,4,5" {
		t.Errorf("handled %q, want inbox order", calls)
	}
	if maxAll != 1 {
		t.Errorf("%d handler calls ran at once, want 1", maxAll)
	}
	var got []string
	for _, e := range pending(t, st) {
		got = append(got, e.Msg.Text)
	}
	if want := "收到：1,收到：2,收到：3,收到：4,收到：5"; strings.Join(got, ",") != want {
		t.Errorf("outbox %q, want %s", got, want)
	}
}

// No more than Concurrency senders are served at once.
func TestWorkerConcurrencyBound(t *testing.T) {
	st := newMemStore(t)
	enqueueAll(t, st, "u1:1", "u2:2", "u3:3", "u4:4")
	rec := newRecorder("1", "2")
	w := NewWorker(st, rec.handle, quietLogger())
	w.Concurrency = 2
	w.Poll = time.Millisecond
	runWorker(t, w)
	t.Cleanup(rec.freeAll) // before the worker is stopped

	rec.waitStarted(t, "1")
	rec.waitStarted(t, "2")
	time.Sleep(20 * time.Millisecond) // room for a wrong third start
	if calls, _, _, _ := rec.snapshot(); len(calls) != 2 {
		t.Fatalf("handled %q with two in hand and Concurrency 2", calls)
	}
	rec.free("2")
	waitFor(t, "u3 and u4 served while u1 is in hand", func() bool { return outboxLen(t, st) == 3 })
	rec.free("1")
	waitFor(t, "four replies", func() bool { return outboxLen(t, st) == 4 })
	if _, _, maxAll, _ := rec.snapshot(); maxAll > 2 {
		t.Errorf("%d handler calls ran at once, want at most 2", maxAll)
	}
}
