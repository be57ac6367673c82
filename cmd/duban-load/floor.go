package main

// -mode floor: the disk's floor under the callback's acknowledgement. serve
// acknowledges a callback once its inbox entry is synced to disk, so no
// acknowledgement can be faster than a bare synced Badger write on the same
// disk. This runs such writes (store.Probe: one small key, one synced
// transaction, the store's own Badger options) in a fresh store under -dir,
// offered at -rate a second for -duration like the open loop, latency from
// each write's scheduled time. scripts/loadrun.sh runs it after the open
// loop and compares the two p99s.

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/duban-org/duban/store"
)

func floorLoop(ctx context.Context, o options) (result, error) {
	dir, err := os.MkdirTemp(o.Dir, "duban-floor-")
	if err != nil {
		return result{}, fmt.Errorf("floor store: %w", err)
	}
	defer os.RemoveAll(dir)
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		return result{}, err
	}
	defer s.Close()
	interval := time.Second / time.Duration(o.Rate)
	n := int(o.Duration / interval)
	l := &loader{o: o, r: result{Mode: "floor", Refused: map[int]int{}, LoadStart: loadAverage()}, cpu0: cpuTime()}
	lats := make([]time.Duration, n)
	done := make([]bool, n)
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	begin := time.Now()
	for i := range n {
		at := begin.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				wg.Wait()
				return l.finishFloor(begin, lats, done, firstErr), ctx.Err()
			}
		}
		wg.Go(func() {
			err := s.Probe(ctx, at)
			lats[i], done[i] = time.Since(at), err == nil
			if err != nil {
				mu.Lock()
				firstErr = cmpOr(firstErr, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return l.finishFloor(begin, lats, done, firstErr), nil
}

// finishFloor counts the writes done and their latencies.
func (l *loader) finishFloor(begin time.Time, lats []time.Duration, done []bool, firstErr error) result {
	var ok []time.Duration
	for i, d := range done {
		if d {
			ok = append(ok, lats[i])
		} else if lats[i] > 0 {
			l.r.Errors++
		}
	}
	r := l.finish(begin, ok)
	r.Sent, r.Acked, r.FirstErr = len(ok)+r.Errors, len(ok), firstErr
	return r
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
