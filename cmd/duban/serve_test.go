package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/duban-org/duban/bot/wecomtest"
	"github.com/duban-org/duban/llm/llmtest"
)

// End-to-end tests of `duban serve`: the real binary on 127.0.0.1, fed
// sealed callbacks by the fake WeCom, which also receives the replies.

func TestServeURLVerification(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	p := e.serve()

	const echo = "echo-1234567890-核验"
	resp, err := e.fake.NewURLVerification(echo).Send(nil, p.callback())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != echo {
		t.Errorf("URL verification answered %d %q, want 200 and the bare echostr %q", resp.StatusCode, body, echo)
	}

	forged := e.fake.NewURLVerification(echo)
	forged.Query.Set("msg_signature", strings.Repeat("0", 40))
	resp, err = forged.Send(nil, p.callback())
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode < 400 || resp.StatusCode >= 500 || strings.Contains(string(body), echo) {
		t.Errorf("forged URL verification answered %d %q, want a 4xx without the echo", resp.StatusCode, body)
	}
}

// WeCom retries a callback it got no timely answer for: the same MsgId three
// times must give one reply.
func TestServeRetriedMessageRepliedOnce(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	p := e.serve()

	cb := e.fake.NewTextCallback("zhangwei", "任务", "7300000000000000001")
	for range 3 {
		p.mustAck(cb)
	}
	got := e.barrier(p, "zhangwei")
	if len(got) != 1 {
		t.Fatalf("zhangwei got %d replies to one message delivered 3 times, want 1: %+v", len(got), got)
	}
	body := got[0].Body()
	for _, want := range []string{"市委办公室", "任务清单", "T003", "T006"} {
		if !strings.Contains(body, want) {
			t.Errorf("reply lacks %q:\n%s", want, body)
		}
	}
}

func TestServeRefusesBadCallbacks(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{MaxBodyBytes: 8 << 10})
	p := e.serve()
	f := e.fake

	plain := func(content string) []byte {
		m := f.NewPlain("zhangwei", "text")
		m.Content, m.MsgID = wecomtest.Text(content), wecomtest.Text("7300000000000000099")
		b, err := xml.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	forged := f.NewTextCallback("zhangwei", "任务", "7300000000000000002")
	forged.Query.Set("msg_signature", "da39a3ee5e6b4b0d3255bfef95601890afd80709")
	tampered := f.NewTextCallback("zhangwei", "任务", "7300000000000000003")
	tampered.Body = []byte(strings.Replace(string(tampered.Body), "<Encrypt><![CDATA[", "<Encrypt><![CDATA[A", 1))
	garbage := f.NewTextCallback("zhangwei", "任务", "7300000000000000004")
	garbage.Body = []byte("this is not XML at all")
	empty := f.NewTextCallback("zhangwei", "任务", "7300000000000000005")
	empty.Body = nil
	noSignature := f.NewTextCallback("zhangwei", "任务", "7300000000000000006")
	noSignature.Query.Del("msg_signature")

	cases := []struct {
		name string
		cb   wecomtest.Callback
	}{
		{"forged signature", forged},
		{"tampered ciphertext", tampered},
		{"no signature", noSignature},
		{"wrong corp id", f.Seal(plain("任务"), "wwffffffffffffffff", time.Now())},
		{"stale timestamp", f.Seal(plain("任务"), f.CorpID, time.Now().Add(-time.Hour))},
		{"future timestamp", f.Seal(plain("任务"), f.CorpID, time.Now().Add(time.Hour))},
		{"garbage body", garbage},
		{"empty body", empty},
		{"sealed garbage", f.Seal([]byte("<xml><FromUserName>zhangwei"), f.CorpID, time.Now())},
		{"oversized", f.NewTextCallback("zhangwei", "任务"+strings.Repeat("很长的消息", 1000), "7300000000000000007")},
	}
	for _, c := range cases {
		if code, body := p.send(c.cb); code < 400 || code >= 500 {
			t.Errorf("%s: answered %d %q, want 4xx", c.name, code, body)
		}
	}
	// A wrong method is refused too.
	req, err := http.NewRequest(http.MethodPut, p.callback(), strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 || resp.StatusCode >= 500 {
		t.Errorf("PUT answered %d, want 4xx", resp.StatusCode)
	}
	// Every refused callback came from zhangwei: none may have a reply
	// before the reply to a good message sent after them.
	if got := e.barrier(p, "zhangwei"); len(got) != 0 {
		t.Errorf("refused callbacks produced replies:%s", describe(got))
	}

	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("serve exited %d after SIGTERM, want 0", code)
	}
	if msgs := f.Messages(); len(msgs) != 1 {
		t.Errorf("%d messages sent, want only the reply to 帮助:%s", len(msgs), describe(msgs))
	}
	n, err := e.openStore().InboxLen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("inbox holds %d entries after refused callbacks, want 0", n)
	}
}

