package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot/wecomtest"
	"github.com/duban-org/duban/store"
)

// WeCom's token codes renew the access token and resend at once: the
// message is delivered on the same attempt, with no failure counted.
func TestTokenCodesRenewAndResendAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		refuse func(*wecomtest.Server)
	}{
		{"40014 invalid access_token", (*wecomtest.Server).RevokeTokens},
		{"42001 access_token expired", (*wecomtest.Server).ExpireTokens},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := wecomtest.New(t)
			st := newMemStore(t)
			first := queue(t, st, duban.Outgoing{To: "u1", Text: "第一条"})
			s := startSender(t, fake, st, func(s *Sender) { s.MinBackoff, s.MaxBackoff = time.Hour, time.Hour })
			if d := delivery(t, st, first[0]); d.Status != store.DeliveryDelivered {
				t.Fatalf("first delivery %+v", d)
			}
			tc.refuse(fake)
			second := queue(t, st, duban.Outgoing{To: "u1", Text: "第二条"})
			s.Wake()
			if d := delivery(t, st, second[0]); d.Status != store.DeliveryDelivered || d.Failures != 0 {
				t.Errorf("delivery %+v, want delivered on the first attempt (an hour's back-off would stop it)", d)
			}
			if n := fake.TokenRequests(); n != 2 {
				t.Errorf("%d gettoken calls, want 2 (one renewal)", n)
			}
		})
	}
}

// A code that asks to wait (-1, 45009, 45033, HTTP 429 and 5xx are in
// TestSenderRetriesTemporaryFailures) keeps the message with plain words
// while it lasts, and delivers it after.
func TestBusyCodesKeepTheMessage(t *testing.T) {
	for _, code := range []int{-1, 45009, 45033} {
		fake := wecomtest.New(t)
		st := newMemStore(t)
		fake.RefuseMessages(code)
		ids := queue(t, st, duban.Outgoing{To: "u1", Text: "稍后送达"})
		startSender(t, fake, st, nil)
		waitFor(t, "failed attempts", func() bool {
			es := pending(t, st)
			return len(es) == 1 && es[0].Attempts >= unknownAttempts+1
		})
		if e := pending(t, st)[0]; e.LastError != "企业微信繁忙或达到调用频率限制，将自动重试" {
			t.Errorf("%d: last error %q", code, e.LastError)
		}
		fake.RefuseMessages(0)
		if d := delivery(t, st, ids[0]); d.Status != store.DeliveryDelivered {
			t.Errorf("%d: delivery %+v", code, d)
		}
	}
}

// A code about one message fails it at once, for good: its recipient is
// no member, outside the app's range, or its words are refused. What is
// kept says why and what to do, and is told to 编办.
func TestMessageCodesFailForGood(t *testing.T) {
	const (
		noSuchUser = "企业微信中没有该账号。请核对账号是否与企业微信通讯录一致"
		outOfRange = "该账号不在应用可见范围内。请在企业微信管理后台扩大本应用的可见范围"
	)
	for _, tc := range []struct {
		code    int
		words   string
		invalid bool // the recipient is recorded as refused
	}{
		{40003, noSuchUser, true},
		{60111, noSuchUser, true},
		{46004, noSuchUser, true},
		{40031, noSuchUser, true},
		{81013, outOfRange, true},
		{82001, outOfRange, true},
		{60011, outOfRange, true},
		{85002, "企业微信拒收该消息：内容含有不允许发送的词语。请修改消息中的相关措辞后重新发送", false},
		{45002, "企业微信拒收该消息的内容", false},
		{40058, "企业微信拒收该消息的内容", false},
	} {
		fake := wecomtest.New(t)
		st := newMemStore(t)
		withAdmin(t, st)
		fake.SetUserError("zhaojie", tc.code)
		ids := queue(t, st, duban.Outgoing{To: "zhaojie", Text: "【督办提醒】T003 明日到期"})
		startSender(t, fake, st, nil)
		d := delivery(t, st, ids[0])
		if d.Status != store.DeliveryFailed || d.Error != tc.words || d.Failures != 1 || (d.InvalidUser == "zhaojie") != tc.invalid {
			t.Errorf("%d: delivery %+v, want failed once with %q", tc.code, d, tc.words)
		}
		msgs, err := fake.WaitMessages(1, 5*time.Second)
		if err != nil {
			t.Fatalf("%d: %v", tc.code, err)
		}
		if r := msgs[0].Body(); msgs[0].ToUser != "bianban1" || !strings.Contains(r, "发给 zhaojie 的「【督办提醒】T003 明日到期」："+tc.words) {
			t.Errorf("%d: report to 编办 %q", tc.code, r)
		}
		if n := fake.SendRequests(); n != 2 {
			t.Errorf("%d: %d send calls, want the message once and the report", tc.code, n)
		}
	}
}

