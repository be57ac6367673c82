package metrics

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// countingSource counts the reads of the whole ledger and of single tasks.
type countingSource struct {
	*store.Store
	all, one atomic.Int64
}

func (c *countingSource) Tasks(ctx context.Context, f store.TaskFilter) ([]duban.Task, error) {
	c.all.Add(1)
	return c.Store.Tasks(ctx, f)
}

func (c *countingSource) Task(ctx context.Context, id string) (duban.Task, error) {
	c.one.Add(1)
	return c.Store.Task(ctx, id)
}

func largeLedger(units, perUnit int, today duban.Date) duban.Ledger {
	var l duban.Ledger
	for u := range units {
		code := fmt.Sprintf("U%02d", u)
		l.Units = append(l.Units, duban.Unit{Code: code, Name: "单位" + code, Group: "政府组"})
		for i := range perUnit {
			l.Tasks = append(l.Tasks, duban.Task{ID: fmt.Sprintf("%s-T%03d", code, i), Unit: code,
				Title: "任务", Deadline: today.AddDays(i%40 - 20)})
		}
	}
	return l
}

func report(unit string, at time.Time) store.ApplyFunc {
	p := duban.Person{UserID: "c", Posts: []duban.Post{{Role: duban.RoleContact, Scope: unit}}}
	return func(t duban.Task, u duban.Unit) (duban.Task, duban.Change, error) {
		return duban.Apply(t, u, duban.Request{Action: duban.ActReport, By: p, MsgID: "m", At: at})
	}
}

func progress(unit string, at time.Time) store.ApplyFunc {
	p := duban.Person{UserID: "c", Posts: []duban.Post{{Role: duban.RoleContact, Scope: unit}}}
	return func(t duban.Task, u duban.Unit) (duban.Task, duban.Change, error) {
		return duban.Apply(t, u, duban.Request{Action: duban.ActProgress, By: p, MsgID: "m", Note: "进展", At: at})
	}
}

func scrapeOnce(tb testing.TB, h http.Handler) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		tb.Fatalf("scrape: %d", rec.Code)
	}
}

// The task gauges read the whole ledger once; afterwards a scrape re-reads
// only the tasks that changed, and still counts every change.
func TestTaskGaugesFollowChanges(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	today := duban.DateOf(time.Now().In(time.UTC))
	if _, err := st.Import(ctx, duban.Ledger{
		Units: []duban.Unit{{Code: "U1", Name: "市财政局", Group: "政府组"}},
		Tasks: []duban.Task{
			{ID: "T1", Unit: "U1", Title: "a", Deadline: today.AddDays(-2)},
			{ID: "T2", Unit: "U1", Title: "b", Deadline: today.AddDays(30)},
		},
	}, "import", time.Now()); err != nil {
		t.Fatal(err)
	}
	src := &countingSource{Store: st}
	m := New(src, time.UTC, 3)
	if out := scrape(t, m); !strings.Contains(out, `duban_tasks{light="红",status="未启动"} 1`) {
		t.Fatalf("first scrape:\n%s", out)
	}
	if _, err := st.Apply(ctx, "T1", "msg:1", report("U1", time.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Import(ctx, duban.Ledger{Tasks: []duban.Task{
		{ID: "T3", Unit: "U1", Title: "c", Deadline: today.AddDays(1)},
	}}, "import", time.Now()); err != nil {
		t.Fatal(err)
	}
	out := scrape(t, m)
	for _, want := range []string{
		`duban_tasks{light="绿",status="已报完成"} 1`,
		`duban_tasks{light="绿",status="未启动"} 1`,
		`duban_tasks{light="黄",status="未启动"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("after the changes, metrics lack %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, `light="红"`) {
		t.Errorf("T1 still counted red after its report:\n%s", out)
	}
	for range 5 {
		scrape(t, m)
	}
	if n := src.all.Load(); n != 1 {
		t.Errorf("the whole ledger was read %d times for 7 scrapes, want once", n)
	}
	if n := src.one.Load(); n != 2 {
		t.Errorf("%d single-task reads, want 2 (T1 and T3)", n)
	}
}

// A day passing turns a task yellow, then red, without any re-read.
func TestTaskLightFollowsTheDay(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	day := time.Date(2026, 10, 9, 12, 0, 0, 0, time.UTC)
	if _, err := st.Import(ctx, duban.Ledger{
		Units: []duban.Unit{{Code: "U1", Name: "市财政局", Group: "政府组"}},
		Tasks: []duban.Task{{ID: "T1", Unit: "U1", Title: "a", Deadline: duban.DateOf(day).AddDays(5)}},
	}, "import", day); err != nil {
		t.Fatal(err)
	}
	m := New(st, time.UTC, 3)
	now := day
	m.ledger.now = func() time.Time { return now }
	for _, step := range []struct {
		days  int
		light string
	}{{0, "绿"}, {2, "黄"}, {6, "红"}} {
		now = day.AddDate(0, 0, step.days)
		if out := scrape(t, m); !strings.Contains(out, `duban_tasks{light="`+step.light+`",status="未启动"} 1`) {
			t.Errorf("day +%d: want %s:\n%s", step.days, step.light, out)
		}
	}
}

// BenchmarkScrapeLargeLedger scrapes /metrics over 84 units × 60 tasks,
// with two tasks changed between scrapes.
func BenchmarkScrapeLargeLedger(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	today := duban.DateOf(now.In(time.UTC))
	l := largeLedger(84, 60, today)
	for i := 0; i < len(l.Tasks); i += 1000 {
		part := duban.Ledger{Units: l.Units, Tasks: l.Tasks[i:min(i+1000, len(l.Tasks))]}
		if _, err := st.Import(ctx, part, "import", now); err != nil {
			b.Fatal(err)
		}
	}
	m := New(st, time.UTC, 3)
	h := m.Handler()
	scrapeOnce(b, h)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		for j := range 2 {
			t := l.Tasks[(2*i+j)%len(l.Tasks)]
			if _, err := st.Apply(ctx, t.ID, fmt.Sprintf("msg:%d:%d", i, j), progress(t.Unit, now)); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		scrapeOnce(b, h)
	}
}
