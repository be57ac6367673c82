package store

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

// BenchmarkNoticeIndexBuild builds the notice index (Warm, at start) over a
// notice ledger of n records as a reminder pass writes them, from an
// on-disk store, and reports the CPU it takes and the live heap it holds:
// 250,000 records are a province's first two days; 1,150,000 a year of a
// 10,000-task ledger (docs/benchmarks.md, "A year of reminders").
func BenchmarkNoticeIndexBuild(b *testing.B) {
	for _, n := range []int{250_000, 1_150_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s, err := Open(b.TempDir(), Options{Unsynced: true})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			wb := s.db.NewWriteBatch()
			queued := time.Date(2027, 3, 1, 9, 30, 0, 0, time.UTC)
			for i := range n {
				task := fmt.Sprintf("P%03d-%05d", i%997, i/997%2000)
				r := NoticeRecord{TaskID: task, Stage: fmt.Sprintf("overdue-%d", i/(997*2000)+1), To: fmt.Sprintf("u%05d", i%23000),
					Role: duban.RoleContact, Deadline: duban.NewDate(2027, 1, 1+i%28), Unit: task[:4], Queued: queued, OutboxID: fmt.Sprintf("%016x", i)}
				r.Key = fmt.Sprintf("%s|%s|%s|%s", r.TaskID, r.Stage, r.To, r.Deadline)
				v, err := json.Marshal(r)
				if err != nil {
					b.Fatal(err)
				}
				if err := wb.Set(noticeKey(r.Key), v); err != nil {
					b.Fatal(err)
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
				if s.noticeIx.keys.len() != n {
					b.Fatalf("%d keys indexed, want %d", s.noticeIx.keys.len(), n)
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
