package handlers

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
	"github.com/duban-org/duban/store"
)

// BenchmarkReplyProvince handles chat messages against a province (100,000
// tasks in 10,000 units, 23,371 people) in an on-disk store, and reports the
// 50th and 99th percentile of each kind of message.
func BenchmarkReplyProvince(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
	st, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	p := province.Generate(province.Province(duban.DateOf(now)))
	if _, err := st.Import(ctx, duban.Ledger{Units: p.Units, People: p.People, Tasks: p.Tasks}, "import", now.Add(-time.Hour)); err != nil {
		b.Fatal(err)
	}
	if err := st.Warm(ctx); err != nil { // as serve and chat do at start
		b.Fatal(err)
	}
	h := &Handler{Store: st, Now: func() time.Time { return now }, Location: time.UTC, WarnDays: 3, UndoWindow: 30 * time.Minute}
	var open []duban.Task // tasks a contact may report progress on
	for _, t := range p.Tasks {
		if t.Status == duban.StatusNotStarted {
			open = append(open, t)
		}
	}
	leader := ""
	for _, person := range p.People {
		if len(person.Groups()) > 0 && person.Groups()[0] == "江城组" {
			leader = person.UserID
			break
		}
	}
	seq := 0
	for _, c := range []struct {
		name string
		msg  func(i int) (from, text string)
	}{
		{"contact-任务", func(i int) (string, string) { return fmt.Sprintf("cU%05d", i%10_000), "任务" }},
		{"head-任务", func(i int) (string, string) { return fmt.Sprintf("hU%05d", i%10_000), "任务" }},
		{"contact-进展", func(i int) (string, string) {
			t := open[i%len(open)]
			return "c" + t.Unit, "进展 " + t.ID + " 方案已起草，正在征求意见"
		}},
		{"contact-记录", func(i int) (string, string) {
			t := open[i%len(open)]
			return "c" + t.Unit, "记录 " + t.ID
		}},
		{"contact-帮助", func(i int) (string, string) { return fmt.Sprintf("cU%05d", i%10_000), "帮助" }},
		{"leader-任务", func(int) (string, string) { return leader, "任务" }},
		{"admin-任务", func(int) (string, string) { return "admin1", "任务" }},
	} {
		b.Run(c.name, func(b *testing.B) {
			var took []time.Duration
			var bytes int
			for i := 0; b.Loop(); i++ {
				from, text := c.msg(i)
				seq++
				start := time.Now()
				out, err := h.Handle(ctx, duban.Inbound{Key: fmt.Sprintf("msg:bench%d", seq), From: from, At: now, Text: text})
				took = append(took, time.Since(start))
				if err != nil {
					b.Fatalf("%s says %q: %v", from, text, err)
				}
				if i == 0 {
					for _, o := range out {
						bytes += len(o.Text)
					}
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(bytes), "reply-bytes")
		})
	}
}