func TestServeSurvivesTokenExpiry(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	p := e.serve()

	p.mustAck(e.fake.NewTextCallback("zhangwei", "帮助", "7300000000000000010"))
	e.waitMessagesTo("zhangwei", 1, 10*time.Second)
	tokens := e.fake.TokenRequests()

	e.fake.ExpireTokens()
	p.mustAck(e.fake.NewTextCallback("zhangwei", "任务", "7300000000000000011"))
	got := e.waitMessagesTo("zhangwei", 2, 10*time.Second)
	if !strings.Contains(got[1].Body(), "T003") {
		t.Errorf("reply after token expiry is not the task list:\n%s", got[1].Body())
	}
	if e.fake.TokenRequests() != tokens+1 {
		t.Errorf("gettoken called %d times after expiry, want exactly one refresh", e.fake.TokenRequests()-tokens)
	}
}

// A task whose history holds three long progress notes has a 记录 longer
// than WeCom's 2048-byte limit: it must arrive as ordered parts, each within
// the limit, that join to what the console shows. (A 督办组长's 任务 used to
// be the long reply; it is now a summary within one message.)
func TestServeSplitsLongReply(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	// The console shows the same reply; its lines are the reference order.
	// (chat refuses a config with [wecom], so it gets one of its own.)
	chatCfg := filepath.Join(e.dir, "chat.toml")
	if err := os.WriteFile(chatCfg, fmt.Appendf(nil, "[store]\ndir = %q\n[policy]\ndefault_corpus = false\n", e.storeDir), 0o600); err != nil {
		t.Fatal(err)
	}
	note := strings.Repeat("已召开党组会研究调整方案，各科室职责已明确，人员转岗正在推进；", 15)
	var reports strings.Builder
	for i := range 3 {
		fmt.Fprintf(&reports, "进展 T003 第%d次报送：%s\n", i+1, note)
	}
	if _, stderr, code := e.dubanStdin(reports.String(), "chat", "--config", chatCfg, "--as", "zhaojie"); code != 0 {
		t.Fatalf("duban chat: exit %d\n%s", code, stderr)
	}
	ref, refErr, code := e.dubanStdin("记录 T003\n", "chat", "--config", chatCfg, "--as", "zhaojie")
	if code != 0 {
		t.Fatalf("duban chat: exit %d\n%s", code, refErr)
	}

	p := e.serve()
	p.mustAck(e.fake.NewTextCallback("zhaojie", "记录 T003", "7300000000000000020"))
	parts := e.barrier(p, "zhaojie")

	total := 0
	for i, m := range parts {
		b := m.Body()
		total += len(b)
		if len(b) > 2048 {
			t.Errorf("part %d is %d bytes, over 2048", i+1, len(b))
		}
		if m.MsgType != "text" && m.MsgType != "markdown" {
			t.Errorf("part %d is a %s message", i+1, m.MsgType)
		}
	}
	if total <= 3000 || len(parts) < 2 {
		t.Fatalf("reply is %d bytes in %d parts; the test needs one over 3000 bytes in several parts; all messages to zhaojie:%s",
			total, len(parts), describe(e.fake.MessagesTo("zhaojie")))
	}
	if !strings.HasPrefix(parts[0].Body(), "任务 T003「") {
		t.Errorf("first part does not start with the record's header:\n%.200s", parts[0].Body())
	}
	var gotLines []string
	for _, m := range parts {
		gotLines = append(gotLines, nonEmptyLines(m.Body())...)
	}
	if want := nonEmptyLines(ref); !slices.Equal(gotLines, want) {
		t.Errorf("parts joined differ from the console's reply:\n got %d lines: %.300q\nwant %d lines: %.300q", len(gotLines), gotLines, len(want), want)
	}
}

