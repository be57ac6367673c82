package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

func TestConsoleShowsOnlyItsSession(t *testing.T) {
	st := newMemStore(t)
	ctx := context.Background()
	// Waiting for serve before the session: a reminder and a callback.
	queued, err := st.QueueOutgoing(ctx, time.Now(), duban.Outgoing{To: "zhangwei", Text: "【提醒】任务 T003 今天到期", NoticeKeys: []string{"n1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Enqueue(ctx, duban.Inbound{Key: "msg:wecom-1", From: "zhangwei", Text: "任务"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	card := &duban.Card{ID: "c", Buttons: []duban.Button{{Text: "收到", Key: "ack:T003"}}}
	handle := func(_ context.Context, in duban.Inbound) ([]duban.Outgoing, error) {
		if in.From != "zhaojie" {
			t.Errorf("the console handled %+v, which it did not send", in)
		}
		return []duban.Outgoing{
			{To: in.From, Text: "回复：" + in.Text},
			{To: "liujianhua", Text: "卡片", Card: card},
		}, nil
	}
	var out strings.Builder
	c := NewConsole(st, handle, &out, quietLogger())
	defer c.Close()
	for i, text := range []string{"一", "二"} {
		if err := c.Say(ctx, duban.Inbound{Key: "chat:" + text, From: "zhaojie", Text: text}); err != nil {
			t.Fatal(err)
		}
		if i == 0 { // the same message again is a duplicate
			if err := c.Say(ctx, duban.Inbound{Key: "chat:一", From: "zhaojie", Text: text}); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := out.String()
	if strings.Count(got, "回复：") != 2 || strings.Contains(got, "提醒") || strings.Count(got, "【发给 liujianhua】") != 2 {
		t.Errorf("console output:\n%s", got)
	}
	// Two cards with the same button: each shown with a key of its own.
	if !strings.Contains(got, "/click ack:T003]") || !strings.Contains(got, "/click ack:T003#2]") {
		t.Errorf("the second card's button is not told apart:\n%s", got)
	}
	if _, key, err := c.Click("liujianhua", "ack:T003#2"); err != nil || key != "ack:T003" {
		t.Errorf("click the second card: %q %v", key, err)
	}
	if _, _, err := c.Click("liujianhua", "ack:T0"); err == nil || !strings.Contains(err.Error(), "请写出完整的键") {
		t.Errorf("an ambiguous click: %v", err)
	}
	if _, _, err := c.Click("zhaojie", "ack:T003"); err == nil {
		t.Error("a card shown to someone else was clickable")
	}

	pending, err := st.PendingOutgoing(ctx, 0)
	if err != nil || len(pending) != 1 || pending[0].ID != queued[0] {
		t.Errorf("the outbox after the session: %+v %v", pending, err)
	}
	if n, _ := st.InboxLen(ctx); n != 1 {
		t.Errorf("the callback waiting for serve was taken: inbox %d", n)
	}
	if _, err := st.DeliveryOf(ctx, "n1"); err == nil {
		t.Error("the reminder's delivery was recorded")
	}
	ds, err := st.Deliveries(ctx, 0)
	if err != nil || len(ds) != 4 {
		t.Fatalf("outcomes: %+v %v", ds, err)
	}
	for _, d := range ds {
		if d.Status != store.DeliveryConsole {
			t.Errorf("recorded as %q: %+v", d.Status, d)
		}
	}
}

func TestButtonCardCarriesFields(t *testing.T) {
	m := NewButtonCard("wang", duban.Card{ID: "c", Title: "待销号：T001", Desc: "报送说明：已报",
		Fields: []duban.Field{{Label: "单位", Value: "市财政局（政府组）"}, {Label: "报送人", Value: "李雷（联络员）"}}})
	h := m.TemplateCard.HorizontalContentList
	if len(h) != 2 || h[0].KeyName != "单位" || h[0].Value != "市财政局（政府组）" || h[1].Value != "李雷（联络员）" {
		t.Errorf("horizontal_content_list = %+v", h)
	}
}
