package bot

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duban-org/duban/bot/wecomtest"
)

func TestURLVerification(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	target, _ := callbackServer(t, fake, st, nil)

	code, body := post(t, fake.NewURLVerification("6235462734526347"), target)
	if code != http.StatusOK || body != "6235462734526347" {
		t.Fatalf("verification: got %d %q, want 200 with the bare echostr", code, body)
	}

	forged := fake.NewURLVerification("x")
	forged.Query.Set("msg_signature", strings.Repeat("0", 40))
	if code, _ := post(t, forged, target); code != http.StatusForbidden {
		t.Fatalf("forged verification: got %d, want 403", code)
	}
}

func TestTextDeliveredThreeTimesIsEnqueuedOnce(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	var woken atomic.Int32 // the worker is woken by the store's notification
	defer st.WatchInbox(func([]string) { woken.Add(1) })()
	target, _ := callbackServer(t, fake, st, nil)

	cb := fake.NewTextCallback("zhangsan", "我的任务", "7312345678901234567")
	for i := range 3 { // WeCom's retries resend the same request
		code, body := post(t, cb, target)
		if code != http.StatusOK || body != "" {
			t.Fatalf("delivery %d: got %d %q, want 200 and an empty body", i+1, code, body)
		}
	}
	entries, err := st.InboxEntries(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("inbox has %d entries, want 1", len(entries))
	}
	in := entries[0].In
	if in.Key != "msg:7312345678901234567" || in.From != "zhangsan" || in.Text != "我的任务" || in.Event != "" {
		t.Errorf("inbound = %+v", in)
	}
	if in.At.IsZero() || time.Since(in.At) > time.Minute {
		t.Errorf("inbound At = %v, want the message's CreateTime", in.At)
	}
	if woken.Load() != 1 {
		t.Errorf("worker woken %d times, want 1", woken.Load())
	}
}

func TestRefusedCallbacksLeaveNoTrace(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	target, _ := callbackServer(t, fake, st, func(c *CallbackConfig) { c.MaxBodyBytes = 4096 })

	good := fake.NewTextCallback("lisi", "任务", "m1")

	forged := fake.NewTextCallback("lisi", "任务", "m1")
	forged.Query.Set("msg_signature", good.Query.Get("msg_signature")) // signature of another ciphertext

	wrongCorp := fake.Seal([]byte(`<xml><FromUserName>lisi</FromUserName><MsgType>text</MsgType><Content>任务</Content><MsgId>m1</MsgId><CreateTime>1</CreateTime></xml>`), "wwsomeoneelse", time.Now())

	realNow := fake.Now
	fake.Now = func() time.Time { return realNow().Add(-6 * time.Minute) }
	stale := fake.NewTextCallback("lisi", "任务", "m1")
	fake.Now = func() time.Time { return realNow().Add(6 * time.Minute) }
	future := fake.NewTextCallback("lisi", "任务", "m1")
	fake.Now = realNow

	malformed := good
	malformed.Body = []byte("<xml><Encrypt>not closed")

	garbage := fake.Seal([]byte("not xml at all"), fake.CorpID, time.Now())

	noSig := good
	noSig.Query = nil

	oversized := fake.NewTextCallback("lisi", strings.Repeat("长", 2000), "m1")

	for _, tc := range []struct {
		name string
		cb   wecomtest.Callback
		want int
	}{
		{"forged signature", forged, http.StatusForbidden},
		{"no signature", noSig, http.StatusForbidden},
		{"wrong corp id", wrongCorp, http.StatusForbidden},
		{"stale timestamp", stale, http.StatusForbidden},
		{"future timestamp", future, http.StatusForbidden},
		{"malformed envelope", malformed, http.StatusBadRequest},
		{"garbage plaintext", garbage, http.StatusBadRequest},
		{"oversized body", oversized, http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _ := post(t, tc.cb, target); code != tc.want {
				t.Errorf("got %d, want %d", code, tc.want)
			}
			if n := inboxLen(t, st); n != 0 {
				t.Errorf("inbox has %d entries, want 0", n)
			}
		})
	}
	// No dedupe record was left either: the genuine message is still fresh.
	if code, _ := post(t, good, target); code != http.StatusOK {
		t.Fatalf("good callback: %d", code)
	}
	if n := inboxLen(t, st); n != 1 {
		t.Fatalf("inbox has %d entries after the good callback, want 1", n)
	}
}

func TestTimestampCheckCanBeTurnedOff(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	target, _ := callbackServer(t, fake, st, func(c *CallbackConfig) { c.DisableTimestampCheck = true })
	realNow := fake.Now
	fake.Now = func() time.Time { return realNow().Add(-48 * time.Hour) }
	if code, _ := post(t, fake.NewTextCallback("u1", "hi", "old1"), target); code != http.StatusOK {
		t.Fatalf("old callback with the check off: %d, want 200", code)
	}
}

