package store

// The notice index: which notice keys are recorded, held in memory so that
// a reminder pass learns which of its planned notices (a quarter of a
// million at a province: every escalation and 专函 is planned again each
// day, and is recorded) were sent before without a Badger read each — one
// read costs microseconds, as the records' blocks are read and checked.
//
//   - Badger stays the only source of truth. The index is built by one
//     read of the notice ledger's keys, by Warm (serve and chat call it at
//     start); until then Recorded reads Badger, so a one-shot command does
//     not pay for the whole ledger.
//   - Kept write-through, under the index's lock: RecordNotices holds it
//     from before each message's commit to the index's update after it, so
//     the index changes in commit order; a notice released after its
//     message failed for good (outbox.go), and a commit that failed or
//     found a notice taken, are read back from Badger under the lock. The
//     build holds the lock from its read to its last insert, so a commit
//     either precedes the build's read (and is in it) or reaches the index
//     after it. A read that fails there drops the index: Recorded then
//     reads Badger again until the next Warm.
//   - It holds a 128-bit fingerprint of each key (two independently,
//     randomly seeded 64-bit hashes), 16 bytes instead of the key: two keys
//     of one store share a fingerprint with a chance of about n²/2¹²⁹ (1e-25
//     for ten million notices), far below the disk's own error rate.
//
// It grows with the notice ledger, which is evidence and kept: about 32
// bytes a recorded notice.

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"

	"github.com/dgraph-io/badger/v4"
)

type noticeIndex struct {
	mu    sync.Mutex
	built bool
	seeds [2]maphash.Seed
	keys  fingerprints
}

type fingerprint [2]uint64

// fingerprints is a set of fingerprints, held by their first half (the
// map's fast path) with the second as value; the rare fingerprint whose
// first half another holds already goes to more.
type fingerprints struct {
	first map[uint64]uint64
	more  map[fingerprint]struct{}
}

func newFingerprints() fingerprints {
	return fingerprints{first: map[uint64]uint64{}, more: map[fingerprint]struct{}{}}
}

func (f fingerprints) has(p fingerprint) bool {
	if v, ok := f.first[p[0]]; ok && v == p[1] {
		return true
	}
	if len(f.more) == 0 {
		return false
	}
	_, ok := f.more[p]
	return ok
}

func (f fingerprints) add(p fingerprint) {
	if v, ok := f.first[p[0]]; !ok {
		f.first[p[0]] = p[1]
	} else if v != p[1] {
		f.more[p] = struct{}{}
	}
}

func (f fingerprints) remove(p fingerprint) {
	if v, ok := f.first[p[0]]; !ok || v != p[1] {
		delete(f.more, p)
		return
	}
	delete(f.first, p[0])
	for q := range f.more { // one sharing the first half moves up
		if q[0] == p[0] {
			f.first[q[0]] = q[1]
			delete(f.more, q)
			return
		}
	}
}

func (f fingerprints) len() int { return len(f.first) + len(f.more) }

func (x *noticeIndex) fingerprint(key string) fingerprint {
	return fingerprint{maphash.String(x.seeds[0], key), maphash.String(x.seeds[1], key)}
}

func (x *noticeIndex) fingerprintBytes(key []byte) fingerprint {
	return fingerprint{maphash.Bytes(x.seeds[0], key), maphash.Bytes(x.seeds[1], key)}
}

// buildNoticeIndex reads every recorded notice key into the index, once.
func (s *Store) buildNoticeIndex(ctx context.Context) error {
	x := &s.noticeIx
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.built {
		return nil
	}
	x.seeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}
	keys := newFingerprints()
	err := s.view(ctx, func(txn *badger.Txn) error {
		return scanPrefix(txn, []byte(prefixNotice), true, func(key, _ []byte) error {
			keys.add(x.fingerprintBytes(key[len(prefixNotice):]))
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("read notice keys: %w", err)
	}
	x.keys, x.built = keys, true
	return nil
}

// recorded reports, for each of n keys (see Store.Recorded), whether it is
// recorded; ok is false until the index is built.
func (x *noticeIndex) recorded(n int, key func(buf []byte, i int) []byte) (out []bool, ok bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.built {
		return nil, false
	}
	out = make([]bool, n)
	var buf []byte
	for i := range out {
		buf = key(buf[:0], i)
		out[i] = x.keys.has(x.fingerprintBytes(buf))
	}
	return out, true
}

// add records keys in the index; the caller holds x.mu and has just
// committed them.
func (x *noticeIndex) add(keys []string) {
	if !x.built {
		return
	}
	for _, k := range keys {
		x.keys.add(x.fingerprint(k))
	}
}

// rereadNotices sets keys in the index as Badger holds them now; the caller
// holds the index's lock. On a failed read the index is dropped.
func (s *Store) rereadNotices(keys []string) {
	x := &s.noticeIx
	if !x.built || len(keys) == 0 {
		return
	}
	err := s.db.View(func(txn *badger.Txn) error {
		for _, k := range keys {
			switch _, err := txn.Get(noticeKey(k)); {
			case err == nil:
				x.keys.add(x.fingerprint(k))
			case errors.Is(err, badger.ErrKeyNotFound):
				x.keys.remove(x.fingerprint(k))
			default:
				return err
			}
		}
		return nil
	})
	if err != nil {
		x.built, x.keys = false, fingerprints{}
	}
}
