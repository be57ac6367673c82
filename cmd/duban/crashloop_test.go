package main

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/duban-org/duban/store"
)

// A reply WeCom received but serve was killed before hearing so is sent
// once more after the restart; killed again in that resend, it is not sent
// a third time, but recorded as uncertain and told to 编办.
func TestServeCrashLoopSendsAReplyAtMostTwice(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	e.fake.SetAnswerDelay(time.Minute)
	p := e.serve()
	p.mustAck(e.fake.NewTextCallback("zhaojie", "任务", "7300000000000000950"))
	for round := 1; round <= 2; round++ {
		e.waitMessagesTo("zhaojie", round, 15*time.Second)
		p.stop(syscall.SIGKILL)
		if round == 1 {
			p = e.serve()
		}
	}
	e.fake.SetAnswerDelay(0)
	p = e.serve()
	before := e.barrier(p, "zhaojie")
	if len(before) != 2 || before[0].Body() != before[1].Body() || !strings.Contains(before[0].Body(), "T003") {
		t.Errorf("zhaojie got %d messages before the barrier, want the task list twice:%s", len(before), describe(before))
	}
	report := e.waitMessagesTo("wangjianguo", 1, 20*time.Second)
	if r := report[0].Body(); !strings.Contains(r, "发给 赵杰（zhaojie） 的「市委办公室（党群组）任务清单") || !strings.Contains(r, "」：送达情况不明") {
		t.Errorf("编办 was not told: %s", r)
	}
	p.stop(syscall.SIGTERM)
	ds, err := e.openStore().Deliveries(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	uncertain := 0
	for _, d := range ds {
		if d.Status == store.DeliveryUncertain {
			uncertain++
		}
	}
	if uncertain != 1 {
		t.Errorf("%d deliveries recorded as uncertain, want 1: %+v", uncertain, ds)
	}
}
