package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/config"
	"github.com/duban-org/duban/store"
)

// serve's prune loop deletes, as it starts, the receipts older than
// [store] receipts_keep and keeps the newer ones.
func TestPruneLoopPrunesOldReceipts(t *testing.T) {
	cfg, _ := tempConfig(t)
	ctx := context.Background()
	a, err := openApp(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, log: discardLog()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, a.loc)
	a.now = func() time.Time { return now }
	ids, err := a.st.QueueOutgoing(ctx, now, duban.Outgoing{To: "u1", Text: "旧"}, duban.Outgoing{To: "u2", Text: "新"})
	if err != nil {
		t.Fatal(err)
	}
	es, _ := a.st.PendingOutgoing(ctx, 0)
	ended := map[string]time.Time{ids[0]: now.AddDate(0, 0, -91), ids[1]: now.AddDate(0, 0, -89)}
	for _, e := range es {
		if err := a.st.FinishOutgoing(ctx, e, store.Delivery{Status: store.DeliveryDelivered, At: ended[e.ID]}); err != nil {
			t.Fatal(err)
		}
	}
	loopCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.pruneLoop(loopCtx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := a.st.DeliveryByID(ctx, ids[0]); errors.Is(err, store.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the 91-day-old receipt was not pruned")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if _, err := a.st.DeliveryByID(ctx, ids[1]); err != nil {
		t.Errorf("the 89-day-old receipt went: %v", err)
	}
}

// serve's value-log collection reports the store's size on disk after it,
// and is skipped, with a log line, while disk space is under the floor.
func TestCollectGarbageSkippedWhenLow(t *testing.T) {
	cfg, _ := tempConfig(t)
	ctx := context.Background()
	var free atomic.Uint64
	free.Store(1 << 40)
	logs := &syncWriter{}
	e := &env{stdout: os.Stdout, stderr: os.Stderr, log: slog.New(slog.NewTextHandler(logs, nil)),
		freeSpace: func(string) (uint64, error) { return free.Load(), nil }}
	a, err := openApp(ctx, e, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	calls := 0
	var got store.DiskUsage
	collected := func(_ int, u store.DiskUsage) { calls++; got = u }
	a.collectGarbage(ctx, collected)
	if calls != 1 || got.Total() == 0 {
		t.Errorf("collection with room: %d calls, usage %+v", calls, got)
	}
	free.Store(100 << 20) // below the default floor of 256 MB
	a.collectGarbage(ctx, collected)
	if calls != 1 || !strings.Contains(logs.String(), "value-log GC skipped: low disk space") {
		t.Errorf("collection under the floor: %d calls, log:\n%s", calls, logs)
	}
}

// serve's upkeep deletes the cached vectors of questions not asked for
// [store] question_vectors_keep, keeps those asked since, and keeps them all
// when the key is 0s.
func TestPruneQuestionVectors(t *testing.T) {
	cfg, _ := tempConfig(t)
	ctx := context.Background()
	a, err := openApp(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, log: discardLog()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, a.loc)
	a.now = func() time.Time { return now }
	old, recent := sha256.Sum256([]byte("query\n旧问题")), sha256.Sum256([]byte("query\n新问题"))
	used := map[[32]byte]time.Time{old: now.AddDate(0, 0, -91), recent: now.AddDate(0, 0, -89)}
	for h, used := range used {
		if err := a.st.PutQuestionVector(ctx, "bge-m3", h, []float32{1, 0}, used); err != nil {
			t.Fatal(err)
		}
	}
	cached := func(h [32]byte) bool { // read as of its last use, which records no new one
		t.Helper()
		_, ok, err := a.st.QuestionVector(ctx, "bge-m3", h, used[h])
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	a.cfg.Store.QuestionVectorsKeep = 0
	a.prune(ctx)
	if !cached(old) || !cached(recent) {
		t.Fatal("question_vectors_keep = 0s pruned a vector")
	}
	a.cfg.Store.QuestionVectorsKeep = config.Duration(90 * 24 * time.Hour)
	a.prune(ctx)
	if cached(old) {
		t.Error("the vector of a question last asked 91 days ago was kept")
	}
	if !cached(recent) {
		t.Error("the vector of a question asked 89 days ago was pruned")
	}
}