// A 督办组长's 任务 over a group of 38 units is one message within WeCom's
// limit, the same through serve as on the console.
func TestServeLeaderSummaryIsOneMessage(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	p := e.serve()
	p.mustAck(e.fake.NewTextCallback("chenzhiqiang", "任务", "7300000000000000030"))
	parts := e.barrier(p, "chenzhiqiang")
	if len(parts) != 1 || len(parts[0].Body()) > 2000 || !strings.HasPrefix(parts[0].Body(), "政府组：38 个单位，共 ") {
		t.Fatalf("a leader's 任务 is %d messages:%s", len(parts), describe(e.fake.MessagesTo("chenzhiqiang")))
	}
}

func nonEmptyLines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// A callback acknowledged with 200 is in the durable inbox: killed before
// the reply, the process answers it after the restart, exactly once.
func TestServeKilledAfterAckRepliesAfterRestart(t *testing.T) {
	t.Parallel()
	model := llmtest.NewServer(func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Slow(time.Minute, llmtest.Text("好的。"))
	})
	defer model.Close()
	e := newE2E(t, e2eOptions{LLMBaseURL: model.BaseURL()})
	p := e.serve()

	const text = "提交方案那项已经报给编办了"
	p.mustAck(e.fake.NewTextCallback("zhaojie", text, "7300000000000000030"))
	// The worker is inside the handler, waiting for the model, when killed.
	waitFor(t, 10*time.Second, "the model to be asked", func() bool { return len(model.ChatRequests()) > 0 })
	if code := p.stop(syscall.SIGKILL); code != -1 {
		t.Errorf("exit code %d after SIGKILL, want -1 (killed)", code)
	}
	if n := len(e.fake.MessagesTo("zhaojie")); n != 0 {
		t.Fatalf("zhaojie got %d messages before the kill; the kill must land before the reply", n)
	}

	model.SetChat(func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.CallTool("report_progress", map[string]string{"task_id": "T003", "status": "done", "note": "方案已报编办"})
	})
	p = e.serve()
	got := e.barrier(p, "zhaojie")
	if len(got) != 1 {
		t.Fatalf("zhaojie got %d replies to one acknowledged message after restart, want 1: %+v", len(got), got)
	}
	if raw := string(got[0].Raw); !strings.Contains(raw, "T003") {
		t.Errorf("the reply does not propose the change to T003: %s", raw)
	}
	var asked int
	for _, r := range model.ChatRequests() {
		if strings.Contains(r.User(), text) {
			asked++
		}
	}
	if asked != 2 {
		t.Errorf("the model was asked about the message %d times, want 2 (before the kill and after the restart)", asked)
	}
}

func TestServeDeliversAfterWeComIsBack(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	p := e.serve()

	e.fake.SetDown(true)
	p.mustAck(e.fake.NewTextCallback("zhangwei", "任务", "7300000000000000040"))
	waitFor(t, 10*time.Second, "a failed delivery attempt", func() bool {
		return strings.Contains(p.logs.String(), "messages are kept and retried")
	})
	if n := len(e.fake.Messages()); n != 0 {
		t.Fatalf("%d messages delivered while WeCom was down", n)
	}
	e.fake.SetDown(false)
	got := e.waitMessagesTo("zhangwei", 1, 15*time.Second)
	if !strings.Contains(got[0].Body(), "T003") {
		t.Errorf("the delivered reply is not the task list:\n%s", got[0].Body())
	}
	if got := e.barrier(p, "zhangwei"); len(got) != 1 {
		t.Errorf("zhangwei got %d task lists, want 1", len(got))
	}
}

