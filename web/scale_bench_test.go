package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/store"
)

// BenchmarkPagesProvince serves the ledger pages of a province (100,000
// tasks in 10,000 units) from an on-disk store with the ledger view built,
// as serve does, and reports each page's CPU, p50 and p99 and its size.
// Each page is viewed once before it is timed, except the first view after
// a start (city-first-view), which counts the overdue trend's past weeks.
func BenchmarkPagesProvince(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	st, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	p := province.Generate(province.Province(duban.DateOf(now)))
	if _, err := st.Import(ctx, duban.Ledger{Units: p.Units, People: p.People, Tasks: p.Tasks}, "import", now.Add(-time.Hour)); err != nil {
		b.Fatal(err)
	}
	if err := st.Warm(ctx); err != nil {
		b.Fatal(err)
	}
	group, unit := p.Units[0].Group, p.Units[0].Code
	for _, c := range []struct {
		name, as, path string
		fresh          bool // a new server each view: the first view after a start
	}{
		{"city-first-view", "admin1", "/city", true},
		{"city", "admin1", "/city", false},
		{"city-red-page3", "admin1", "/city?red=3", false},
		{"group", "admin1", "/group?name=" + urlQuery(group), false},
		{"unit", "admin1", "/unit?code=" + urlQuery(unit), false},
		{"task", "admin1", "/task?id=" + urlQuery(p.Tasks[0].ID), false},
	} {
		server := func() *Server {
			srv, err := New(Config{Store: st, Prefix: prefix, PublicURL: "http://127.0.0.1", Preview: c.as,
				Policy: remind.Defaults(), Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			return srv
		}
		b.Run(c.name, func(b *testing.B) {
			srv := server()
			srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, prefix+c.path, nil)) // not timed
			var took []time.Duration
			size := 0
			cpu := cpuTime()
			for b.Loop() {
				if c.fresh {
					srv = server()
				}
				w := httptest.NewRecorder()
				start := time.Now()
				srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, prefix+c.path, nil))
				took = append(took, time.Since(start))
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s: %d %s", c.path, w.Code, w.Body.String())
				}
				size = w.Body.Len()
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(size)/1024, "page-KB")
		})
	}
}

// cpuTime is the CPU time the process has used (all threads, GC included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
