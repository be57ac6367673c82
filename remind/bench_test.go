package remind

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

// benchLedger builds n tasks over units units in four groups, with a contact
// and a head per unit, a leader per group and two 编办 staff. Deadlines spread
// over 2026 and a tenth of the tasks are reported or verified.
func benchLedger(units, n int) duban.Ledger {
	groups := []string{"党群组", "政府组", "派出机构组", "事业单位组"}
	var l duban.Ledger
	for i := range units {
		code := fmt.Sprintf("U%05d", i)
		l.Units = append(l.Units, duban.Unit{Code: code, Name: "单位" + code, Group: groups[i%4]})
		l.People = append(l.People,
			duban.Person{UserID: "c" + code, Posts: []duban.Post{{Role: duban.RoleContact, Scope: code}}},
			duban.Person{UserID: "h" + code, Posts: []duban.Post{{Role: duban.RoleHead, Scope: code}}})
	}
	for i, g := range groups {
		l.People = append(l.People, duban.Person{UserID: fmt.Sprintf("L%d", i), Posts: []duban.Post{{Role: duban.RoleLeader, Scope: g}}})
	}
	l.People = append(l.People,
		duban.Person{UserID: "A1", Posts: []duban.Post{{Role: duban.RoleAdmin}}},
		duban.Person{UserID: "A2", Posts: []duban.Post{{Role: duban.RoleAdmin}}})
	start := date("2026-01-05")
	for i := range n {
		t := duban.Task{
			ID: fmt.Sprintf("T%06d", i), Unit: fmt.Sprintf("U%05d", i%units),
			Title: "制定大科室制改革方案", Deadline: start.AddDays(i % 360), Status: duban.StatusInProgress,
		}
		switch i % 10 {
		case 7:
			t.Status, t.UpdatedAt = duban.StatusReported, at("2026-06-01 10:00")
		case 8:
			t.Status = duban.StatusVerified
		}
		l.Tasks = append(l.Tasks, t)
	}
	return l
}

// BenchmarkPlan plans over 100,000 tasks in 10,000 units on a day when about
// half of them are overdue (the heaviest realistic pass).
func BenchmarkPlan(b *testing.B) {
	l := benchLedger(10_000, 100_000)
	p, cal, now := Defaults(), DefaultCalendar(), at("2026-07-01 09:30")
	b.ReportAllocs()
	var n int
	cpu := cpuTime()
	for b.Loop() {
		n = len(Plan(l, p, cal, now))
	}
	b.ReportMetric(float64(n), "notices")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// BenchmarkPlanDigest adds the digest of every planned notice.
func BenchmarkPlanDigest(b *testing.B) {
	l := benchLedger(10_000, 100_000)
	p, cal, now := Defaults(), DefaultCalendar(), at("2026-07-01 09:30")
	b.ReportAllocs()
	var n int
	cpu := cpuTime()
	for b.Loop() {
		n = len(Digest(Plan(l, p, cal, now)))
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(n), "messages")
}

// cpuTime is the CPU time the process has used (all threads, GC included):
// on a shared machine it says what a pass costs when wall time cannot.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