// Issue 5's verification loop over WeCom: 完成 → verify card to the group
// leader → 销号 click → card updated, contact told, ledger 已销号.
func TestServeVerificationLoop(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	p := e.serve()

	p.mustAck(e.fake.NewTextCallback("zhaojie", "完成 T003 方案已报编办", "7300000000000000050"))
	told := e.waitMessagesTo("zhaojie", 1, 10*time.Second)
	if b := told[0].Body(); !strings.Contains(b, "T003") || !strings.Contains(b, "已报完成") {
		t.Errorf("zhaojie's confirmation does not name T003 and 已报完成:\n%s", b)
	}
	cards := e.waitMessagesTo("liujianhua", 1, 10*time.Second)
	card := cards[0]
	var wire struct {
		MsgType      string `json:"msgtype"`
		AgentID      any    `json:"agentid"`
		TemplateCard struct {
			CardType   string `json:"card_type"`
			TaskID     string `json:"task_id"`
			ButtonList []struct {
				Text string `json:"text"`
				Key  string `json:"key"`
			} `json:"button_list"`
		} `json:"template_card"`
	}
	if err := json.Unmarshal(card.Raw, &wire); err != nil {
		t.Fatal(err)
	}
	if _, isNumber := wire.AgentID.(float64); wire.MsgType != "template_card" || !isNumber ||
		wire.TemplateCard.CardType != "button_interaction" || wire.TemplateCard.TaskID == "" {
		t.Fatalf("liujianhua's message is not a button_interaction template card with a task_id and an integer agentid: %s", card.Raw)
	}
	var verify string
	for _, b := range wire.TemplateCard.ButtonList {
		if strings.HasPrefix(b.Key, "verify:T003@") {
			verify = b.Key
		}
	}
	if verify == "" {
		t.Fatalf("card buttons lack verify:T003@…: %s", card.Raw)
	}

	const responseCode = "rc-e2e-verify-T003"
	p.mustAck(e.fake.NewCardEventCallback("liujianhua", wire.TemplateCard.TaskID, verify, responseCode))
	waitFor(t, 10*time.Second, "the card update", func() bool { return len(e.fake.CardUpdates()) > 0 })
	if u := e.fake.CardUpdates()[0]; u.ResponseCode != responseCode || !slices.Equal(u.UserIDs, []string{"liujianhua"}) {
		t.Errorf("card update = %+v, want response_code %q for liujianhua", u, responseCode)
	}
	told = e.waitMessagesTo("zhaojie", 2, 10*time.Second)
	if b := told[1].Body(); !strings.Contains(b, "T003") || !strings.Contains(b, "已销号") {
		t.Errorf("zhaojie is not told T003 is 已销号:\n%s", b)
	}

	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("serve exited %d after SIGTERM, want 0", code)
	}
	out, errOut, code := e.tasks("--unit", "DQ01")
	if code != 0 {
		t.Fatalf("duban tasks: exit %d\n%s", code, errOut)
	}
	var line string
	for l := range strings.SplitSeq(out, "\n") {
		if strings.HasPrefix(l, "T003 ") {
			line = l
		}
	}
	if !strings.Contains(line, "已销号") {
		t.Errorf("duban tasks shows T003 as %q, want 已销号:\n%s", line, out)
	}
}

func TestServeGracefulShutdownReleasesStore(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	p := e.serve()

	start := time.Now()
	_, errOut, code := e.tasks()
	if code == 0 || !strings.Contains(errOut, "in use") {
		t.Errorf("duban tasks while serve runs: exit %d, stderr %q; want a failure saying the store is in use", code, errOut)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("duban tasks took %v to refuse a store in use; it must fail fast", d)
	}

	p.mustAck(e.fake.NewTextCallback("zhangwei", "任务", "7300000000000000060"))
	e.waitMessagesTo("zhangwei", 1, 10*time.Second)
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("serve exited %d after SIGTERM, want 0:\n%s", code, p.logs.String())
	}
	if !strings.Contains(p.logs.String(), "shutting down") {
		t.Errorf("serve did not log its shutdown:\n%s", p.logs.String())
	}
	out, errOut, code := e.tasks("--unit", "DQ01")
	if code != 0 || !strings.Contains(out, "T003") {
		t.Errorf("duban tasks after shutdown: exit %d\n%s\n%s", code, out, errOut)
	}
}
