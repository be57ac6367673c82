package remindstore

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/store"
)

// BenchmarkPassProvince runs reminder passes over a province (100,000 tasks
// in 10,000 units) in an on-disk store, at 09:30 on a working day, with the
// ledger view and the notice index built (as serve builds them at start):
//
//   - first: a dry run when nothing has been sent yet (every due notice is
//     new): the whole ledger planned and checked against the notice ledger,
//     as the first pass of a day is;
//   - unchanged: a later pass the same day after a pass recorded and queued
//     everything (nothing deferred), nothing changed since;
//   - changed-20: a later pass after 20 tasks of 20 units changed (a 联络员's
//     进展 each, not counted), planning those units alone;
//   - next-day: a dry run at 09:30 the next working day, the notices of the
//     day before all recorded: the whole ledger planned again, but the
//     escalations and 专函 sent before, which the notice index tells the
//     planner to leave out ("left-out"); the new overdue steps are new.
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
	if err := s.Warm(ctx); err != nil {
		b.Fatal(err)
	}
	r := &remind.Runner{Source: s, Log: NoticeLog{s}, Policy: remind.Defaults(), Calendar: remind.DefaultCalendar()}

	settle(b)
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
	// Real passes record everything due today (2,000 items a digest: an
	// uncapped digest of 编办's thousands of letters is too big for one
	// transaction); the later passes then cost what they plan and check,
	// with no backlog of deferred notices to send.
	r.Policy.MaxItemsPerDigest = 2000
	for i := 0; ; i++ {
		res, err := r.RunOnce(ctx, now)
		if err != nil {
			b.Fatal(err)
		}
		if res.Deferred == 0 {
			b.Logf("%d passes sent the day's notices", i+1)
			break
		}
	}
	settle(b)
	b.Run("unchanged", func(b *testing.B) {
		var res remind.Result
		cpu := cpuTime()
		for b.Loop() {
			if res, err = r.RunOnce(ctx, now.Add(time.Minute)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(len(res.Planned)), "planned")
	})
	var open []duban.Task
	for _, t := range p.Tasks {
		if t.Status.Open() {
			open = append(open, t)
		}
	}
	b.Run("changed-20", func(b *testing.B) {
		var res remind.Result
		var cpu time.Duration
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			for j := range 20 {
				t := open[(i*20+j)*4001%len(open)]
				contact := duban.Person{UserID: "c" + t.Unit, Posts: []duban.Post{{Role: duban.RoleContact, Scope: t.Unit}}}
				_, err := s.Apply(ctx, t.ID, "", func(t duban.Task, u duban.Unit) (duban.Task, duban.Change, error) {
					return duban.Apply(t, u, duban.Request{Action: duban.ActProgress, By: contact, Note: fmt.Sprintf("第%d次进展", i), At: now})
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
			start := cpuTime()
			if res, err = r.RunOnce(ctx, now.Add(time.Duration(i+2)*time.Minute)); err != nil {
				b.Fatal(err)
			}
			cpu += cpuTime() - start
			if !res.Incremental {
				b.Fatal("the pass after 20 changes was not incremental")
			}
		}
		b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(len(res.Planned)), "planned")
	})
	settle(b)
	b.Run("next-day", func(b *testing.B) {
		var res remind.Result
		cpu := cpuTime()
		for b.Loop() {
			if res, err = r.DryRun(ctx, now.AddDate(0, 0, 1)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(len(res.Planned)), "planned")
		b.ReportMetric(float64(res.PlannedSent), "left-out")
		b.ReportMetric(float64(len(res.Due)), "notices")
	})
}

// settle waits until Badger's compactions after the writes above are done
// (the process all but idle for a quarter of a second), so the CPU counted
// is the passes'. It gives up after a minute.
func settle(b *testing.B) {
	b.Helper()
	for range 240 {
		start := cpuTime()
		time.Sleep(250 * time.Millisecond)
		if cpuTime()-start < 10*time.Millisecond {
			return
		}
	}
	b.Log("still busy after a minute")
}

// cpuTime is the CPU time the process has used (all threads, GC included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
