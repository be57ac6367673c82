package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/duban-org/duban/llm/llmtest"
)

// Every line serve logs — JSON, at debug level — in a run with distinctive
// secrets holds none of them, nor an access token, nor (without [log]
// debug_bodies) what people wrote or were sent; with debug_bodies the
// texts appear and the secrets still do not. A configuration file other
// users can read is warned about.
func TestServeLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	const apiKey = "sk-Llm-Distinctive-Key-8c1e77"
	const question = "纳入大科室制改革的市直单位有多少家"
	const freeText = "我们单位这周把科室调整的方案报上去了"
	const modelSays = "模型的回复：这是一条进展" // what the model answers, quoted in llm's debug line
	llmSrv := llmtest.NewServer(func(r llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Text(modelSays)
	})
	llmSrv.APIKey = apiKey
	t.Cleanup(llmSrv.Close)
	e := newE2E(t, e2eOptions{LLMBaseURL: llmSrv.BaseURL()})
	e.fake.Secret = "Zq7-Distinctive-App-Secret-91b3"
	e.fake.Token = "Distinctive-Callback-Token-5e2a"
	keyFile := filepath.Join(e.dir, "llm-key")
	if err := os.WriteFile(keyFile, []byte(apiKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.env = []string{"DUBAN_LOG_LEVEL="} // [log] level decides
	configure := func(bodies bool) {
		e.writeConfig()
		b, _ := os.ReadFile(e.cfgPath)
		cfg := strings.Replace(string(b), "[llm]\n", "[llm]\napi_key_file = \""+keyFile+"\"\n", 1)
		cfg += "\n[log]\nformat = \"json\"\nlevel = \"debug\"\n"
		if bodies {
			cfg += "debug_bodies = true\n"
		}
		if err := os.WriteFile(e.cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chmod(e.cfgPath, 0o644) // readable by all, holding the app secret
	}
	secrets := []string{e.fake.Secret, e.fake.Token, e.fake.EncodingAESKey, apiKey, "fake-token-", "access_token", "corpsecret"}
	run := func(bodies bool, n int) string {
		configure(bodies)
		p := e.serve()
		tasks := e.fake.NewTextCallback("zhaojie", "任务", fmt.Sprintf("74000000000000%d01", n))
		p.mustAck(tasks)
		p.mustAck(tasks) // WeCom's retry: a duplicate, logged at debug level
		p.mustAck(e.fake.NewTextCallback("zhaojie", question, fmt.Sprintf("74000000000000%d02", n)))
		p.mustAck(e.fake.NewTextCallback("zhaojie", freeText, fmt.Sprintf("74000000000000%d04", n))) // to the LLM
		p.mustAck(e.fake.NewEventCallback("zhaojie", "enter_agent", ""))
		bad := e.fake.NewTextCallback("zhaojie", "伪造", fmt.Sprintf("74000000000000%d03", n))
		bad.Query.Set("msg_signature", "0000000000000000000000000000000000000000")
		if code, _ := p.send(bad); code == http.StatusOK {
			t.Errorf("a forged callback was accepted")
		}
		if code, _ := p.send(e.fake.NewURLVerification("echo-12345")); code != http.StatusOK {
			t.Errorf("URL verification answered %d", code)
		}
		e.barrier(p, "zhaojie")
		waitFor(t, 10*time.Second, "the sends logged", func() bool {
			return strings.Count(p.logs.String(), `"msg":"message sent"`) >= 3
		})
		p.stop(syscall.SIGTERM)
		return p.logs.String()
	}

	logs := run(false, 1)
	if len(llmSrv.Requests()) == 0 {
		t.Errorf("the LLM was never asked: the test does not exercise its key")
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if !strings.HasPrefix(line, "{") {
			t.Errorf("[log] format = \"json\", yet a line is not JSON: %s", line)
		}
	}
	for _, want := range []string{`"level":"DEBUG","msg":"wecom callback duplicate"`, `"msg":"message handled"`, `"key":"msg:74000000000000101"`, `"from":"zhaojie"`, `"msg":"message sent"`, "can be read by every user"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s", want)
		}
	}
	for _, leak := range append(secrets, question, freeText, modelSays, "可以这样对我说") {
		if strings.Contains(logs, leak) {
			t.Errorf("%q is in the log without debug_bodies:\n%s", leak, logs)
		}
	}

	logs = run(true, 2)
	for _, want := range []string{question, freeText, modelSays, "可以这样对我说"} {
		if !strings.Contains(logs, want) {
			t.Errorf("with debug_bodies the log lacks %q", want)
		}
	}
	for _, leak := range secrets {
		if strings.Contains(logs, leak) {
			t.Errorf("%q is in the log with debug_bodies:\n%s", leak, logs)
		}
	}
}
