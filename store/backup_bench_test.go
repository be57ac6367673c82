package store

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// BenchmarkBackup backs up an on-disk store of about 40 MB (20,000 values
// of 2 KB, the shape of the policy passages that make most of a large
// store) to nowhere. peak-heap-MB is the most the Go heap held above what
// it held before, sampled every millisecond: the backup's own memory.
//
//	go test ./store -run '^$' -bench Backup -benchtime 5x -benchmem
func BenchmarkBackup(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	st, err := Open(dir, Options{Unsynced: true})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	val := make([]byte, 2048)
	for batch := range 40 {
		err := st.update(ctx, func(txn *badger.Txn) error {
			for i := range 500 {
				for j := range val {
					val[j] = byte('a' + r.IntN(26)) // text compresses about as much as this
				}
				if err := txn.Set(fmt.Appendf(nil, "bench/%03d/%04d", batch, i), val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	if st, err = Open(dir, Options{}); err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() int64 {
		metrics.Read(sample)
		return int64(sample[0].Value.Uint64())
	}
	var peak float64
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		base := heap()
		var most atomic.Int64
		done := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			for {
				most.Store(max(most.Load(), heap()))
				select {
				case <-done:
					return
				case <-t.C:
				}
			}
		}()
		b.StartTimer()
		if err := st.Backup(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		close(done)
		<-sampled
		peak += float64(most.Load()-base) / (1 << 20)
		b.StartTimer()
	}
	b.ReportMetric(peak/float64(b.N), "peak-heap-MB")
}
