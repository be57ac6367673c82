package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// 记录's reminder lines show each notice's latest delivery: a notice queued
// again after its message failed shows 待发送, then 已送达, never the old
// failure, which keeps a line of its own.
func TestEvidenceShowsTheLatestDelivery(t *testing.T) {
	cfg, _ := tempConfig(t)
	ctx := context.Background()
	a, err := openApp(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, log: discardLog()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	now := time.Date(2026, 10, 9, 9, 0, 0, 0, a.loc)
	const k = "T1|overdue-1|c0|2026-09-30"
	queue := func(at time.Time) store.OutboxEntry {
		t.Helper()
		recs := map[string]store.NoticeRecord{k: {TaskID: "T1", Stage: "overdue-1", To: "c0", Role: duban.RoleContact, Unit: "A"}}
		if _, err := a.st.RecordNotices(ctx, []duban.Outgoing{{To: "c0", Text: "提醒", NoticeKeys: []string{k}}}, recs, at); err != nil {
			t.Fatal(err)
		}
		es, _ := a.st.PendingOutgoing(ctx, 0)
		return es[len(es)-1]
	}
	// The failure stays on record, on its own line (the notice as first
	// queued); the line of the notice queued again shows its own outcome.
	evidence := func() string {
		t.Helper()
		lines, err := (&reminders{a}).Evidence(ctx, "T1")
		if err != nil || len(lines) != 2 || !strings.Contains(lines[0], "09:00") || !strings.Contains(lines[0], "发送失败：企业微信暂时无法访问") {
			t.Fatalf("evidence = %q, %v", lines, err)
		}
		return lines[1]
	}
	first := queue(now)
	if err := a.st.FinishOutgoing(ctx, first, store.Delivery{Status: store.DeliveryFailed, Error: "企业微信暂时无法访问", At: now}); err != nil {
		t.Fatal(err)
	}
	second := queue(now.Add(15 * time.Minute))
	if got := evidence(); !strings.Contains(got, "待发送") || strings.Contains(got, "发送失败") {
		t.Errorf("re-sent notice: %s", got)
	}
	if err := a.st.FinishOutgoing(ctx, second, store.Delivery{Status: store.DeliveryDelivered, Parts: 1, At: now.Add(16 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if got := evidence(); !strings.Contains(got, "已送达 10-09 09:16") {
		t.Errorf("delivered: %s", got)
	}
}

// A before-7 reminder first sent 4 days before the deadline (the task came
// in late) is named by what it was, 提前4天提醒, in 记录 and in the dry run;
// its key keeps the step, so it is not sent again as another stage.
func TestEvidenceNamesALateBeforeReminderByItsRealLead(t *testing.T) {
	cfg, _ := tempConfig(t)
	ctx := context.Background()
	a, err := openApp(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, log: discardLog()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	now := time.Date(2026, 10, 12, 9, 0, 0, 0, a.loc)
	deadline := duban.DateOf(now).AddDays(4)
	k := "T1|before-7|c0|" + deadline.String()
	recs := map[string]store.NoticeRecord{k: {TaskID: "T1", Stage: "before-7", To: "c0", Role: duban.RoleContact, Unit: "A", Deadline: deadline}}
	if _, err := a.st.RecordNotices(ctx, []duban.Outgoing{{To: "c0", Text: "提醒", NoticeKeys: []string{k}}}, recs, now); err != nil {
		t.Fatal(err)
	}
	lines, err := (&reminders{a}).Evidence(ctx, "T1")
	if err != nil || len(lines) != 1 || !strings.Contains(lines[0], "提前4天提醒") {
		t.Fatalf("evidence = %q, %v", lines, err)
	}
	if got := stageWords("before-7", 0); got != "提前7天提醒" {
		t.Errorf("stage without a lead = %s", got)
	}
}

// 记录's reminder lines name each recipient the ledger knows (their userid
// in any case), and give the bare userid of one it does not.
func TestEvidenceNamesTheRecipients(t *testing.T) {
	cfg, _ := tempConfig(t)
	ctx := context.Background()
	a, err := openApp(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, log: discardLog()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	now := time.Date(2026, 10, 12, 9, 0, 0, 0, a.loc)
	l := duban.Ledger{
		Units:  []duban.Unit{{Code: "A", Name: "市司法局", Group: "政府组"}},
		People: []duban.Person{{UserID: "ZhangSan", Name: "张三", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "A"}}}},
		Tasks:  []duban.Task{{ID: "T1", Unit: "A", Title: "制定方案", Deadline: duban.DateOf(now).AddDays(7), Status: duban.StatusNotStarted}},
	}
	if _, err := a.st.Import(ctx, l, "import", now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	for i, to := range []string{"zhangsan", "lisi"} {
		k := fmt.Sprintf("T1|before-7|%s|%s", to, l.Tasks[0].Deadline)
		recs := map[string]store.NoticeRecord{k: {TaskID: "T1", Stage: "before-7", To: to, Role: duban.RoleContact, Unit: "A", Deadline: l.Tasks[0].Deadline}}
		if _, err := a.st.RecordNotices(ctx, []duban.Outgoing{{To: to, Text: "提醒", NoticeKeys: []string{k}}}, recs, now.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	lines, err := (&reminders{a}).Evidence(ctx, "T1")
	if err != nil || len(lines) != 2 || !strings.Contains(lines[0], "→ 张三（联络员）") || !strings.Contains(lines[1], "→ lisi（联络员）") {
		t.Fatalf("evidence = %q, %v", lines, err)
	}
}
