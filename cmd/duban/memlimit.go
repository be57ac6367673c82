package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// setMemoryLimit gives the Go runtime serve's soft memory limit ([server]
// memory_limit_mb): without one the heap grows to twice what is live
// before the collector runs (GOGC=100), which for a province's ledger and
// policy index (about 120 MB live) is most of serve's RSS. The limit is
// soft: a store whose live data needs more is still served, the collector
// running more often. GOMEMLIMIT in the environment wins; 0 sets nothing.
// It returns the limit in force, in bytes (math.MaxInt64 for none).
func setMemoryLimit(log *slog.Logger, mb int, getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") != "" || mb <= 0 {
		return debug.SetMemoryLimit(-1)
	}
	limit := int64(mb) << 20
	debug.SetMemoryLimit(limit)
	log.Info("memory limit set", "memory_limit_mb", mb)
	return limit
}

// liveHeapSample is the Go heap's live bytes as of the last collection.
var liveHeapSample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

func liveHeap() uint64 {
	metrics.Read(liveHeapSample)
	if liveHeapSample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return liveHeapSample[0].Value.Uint64()
}

// watchMemoryLimit warns, at most once an hour, while the live heap is past
// nine tenths of limit: the collector then runs almost continuously (up to
// half the CPU), and the limit should be raised. It returns when ctx ends.
func watchMemoryLimit(ctx context.Context, log *slog.Logger, limit int64, live func() uint64, every time.Duration) {
	var warned time.Time
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		l := live()
		if int64(l) > limit/10*9 && time.Since(warned) >= time.Hour {
			warned = time.Now()
			log.Warn("live heap near the memory limit: the garbage collector runs often; raise [server] memory_limit_mb",
				"live_mb", l>>20, "memory_limit_mb", limit>>20)
		}
	}
}
