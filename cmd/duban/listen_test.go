package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/duban-org/duban/bot/wecomtest"
)

// A port another program holds stops serve with a message in Chinese that
// names the address, its configuration key and the likely cause.
func TestServeSaysItsPortIsTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	fake := wecomtest.New(t)
	for _, c := range []struct{ key, listen, metrics, want string }{
		{"[server] listen", taken.Addr().String(), "", "无法监听 " + taken.Addr().String() + "（[server] listen）：端口已被占用"},
		{"[server] metrics_listen", "127.0.0.1:0", taken.Addr().String(), "无法监听 " + taken.Addr().String() + "（[server] metrics_listen）：端口已被占用"},
	} {
		t.Run(c.key, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "duban.toml")
			body := fmt.Sprintf("[server]\nlisten = %q\nmetrics_listen = %q\n[store]\ndir = %q\n[policy]\ndefault_corpus = false\n[wecom]\ncorp_id = %q\nagent_id = %d\nsecret = %q\ntoken = %q\nencoding_aes_key = %q\napi_base = %q\n",
				c.listen, c.metrics, filepath.Join(dir, "data"), fake.CorpID, fake.AgentID, fake.Secret, fake.Token, fake.EncodingAESKey, fake.URL)
			if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
				t.Fatalf("import: %d\n%s\n%s", code, out, errs)
			}
			code, _, errs := cli(t, "", "serve", "--config", cfg)
			last := errs[strings.LastIndex(strings.TrimRight(errs, "\n"), "\n")+1:]
			if code == 0 || !strings.Contains(last, c.want) || strings.Contains(last, "bind") {
				t.Errorf("exit %d, last line %q, want %q\n%s", code, last, c.want, errs)
			}
		})
	}
}
