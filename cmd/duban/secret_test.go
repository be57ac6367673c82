package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// With a distinctive Secret and WeCom's port closed, the Secret and the
// access token appear nowhere: serve's log, /metrics, the replies and
// 记录, the export, a backup, the commands' output. Reminders that fail for
// good show in 记录 in plain words and are told to 编办; replies wait and
// go out when WeCom is back.
func TestServeKeepsSecretsWhenWeComIsDown(t *testing.T) {
	t.Parallel()
	const secret = "Zq7-Distinctive-App-Secret-4d2f9c"
	e := newE2E(t, e2eOptions{MaxRetryAge: "1h"})
	e.fake.Secret = secret
	e.writeConfig()
	var seen []string // everything a person or an operator can read
	seenFile := func(path string) {
		filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				seen = append(seen, p+":\n"+string(b))
			}
			return nil
		})
	}

	// Reminders planned three days ago: past max_retry_age at once.
	out, errOut, code := e.duban("remind", "--config", e.cfgPath, "--now", "2026-11-26 23:59")
	if code != 0 {
		t.Fatalf("remind: exit %d\n%s%s", code, out, errOut)
	}
	seen = append(seen, out, errOut)
	if err := e.fake.SetPortClosed(true); err != nil {
		t.Fatal(err)
	}
	p := e.serve()
	p.mustAck(e.fake.NewTextCallback("weichunhua", "任务", "7300000000000000901"))
	waitFor(t, 40*time.Second, "the failed reminders reported", func() bool {
		return strings.Contains(p.logs.String(), "undelivered messages reported")
	})
	m := metricsLine.FindStringSubmatch(p.logs.String())
	if m == nil {
		t.Fatalf("serve did not log its metrics address:\n%s", p.logs.String())
	}
	resp, err := http.Get("http://" + m[1] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	seen = append(seen, string(metrics))
	if !strings.Contains(string(metrics), `duban_delivery_failures_total{cause="unreachable"}`) {
		t.Errorf("/metrics does not count the outage")
	}
	p.stop(syscall.SIGTERM)
	seen = append(seen, p.logs.String())
	if n := strings.Count(p.logs.String(), "wecom deliveries failing"); n != 1 {
		t.Errorf("the outage is logged %d times, want once:\n%s", n, p.logs)
	}

	backup := filepath.Join(e.dir, "store.bak")
	for _, args := range [][]string{{"backup", backup}, {"export", filepath.Join(e.dir, "台账")}, {"tasks"}} {
		out, errOut, code := e.duban(append([]string{args[0], "--config", e.cfgPath}, args[1:]...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
		seen = append(seen, out, errOut)
	}
	seenFile(backup)
	seenFile(filepath.Join(e.dir, "台账"))

	if err := e.fake.SetPortClosed(false); err != nil {
		t.Fatal(err)
	}
	p = e.serve()
	replies := e.waitMessagesTo("weichunhua", 1, 20*time.Second)
	if !strings.Contains(replies[0].Body(), "T520") {
		t.Errorf("the reply held during the outage is not the task list:\n%s", replies[0].Body())
	}
	p.mustAck(e.fake.NewTextCallback("weichunhua", "记录 T520", "7300000000000000902"))
	record := e.waitMessagesTo("weichunhua", 2, 20*time.Second)[1].Body()
	if !strings.Contains(record, "发送失败：企业微信暂时无法访问，1小时内重试") || !strings.Contains(record, "仍未送达") {
		t.Errorf("记录 does not show the failed reminder in plain words:\n%s", record)
	}
	report := e.waitMessagesTo("wangjianguo", 1, 20*time.Second)
	if !strings.Contains(report[0].Body()+report[len(report)-1].Body(), "【消息未送达】") {
		t.Errorf("编办 was not told of the undelivered reminders: %s", describe(report))
	}
	p.stop(syscall.SIGTERM)
	seen = append(seen, p.logs.String())
	for _, m := range e.fake.Messages() {
		seen = append(seen, string(m.Raw))
	}
	for _, text := range seen {
		for _, leak := range []string{secret, "corpsecret", "access_token=", "fake-token-"} {
			if strings.Contains(text, leak) {
				t.Errorf("%q leaked into:\n%.2000s", leak, text)
			}
		}
	}
}
