package handlers

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
	"github.com/duban-org/duban/store"
)

// BenchmarkReplyProvince handles chat messages against a province (100,000
// tasks in 10,000 units, 23,371 people) in an on-disk store, and reports the
// 50th and 99th percentile of each kind of message, the bytes of its
// replies and of the largest one (WeCom cuts a text message past 2048).
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
	touch := func(i int) { // a 进展 on an open task, as a contact's report writes it
		if _, err := st.Apply(ctx, open[i%len(open)].ID, "", func(t duban.Task, _ duban.Unit) (duban.Task, duban.Change, error) {
			t.Progress = fmt.Sprintf("方案已起草（第%d稿）", i)
			return t, duban.Change{TaskID: t.ID, By: "c" + t.Unit, At: now, Action: duban.ActProgress}, nil
		}); err != nil {
			b.Fatal(err)
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
		{"leader-任务红", func(int) (string, string) { return leader, "任务 红" }},
		{"leader-第2页", func(int) (string, string) { return leader, "第2页" }}, // the list 任务 红 left, again
		{"leader-逾期任务", func(int) (string, string) { return leader, "逾期的任务" }},
		{"leader-待销号", func(int) (string, string) { return leader, "任务 待销号" }},
		{"leader-单位", func(int) (string, string) { return leader, "任务 U00100" }},
		{"admin-任务", func(int) (string, string) { return "admin1", "任务" }},
		{"admin-任务红第2页", func(int) (string, string) { return "admin1", "任务 红 第2页" }},
		{"admin-江城组", func(int) (string, string) { return "admin1", "任务 江城组" }},
		{"admin-逾期任务第2页", func(int) (string, string) { return "admin1", "任务 逾期 第2页" }},
		{"admin-待销号", func(int) (string, string) { return "admin1", "任务 待销号" }},
		{"admin-任务全部", func(int) (string, string) { return "admin1", "任务 全部" }},
		// The same after a change to the ledger each time: the standing
		// remembered for a generation is counted again (the change is
		// made before the clock starts, its CPU counted).
		{"admin-任务-改后", func(i int) (string, string) { touch(i); return "admin1", "任务" }},
		{"admin-逾期任务第2页-改后", func(i int) (string, string) { touch(i); return "admin1", "任务 逾期 第2页" }},
		{"admin-待销号-改后", func(i int) (string, string) { touch(i); return "admin1", "任务 待销号" }},
		{"admin-任务黄第3页", func(int) (string, string) { return "admin1", "任务 黄 第3页" }},
		{"admin-单位名", func(i int) (string, string) { return "admin1", "任务 " + p.Units[(i*7919)%len(p.Units)].Name }},
		{"admin-江城组逾期", func(int) (string, string) { return "admin1", "任务 江城组 逾期" }},
		{"admin-逾期任务最后一页", func(int) (string, string) { return "admin1", "任务 逾期 最后一页" }},
		{"admin-全部第5000页", func(int) (string, string) { return "admin1", "任务 全部 第5000页" }},
		{"admin-帮助", func(int) (string, string) { return "admin1", "帮助" }},
		{"admin-记录", func(i int) (string, string) { return "admin1", "记录 " + open[i%len(open)].ID }},
		{"admin-完成无编号", func(int) (string, string) { return "admin1", "完成了" }},
		{"admin-一句话", func(int) (string, string) { return "admin1", "方案已起草，正在征求意见" }},
		{"admin-问时限", func(i int) (string, string) { return "admin1", open[i%len(open)].ID + "什么时候要完成" }},
		{"admin-按标题", func(int) (string, string) { return "admin1", "记录 改革方案报编办审核" }},
		{"admin-问题", func(int) (string, string) { return "admin1", "大科室制改革的要求是什么" }},
		{"admin-哪些单位还没动", func(int) (string, string) { return "admin1", "哪些单位还没动" }},
		{"admin-一项都没完成", func(int) (string, string) { return "admin1", "哪些单位一项都没完成" }},
		{"admin-哪些单位还没动-改后", func(i int) (string, string) { touch(i); return "admin1", "哪些单位还没动" }},
		{"leader-哪些单位还没动", func(int) (string, string) { return leader, "哪些单位还没动" }},
		{"leader-帮助", func(int) (string, string) { return leader, "帮助" }},
		{"leader-一句话", func(int) (string, string) { return leader, "方案已起草，正在征求意见" }},
	} {
		b.Run(c.name, func(b *testing.B) {
			var took []time.Duration
			var bytes, largest int
			cpu := cpuTime()
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
						largest = max(largest, len(o.Text))
					}
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(bytes), "reply-bytes")
			b.ReportMetric(float64(largest), "max-msg-bytes")
		})
	}
}

// BenchmarkStandingProvince is the count task by task behind 编办's lists
// over the whole province (任务 红, 任务 逾期, their pages), and behind its
// 任务 when the ledger view is not built, with the ledger already in
// memory: counting 100,000 tasks in 10,000 units, ordering the red list and
// writing its first lines. (With the view built, 任务 is counted per unit
// from the store's tallies: BenchmarkReplyProvince/admin-任务.)
func BenchmarkStandingProvince(b *testing.B) {
	now := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
	p := province.Generate(province.Province(duban.DateOf(now)))
	h := &Handler{WarnDays: 3}
	t := &turn{now: now, today: duban.DateOf(now)}
	tasks := slices.Clone(p.Tasks)
	slices.SortFunc(tasks, func(a, b duban.Task) int { return cmp.Or(int(a.Deadline-b.Deadline), strings.Compare(a.ID, b.ID)) })
	cpu := cpuTime()
	for b.Loop() {
		s := h.count(p.Units, tasks, t.today)
		for _, u := range s.unitsOf(duban.Red, 5) {
			_ = h.unitLine(t, u, false, 0)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// cpuTime is the CPU time the process has used (all threads, GC included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
