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
	err := s.pickInChunks(ctx, prefixSentMsg, func(key, value []byte) (bool, error) {
		// Only the times are decoded: a store holds millions of receipts.
		var d struct {
			Queued time.Time `json:"queued"`
			At     time.Time `json:"at"`
		}
		if err := jsonUnmarshal(key, value, &d); err != nil {
			return false, err
		}
		end := d.At
		if end.IsZero() {
			end = d.Queued
		}
		return end.Before(cutoff), nil
	}, func(old [][]byte) error {
		if err := s.deleteKeys(old); err != nil {
			return err
		}
		deleted += len(old)
		return nil
	})
	if err != nil {
		return deleted, fmt.Errorf("prune delivery receipts: %w", err)
	}
	return deleted, nil
}

// pickInChunks walks the records under prefix and hands the keys pick
// chooses to each, at most pruneChunk at a time, so that a store of
// millions of records is never gathered, or deleted, in one piece. each
// runs between the reads, outside their transaction.
func (s *Store) pickInChunks(ctx context.Context, prefix string, pick func(key, value []byte) (bool, error), each func(keys [][]byte) error) error {
	from := []byte(prefix)
	for {
		var picked [][]byte
		var next []byte
		err := s.view(ctx, func(txn *badger.Txn) error {
			opts := badger.DefaultIteratorOptions
			opts.Prefix = []byte(prefix)
			it := txn.NewIterator(opts)
			defer it.Close()
			for it.Seek(from); it.Valid(); it.Next() {
				item := it.Item()
				if len(picked) == pruneChunk {
					next = item.KeyCopy(nil)
					return nil
				}
				var ok bool
				err := item.Value(func(b []byte) error {
					var err error
					ok, err = pick(item.Key(), b)
					return err
				})
				if err != nil {
					return err
				}
				if ok {
					picked = append(picked, item.KeyCopy(nil))
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := each(picked); err != nil {
			return err
		}
		if next == nil {
			return nil
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
