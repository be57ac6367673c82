package remind

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/duban-org/duban"
)

func bulletinLedger() duban.Ledger {
	verified := func(t duban.Task) duban.Task { t.Status = duban.StatusVerified; return t }
	return testLedger(
		verified(task("T1", "U1", "2026-09-30")),
		verified(task("T2", "U1", "2026-10-30")), // U1 见底清零
		task("T3", "U2", "2026-09-30"),           // red, 8 working days on 10-19
		task("T4", "U2", "2026-10-20"),           // yellow
		reported(task("T5", "U3", "2026-09-21"), "2026-09-20 10:00"),
		task("T6", "U4", "2026-10-14"), // red, 3 working days
	)
}

func TestComputeBulletin(t *testing.T) {
	b := ComputeBulletin(bulletinLedger(), Defaults(), DefaultCalendar(), at("2026-10-19 16:00"))
	if b.Total != 6 || b.Verified != 2 || b.Reported != 1 || b.Overdue != 2 || b.Units != 4 {
		t.Fatalf("totals %+v", b)
	}
	if len(b.Groups) != 2 || b.Groups[0].Name != "政府组" || b.Groups[0].Total != 5 || b.Groups[0].Verified != 2 || b.Groups[0].Cleared != 1 {
		t.Fatalf("groups %+v", b.Groups)
	}
	if len(b.Cleared) != 1 || b.Cleared[0].Code != "U1" {
		t.Fatalf("cleared %+v", b.Cleared)
	}
	if len(b.Red) != 2 || b.Red[0].Unit.Code != "U2" || b.Red[0].Tasks[0].WorkdaysOverdue != 9 || b.Red[1].Unit.Code != "U4" {
		t.Fatalf("red %+v", b.Red)
	}
	if len(b.Yellow) != 1 || b.Yellow[0].Tasks[0].TaskID != "T4" {
		t.Fatalf("yellow %+v", b.Yellow)
	}
	var rank []string
	for _, r := range b.Ranking {
		rank = append(rank, r.Code)
	}
	// U1 100%; U3 has a reported task (0% verified, no overdue); U2 and U4 tie on
	// rate and overdue count and fall back to code order.
	if !slices.Equal(rank, []string{"U1", "U3", "U2", "U4"}) {
		t.Fatalf("ranking %v", rank)
	}

	text := Render(b)
	for _, want := range []string{
		"工作通报（预览，未编号）", "截至 2026年10月19日 16:00",
		"4 个单位共 6 项任务，已销号 2 项（33.3%），已报完成待销号 1 项，逾期 2 项；见底清零单位 1 个。",
		"政府组：3 个单位，销号 2/5（40.0%），待销号 0，逾期 2，见底清零 1 个",
		"三、见底清零单位\n市财政局",
		"1. 市农业局（政府组）逾期 1 项：\n   T3 任务T3｜完成时限 2026-09-30｜逾期 9 个工作日",
		"1. 市财政局 2/2（100.0%）",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("render lacks %q:\n%s", want, text)
		}
	}
	b.No = 7
	if !strings.HasPrefix(Render(b), "工作通报（第7期）\n") {
		t.Error("numbered title missing")
	}
}

type fakeFramer struct {
	text string
	err  error
}

func (f fakeFramer) Frame(context.Context, string) (string, error) { return f.text, f.err }

func TestFrame(t *testing.T) {
	b := ComputeBulletin(bulletinLedger(), Defaults(), DefaultCalendar(), at("2026-10-19 16:00"))
	if err := Frame(context.Background(), fakeFramer{text: "本周改革稳步推进，个别单位仍需加力。"}, &b); err != nil || b.Framing == "" {
		t.Fatalf("framing %q err %v", b.Framing, err)
	}
	if !strings.Contains(Render(b), "\n本周改革稳步推进，个别单位仍需加力。\n") {
		t.Error("framing not rendered")
	}
	for _, bad := range []string{"完成率达到33%", "完成率达到３３％"} {
		c := b
		c.Framing = ""
		if err := Frame(context.Background(), fakeFramer{text: bad}, &c); !errors.Is(err, ErrFramingHasNumbers) || c.Framing != "" {
			t.Errorf("%q: err %v framing %q", bad, err, c.Framing)
		}
	}
	c := b
	c.Framing = ""
	if err := Frame(context.Background(), fakeFramer{err: fmt.Errorf("timeout")}, &c); err == nil || c.Framing != "" {
		t.Errorf("framer error: %v %q", err, c.Framing)
	}
}

func TestBulletinRecipients(t *testing.T) {
	if got := BulletinRecipients(bulletinLedger(), Defaults()); !slices.Equal(got, []string{"A1", "L1"}) {
		t.Fatalf("recipients %v", got)
	}
	p := Defaults()
	p.BulletinChatID = "wrk123"
	if got := BulletinRecipients(bulletinLedger(), p); !slices.Equal(got, []string{"A1", "L1", "chat:wrk123"}) {
		t.Fatalf("recipients with a chat %v", got)
	}
}
