package store

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

// BenchmarkViewProvince builds the ledger view of a province (100,000
// tasks in 10,000 units, 23,371 people) from an on-disk store, and reports
// the CPU it takes and the live heap it holds once built; then reads it
// serves: a group's tasks (a 督办组长's `任务`), a unit's, the whole ledger,
// every unit's tallies (编办's `任务`).
func BenchmarkViewProvince(b *testing.B) {
	ctx := context.Background()
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Import(ctx, provinceLedger(10_000, 100_000, 1), "import", at); err != nil {
		b.Fatal(err)
	}
	today := duban.DateOf(at)
	b.Run("build", func(b *testing.B) {
		var cpu time.Duration
		var heap int64
		for b.Loop() {
			s.dropView()
			start := cpuTime()
			if err := s.Warm(ctx); err != nil {
				b.Fatal(err)
			}
			cpu += cpuTime() - start
			// The view's live bytes: the heap after a collection with it,
			// less the heap after one without it, read back to back so
			// nothing else (Badger's caches, the import's garbage) drifts
			// in between.
			var with, without runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&with)
			s.dropView()
			runtime.GC()
			runtime.ReadMemStats(&without)
			heap = int64(with.HeapAlloc) - int64(without.HeapAlloc)
		}
		b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
	})
	if err := s.Warm(ctx); err != nil { // the reads below are the view's, even run alone
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		read func() error
	}{
		{"tasks-of-group", func() error { _, err := s.Tasks(ctx, TaskFilter{Group: "江城组"}); return err }},
		{"tasks-of-unit", func() error { _, err := s.Tasks(ctx, TaskFilter{Unit: "U00042"}); return err }},
		{"snapshot", func() error { _, err := s.Snapshot(ctx); return err }},
		{"tallies", func() error { // what 编办's 任务 reads: every unit's counts on a day
			tallies, _, _ := s.UnitTallies()
			for _, u := range tallies {
				u.Overdue(today)
				u.DueSoon(today, 3)
			}
			WaitingTasks(tallies, 0, 3)
			return nil
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			start := cpuTime()
			for b.Loop() {
				if err := c.read(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
