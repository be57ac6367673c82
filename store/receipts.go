package store

// Upkeep of delivery receipts. sent/msg/<id> records how each outbox entry
// ended; it is bookkeeping of the channel, not evidence: the evidence of a
// reminder (notice/<key> and sent/notice/<key>) and of a change (hist/) is
// kept forever. Receipts older than [store] receipts_keep are deleted.

import (
	"context"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// pruneChunk bounds the keys gathered before each batch of deletions (a
// variable for tests).
var pruneChunk = 10_000

// PruneReceipts deletes the delivery receipts (sent/msg/) of messages that
// finished before cutoff and returns how many it deleted.
func (s *Store) PruneReceipts(ctx context.Context, cutoff time.Time) (int, error) {
	deleted := 0
	from := []byte(prefixSentMsg)
	for {
		var old [][]byte
		var next []byte
		err := s.view(ctx, func(txn *badger.Txn) error {
			opts := badger.DefaultIteratorOptions
			opts.Prefix = []byte(prefixSentMsg)
			it := txn.NewIterator(opts)
			defer it.Close()
			for it.Seek(from); it.Valid(); it.Next() {
				if len(old) == pruneChunk {
					next = it.Item().KeyCopy(nil)
					return nil
				}
				var d Delivery
				err := it.Item().Value(func(b []byte) error { return jsonUnmarshal(it.Item().Key(), b, &d) })
				if err != nil {
					return err
				}
				end := d.At
				if end.IsZero() {
					end = d.Queued
				}
				if end.Before(cutoff) {
					old = append(old, it.Item().KeyCopy(nil))
				}
			}
			return nil
		})
		if err != nil {
			return deleted, fmt.Errorf("prune delivery receipts: %w", err)
		}
		if err := s.deleteKeys(old); err != nil {
			return deleted, fmt.Errorf("prune delivery receipts: %w", err)
		}
		deleted += len(old)
		if next == nil {
			return deleted, nil
		}
		from = next
	}
}

// deleteKeys deletes keys in as many transactions as they need (receipts
// are written once and never again, so nothing races the deletion).
func (s *Store) deleteKeys(keys [][]byte) error {
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range keys {
		if err := wb.Delete(k); err != nil {
			return fmt.Errorf("delete %s: %w", k, err)
		}
	}
	return wb.Flush()
}
