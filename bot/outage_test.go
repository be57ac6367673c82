package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot/wecomtest"
	"github.com/duban-org/duban/store"
)

// A distinctive Secret, to be looked for everywhere a failure can reach.
const distinctiveSecret = "S3cr3t-7f1e9a4c2b-DistinctiveValue"

// withAdmin imports one 编办 member, "bianban1", so failures are reported.
func withAdmin(t *testing.T, st *store.Store) {
	t.Helper()
	l := duban.Ledger{People: []duban.Person{{UserID: "bianban1", Name: "王编办", Posts: []duban.Post{{Role: duban.RoleAdmin}}}}}
	if _, err := st.Import(context.Background(), l, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
}

// storeText is everything a backup of st holds, and its outbox and
// delivery records as JSON.
func storeText(t *testing.T, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	var b bytes.Buffer
	if err := st.Backup(ctx, &b); err != nil {
		t.Fatal(err)
	}
	es, err := st.PendingOutgoing(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := st.Deliveries(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal([]any{es, ds})
	return b.String() + string(j)
}

// With WeCom's port closed, neither the Secret (gettoken's query) nor the
// access token (message/send's query) reaches the log or the store, and
// what is stored is plain words.
func TestSecretNeverLeaves(t *testing.T) {
	fake := wecomtest.New(t)
	fake.Secret = distinctiveSecret
	st := newMemStore(t)
	withAdmin(t, st)
	log, logs := captureLogger()
	newClient := func() *WeComClient {
		c, err := NewWeComClient(ClientConfig{
			APIBase: fake.URL, CorpID: fake.CorpID, AgentID: fake.AgentID, Secret: distinctiveSecret,
			HTTPClient: NewHTTPClient(time.Second), Logger: log,
			TokenMinBackoff: 5 * time.Millisecond, TokenMaxBackoff: 10 * time.Millisecond,
		}, st)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	run := func(c *WeComClient, maxAge time.Duration) (stop func()) {
		s := NewSender(st, c, log)
		s.MinBackoff, s.MaxBackoff, s.ProbeEvery, s.ReportDelay = 5*time.Millisecond, 10*time.Millisecond, 5*time.Millisecond, time.Millisecond
		s.MaxAge = maxAge
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		return func() { cancel(); <-done }
	}
	client := newClient()
	token, err := client.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.SetPortClosed(true); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("log:\n%s", logs)
		}
	}()
	// The message fails first with the token in hand (message/send), then,
	// after a restart without it, at gettoken (the Secret in its query).
	ids := queue(t, st, duban.Outgoing{To: "u1", Text: "已记录。", NoticeKeys: []string{"due:T1:2026-12-01"}})
	stop := run(client, time.Hour)
	waitFor(t, "attempts with the token", func() bool {
		es := pending(t, st)
		return len(es) == 1 && es[0].Attempts >= 2
	})
	stop()
	if err := st.DeleteAccessToken(context.Background(), client.name, token); err != nil {
		t.Fatal(err)
	}
	defer run(newClient(), 300*time.Millisecond)()
	d := delivery(t, st, ids[0])
	if d.Status != store.DeliveryFailed || !strings.HasPrefix(d.Error, "企业微信暂时无法访问，") || !strings.Contains(d.Error, "仍未送达") {
		t.Errorf("delivery = %+v, want failed in plain words", d)
	}
	if !strings.Contains(logs.String(), "/cgi-bin/gettoken") || !strings.Contains(logs.String(), "/cgi-bin/message/send") {
		t.Fatalf("the log does not show both calls failing:\n%s", logs)
	}
	for where, text := range map[string]string{"log": logs.String(), "store": storeText(t, st)} {
		for _, secret := range []string{distinctiveSecret, "corpsecret", "access_token="} {
			if strings.Contains(text, secret) {
				t.Errorf("%s holds %q:\n%s", where, secret, text)
			}
		}
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("the log holds the access token %q", token)
	}
}

// WeCom failures that pass hold the message; each is logged once, in
// plain words, and the message goes out when WeCom is back.
func TestOutagesHoldMessages(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(*wecomtest.Server)
		stop  func(*wecomtest.Server)
		words string
	}{
		{"untrusted IP 60020", func(f *wecomtest.Server) { f.RefuseAll(60020) }, func(f *wecomtest.Server) { f.RefuseAll(0) },
			"企业微信拒绝了本服务器的IP（未加入应用的企业可信IP），将自动重试"},
		{"system busy -1", func(f *wecomtest.Server) { f.RefuseAll(-1) }, func(f *wecomtest.Server) { f.RefuseAll(0) },
			"企业微信繁忙或达到调用频率限制，将自动重试"},
		{"unknown errcode", func(f *wecomtest.Server) { f.RefuseAll(93017) }, func(f *wecomtest.Server) { f.RefuseAll(0) },
			"企业微信返回了无法识别的错误（错误码 93017），将自动重试"},
		{"HTTP 502", func(f *wecomtest.Server) { f.SetHTTPStatus(http.StatusBadGateway) }, func(f *wecomtest.Server) { f.SetHTTPStatus(0) },
			"企业微信暂时无法访问，将自动重试"},
		{"port closed", func(f *wecomtest.Server) { f.SetPortClosed(true) }, func(f *wecomtest.Server) { f.SetPortClosed(false) },
			"企业微信暂时无法访问，将自动重试"},
		{"connection cut", func(f *wecomtest.Server) { f.SetDown(true) }, func(f *wecomtest.Server) { f.SetDown(false) },
			"企业微信暂时无法访问，将自动重试"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := wecomtest.New(t)
			st := newMemStore(t)
			log, logs := captureLogger()
			tc.start(fake)
			ids := queue(t, st,
				duban.Outgoing{To: "u1", Text: "已记录。任务 T003：完成。"},
				duban.Outgoing{To: "leader", Text: "【待销号】T003", Card: &duban.Card{ID: "c-T003", Title: "待销号", Buttons: []duban.Button{{Text: "销号", Key: "verify:T003"}}}},
			)
			s := NewSender(st, newClient(t, fake, st, time.Second), log)
			s.MinBackoff, s.MaxBackoff, s.ProbeEvery = 5*time.Millisecond, 20*time.Millisecond, 10*time.Millisecond
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx) }()
			defer func() { cancel(); <-done }()
			waitFor(t, "several failed attempts", func() bool {
				es := pending(t, st)
				return len(es) == 2 && es[0].Attempts >= 3 && es[1].Attempts >= 3
			})
			for _, e := range pending(t, st) {
				if e.LastError != tc.words {
					t.Errorf("%s: last error %q, want %q", e.Msg.To, e.LastError, tc.words)
				}
			}
			if n := logs.count("level=WARN"); n != 1 {
				t.Errorf("%d warnings for one outage, want 1:\n%s", n, logs)
			}
			tc.stop(fake)
			for _, id := range ids {
				if d := delivery(t, st, id); d.Status != store.DeliveryDelivered {
					t.Errorf("delivery %+v", d)
				}
			}
			if got := fake.Messages(); len(got) != 2 || len(fake.MessagesTo("leader")) != 1 || fake.MessagesTo("leader")[0].MsgType != "template_card" {
				t.Errorf("delivered %s, want the reply and the card", describeMessages(got))
			}
			if !strings.Contains(logs.String(), "wecom delivering again") {
				t.Errorf("the recovery is not logged:\n%s", logs)
			}
		})
	}
}

