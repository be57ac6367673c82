package metrics

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
	"github.com/duban-org/duban/store"
)

// BenchmarkScrapeProvince scrapes /metrics over a province (100,000 tasks in
// 10,000 units) in an on-disk store, with two tasks changed between scrapes.
func BenchmarkScrapeProvince(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	p := province.Generate(province.Province(duban.DateOf(now.In(time.UTC))))
	if _, err := st.Import(ctx, duban.Ledger{Units: p.Units, People: p.People, Tasks: p.Tasks}, "import", now); err != nil {
		b.Fatal(err)
	}
	m := New(st, time.UTC, 3)
	h := m.Handler()
	scrapeOnce(b, h)
	open := p.Tasks[:0:0]
	for _, t := range p.Tasks {
		if t.Status.Open() {
			open = append(open, t)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		for j := range 2 {
			t := open[(2*i+j)%len(open)]
			if _, err := st.Apply(ctx, t.ID, fmt.Sprintf("msg:%d:%d", i, j), progress(t.Unit, now)); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		scrapeOnce(b, h)
	}
}
