package remindstore

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/store"
)

// BenchmarkPassProvince runs reminder passes over a province (100,000 tasks
// in 10,000 units) in an on-disk store, at 09:30 on a working day: the
// snapshot of the ledger, the plan and the check of the notice ledger.
//
//   - first: a dry run when nothing has been sent yet (every due notice is new);
//   - daily: a real pass after the first one recorded and queued everything,
//     so it finds nothing new — what each later pass of the day costs.
func BenchmarkPassProvince(b *testing.B) {
	ctx := context.Background()
	now := shAt("2027-03-01 09:30")
	s, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	p := province.Generate(province.Province(duban.DateOf(now)))
	if _, err := s.Import(ctx, duban.Ledger{Units: p.Units, People: p.People, Tasks: p.Tasks}, "import", now.Add(-24*time.Hour)); err != nil {
		b.Fatal(err)
	}
	r := &remind.Runner{Source: s, Log: NoticeLog{s}, Policy: remind.Defaults(), Calendar: remind.DefaultCalendar()}

	b.Run("first", func(b *testing.B) {
		var res remind.Result
		cpu := cpuTime()
		for b.Loop() {
			if res, err = r.DryRun(ctx, now); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(len(res.Due)), "notices")
	})
	if _, err := r.RunOnce(ctx, now); err != nil {
		b.Fatal(err)
	}
	b.Run("daily", func(b *testing.B) {
		var res remind.Result
		cpu := cpuTime()
		for b.Loop() {
			if res, err = r.RunOnce(ctx, now.Add(time.Minute)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(res.Queued), "queued")
	})
}

// cpuTime is the CPU time the process has used (all threads, GC included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
