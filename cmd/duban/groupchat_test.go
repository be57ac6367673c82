package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/duban-org/duban/bot/wecomtest"
)

// groupChatConfig writes a configuration pointing at fake with secret.
func groupChatConfig(t *testing.T, fake *wecomtest.Server, secret string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "duban.toml")
	body := fmt.Sprintf("[store]\ndir = %q\n[wecom]\ncorp_id = %q\nagent_id = %d\nsecret = %q\napi_base = %q\n",
		filepath.Join(dir, "data"), fake.CorpID, fake.AgentID, secret, fake.URL)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

var latin = regexp.MustCompile(`[A-Za-z_]{4,}`)

// duban groupchat talks to WeCom from the command line: what it prints is
// Chinese, says what went wrong and what to do, and never holds the Secret
// or an access token.
func TestGroupChatSaysWhatHappened(t *testing.T) {
	const secret = "Gr0upChat-Distinctive-Secret-42"
	fake := wecomtest.New(t)
	fake.Secret = secret

	code, out, errs := cli(t, "", "groupchat", "--config", groupChatConfig(t, fake, secret), "--name", "督办群", "zhaojie", "zhangwei")
	if code != 0 || !strings.Contains(out, "已创建群聊「督办群」") || !strings.Contains(out, "bulletin_chat_id = \"fakechat1\"") {
		t.Errorf("created: exit %d\n%s\n%s", code, out, errs)
	}

	if code, _, errs := cli(t, "", "groupchat", "--config", groupChatConfig(t, fake, secret), "zhaojie"); code != 2 || !strings.Contains(errs, "群聊至少需要两个成员") {
		t.Errorf("one member: exit %d\n%s", code, errs)
	}

	for _, c := range []struct {
		name   string
		secret string
		break_ func()
		want   []string
	}{
		{"wrong secret", "not-the-" + secret, func() {}, []string{"企业微信不接受本应用的企业ID、Secret或AgentId", "错误码 40001", "corp_id、agent_id 和 secret"}},
		{"untrusted IP", secret, func() { fake.RefuseAll(60020) }, []string{"企业可信IP", "错误码 60020"}},
		{"unreachable", secret, func() { fake.RefuseAll(0); fake.SetPortClosed(true) }, []string{"企业微信暂时无法访问", "网络"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.break_()
			code, out, errs := cli(t, "", "groupchat", "--config", groupChatConfig(t, fake, c.secret), "zhaojie", "zhangwei")
			if code == 0 {
				t.Fatalf("exit 0\n%s", out)
			}
			msg := strings.TrimPrefix(strings.TrimSpace(errs), "duban groupchat: ")
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message lacks %q:\n%s", w, errs)
				}
			}
			for _, l := range latin.FindAllString(msg, -1) {
				switch l {
				case "Secret", "AgentId", "corp_id", "agent_id", "secret", "wecom", "api_base":
				default:
					t.Errorf("English %q in what a person reads:\n%s", l, errs)
				}
			}
			if strings.Contains(out+errs, secret) {
				t.Errorf("the Secret is printed:\n%s%s", out, errs)
			}
		})
	}
}
