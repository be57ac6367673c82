package store

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// BenchmarkBackup backs up an on-disk store of about 40 MB (20,000 values
// of 2 KB, the shape of the policy passages that make most of a large
// store) to nowhere. peak-heap-MB is the most the Go heap held above what
// it held before, sampled every millisecond: the backup's own memory.
// rss-anon-MB and rss-file-MB (Linux) are the process's resident anonymous
// memory and resident pages of mapped files (Badger's tables) at their
// highest, and the -added-MB ones how far each rose above its value before
// the first backup.
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
	runtime.GC()
	debug.FreeOSMemory()
	anon0, file0, procOK := rssMB()
	var anonMost, fileMost atomic.Int64 // in KB
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
				if a, f, ok := rssKB(); ok {
					anonMost.Store(max(anonMost.Load(), a))
					fileMost.Store(max(fileMost.Load(), f))
				}
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
	if procOK {
		anon, file := float64(anonMost.Load())/1024, float64(fileMost.Load())/1024
		b.ReportMetric(anon, "rss-anon-MB")
		b.ReportMetric(file, "rss-file-MB")
		b.ReportMetric(anon-anon0, "rss-anon-added-MB")
		b.ReportMetric(file-file0, "rss-file-added-MB")
	}
}

// rssKB reads the process's resident anonymous memory and resident
// file-backed pages (KB) from /proc/self/status; ok is false off Linux.
func rssKB() (anon, file int64, ok bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, false
	}
	found := 0
	for line := range strings.Lines(string(b)) {
		name, val, _ := strings.Cut(line, ":")
		var dst *int64
		switch name {
		case "RssAnon":
			dst = &anon
		case "RssFile":
			dst = &file
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return 0, 0, false
		}
		*dst, found = kb, found+1
	}
	return anon, file, found == 2
}

func rssMB() (anon, file float64, ok bool) {
	a, f, ok := rssKB()
	return float64(a) / 1024, float64(f) / 1024, ok
}