func TestCallbackEventsAndOtherTypes(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	at := time.Unix(1767225600, 0)
	fake.Now = func() time.Time { return at }
	cbCfg := func(c *CallbackConfig) { c.Now = func() time.Time { return at } }
	target, _ := callbackServer(t, fake, st, cbCfg)

	image := fake.NewPlain("u1", "image")
	image.MsgID = wecomtest.Text("img-1")

	for _, c := range []wecomtest.Callback{
		fake.NewEventCallback("u1", "enter_agent", ""),
		fake.NewEventCallback("u1", "click", "MY_TASKS"),
		fake.NewCardEventCallback("u1", "card-T012-1", "verify:T012", "resp-abc"),
		fake.NewEventCallback("u1", "LOCATION", ""), // ignored
		fake.SealMessage(image),
	} {
		if code, body := post(t, c, target); code != http.StatusOK || body != "" {
			t.Fatalf("got %d %q", code, body)
		}
	}
	entries, err := st.InboxEntries(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Fatalf("inbox has %d entries, want 4 (LOCATION ignored)", len(entries))
	}
	want := []struct{ key, event, eventKey, card, resp string }{
		{"evt:u1:1767225600:enter_agent:/", "enter_agent", "", "", ""},
		{"evt:u1:1767225600:click:MY_TASKS/", "click", "MY_TASKS", "", ""},
		{"evt:u1:1767225600:template_card_event:verify:T012/card-T012-1", "template_card_event", "verify:T012", "card-T012-1", "resp-abc"},
		{"msg:img-1", "", "", "", ""},
	}
	for i, w := range want {
		in := entries[i].In
		if in.Key != w.key || in.Event != w.event || in.EventKey != w.eventKey || in.CardID != w.card || in.ResponseCode != w.resp || in.Text != "" || in.From != "u1" || !in.At.Equal(at) {
			t.Errorf("entry %d = %+v, want %+v", i, in, w)
		}
	}
}

func TestCallbackStoreFailureIsNotAcknowledged(t *testing.T) {
	fake := wecomtest.New(t)
	st := openStore(t, t.TempDir())
	st.Close() // every write now fails
	target, _ := callbackServer(t, fake, st, nil)
	if code, _ := post(t, fake.NewTextCallback("u1", "hi", "m9"), target); code != http.StatusInternalServerError {
		t.Fatalf("got %d, want 500 so that WeCom retries", code)
	}
}

// A flood of refused callbacks writes a line a minute per kind, counting
// the rest; a stale one says by how much its clock was off.
func TestRefusedCallbackLogIsRateLimited(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	log, logs := captureLogger()
	target, _ := callbackServer(t, fake, st, func(c *CallbackConfig) { c.Logger = log })
	realNow := fake.Now
	fake.Now = func() time.Time { return realNow().Add(-7*time.Minute - 30*time.Second) }
	for i := range 50 {
		if code, _ := post(t, fake.NewTextCallback("lisi", "任务", "stale-"+strconv.Itoa(i)), target); code != http.StatusForbidden {
			t.Fatalf("stale callback answered %d", code)
		}
	}
	fake.Now = realNow
	forged := fake.NewTextCallback("lisi", "任务", "forged")
	forged.Query.Set("msg_signature", strings.Repeat("0", 40))
	for range 50 {
		post(t, forged, target)
	}
	if n := logs.count("wecom callback refused"); n != 2 {
		t.Errorf("%d lines for 100 refused callbacks of two kinds, want 2:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "clock_off=7m3") || !strings.Contains(logs.String(), "behind the server clock") {
		t.Errorf("the stale callback's line does not say how far off its clock was:\n%s", logs)
	}
	if n := inboxLen(t, st); n != 0 {
		t.Errorf("%d refused callbacks in the inbox", n)
	}
}

// A flood of clients that send half a body and stall (each cut off by the
// server's read timeout) writes one line, not one per client.
func TestSlowClientFloodLogsOnce(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	log, logs := captureLogger()
	cb, err := NewCallback(CallbackConfig{Token: fake.Token, EncodingAESKey: fake.EncodingAESKey, CorpID: fake.CorpID, Logger: log}, st)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(cb)
	srv.Config.ReadTimeout = 100 * time.Millisecond
	srv.Start()
	defer srv.Close()
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST /wecom/callback?msg_signature=x&timestamp=1&nonce=2 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n<xml><Encrypt>")
			io.Copy(io.Discard, conn) // until the server gives up on the body
		})
	}
	wg.Wait()
	if n := logs.count("wecom callback refused"); n != 1 || !strings.Contains(logs.String(), `why="slow or broken client"`) {
		t.Errorf("%d lines for 30 slow clients, want 1 naming them:\n%s", n, logs)
	}
}

// A server clock off by more than the window refuses every genuine
// callback, and WeCom drops each after its retries: the callback notes by
// how much (for /readyz) until a callback is accepted again. A forged one
// notes nothing.
func TestCallbackNotesAClockOff(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	target, cb := callbackServer(t, fake, st, nil)
	if _, _, ok := cb.ClockOff(); ok {
		t.Fatal("clock off before any callback")
	}
	realNow := fake.Now
	fake.Now = func() time.Time { return realNow().Add(-20 * time.Minute) }
	stale := fake.NewTextCallback("lisi", "任务", "m1")
	forged := fake.NewTextCallback("lisi", "任务", "m2")
	forged.Query.Set("msg_signature", stale.Query.Get("msg_signature"))
	fake.Now = realNow
	if code, _ := post(t, forged, target); code != http.StatusForbidden {
		t.Fatalf("forged: %d", code)
	}
	if _, _, ok := cb.ClockOff(); ok {
		t.Error("a forged callback noted as a clock off")
	}
	if code, _ := post(t, stale, target); code != http.StatusForbidden {
		t.Fatalf("stale: %d", code)
	}
	off, at, ok := cb.ClockOff()
	if !ok || off < 19*time.Minute || off > 21*time.Minute || time.Since(at) > time.Minute {
		t.Errorf("ClockOff = %v, %v, %v; want about 20m, now, true", off, at, ok)
	}
	if code, _ := post(t, fake.NewTextCallback("lisi", "任务", "m3"), target); code != http.StatusOK {
		t.Fatalf("fresh: %d", code)
	}
	if _, _, ok := cb.ClockOff(); ok {
		t.Error("still noted after a callback was accepted")
	}
}
