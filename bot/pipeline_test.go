package bot

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot/wecomtest"
)

// The whole channel over real HTTP: a message WeCom delivers three times
// yields exactly one reply, sent through the fake's message/send.
func TestPipelineOneReplyPerMessage(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	startSender(t, fake, st, nil)
	var handled atomic.Int32
	w := NewWorker(st, func(_ context.Context, in duban.Inbound) ([]duban.Outgoing, error) {
		handled.Add(1)
		return []duban.Outgoing{{To: in.From, Text: "您的任务：T012 制定三定方案（推进中）"}}, nil
	}, quietLogger())
	runWorker(t, w)
	target, _ := callbackServer(t, fake, st, nil)

	cb := fake.NewTextCallback("leader1", "任务", "9001")
	for range 3 {
		if code, body := post(t, cb, target); code != 200 || body != "" {
			t.Fatalf("callback: %d %q", code, body)
		}
	}
	msgs, err := fake.WaitMessages(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // a second reply would show up by now
	msgs = fake.Messages()
	if len(msgs) != 1 || msgs[0].ToUser != "leader1" || !strings.Contains(msgs[0].Body(), "T012") {
		t.Fatalf("messages = %+v", msgs)
	}
	if handled.Load() != 1 {
		t.Errorf("handler ran %d times", handled.Load())
	}
}