// A bulletin to a group chat that is gone fails for good, saying how to
// make a new one.
func TestChatGoneFailsForGood(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	ids := queue(t, st, duban.Outgoing{To: "chat:wrdeleted", Text: "工作通报第3期"})
	startSender(t, fake, st, nil)
	d := delivery(t, st, ids[0])
	if d.Status != store.DeliveryFailed || d.Failures != 1 ||
		d.Error != "该群聊不存在，或不是本应用创建的。请用 duban groupchat 重新创建群聊，并更新配置中的 [remind] bulletin_chat_id" {
		t.Errorf("delivery %+v", d)
	}
}

// Codes about the app's settings (its API permission, its credentials, a
// disabled app) hold every message, as an outage does, until an
// administrator fixes them; the log says what to do once.
func TestAppSettingCodesHoldMessages(t *testing.T) {
	for _, tc := range []struct {
		code  int
		words string
		hint  string
	}{
		{48002, "企业微信不允许本应用调用发消息接口（应用已停用，或所配的Secret不是本应用的），将自动重试", "not the address book's"},
		{50003, "企业微信不允许本应用调用发消息接口（应用已停用，或所配的Secret不是本应用的），将自动重试", "enable the app"},
		{301002, "企业微信不接受本应用的企业ID、Secret或AgentId，将自动重试", "agent_id its AgentId"},
		{40056, "企业微信不接受本应用的企业ID、Secret或AgentId，将自动重试", "check [wecom] corp_id"},
	} {
		fake := wecomtest.New(t)
		st := newMemStore(t)
		log, logs := captureLogger()
		fake.RefuseMessages(tc.code)
		ids := queue(t, st, duban.Outgoing{To: "u1", Text: "a"}, duban.Outgoing{To: "u2", Text: "b"})
		s := NewSender(st, newClient(t, fake, st, time.Second), log)
		s.MinBackoff, s.MaxBackoff, s.ProbeEvery = 5*time.Millisecond, 20*time.Millisecond, 10*time.Millisecond
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		waitFor(t, "several failed attempts", func() bool {
			es := pending(t, st)
			return len(es) == 2 && es[0].Attempts > unknownAttempts && es[1].Attempts > unknownAttempts
		})
		for _, e := range pending(t, st) {
			if e.LastError != tc.words {
				t.Errorf("%d: last error %q, want %q", tc.code, e.LastError, tc.words)
			}
		}
		if n := logs.count("level=WARN"); n != 1 || !strings.Contains(logs.String(), tc.hint) {
			t.Errorf("%d: want one warning saying %q:\n%s", tc.code, tc.hint, logs)
		}
		fake.RefuseMessages(0)
		for _, id := range ids {
			if d := delivery(t, st, id); d.Status != store.DeliveryDelivered {
				t.Errorf("%d: delivery %+v", tc.code, d)
			}
		}
		cancel()
		<-done
	}
}

// A code duban does not know, answered about a message, is tried a few
// times and then kept as failed with the code, told to 编办; the others'
// messages go on. (One answered to gettoken holds every message:
// TestOutagesHoldMessages.)
func TestUnknownCodeTriedThenKept(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	withAdmin(t, st)
	fake.SetUserError("zhaojie", 93017)
	ids := queue(t, st, duban.Outgoing{To: "zhaojie", Text: "已记录。"}, duban.Outgoing{To: "u2", Text: "照常送达"})
	startSender(t, fake, st, nil)
	d := delivery(t, st, ids[0])
	want := "企业微信返回了无法识别的错误（错误码 93017），重试 5 次仍未送达。请凭错误码在企业微信开发者中心「错误码查询工具」中查明原因"
	if d.Status != store.DeliveryFailed || d.Failures != unknownAttempts || d.Error != want {
		t.Errorf("delivery %+v, want failed after %d attempts with %q", d, unknownAttempts, want)
	}
	if d := delivery(t, st, ids[1]); d.Status != store.DeliveryDelivered {
		t.Errorf("the other message: %+v", d)
	}
	if _, err := fake.WaitMessages(2, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if r := fake.MessagesTo("bianban1"); len(r) != 1 || !strings.Contains(r[0].Body(), want) {
		t.Errorf("report to 编办: %s", describeMessages(r))
	}
}
