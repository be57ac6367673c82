package store

import (
	"context"
	"time"

	"github.com/dgraph-io/badger/v4"
)

var keyProbe = []byte("meta/probe")

// Probe writes the time at under meta/probe, a synced write like any
// other, so a readiness check learns whether the store takes writes.
func (s *Store) Probe(ctx context.Context, at time.Time) error {
	return s.update(ctx, func(txn *badger.Txn) error { return putJSON(txn, keyProbe, at) })
}
