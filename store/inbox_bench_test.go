package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// durableWrites runs write from 20 goroutines b.N times in all and reports
// the latency percentiles: the floor under any acknowledgement that waits
// for a synced write on this disk.
func durableWrites(b *testing.B, write func(n int64) error) {
	var (
		next atomic.Int64
		mu   sync.Mutex
		lat  = make([]time.Duration, 0, b.N)
		wg   sync.WaitGroup
	)
	b.ResetTimer()
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				t0 := time.Now()
				if err := write(n); err != nil {
					b.Error(err)
					return
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkDurableSet is one synced single-key Badger transaction per op.
func BenchmarkDurableSet(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	durableWrites(b, func(n int64) error {
		return s.db.Update(func(txn *badger.Txn) error {
			return txn.Set(fmt.Appendf(nil, "bench/%d", n), []byte("a value of about fifty bytes, like a small record"))
		})
	})
}

// BenchmarkDurableEnqueue is the inbox write of one callback (dedupe check
// and record, inbox entry) per op.
func BenchmarkDurableEnqueue(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	durableWrites(b, func(n int64) error {
		_, err := s.Enqueue(context.Background(), duban.Inbound{Key: fmt.Sprintf("msg:%d", n), From: "u1", Text: "进展 T001 压测"}, time.Minute)
		return err
	})
}
