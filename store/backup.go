package store

import (
	"context"
	"fmt"
	"io"

	"github.com/dgraph-io/badger/v4"
)

// Backup writes a full, consistent backup of the store to w (Badger's
// portable backup format). It can run while the store is in use.
func (s *Store) Backup(ctx context.Context, w io.Writer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := s.db.Backup(w, 0); err != nil {
		return fmt.Errorf("back up store %s: %w", s.dir, err)
	}
	return nil
}

// Restore loads a backup written by Backup into this store, which must be
// new: restoring over a ledger in use would mix two histories.
func (s *Store) Restore(ctx context.Context, r io.Reader) error {
	empty := true
	err := s.view(ctx, func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if string(it.Item().Key()) != string(keySchema) {
				empty = false
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("restore into %s: the store is not empty; restore into a new directory ([store] dir)", s.dir)
	}
	if err := s.db.Load(r, 64); err != nil {
		return fmt.Errorf("restore into %s: %w", s.dir, err)
	}
	return s.checkSchema()
}
