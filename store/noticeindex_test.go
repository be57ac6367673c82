package store

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// noticeKeysInBadger reads, for each key, whether Badger holds its record,
// and counts what the index should hold of the records: every key but the
// overdue steps, and one top per task, recipient and deadline with an
// overdue step.
func noticeKeysInBadger(t *testing.T, s *Store, keys []string) (in []bool, listed, tops int) {
	t.Helper()
	in = make([]bool, len(keys))
	ladders := map[string]bool{}
	err := s.db.View(func(txn *badger.Txn) error {
		for i, k := range keys {
			_, err := txn.Get(noticeKey(k))
			in[i] = err == nil
		}
		return scanPrefix(txn, []byte(prefixNotice), true, func(key, _ []byte) error {
			p := splitNoticeKey(key[len(prefixNotice):])
			if p.step == 0 {
				listed++
			} else {
				ladders[string(p.task)+"\x00"+string(p.at)] = true
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return in, listed, len(ladders)
}

// checkNoticeIndex fails unless the index is built and answers as a fresh
// read of Badger does, holding no more than a key per record but the
// overdue steps and a top per ladder.
func checkNoticeIndex(t *testing.T, s *Store, pool []string, step string) {
	t.Helper()
	want, listed, tops := noticeKeysInBadger(t, s, pool)
	s.noticeIx.mu.Lock()
	built := s.noticeIx.built
	gotListed, gotTops := s.noticeIx.size()
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
	if gotListed != listed || gotTops != tops {
		t.Fatalf("%s: the index lists %d keys and %d ladder tops, Badger's records make %d and %d", step, gotListed, gotTops, listed, tops)
	}
	// The planner's lookup never claims a key Badger does not hold.
	l := s.NoticeLookup()
	for i, k := range pool {
		if l.Recorded([]byte(k)) && !want[i] {
			t.Fatalf("%s: the planner's lookup says %s recorded, Badger does not hold it", step, k)
		}
	}
}

func recordedKeys(s *Store, keys []string) ([]bool, error) {
	return s.Recorded(context.Background(), len(keys), func(buf []byte, i int) []byte { return append(buf, keys[i]...) })
}

func noticePool() []string {
	var pool []string
	for task := range 4 {
		for _, stage := range []string{"before-3", "overdue-1", "overdue-2", "overdue-10", "escalate", "verify@2026-10-01"} {
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

// A notice key is split from the right, so a task id holding '|' keeps
// it; only overdue-N as the planner writes it is a ladder step.
func TestSplitNoticeKey(t *testing.T) {
	for _, c := range []struct {
		key, task, rest, at string
		step                int32
	}{
		{"T1|overdue-12|c1|2026-10-01", "T1", "overdue-12|c1|2026-10-01", "c1|2026-10-01", 12},
		{"A|B|overdue-3|c1|2026-10-01", "A|B", "overdue-3|c1|2026-10-01", "c1|2026-10-01", 3},
		{"T1|escalate|L1|2026-10-01", "T1", "escalate|L1|2026-10-01", "L1|2026-10-01", 0},
		{"T1|verify@2026-10-02|L1|2026-10-01", "T1", "verify@2026-10-02|L1|2026-10-01", "L1|2026-10-01", 0},
		{"|calendar|a1|2027-01-01", "", "calendar|a1|2027-01-01", "a1|2027-01-01", 0},
		{"T1|overdue-01|c1|2026-10-01", "T1", "overdue-01|c1|2026-10-01", "c1|2026-10-01", 0},
		{"T1|overdue-|c1|2026-10-01", "T1", "overdue-|c1|2026-10-01", "c1|2026-10-01", 0},
		{"T1|overdue-1x|c1|2026-10-01", "T1", "overdue-1x|c1|2026-10-01", "c1|2026-10-01", 0},
		{"T1|overdue-9999999999|c1|2026-10-01", "T1", "overdue-9999999999|c1|2026-10-01", "c1|2026-10-01", 0},
		{"no-bars", "no-bars", "", "", 0},
		{"a|b", "a|b", "", "", 0},
	} {
		p := splitNoticeKey([]byte(c.key))
		if string(p.task) != c.task || string(p.rest) != c.rest || string(p.at) != c.at || p.step != c.step {
			t.Errorf("%s: task %q rest %q at %q step %d, want %q %q %q %d", c.key, p.task, p.rest, p.at, p.step, c.task, c.rest, c.at, c.step)
		}
	}
}

// The index keeps one top per overdue ladder, however long it climbs: a
// step above it is unsent, the top sent, one below it read from Badger (a
// calendar import, or a dry run back in time, plans it again). Releasing
// the top (its message failed for good) lowers it to the highest step
// Badger still holds.
func TestNoticeIndexHoldsLadderTops(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir(), Options{Unsynced: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 10, 9, 9, 0, 0, 0, time.UTC)
	var pool []string
	for n := 1; n <= 60; n++ {
		pool = append(pool, fmt.Sprintf("T1|overdue-%d|c1|2026-09-30", n), fmt.Sprintf("T1|overdue-%d|h1|2026-09-30", n))
	}
	// Steps 1–40 but 5–7 (duban was down), each working day, to both.
	for n := 1; n <= 40; n++ {
		if n >= 5 && n <= 7 {
			continue
		}
		at = at.Add(24 * time.Hour)
		if err := recordMessage(s, []string{pool[2*(n-1)], pool[2*(n-1)+1]}, at); err != nil {
			t.Fatal(err)
		}
	}
	checkNoticeIndex(t, s, pool, "after 37 working days")
	if listed, tops := s.noticeIx.size(); listed != 0 || tops != 2 {
		t.Fatalf("the index holds %d keys and %d tops for 74 overdue steps, want 0 and 2", listed, tops)
	}
	// The top's message fails for good: its records are released.
	es, err := s.PendingOutgoing(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if slices.Contains(e.Msg.NoticeKeys, "T1|overdue-40|c1|2026-09-30") {
			if err := s.FinishOutgoing(ctx, e, Delivery{Status: DeliveryFailed, Error: "errcode -1"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkNoticeIndex(t, s, pool, "after the top was released")
	keys := []string{"T1|overdue-40|c1|2026-09-30", "T1|overdue-39|c1|2026-09-30", "T1|overdue-40|h1|2026-09-30",
		"T1|overdue-39|h1|2026-09-30", "T1|overdue-3|c1|2026-09-30", "T1|overdue-6|c1|2026-09-30", "T1|overdue-41|c1|2026-09-30"}
	if got, _ := recordedKeys(s, keys); !slices.Equal(got, []bool{false, true, false, true, true, false, false}) {
		t.Fatalf("after releasing step 40: %v recorded %v", keys, got)
	}
}

// Tasks whose ids share a hash are told apart, stored and dropped in any
// order (every id shares one here: the hash's bits are masked off).
func TestTaskMapSharedHash(t *testing.T) {
	m := newTaskMap(maphash.MakeSeed())
	m.mask = 0
	has := func(task string, key uint64) bool {
		e, ok := m.get([]byte(task))
		return ok && e.task == task && slices.Contains(e.keys, key)
	}
	m.put(taskNotices{task: "A", keys: []uint64{1}})
	m.put(taskNotices{task: "B", keys: []uint64{2}})
	m.put(taskNotices{task: "C", keys: []uint64{3}})
	if !has("A", 1) || !has("B", 2) || !has("C", 3) || has("D", 1) || len(m.byID) != 1 || len(m.more) != 2 {
		t.Fatalf("A, B and C: %+v", m)
	}
	m.put(taskNotices{task: "B", keys: []uint64{2, 4}})
	if !has("B", 4) {
		t.Fatalf("B updated: %+v", m)
	}
	m.put(taskNotices{task: "A"}) // A leaves: B or C moves up
	if has("A", 1) || !has("B", 4) || !has("C", 3) || len(m.byID) != 1 || len(m.more) != 1 {
		t.Fatalf("after A left: %+v", m)
	}
	m.put(taskNotices{task: "C"})
	m.put(taskNotices{task: "B"})
	m.put(taskNotices{task: "D"})
	if len(m.byID) != 0 || len(m.more) != 0 {
		t.Fatalf("after all left: %+v", m)
	}
}
