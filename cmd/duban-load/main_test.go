package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot"
	"github.com/duban-org/duban/bot/wecomtest"
	"github.com/duban-org/duban/store"
)

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {90, 90 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}} {
		if got := percentile(d, c.p); got != c.want {
			t.Errorf("percentile(1..100ms, %v) = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("percentile of nothing = %v", got)
	}
}

// The generator's callbacks pass the real callback handler, each is fresh
// (unique MsgId), and both modes report what they sent.
func TestLoadAgainstCallback(t *testing.T) {
	fake := wecomtest.New(t)
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cb, err := bot.NewCallback(bot.CallbackConfig{Token: fake.Token, EncodingAESKey: fake.EncodingAESKey,
		CorpID: fake.CorpID, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, st)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(cb)
	defer srv.Close()
	o := options{URL: srv.URL + "/wecom/callback", Token: fake.Token, AESKey: fake.EncodingAESKey, CorpID: fake.CorpID,
		AgentID: fake.AgentID, From: "nobody", Concurrency: 4, Rate: 200, Duration: 300 * time.Millisecond, Timeout: 5 * time.Second}

	closed, err := closedLoop(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if closed.Acked == 0 || closed.Acked != closed.Sent || len(closed.Latencies) != closed.Acked {
		t.Fatalf("closed loop: sent %d, acked %d, %d latencies, errors %d %v, refused %v",
			closed.Sent, closed.Acked, len(closed.Latencies), closed.Errors, closed.FirstErr, closed.Refused)
	}
	open, err := openLoop(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if want := 60; open.Sent != want || open.Acked != want {
		t.Fatalf("open loop at 200/s for 300ms: sent %d, acked %d, want %d each (errors %d %v, refused %v)",
			open.Sent, open.Acked, want, open.Errors, open.FirstErr, open.Refused)
	}
	n, err := st.InboxLen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != closed.Acked+open.Acked {
		t.Errorf("inbox holds %d entries after %d acknowledged callbacks: MsgIds are not unique", n, closed.Acked+open.Acked)
	}
	var out strings.Builder
	open.print(&out, o)
	if !strings.Contains(out.String(), "p99") || !strings.Contains(out.String(), "acknowledged 60") {
		t.Errorf("report lacks the figures:\n%s", out.String())
	}
}

func TestFakeWeCom(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- serveFakeWeCom(ctx, "127.0.0.1:0", "corp", pw); pw.Close() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	base := strings.TrimSpace(strings.TrimPrefix(line, "fake wecom listening on "))
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	client, err := bot.NewWeComClient(bot.ClientConfig{APIBase: base, CorpID: "corp", AgentID: 1, Secret: "s"}, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Deliver(ctx, duban.Outgoing{To: "u", Text: "您好"}); err != nil {
		t.Errorf("the real client's send through the fake: %v", err)
	}
	if err := client.UpdateTemplateCard(ctx, []string{"u"}, "rc", "已处理"); err != nil {
		t.Errorf("the real client's card update through the fake: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
