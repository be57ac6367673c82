package store

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

// BenchmarkNoticeIndexBuild builds the notice index (Warm, at start) over a
// notice ledger shaped as a year of daily passes leaves it, in an on-disk
// store, and reports the CPU it takes and the live heap it holds. Each
// overdue task has had its before-7/3/1 and due notices, then 103 working
// days of overdue steps to its 联络员 and 一把手, an escalation to two
// 督办组长 and a 专函 draft to five 编办: 218 notices. 5,000 such tasks
// (1.09 million notices) are about a year of a 10,000-task ledger, 50,000
// (10.9 million) a year of the province (docs/benchmarks.md, "A year of
// reminders"). Values are left empty: the build reads keys alone.
func BenchmarkNoticeIndexBuild(b *testing.B) {
	for _, tasks := range []int{5_000, 50_000} {
		const steps = 103
		b.Run(fmt.Sprint(tasks*(2*steps+12)), func(b *testing.B) {
			s, err := Open(b.TempDir(), Options{Unsynced: true})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			wb := s.db.NewWriteBatch()
			n := 0
			set := func(task, stage, to string, d duban.Date) {
				if err := wb.Set(noticeKey(fmt.Sprintf("%s|%s|%s|%s", task, stage, to, d)), nil); err != nil {
					b.Fatal(err)
				}
				n++
			}
			for i := range tasks {
				task, unit := fmt.Sprintf("P%05d", i), fmt.Sprintf("U%04d", i/10)
				d := duban.NewDate(2027, 1, 1+i%28)
				for _, st := range []string{"before-7", "before-3", "before-1"} {
					set(task, st, "c"+unit, d)
				}
				for _, to := range []string{"c" + unit, "h" + unit} {
					set(task, "due", to, d)
					for step := 1; step <= steps; step++ {
						set(task, fmt.Sprintf("overdue-%d", step), to, d)
					}
				}
				for _, to := range []string{"L1", "L2"} {
					set(task, "escalate", to, d)
				}
				for _, to := range []string{"a1", "a2", "a3", "a4", "a5"} {
					set(task, "letter", to, d)
				}
			}
			if err := wb.Flush(); err != nil {
				b.Fatal(err)
			}
			var cpu time.Duration
			var heap int64
			for b.Loop() {
				s.noticeIx = noticeIndex{}
				start := cpuTime()
				if err := s.buildNoticeIndex(context.Background()); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - start
				var with, without runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&with)
				if listed, tops := s.noticeIx.size(); listed+tops != tasks*14 {
					b.Fatalf("%d keys and %d tops indexed for %d notices, want %d in all", listed, tops, n, tasks*14)
				}
				s.noticeIx = noticeIndex{}
				runtime.GC()
				runtime.ReadMemStats(&without)
				heap = int64(with.HeapAlloc) - int64(without.HeapAlloc)
			}
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
		})
	}
}
