package bot

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot/wecomtest"
	"github.com/duban-org/duban/store"
)

func newClient(t *testing.T, fake *wecomtest.Server, st *store.Store, timeout time.Duration) *WeComClient {
	t.Helper()
	c, err := NewWeComClient(ClientConfig{
		APIBase: fake.URL, CorpID: fake.CorpID, AgentID: fake.AgentID, Secret: fake.Secret,
		HTTPClient: NewHTTPClient(timeout), Logger: quietLogger(),
		TokenMinBackoff: 10 * time.Millisecond, TokenMaxBackoff: 50 * time.Millisecond,
	}, st)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startSender runs a sender to fake with fast retries until the test ends.
func startSender(t *testing.T, fake *wecomtest.Server, st *store.Store, mod func(*Sender)) *Sender {
	t.Helper()
	s := NewSender(st, newClient(t, fake, st, 2*time.Second), quietLogger())
	s.MinBackoff, s.MaxBackoff, s.Poll = 10*time.Millisecond, 50*time.Millisecond, time.Second
	s.ProbeEvery, s.ReportDelay = 20*time.Millisecond, 10*time.Millisecond
	if mod != nil {
		mod(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sender Run: %v", err)
		}
	})
	return s
}

func queue(t *testing.T, st *store.Store, msgs ...duban.Outgoing) []string {
	t.Helper()
	ids, err := st.QueueOutgoing(context.Background(), time.Now(), msgs...)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func delivery(t *testing.T, st *store.Store, id string) store.Delivery {
	t.Helper()
	var d store.Delivery
	waitFor(t, "delivery of "+id, func() bool {
		var err error
		d, err = st.DeliveryByID(context.Background(), id)
		return err == nil
	})
	return d
}

func TestSenderDeliversAndRecordsNotice(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	ids := queue(t, st, duban.Outgoing{To: "u1", Text: "【督办提醒】T012 明日到期", NoticeKeys: []string{"due:T012:2026-01-05"}})
	startSender(t, fake, st, nil)
	msgs, err := fake.WaitMessages(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if m.ToUser != "u1" || m.MsgType != "text" || m.Body() != "【督办提醒】T012 明日到期" || m.AgentID != fake.AgentID {
		t.Errorf("delivered %+v", m)
	}
	if !strings.Contains(string(m.Raw), `"agentid":1000002`) {
		t.Errorf("agentid not sent as an integer: %s", m.Raw)
	}
	d := delivery(t, st, ids[0])
	if d.Status != store.DeliveryDelivered || d.Parts != 1 {
		t.Errorf("delivery = %+v", d)
	}
	byNotice, err := st.DeliveryOf(context.Background(), "due:T012:2026-01-05")
	if err != nil || byNotice.OutboxID != ids[0] || byNotice.Status != store.DeliveryDelivered {
		t.Errorf("DeliveryOf = %+v, %v", byNotice, err)
	}
	if n := outboxLen(t, st); n != 0 {
		t.Errorf("outbox has %d left", n)
	}
}

func TestSenderSplitsLongTextInOrder(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	var b strings.Builder
	for i := 0; b.Len() < 3000; i++ {
		b.WriteString("T0")
		b.WriteString(string(rune('0' + i%10)))
		b.WriteString(" 完成大科室制改革方案报编办审核\n")
	}
	text := strings.TrimRight(b.String(), "\n")
	ids := queue(t, st, duban.Outgoing{To: "u1", Text: text})
	startSender(t, fake, st, nil)
	d := delivery(t, st, ids[0])
	msgs := fake.MessagesTo("u1")
	if d.Status != store.DeliveryDelivered || d.Parts != len(msgs) || len(msgs) < 2 {
		t.Fatalf("delivery %+v with %d messages", d, len(msgs))
	}
	var joined []string
	for i, m := range msgs {
		if len(m.Body()) >= MaxTextBytes || !utf8.ValidString(m.Body()) {
			t.Errorf("part %d: %d bytes, valid UTF-8 %v", i, len(m.Body()), utf8.ValidString(m.Body()))
		}
		joined = append(joined, m.Body())
	}
	if strings.Join(joined, "\n") != text {
		t.Error("parts joined by newlines differ from the text: order or content lost")
	}
}

func TestSenderSurvivesTokenExpiry(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	s := startSender(t, fake, st, nil)
	queue(t, st, duban.Outgoing{To: "u1", Text: "一"})
	s.Wake()
	if _, err := fake.WaitMessages(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	fake.ExpireTokens() // mid-run
	queue(t, st, duban.Outgoing{To: "u1", Text: "二"})
	s.Wake()
	msgs, err := fake.WaitMessages(2, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if msgs[1].Body() != "二" {
		t.Errorf("second message = %q", msgs[1].Body())
	}
	if n := fake.TokenRequests(); n != 2 {
		t.Errorf("gettoken called %d times, want 2", n)
	}
}

func TestTokenCachedAcrossRestartAndSharedRefresh(t *testing.T) {
	fake := wecomtest.New(t)
	dir := t.TempDir()
	st := openStore(t, dir)
	c := newClient(t, fake, st, time.Second)
	ctx := context.Background()
	errs := make(chan error, 8)
	for range 8 { // concurrent callers share one refresh
		go func() { _, err := c.Token(ctx); errs <- err }()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	st = openStore(t, dir)
	defer st.Close()
	if err := newClient(t, fake, st, time.Second).Deliver(ctx, duban.Outgoing{To: "u1", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if n := fake.TokenRequests(); n != 1 {
		t.Errorf("gettoken called %d times, want 1 (cached in the store)", n)
	}
}

func TestSenderRetriesTemporaryFailures(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	fake.FailNext(1, -1)
	fake.FailNext(1, 45009)
	fake.FailNext(1, 45033)
	fake.FailNextHTTP(1, http.StatusInternalServerError)
	ids := queue(t, st, duban.Outgoing{To: "u1", Text: "终会送达"})
	startSender(t, fake, st, nil)
	d := delivery(t, st, ids[0])
	if d.Status != store.DeliveryDelivered || d.Failures != 4 {
		t.Errorf("delivery = %+v, want delivered after 4 failures", d)
	}
	if n := len(fake.Messages()); n != 1 {
		t.Errorf("%d messages delivered, want 1", n)
	}
}

func TestSenderDeliversOnceWeComIsBack(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	fake.SetDown(true)
	ids := queue(t, st, duban.Outgoing{To: "u1", Text: "停机期间的提醒"})
	startSender(t, fake, st, nil)
	waitFor(t, "failed attempts", func() bool {
		es := pending(t, st)
		return len(es) == 1 && es[0].Attempts >= 2
	})
	fake.SetDown(false)
	if d := delivery(t, st, ids[0]); d.Status != store.DeliveryDelivered {
		t.Fatalf("delivery = %+v", d)
	}
	if n := len(fake.Messages()); n != 1 {
		t.Errorf("%d messages delivered, want 1", n)
	}
}

func TestSenderRetriesSlowAnswers(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	c := newClient(t, fake, st, 100*time.Millisecond)
	if _, err := c.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	fake.SetDelay(300 * time.Millisecond)
	ids := queue(t, st, duban.Outgoing{To: "u1", Text: "慢"})
	s := NewSender(st, c, quietLogger())
	s.MinBackoff, s.MaxBackoff = 10*time.Millisecond, 20*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	waitFor(t, "a timed-out attempt", func() bool {
		es := pending(t, st)
		return len(es) == 1 && es[0].Attempts >= 1 && es[0].LastError == "企业微信暂时无法访问，将自动重试"
	})
	fake.SetDelay(0)
	if d := delivery(t, st, ids[0]); d.Status != store.DeliveryDelivered {
		t.Fatalf("delivery = %+v", d)
	}
}

func TestSenderRecordsInvalidUsers(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	fake.SetInvalidUser("gone", false)
	fake.SetInvalidUser("hidden", true)
	ids := queue(t, st,
		duban.Outgoing{To: "gone", Text: "a", NoticeKeys: []string{"n-gone"}},
		duban.Outgoing{To: "hidden", Text: "b"},
		duban.Outgoing{To: "u1", Text: "c"},
	)
	startSender(t, fake, st, nil)
	for i, user := range []string{"gone", "hidden"} {
		d := delivery(t, st, ids[i])
		if d.Status != store.DeliveryFailed || d.InvalidUser != user || d.Error == "" {
			t.Errorf("delivery to %s = %+v", user, d)
		}
	}
	if d := delivery(t, st, ids[2]); d.Status != store.DeliveryDelivered {
		t.Errorf("delivery to u1 = %+v", d)
	}
	if d, err := st.DeliveryOf(context.Background(), "n-gone"); err != nil || d.Status != store.DeliveryFailed {
		t.Errorf("notice outcome = %+v, %v", d, err)
	}
	if n := fake.SendRequests(); n != 3 {
		t.Errorf("%d send calls, want 3 (permanent failures are not retried)", n)
	}
}

func TestSenderRateLimitsPerRecipient(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	clk := newClock(time.Now())
	for i := range 5 {
		queue(t, st, duban.Outgoing{To: "busy", Text: "busy " + string(rune('0'+i))})
	}
	queue(t, st, duban.Outgoing{To: "calm", Text: "calm 0"}, duban.Outgoing{To: "calm", Text: "calm 1"})
	s := startSender(t, fake, st, func(s *Sender) { s.Now, s.PerMinute = clk.Now, 3 })
	if _, err := fake.WaitMessages(5, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // nothing more may arrive within the minute
	if b, c := len(fake.MessagesTo("busy")), len(fake.MessagesTo("calm")); b != 3 || c != 2 {
		t.Fatalf("within the minute: busy got %d (want 3), calm got %d (want 2)", b, c)
	}
	clk.Add(61 * time.Second)
	s.Wake()
	if _, err := fake.WaitMessages(7, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	for i, m := range fake.MessagesTo("busy") {
		if want := "busy " + string(rune('0'+i)); m.Body() != want {
			t.Errorf("busy message %d = %q, want %q (order)", i, m.Body(), want)
		}
	}
}

func TestSenderCardsAndCardUpdates(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	card := &duban.Card{ID: "card-T012-1", Title: "T012 制定三定方案", Desc: "完成时限 2026-01-05", Buttons: []duban.Button{
		{Text: "已完成", Key: "done:T012", Primary: true}, {Text: "申请延期", Key: "extend:T012"},
	}}
	ids := queue(t, st,
		duban.Outgoing{To: "u1", Text: "T012 制定三定方案，完成时限 2026-01-05", Card: card},
		duban.Outgoing{To: "u2", CardUpdate: &duban.CardUpdate{ResponseCode: "resp-1", Note: "已销号"}},
	)
	startSender(t, fake, st, nil)
	delivery(t, st, ids[0])
	delivery(t, st, ids[1])
	msgs := fake.Messages()
	if len(msgs) != 1 || msgs[0].MsgType != "template_card" || msgs[0].TemplateCard == nil {
		t.Fatalf("messages = %+v", msgs)
	}
	tc := msgs[0].TemplateCard
	if tc.CardType != "button_interaction" || tc.TaskID != "card-T012-1" || tc.MainTitle.Title != card.Title ||
		len(tc.ButtonList) != 2 || tc.ButtonList[0].Key != "done:T012" || tc.ButtonList[0].Style != 1 {
		t.Errorf("card = %+v", tc)
	}
	ups := fake.CardUpdates()
	if len(ups) != 1 || ups[0].ResponseCode != "resp-1" || ups[0].Button.ReplaceName != "已销号" || ups[0].UserIDs[0] != "u2" {
		t.Errorf("updates = %+v", ups)
	}
}

func TestSenderFallsBackToTextWhenCardRefused(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	fake.FailNext(1, 40058) // invalid parameter: the card itself
	ids := queue(t, st, duban.Outgoing{To: "u1", Text: "卡片的文字版", Card: &duban.Card{ID: "c1", Title: "t"}})
	startSender(t, fake, st, nil)
	if d := delivery(t, st, ids[0]); d.Status != store.DeliveryDelivered {
		t.Fatalf("delivery = %+v", d)
	}
	msgs := fake.Messages()
	if len(msgs) != 1 || msgs[0].MsgType != "text" || msgs[0].Body() != "卡片的文字版" {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestSenderTextOnlySendsCardsAsText(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	ids := queue(t, st, duban.Outgoing{To: "u1", Text: "待销号：T012，请回复「销号 T012」", Card: &duban.Card{ID: "c1", Title: "t",
		Buttons: []duban.Button{{Text: "销号", Key: "verify:T012"}}}})
	startSender(t, fake, st, func(s *Sender) { s.TextOnly = true })
	if d := delivery(t, st, ids[0]); d.Status != store.DeliveryDelivered {
		t.Fatalf("delivery = %+v", d)
	}
	msgs := fake.Messages()
	if len(msgs) != 1 || msgs[0].MsgType != "text" || msgs[0].Body() != "待销号：T012，请回复「销号 T012」" {
		t.Errorf("messages = %+v", msgs)
	}
}

// A restart in the middle of a split message resumes after the sent parts.
func TestSenderResumesAfterSentParts(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	text := strings.Repeat("甲", 600) + "\n" + strings.Repeat("乙", 600) + "\n" + strings.Repeat("丙", 600)
	ids := queue(t, st, duban.Outgoing{To: "u1", Text: text})
	es := pending(t, st)
	es[0].PartsSent = 1 // as left by a crash after the first part
	if err := st.SaveOutgoingProgress(context.Background(), es[0]); err != nil {
		t.Fatal(err)
	}
	startSender(t, fake, st, nil)
	d := delivery(t, st, ids[0])
	msgs := fake.Messages()
	if d.Parts != 3 || len(msgs) != 2 || !strings.HasPrefix(msgs[0].Body(), "乙") || !strings.HasPrefix(msgs[1].Body(), "丙") {
		t.Errorf("delivery %+v, messages %d", d, len(msgs))
	}
}

func TestCauseOf(t *testing.T) {
	for _, tc := range []struct {
		err   error
		cause Cause
		final bool
	}{
		{&APIError{Op: opSend, Code: -1}, CauseBusy, false},
		{&APIError{Op: opSend, Code: 45009}, CauseBusy, false},
		{&APIError{Op: opSend, Code: 45033}, CauseBusy, false},
		{&APIError{Op: opSend, Code: 42001}, CauseToken, false},
		{&APIError{Op: opSend, Code: 60020}, CauseUntrustedIP, false},
		{&APIError{Op: opGetToken, Code: 60020}, CauseUntrustedIP, false},
		{&APIError{Op: opGetToken, Code: 40001}, CauseCredentials, false},
		{&APIError{Op: opSend, Code: 93017}, CauseUnknown, false},
		{&APIError{Op: opSend, Code: 81013}, CauseRecipient, true},
		{&APIError{Op: opSend, Code: 60011}, CauseRecipient, true},
		{&APIError{Op: opSend, Code: 0, InvalidUser: "x"}, CauseRecipient, true},
		{&APIError{Op: opSend, Code: 40003}, CauseNoSuchUser, true},
		{&APIError{Op: opSend, Code: 60111}, CauseNoSuchUser, true},
		{&APIError{Op: opSend, Code: 40058}, CauseContent, true},
		{&APIError{Op: opSend, Code: 40007}, CauseContent, true},
		{&APIError{Op: opSend, Code: 85002}, CauseBlockedWords, true},
		{&APIError{Op: opSend, Code: 48002}, CauseForbidden, false},
		{&APIError{Op: opSend, Code: 50003}, CauseForbidden, false},
		{&APIError{Op: opSend, Code: 301002}, CauseCredentials, false},
		{&APIError{Op: opSend, Code: 82001}, CauseRecipient, true},
		{&APIError{Op: opChatSend, Code: 86003}, CauseChat, true},
		{&APIError{Op: opSend, Code: 40014}, CauseToken, false},
		{&APIError{Op: opGetToken, Code: 40013}, CauseCredentials, false},
		{&HTTPStatusError{Op: opSend, Status: 502}, CauseUnreachable, false},
		{&HTTPStatusError{Op: opSend, Status: 429}, CauseBusy, false},
		{&HTTPStatusError{Op: opSend, Status: 404}, CauseUnknown, false},
		{&CallError{Op: opSend, Path: "/cgi-bin/message/send", Err: errors.New("dial tcp: connection refused")}, CauseUnreachable, false},
		{context.DeadlineExceeded, CauseUnreachable, false},
		{errors.New("something new"), CauseUnknown, false},
		{Permanent(errors.New("console closed")), CauseConsole, true},
		{Temporary(errors.New("busy")), CauseUnknown, false},
	} {
		c := CauseOf(tc.err)
		if c != tc.cause || c.Final() != tc.final || Retryable(tc.err) == tc.final {
			t.Errorf("CauseOf(%v) = %s (final %v); want %s (final %v)", tc.err, c, c.Final(), tc.cause, tc.final)
		}
		if w := c.Words(); !strings.ContainsFunc(w, func(r rune) bool { return unicode.Is(unicode.Han, r) }) || strings.ContainsAny(w, "=/:?&") {
			t.Errorf("%s: words %q are not plain Chinese", c, w)
		}
	}
}
