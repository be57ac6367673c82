package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/duban-org/duban/store"
)

// pruneEvery is how often serve prunes the records that only served
// delivery or a cache.
const pruneEvery = 6 * time.Hour

// pruneLoop deletes, at start and then every pruneEvery until ctx ends, the
// delivery receipts older than [store] receipts_keep and the cached question
// vectors not used for [store] question_vectors_keep (each kept forever when
// its key is 0).
func (a *app) pruneLoop(ctx context.Context) error {
	for {
		a.prune(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pruneEvery):
		}
	}
}

func (a *app) prune(ctx context.Context) {
	if keep := a.cfg.Store.ReceiptsKeep.D(); keep > 0 {
		n, err := a.st.PruneReceipts(ctx, a.now().Add(-keep))
		switch {
		case err != nil && ctx.Err() == nil:
			a.e.log.Error("pruning delivery receipts failed", "err", err)
		case n > 0:
			a.e.log.Info("delivery receipts pruned", "deleted", n, "older_than", keep.String())
		}
	}
	if keep := a.cfg.Store.QuestionVectorsKeep.D(); keep > 0 {
		n, err := a.st.PruneQuestionVectors(ctx, a.now().Add(-keep))
		switch {
		case err != nil && ctx.Err() == nil:
			a.e.log.Error("pruning cached question vectors failed", "err", err)
		case n > 0:
			a.e.log.Info("cached question vectors pruned", "deleted", n, "unused_for", keep.String())
		}
	}
}

// contentGrace is how old stored evidence content no record names must be
// before it is swept: far longer than an upload takes between storing the
// content and the record that names it.
const contentGrace = 24 * time.Hour

// gcLoop sweeps evidence content no record names (store/content.go) and
// gives back the dead space of the store's value log (store/gc.go) at
// start and then every [store] gc_interval, until ctx ends; collected
// hears of each collection (the metrics).
func (a *app) gcLoop(collected func(rewrites int, after store.DiskUsage)) func(context.Context) error {
	return func(ctx context.Context) error {
		for {
			a.collectGarbage(ctx, collected)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(a.cfg.Store.GCInterval.D()):
			}
		}
	}
}

// collectGarbage runs one value-log collection, unless disk space is under
// the floor: a collection writes the live values of a file before it
// deletes the file. The guard itself logs the low space.
func (a *app) collectGarbage(ctx context.Context, collected func(int, store.DiskUsage)) {
	if a.space.Check() != nil {
		a.e.log.Info("value-log GC skipped: low disk space")
		return
	}
	swept, err := a.st.PruneContent(ctx, contentGrace)
	switch {
	case err != nil && ctx.Err() == nil:
		a.e.log.Error("sweeping unreferenced evidence content failed", "err", err)
	case swept > 0:
		a.e.log.Info("unreferenced evidence content swept", "deleted", swept)
	}
	start := time.Now()
	before, err := a.st.DiskUsage()
	if err != nil {
		a.e.log.Warn("value-log GC", "err", err)
	}
	n, err := a.st.CollectGarbage(ctx)
	if err != nil && ctx.Err() == nil {
		a.e.log.Error("value-log GC failed", "err", err, "rewritten", n)
	}
	after, err := a.st.DiskUsage()
	if err != nil {
		a.e.log.Warn("value-log GC", "err", err)
		return
	}
	level := slog.LevelDebug
	if n > 0 {
		level = slog.LevelInfo
	}
	a.e.log.Log(ctx, level, "value-log GC", "rewritten", n, "value_log_before", before.ValueLog,
		"value_log_after", after.ValueLog, "tables", after.Tables, "took", time.Since(start).Round(time.Millisecond).String())
	collected(n, after)
}

// metricsServer is the listener of GET /metrics at addr ([server]
// metrics_listen, loopback by default), apart from the callback's so the
// public address never exposes it; nil when addr is empty.
func metricsServer(addr string, h http.Handler) (*http.Server, net.Listener, error) {
	if addr == "" {
		return nil, nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, listenError(addr, "[server] metrics_listen", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
	}, ln, nil
}
