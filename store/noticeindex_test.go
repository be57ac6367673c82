package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// noticeKeysInBadger reads, for each key, whether Badger holds its record,
// and counts the records.
func noticeKeysInBadger(t *testing.T, s *Store, keys []string) (in []bool, total int) {
	t.Helper()
	in = make([]bool, len(keys))
	err := s.db.View(func(txn *badger.Txn) error {
		for i, k := range keys {
			_, err := txn.Get(noticeKey(k))
			in[i] = err == nil
		}
		return scanPrefix(txn, []byte(prefixNotice), true, func(_, _ []byte) error { total++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return in, total
}

// checkNoticeIndex fails unless the index is built and answers as a fresh
// read of Badger does, holding no key Badger does not.
func checkNoticeIndex(t *testing.T, s *Store, pool []string, step string) {
	t.Helper()
	want, total := noticeKeysInBadger(t, s, pool)
	s.noticeIx.mu.Lock()
	built, size := s.noticeIx.built, s.noticeIx.keys.len()
	s.noticeIx.mu.Unlock()
	if !built {
		t.Fatalf("%s: the notice index is not built", step)
	}
	got, err := recordedKeys(s, pool)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range pool {
		if got[i] != want[i] {
			t.Fatalf("%s: the index says %s recorded=%v, Badger %v", step, k, got[i], want[i])
		}
	}
	if size != total {
		t.Fatalf("%s: the index holds %d keys, Badger %d records", step, size, total)
	}
}

func recordedKeys(s *Store, keys []string) ([]bool, error) {
	return s.Recorded(context.Background(), len(keys), func(buf []byte, i int) []byte { return append(buf, keys[i]...) })
}

func noticePool() []string {
	var pool []string
	for task := range 4 {
		for _, stage := range []string{"before-3", "overdue-1", "escalate", "verify@2026-10-01"} {
			for _, to := range []string{"c1", "h1", "L1"} {
				pool = append(pool, fmt.Sprintf("T%d|%s|%s|2026-10-0%d", task, stage, to, task+1))
			}
		}
	}
	return pool
}

// recordMessage queues one message carrying keys; a message one of whose
// notices is recorded already is dropped, which is not an error.
func recordMessage(s *Store, keys []string, at time.Time) error {
	recs := map[string]NoticeRecord{}
	for _, k := range keys {
		recs[k] = NoticeRecord{TaskID: k[:2], Stage: "overdue-1", To: "c1", Role: duban.RoleContact, Unit: "A"}
	}
	_, err := s.RecordNotices(context.Background(), []duban.Outgoing{{To: "c1", Text: "提醒", NoticeKeys: keys}}, recs, at)
	return err
}

// The notice index answers as Badger does through any mix of recorded
// messages, taken notices, messages delivered or failed for good (their
// notices released), restarts and a store not warmed yet.
func TestNoticeIndexEqualsBadger(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{Unsynced: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	if err := s.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	pool := noticePool()
	rng := rand.New(rand.NewPCG(17, 2026))
	at := time.Date(2026, 10, 9, 9, 0, 0, 0, time.UTC)
	warm := true
	for step := range 400 {
		at = at.Add(time.Minute)
		var what string
		switch op := rng.IntN(10); {
		case op < 5:
			keys := make([]string, 1+rng.IntN(3))
			for i := range keys {
				keys[i] = pool[rng.IntN(len(pool))]
			}
			keys = slices.Compact(slices.Sorted(slices.Values(keys)))
			what = fmt.Sprintf("record %v", keys)
			if err := recordMessage(s, keys, at); err != nil {
				t.Fatal(err)
			}
		case op < 8:
			es, err := s.PendingOutgoing(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) == 0 {
				continue
			}
			e := es[rng.IntN(len(es))]
			d := Delivery{Status: DeliveryDelivered}
			if rng.IntN(2) == 0 {
				d = Delivery{Status: DeliveryFailed, Error: "errcode -1: system busy"}
			}
			what = fmt.Sprintf("finish %v as %s", e.Msg.NoticeKeys, d.Status)
			if err := s.FinishOutgoing(ctx, e, d); err != nil {
				t.Fatal(err)
			}
		case op < 9:
			what = "restart"
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if s, err = Open(dir, Options{Unsynced: true}); err != nil {
				t.Fatal(err)
			}
			if warm = rng.IntN(3) > 0; warm {
				if err := s.Warm(ctx); err != nil {
					t.Fatal(err)
				}
			}
		default:
			what = "warm"
			if err := s.Warm(ctx); err != nil {
				t.Fatal(err)
			}
			warm = true
		}
		if warm {
			checkNoticeIndex(t, s, pool, fmt.Sprintf("step %d (%s)", step, what))
		}
	}
}

// Passes recording, senders finishing messages (some failing for good) and
// look-ups, all at once, leave the index as Badger is.
func TestNoticeIndexUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir(), Options{Unsynced: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	pool := noticePool()
	at := time.Date(2026, 10, 9, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 3 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for range 150 {
				if err := recordMessage(s, []string{pool[rng.IntN(len(pool))]}, at); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 150 {
			es, err := s.PendingOutgoing(ctx, 0)
			if err != nil {
				errs <- err
				return
			}
			for _, e := range es {
				d := Delivery{Status: DeliveryDelivered}
				if i%2 == 0 {
					d = Delivery{Status: DeliveryFailed, Error: "errcode -1"}
				}
				if err := s.FinishOutgoing(ctx, e, d); err != nil && !errors.Is(err, ErrNotFound) {
					errs <- err
					return
				}
			}
		}
	})
	wg.Go(func() {
		for range 150 {
			if _, err := recordedKeys(s, pool); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkNoticeIndex(t, s, pool, "after the concurrent writes")
}

// Fingerprints sharing their first half are told apart, added and removed
// in any order.
func TestFingerprintsShareFirstHalf(t *testing.T) {
	f := newFingerprints()
	a, b, c := fingerprint{1, 10}, fingerprint{1, 20}, fingerprint{1, 30}
	f.add(a)
	f.add(b)
	f.add(c)
	f.add(b)
	if !f.has(a) || !f.has(b) || !f.has(c) || f.has(fingerprint{1, 40}) || f.has(fingerprint{2, 10}) || f.len() != 3 {
		t.Fatalf("after adding three: %+v", f)
	}
	f.remove(a)
	if f.has(a) || !f.has(b) || !f.has(c) || f.len() != 2 {
		t.Fatalf("after removing the first: %+v", f)
	}
	f.remove(c)
	f.remove(fingerprint{1, 99})
	if !f.has(b) || f.has(c) || f.len() != 1 {
		t.Fatalf("after removing another: %+v", f)
	}
	f.remove(b)
	if f.has(b) || f.len() != 0 {
		t.Fatalf("after removing all: %+v", f)
	}
}
