package store

// Reads and one secret for the web pages (package web).
//
//	web/session_key   32 random bytes   signs the pages' session cookies
//	                                    when [web] session_key is not set

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
)

var keyWebSessionKey = []byte("web/session_key")

// WebSessionKey returns the key that signs the pages' session cookies,
// generating and keeping one on first use, so sessions survive a restart.
func (s *Store) WebSessionKey(ctx context.Context) ([]byte, error) {
	var key []byte
	err := s.update(ctx, func(txn *badger.Txn) error {
		item, err := txn.Get(keyWebSessionKey)
		switch {
		case err == nil:
			key, err = item.ValueCopy(nil)
			return err
		case !errors.Is(err, badger.ErrKeyNotFound):
			return err
		}
		key = make([]byte, 32)
		rand.Read(key)
		return txn.Set(keyWebSessionKey, key)
	})
	if err != nil {
		return nil, fmt.Errorf("web session key: %w", err)
	}
	return key, nil
}

// Notices returns the newest limit notice records of every task (all when
// limit <= 0), newest first, each with its delivery outcome when recorded:
// the city-wide notice ledger.
func (s *Store) Notices(ctx context.Context, limit int) ([]NoticeRecord, error) {
	var out []NoticeRecord
	err := s.view(ctx, func(txn *badger.Txn) error {
		var err error
		if out, err = listIn[NoticeRecord](txn, []byte(prefixNotice)); err != nil {
			return err
		}
		slices.SortStableFunc(out, func(a, b NoticeRecord) int { return b.Queued.Compare(a.Queued) })
		if limit > 0 && len(out) > limit {
			out = out[:limit]
		}
		return attachDeliveries(txn, out)
	})
	if err != nil {
		return nil, fmt.Errorf("notice ledger: %w", err)
	}
	return out, nil
}

// InboxEntryOf returns the inbox entry whose message has key, or
// ErrNotFound once it is completed (or was never enqueued).
func (s *Store) InboxEntryOf(ctx context.Context, key string) (InboxEntry, error) {
	var found InboxEntry
	err := s.view(ctx, func(txn *badger.Txn) error {
		return scanPrefix(txn, []byte(prefixInbox), false, func(k, val []byte) error {
			var e InboxEntry
			if err := jsonUnmarshal(k, val, &e.In); err != nil {
				return err
			}
			if e.In.Key != key {
				return nil
			}
			e.ID = string(k[len(prefixInbox):])
			found = e
			return errStopScan
		})
	})
	switch {
	case errors.Is(err, errStopScan):
		return found, nil
	case err != nil:
		return found, fmt.Errorf("inbox entry of %s: %w", key, err)
	}
	return found, fmt.Errorf("inbox entry of %s: %w", key, ErrNotFound)
}
