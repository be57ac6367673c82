package store

// Sweeping content no record names. Evidence content (blob/<sum>,
// blobdata/<sum>/…) is stored before the record that names it — an
// attachment (att/) or evidence held for its sender (atthold/, with a TTL) —
// so a held photo whose sender never names its task, or dropped, leaves
// content behind. PruneContent deletes such content once it is older than
// a grace period far longer than an upload takes.
//
// The race with an upload of the same content is closed by Badger's
// conflict detection: every transaction that writes a record naming
// content reads and rewrites its blob/<sum> (claimBlob), and the sweep
// reads every att/, atthold/ and blob/ key in the transaction that deletes.
// Whichever commits second retries: the sweep then sees the new record, or
// the upload finds its content gone and stores it again.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// errContentGone says a sweep deleted the content a record was to name.
var errContentGone = errors.New("content swept before it was claimed")

// pruneContentBatch bounds the pieces of content one sweep transaction
// deletes (each up to 20 chunks; a variable for tests).
var pruneContentBatch = 50

// claimContent runs fn in a transaction that also claims the stored
// content sum (read and rewrite blob/<sum>); content a sweep deleted in
// between is stored again from content, once.
func (s *Store) claimContent(ctx context.Context, sum string, content []byte, fn func(txn *badger.Txn) error) error {
	for attempt := 0; ; attempt++ {
		err := s.update(ctx, func(txn *badger.Txn) error {
			if err := claimBlob(txn, sum); err != nil {
				return err
			}
			return fn(txn)
		})
		if !errors.Is(err, errContentGone) || attempt > 0 {
			return err
		}
		if err := s.putBlob(ctx, sum, content); err != nil {
			return err
		}
	}
}

// claimBlob reads and rewrites blob/<sum> in txn, so that txn and a sweep
// deleting that content conflict; errContentGone when it is not there.
func claimBlob(txn *badger.Txn, sum string) error {
	b, err := getBytes(txn, blobKey(sum))
	if errors.Is(err, ErrNotFound) {
		return errContentGone
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", blobKey(sum), err)
	}
	if err := txn.Set(blobKey(sum), b); err != nil {
		return fmt.Errorf("write %s: %w", blobKey(sum), err)
	}
	return nil
}

// PruneContent deletes the stored content that no attachment and no held
// evidence names and that was stored more than grace ago, and returns how
// many pieces of content it deleted.
func (s *Store) PruneContent(ctx context.Context, grace time.Duration) (int, error) {
	cutoff := time.Now().Add(-grace)
	pruned := 0
	for {
		var orphans int
		var more bool
		err := s.update(ctx, func(txn *badger.Txn) error {
			var err error
			orphans, more, err = sweepContent(txn, cutoff)
			return err
		})
		if err != nil {
			return pruned, fmt.Errorf("prune unreferenced evidence content: %w", err)
		}
		pruned += orphans
		if !more {
			return pruned, nil
		}
	}
}

// sweepContent deletes, inside txn, up to pruneContentBatch pieces of
// content that nothing names: stored content (blob/) and content whose
// upload a crash cut off (blobpending/), each begun before cutoff, and
// chunks under neither, which a duban before blobpending/ left when a crash
// cut its upload off. more says whether others are left.
//
// Chunks under neither need no age: putBlob commits blobpending/<sum>
// before any chunk, so a chunk this snapshot sees without it is no upload's
// in progress. Reading both keys of such content makes an upload that
// begins meanwhile conflict with the sweep.
func sweepContent(txn *badger.Txn, cutoff time.Time) (deleted int, more bool, err error) {
	named := map[string]bool{}
	for _, prefix := range []string{"att/", "atthold/"} {
		err := scanPrefix(txn, []byte(prefix), false, func(key, val []byte) error {
			var a duban.Attachment
			if err := jsonUnmarshal(key, val, &a); err != nil {
				return err
			}
			named[a.SHA256] = true
			return nil
		})
		if err != nil {
			return 0, false, err
		}
	}
	stored := map[string]bool{}  // content under blob/
	pending := map[string]bool{} // content under blobpending/
	doomed := map[string]bool{}  // content to delete, with its chunks
	var keys [][]byte            // keys to delete
	full := func() bool {
		if len(doomed) == pruneContentBatch {
			more = true
		}
		return more
	}
	for _, family := range []struct {
		prefix string
		seen   map[string]bool
	}{{"blob/", stored}, {"blobpending/", pending}} { // blob/ first
		err = scanPrefix(txn, []byte(family.prefix), false, func(key, val []byte) error {
			sum := strings.TrimPrefix(string(key), family.prefix)
			var info blobInfo
			if err := jsonUnmarshal(key, val, &info); err != nil {
				return err
			}
			switch {
			case doomed[sum]:
				// Stored content going, and the marker of a second
				// upload of it that a crash cut off.
				keys = append(keys, slices.Clone(key))
			case !info.Stored.Before(cutoff):
			case family.prefix == "blobpending/" && stored[sum]:
				// A second upload of stored content, cut off: its
				// chunks are the stored content's.
				keys = append(keys, slices.Clone(key))
			case named[sum]:
			case !full():
				doomed[sum] = true
				keys = append(keys, slices.Clone(key))
			}
			family.seen[sum] = true
			return nil
		})
		if err != nil {
			return 0, false, err
		}
	}
	err = scanPrefix(txn, []byte("blobdata/"), true, func(key, _ []byte) error {
		sum, _, _ := strings.Cut(strings.TrimPrefix(string(key), "blobdata/"), "/")
		if !stored[sum] && !pending[sum] && !doomed[sum] && !full() {
			for _, k := range [][]byte{blobKey(sum), blobPendingKey(sum)} {
				if _, err := txn.Get(k); !errors.Is(err, badger.ErrKeyNotFound) {
					return fmt.Errorf("read %s: %w", k, cmp.Or(err, errors.New("there, but not in the scan")))
				}
			}
			doomed[sum] = true
		}
		if doomed[sum] {
			keys = append(keys, slices.Clone(key))
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	for _, k := range keys {
		if err := txn.Delete(k); err != nil {
			return 0, false, fmt.Errorf("delete %s: %w", k, err)
		}
	}
	return len(doomed), more, nil
}
