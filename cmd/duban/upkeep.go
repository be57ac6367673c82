package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// receiptsEvery is how often serve prunes delivery receipts.
const receiptsEvery = 6 * time.Hour

// receiptsLoop deletes the delivery receipts older than [store]
// receipts_keep, at start and then every receiptsEvery, until ctx ends.
func (a *app) receiptsLoop(ctx context.Context) error {
	keep := a.cfg.Store.ReceiptsKeep.D()
	for {
		n, err := a.st.PruneReceipts(ctx, a.now().Add(-keep))
		switch {
		case err != nil && ctx.Err() == nil:
			a.e.log.Error("pruning delivery receipts failed", "err", err)
		case n > 0:
			a.e.log.Info("delivery receipts pruned", "deleted", n, "older_than", keep.String())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(receiptsEvery):
		}
	}
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
		return nil, nil, fmt.Errorf("listen for metrics on %s ([server] metrics_listen): %w", addr, err)
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