// Only a recipient WeCom names as bad fails a message at once; it is
// shown in plain words and told to 编办, as is a message past MaxAge.
func TestFinalFailuresToldToBianban(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	withAdmin(t, st)
	fake.SetInvalidUser("gone", false)
	fake.SetInvalidUser("hidden", true)
	ids := queue(t, st,
		duban.Outgoing{To: "gone", Text: "【督办提醒】以下任务明日到期，请抓紧办理并及时报送进展情况：\nT012 制定方案"},
		duban.Outgoing{To: "hidden", Text: "已记录。"},
	)
	startSender(t, fake, st, func(s *Sender) { s.ReportDelay = 500 * time.Millisecond })
	for _, id := range ids {
		if d := delivery(t, st, id); d.Status != store.DeliveryFailed || d.Error != "该账号不在应用可见范围内。请在企业微信管理后台扩大本应用的可见范围" || d.Failures != 1 {
			t.Errorf("delivery = %+v", d)
		}
	}
	msgs, err := fake.WaitMessages(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	report := msgs[0].Body()
	if msgs[0].ToUser != "bianban1" || !strings.HasPrefix(report, "【消息未送达】以下 2 条消息未能送达") ||
		!strings.Contains(report, "发给 gone 的「【督办提醒】以下任务明日到期，请抓紧办理并及时报…」：该账号不在应用可见范围内。请在企业微信管理后台扩大本应用的可见范围") ||
		!strings.Contains(report, "发给 hidden 的「已记录。」：该账号不在应用可见范围内。请在企业微信管理后台扩大本应用的可见范围") {
		t.Errorf("report to 编办: %s", report)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(fake.Messages()); n != 1 {
		t.Errorf("%d messages, want one report", n)
	}
}

// A report to 编办 that fails is not reported in turn.
func TestFailedReportNotReported(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	withAdmin(t, st)
	fake.SetInvalidUser("gone", false)
	fake.SetInvalidUser("bianban1", false)
	queue(t, st, duban.Outgoing{To: "gone", Text: "a"})
	startSender(t, fake, st, nil)
	waitFor(t, "the report's failure", func() bool {
		ds, _ := st.Deliveries(context.Background(), 0)
		return len(ds) == 2
	})
	time.Sleep(100 * time.Millisecond)
	if ds, _ := st.Deliveries(context.Background(), 0); len(ds) != 2 || fake.SendRequests() != 2 {
		t.Errorf("%d deliveries, %d sends; want 2 and 2 (no report of the report)", len(ds), fake.SendRequests())
	}
}

// While gettoken fails, callers get its error at once until the back-off
// passes, instead of asking WeCom again for every message.
func TestGettokenBacksOff(t *testing.T) {
	fake := wecomtest.New(t)
	fake.RefuseAll(60020)
	c, err := NewWeComClient(ClientConfig{
		APIBase: fake.URL, CorpID: fake.CorpID, AgentID: fake.AgentID, Secret: fake.Secret,
		HTTPClient: NewHTTPClient(time.Second), Logger: quietLogger(),
		TokenMinBackoff: time.Hour,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		err := c.Deliver(context.Background(), duban.Outgoing{To: "u1", Text: "x"})
		if CauseOf(err) != CauseUntrustedIP {
			t.Fatalf("Deliver: %v (cause %s), want untrusted IP", err, CauseOf(err))
		}
	}
	if n := fake.TokenRequests(); n != 1 {
		t.Errorf("gettoken called %d times in its back-off, want 1", n)
	}
}

// The first success after an outage releases every recipient's back-off:
// nobody waits for their own retry once WeCom answers again.
func TestRecoveryReleasesEveryBackoff(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	fake.SetPortClosed(true)
	var ids []string
	for _, to := range []string{"u1", "u2", "u3", "u4", "u5", "u6"} {
		ids = append(ids, queue(t, st, duban.Outgoing{To: to, Text: "回复 " + to})...)
	}
	startSender(t, fake, st, func(s *Sender) {
		s.MinBackoff, s.MaxBackoff = time.Hour, time.Hour // only the probe and the recovery can bring them back
		s.ProbeEvery = 50 * time.Millisecond
	})
	waitFor(t, "every message tried", func() bool {
		for _, e := range pending(t, st) {
			if e.Attempts == 0 {
				return false
			}
		}
		return true
	})
	if err := fake.SetPortClosed(false); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if d := delivery(t, st, id); d.Status != store.DeliveryDelivered {
			t.Errorf("delivery = %+v", d)
		}
	}
}

// blockingDeliverer holds every delivery until released.
type blockingDeliverer struct {
	started chan duban.Outgoing
	release chan struct{}
	mu      sync.Mutex
	got     []duban.Outgoing
}

func (b *blockingDeliverer) Deliver(ctx context.Context, m duban.Outgoing) error {
	b.started <- m
	<-b.release
	b.mu.Lock()
	b.got = append(b.got, m)
	b.mu.Unlock()
	return nil
}

// An attempt is recorded before it is made; a message whose attempt was
// cut off (a crash) is sent once more, and one cut off twice is not sent
// again but recorded as uncertain and told to 编办.
func TestCrashResendsAtMostOnce(t *testing.T) {
	st := newMemStore(t)
	withAdmin(t, st)
	ids := queue(t, st,
		duban.Outgoing{To: "u1", Text: "在途时崩溃一次", NoticeKeys: []string{"due:T1:2026-12-01"}},
		duban.Outgoing{To: "u2", Text: "在途时崩溃两次"},
		duban.Outgoing{To: "u3", Text: "新消息"},
	)
	for i, n := range []int{1, 2} {
		e, err := st.OutboxEntryByID(context.Background(), ids[i])
		if err != nil {
			t.Fatal(err)
		}
		e.Unconfirmed = n // as left by n processes stopped during the send
		if err := st.SaveOutgoingProgress(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	d := &blockingDeliverer{started: make(chan duban.Outgoing, 8), release: make(chan struct{})}
	s := NewSender(st, d, quietLogger())
	s.ReportDelay = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for seen := 0; seen < 2; {
		m := <-d.started
		if m.To != "u1" && m.To != "u3" {
			continue // the report to 编办
		}
		seen++
		e, err := st.OutboxEntryByID(context.Background(), ids[map[string]int{"u1": 0, "u3": 2}[m.To]])
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"u1": 2, "u3": 1}[m.To]; e.Unconfirmed != want {
			t.Errorf("%s: in flight with %d attempts recorded, want %d", m.To, e.Unconfirmed, want)
		}
	}
	close(d.release)
	if got := delivery(t, st, ids[0]); got.Status != store.DeliveryDelivered {
		t.Errorf("resent once: %+v", got)
	}
	if got := delivery(t, st, ids[1]); got.Status != store.DeliveryUncertain || !strings.Contains(got.Error, "送达情况不明") {
		t.Errorf("cut off twice: %+v", got)
	}
	waitFor(t, "the report to 编办", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		for _, m := range d.got {
			if m.To == "bianban1" && strings.Contains(m.Text, "发给 u2 的「在途时崩溃两次」：送达情况不明") {
				return true
			}
		}
		return false
	})
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, m := range d.got {
		if m.To == "u2" {
			t.Errorf("the message cut off twice was sent a third time")
		}
	}
}

func describeMessages(msgs []wecomtest.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString("\n  " + m.MsgType + " to " + m.ToUser + ": " + m.Body())
	}
	return b.String()
}

// While Room waits (no disk space to record an attempt), nothing is
// marked or sent; when it returns, the message goes out.
func TestSenderWaitsForRoomBeforeAnAttempt(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	ids := queue(t, st, duban.Outgoing{To: "u1", Text: "等待磁盘空间"})
	room := make(chan struct{})
	waiting := make(chan struct{}, 1)
	startSender(t, fake, st, func(s *Sender) {
		s.Room = func(ctx context.Context) error {
			select {
			case waiting <- struct{}{}:
			default:
			}
			select {
			case <-room:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	})
	<-waiting
	if e, err := st.OutboxEntryByID(context.Background(), ids[0]); err != nil || e.Unconfirmed != 0 || fake.SendRequests() != 0 {
		t.Fatalf("while waiting for room: %+v, %v, %d sends", e, err, fake.SendRequests())
	}
	close(room)
	if d := delivery(t, st, ids[0]); d.Status != store.DeliveryDelivered {
		t.Errorf("delivery = %+v", d)
	}
}

// Messages an earlier run kept back (WeCom down, a wrong Secret) wait for
// back-offs that run did not live to end. The restart may be the fix (a
// corrected Secret, this server's IP added to the trusted list): the
// oldest is tried at once, and its success releases the others.
func TestRestartRetriesMessagesKeptBack(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	ctx := context.Background()
	var ids []string
	for _, to := range []string{"u1", "u2", "u3"} {
		ids = append(ids, queue(t, st, duban.Outgoing{To: to, Text: "回复 " + to})...)
	}
	earlier := time.Now().Add(-time.Hour)
	for _, e := range pending(t, st) {
		e.Attempts, e.FailedAt, e.NextAttempt = 12, earlier, time.Now().Add(5*time.Minute)
		e.LastError = CauseCredentials.Words() + "，将自动重试"
		if err := st.SaveOutgoingProgress(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	startSender(t, fake, st, func(s *Sender) {
		s.MinBackoff, s.MaxBackoff, s.ProbeEvery = time.Hour, time.Hour, time.Hour
	})
	for _, id := range ids {
		if d := delivery(t, st, id); d.Status != store.DeliveryDelivered {
			t.Errorf("delivery = %+v", d)
		}
	}
}

// A WeCom whose HTTPS certificate this server does not trust (no CA
// certificates installed, or a proxy that re-signs TLS) is no network
// outage: the messages are kept and retried, but the log, what 记录 shows
// and what a person at the command line reads say it is the certificate.
func TestUntrustedCertificateIsNamed(t *testing.T) {
	tlsFake := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsFake.Close()
	st := newMemStore(t)
	log, logs := captureLogger()
	c, err := NewWeComClient(ClientConfig{APIBase: tlsFake.URL, CorpID: "ww1", AgentID: 1, Secret: distinctiveSecret,
		HTTPClient: NewHTTPClient(2 * time.Second), Logger: log}, st)
	if err != nil {
		t.Fatal(err)
	}
	ids := queue(t, st, duban.Outgoing{To: "u1", Text: "回复"})
	s := NewSender(st, c, log)
	s.MinBackoff, s.MaxBackoff = time.Hour, time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var e store.OutboxEntry
	waitFor(t, "a failed attempt", func() bool {
		got, err := st.OutboxEntryByID(ctx, ids[0])
		e = got
		return err == nil && got.Attempts > 0
	})
	cancel()
	<-done
	_, err = c.Token(context.Background())
	if c := CauseOf(err); c != CauseCertificate {
		t.Errorf("cause %q of %v", c, err)
	}
	if !strings.Contains(e.LastError, "证书") || !strings.Contains(e.LastError, "将自动重试") {
		t.Errorf("stored reason %q", e.LastError)
	}
	if w := Explain(err); !strings.Contains(w, "证书") || !strings.Contains(w, "ca-certificates") {
		t.Errorf("Explain: %q", w)
	}
	if l := logs.String(); !strings.Contains(l, "cause=certificate") || !strings.Contains(l, "CA certificates") || strings.Contains(l, distinctiveSecret) {
		t.Errorf("log:\n%s", l)
	}
}

// A card's buttons that WeCom will not update (its response_code expired
// after 72 hours, or used) is no message anyone missed: the click's reply
// went out on its own. It is recorded, but 编办 is not told of it.
func TestFailedCardUpdateNotReported(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	withAdmin(t, st)
	fake.SetInvalidUser("gone", false)
	ids := queue(t, st,
		duban.Outgoing{To: "u1", Text: "已销号", CardUpdate: &duban.CardUpdate{ResponseCode: "", Note: "已销号"}},
		duban.Outgoing{To: "gone", Text: "提醒"},
	)
	startSender(t, fake, st, nil)
	if d := delivery(t, st, ids[0]); d.Status != store.DeliveryFailed {
		t.Fatalf("card update: %+v", d)
	}
	msgs, err := fake.WaitMessages(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if r := msgs[0].Body(); !strings.Contains(r, "以下 1 条消息未能送达") || strings.Contains(r, "u1") {
		t.Errorf("report to 编办: %s", r)
	}
}
