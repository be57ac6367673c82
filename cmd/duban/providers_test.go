package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban/llm/llmtest"
)

// The LLM path through `duban chat`, `duban ask` and `duban ingest` against
// the fake server answering as real providers do.

const (
	reportText = "内设机构调整那项上周已经报给编办了"
	question   = "纳入大科室制改革的市直单位有多少家"
	// llmAnswer is told apart from the extractive answer by its opening.
	llmAnswer = "据文件，纳入大科室制改革的市直单位共84家（《精兵简政 提质增效——咸宁市直机关单位大科室制改革释放活力》）。"
)

// modelScript answers as a model would: a report_progress call for the
// understanding prompt, a cited answer for the answering prompt.
func modelScript(r llmtest.ChatRequest) llmtest.Reply {
	switch {
	case strings.Contains(r.System(), "消息理解模块"):
		return llmtest.CallTool("report_progress", map[string]string{"task_id": "T003", "status": "done", "note": "调整方案已报编办"})
	case strings.Contains(r.System(), "政策问答助手"):
		return llmtest.Text(llmAnswer)
	}
	return llmtest.Text("好的。")
}

// providerConfig writes a config with [llm] pointing at srv plus extra
// lines, and imports the sample ledger into its store.
func providerConfig(t *testing.T, srv *llmtest.Server, timeout, extra string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "duban.toml")
	text := "[store]\ndir = \"" + filepath.Join(dir, "data") + "\"\n[llm]\nbase_url = \"" + srv.BaseURL() +
		"\"\nchat_model = \"fake-chat\"\nembedding_model = \"fake-embed\"\ntimeout = \"" + timeout + "\"\n" + extra
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	return cfg
}

func TestProvidersThroughChatAndAsk(t *testing.T) {
	hermes := llmtest.VLLMQwen3()
	hermes.RefuseTools = nil
	glm := hermes
	glm.ToolFormat = llmtest.GLMCalls
	cases := []struct {
		name   string
		quirks llmtest.Quirks
		config string
	}{
		{"DeepSeek reasoner", llmtest.DeepSeekReasoner(), ""},
		{"DashScope Qwen3", llmtest.DashScopeQwen3(), "embed_batch = 16\n[llm.extra_body]\nenable_thinking = false\n"},
		{"vLLM Qwen3 without auto tool choice", llmtest.VLLMQwen3(), "[llm.extra_body]\nchat_template_kwargs = { enable_thinking = false }\n"},
		{"vLLM Qwen3 without tool parser", hermes, ""},
		{"vLLM GLM-4.5 without tool parser", glm, ""},
		{"Ollama deepseek-r1", llmtest.OllamaR1(), ""},
		{"Ollama tools: object arguments, stop", llmtest.Quirks{Think: llmtest.ThinkTags, ObjectArguments: true, StopWithCalls: true}, ""},
		{"GLM thinking", llmtest.GLMThinking(), ""},
		{"template-opened thinking", llmtest.Quirks{Think: llmtest.ThinkClose}, ""},
		{"tools off", llmtest.DeepSeekReasoner(), "tools = false\n"},
		{"429 with Retry-After", llmtest.Quirks{RateLimited: 2, RetryAfter: "0.1"}, ""},
		{"MiniMax-M2: <think> in content", llmtest.MiniMaxM2(), ""},
		{"Doubao-Seed: reasoning_content", llmtest.DoubaoSeed(), ""},
		{"Kimi K2 served by vLLM: calls as tokens", llmtest.Quirks{ToolsInContent: true, ToolFormat: llmtest.KimiCalls}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := llmtest.NewServer(modelScript)
			defer srv.Close()
			srv.SetQuirks(tc.quirks)
			cfg := providerConfig(t, srv, "2s", tc.config)

			code, out, errs := cli(t, reportText+"\n确认\n", "chat", "--config", cfg, "--as", "zhaojie")
			if code != 0 {
				t.Fatalf("chat: %d\n%s\n%s", code, out, errs)
			}
			for _, want := range []string{"我理解为：完成 T003", "完成：未启动 → 已报完成（调整方案已报编办）"} {
				if !strings.Contains(out, want) {
					t.Errorf("chat output lacks %q:\n%s", want, out)
				}
			}
			mustNotShowThinking(t, out)

			code, out, errs = cli(t, "", "ask", "--config", cfg, question)
			if code != 0 || !strings.Contains(out, llmAnswer) {
				t.Errorf("ask: exit %d, want the model's answer:\n%s\n%s", code, out, errs)
			}
			mustNotShowThinking(t, out)
		})
	}
}

const (
	secretKey = "sk-5d1e8b3f9a2c4e7b8d0f6a1c3e5b7d9f"
	keyLine   = "api_key = \"" + secretKey + "\"\n"
)

// refuse answers every request with a provider's refusal.
func refuse(r llmtest.Refusal) llmtest.ChatFunc {
	return func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Error: &r} }
}

// mustNotShowProvider fails when a person is shown the key or the
// provider's own error words.
func mustNotShowProvider(t *testing.T, out string) {
	t.Helper()
	for _, w := range []string{secretKey, secretKey[len(secretKey)-4:], "HTTP", "inappropriate", "Authentication", "Insufficient",
		"context length", "敏感", "error", "llm:"} {
		if strings.Contains(out, w) {
			t.Errorf("output shows %q:\n%s", w, out)
		}
	}
}

func mustNotShowThinking(t *testing.T, out string) {
	t.Helper()
	for _, w := range []string{"用户在问什么", "<think>", "</think>", "<tool_call>", "arg_key"} {
		if strings.Contains(out, w) {
			t.Errorf("output shows the model's %q:\n%s", w, out)
		}
	}
}

// When the provider cannot be used, every message still ends in a clear
// Chinese message, the grammar works and ask falls back to the documents.
func TestProvidersFailingThroughChatAndAsk(t *testing.T) {
	lengthCut := func(r llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{FinishReason: "length"} }
	cases := []struct {
		name   string
		script llmtest.ChatFunc
		quirks llmtest.Quirks
		config string
		told   string
	}{
		{"DashScope without enable_thinking", modelScript, llmtest.DashScopeQwen3(), "", "智能理解暂不可用，请用命令：完成 T003 说明"},
		{"cut off by length while thinking", lengthCut, llmtest.Quirks{Think: llmtest.ThinkTags}, "", "未能理解这句话。请用命令：完成 T003 说明"},
		{"cut off by length, content null", lengthCut, llmtest.Quirks{}, "", "未能理解这句话。请用命令：完成 T003 说明"},
		{"rate limited past the cap", modelScript, llmtest.Quirks{RateLimited: 100, RetryAfter: "60"}, "", "智能理解暂不可用"},
		{"slow", func(r llmtest.ChatRequest) llmtest.Reply { return llmtest.Slow(5*time.Second, modelScript(r)) },
			llmtest.Quirks{}, "", "智能理解暂不可用"},
		{"DashScope data_inspection_failed", refuse(llmtest.QwenInputInspection), llmtest.Quirks{}, "", "未能理解这句话。请用命令：完成 T003 说明"},
		{"Zhipu 1301", refuse(llmtest.ZhipuSensitive), llmtest.Quirks{}, "", "未能理解这句话。请用命令：完成 T003 说明"},
		{"MiniMax base_resp 1027", refuse(llmtest.MiniMaxSensitive), llmtest.Quirks{}, "", "未能理解这句话。请用命令：完成 T003 说明"},
		{"Zhipu finish_reason sensitive", func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{FinishReason: "sensitive"} },
			llmtest.Quirks{}, "", "未能理解这句话。请用命令：完成 T003 说明"},
		{"DeepSeek context length", refuse(llmtest.DeepSeekContextLength), llmtest.Quirks{}, "", "未能理解这句话。请用命令：完成 T003 说明"},
		{"DeepSeek 401 quoting the key", refuse(llmtest.DeepSeekBadKey(secretKey)), llmtest.Quirks{}, keyLine, "智能理解暂不可用，请用命令：完成 T003 说明"},
		{"gateway 401 echoing the key", refuse(llmtest.GatewayBadKey(secretKey)), llmtest.Quirks{}, keyLine, "智能理解暂不可用，请用命令：完成 T003 说明"},
		{"DeepSeek 402", refuse(llmtest.DeepSeekNoBalance), llmtest.Quirks{}, "", "智能理解暂不可用"},
		{"Ark 429 past the cap", func(llmtest.ChatRequest) llmtest.Reply {
			return llmtest.Reply{Error: &llmtest.DoubaoRateLimit, RetryAfter: "30"}
		}, llmtest.Quirks{}, "", "智能理解暂不可用"},
		{"DeepSeek 503", refuse(llmtest.DeepSeekOverloaded), llmtest.Quirks{}, "", "智能理解暂不可用"},
		{"reply cut mid-way", func(r llmtest.ChatRequest) llmtest.Reply { rep := modelScript(r); rep.CutAfter = 50; return rep },
			llmtest.Quirks{}, "", "智能理解暂不可用"},
		{"empty choices", func(llmtest.ChatRequest) llmtest.Reply {
			return llmtest.Reply{Raw: `{"id":"chatcmpl-1","object":"chat.completion","created":1733212345,"model":"qwen-plus","choices":[]}`}
		}, llmtest.Quirks{}, "", "智能理解暂不可用"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := llmtest.NewServer(tc.script)
			defer srv.Close()
			srv.SetQuirks(tc.quirks)
			cfg := providerConfig(t, srv, "1s", tc.config)

			code, out, errs := cli(t, reportText+"\n确认\n进展 T003 方案起草中\n", "chat", "--config", cfg, "--as", "zhaojie")
			if code != 0 {
				t.Fatalf("chat: %d\n%s\n%s", code, out, errs)
			}
			if !strings.Contains(out, tc.told) {
				t.Errorf("the sender was not told %q:\n%s", tc.told, out)
			}
			if strings.Contains(out, "已报完成") || strings.Contains(out, "我理解为") {
				t.Errorf("a change was proposed or made:\n%s", out)
			}
			if !strings.Contains(out, "进展：未启动 → 推进中（方案起草中）") {
				t.Errorf("the grammar does not work after the failure:\n%s", out)
			}
			mustNotShowThinking(t, out)
			mustNotShowProvider(t, out)

			code, out, errs = cli(t, "", "ask", "--config", cfg, question)
			if code != 0 || !strings.Contains(out, "84") || strings.Contains(out, llmAnswer) {
				t.Errorf("ask: exit %d, want the extractive answer:\n%s\n%s", code, out, errs)
			}
			mustNotShowProvider(t, out)
			if strings.Contains(errs, secretKey) || strings.Contains(errs, secretKey[len(secretKey)-4:]) {
				t.Errorf("the log shows the key:\n%s", errs)
			}
		})
	}
}

// A slow provider costs one timeout per message: free text whose
// understanding timed out is told so; a question (which goes to policy Q&A,
// never to understanding) falls back to the extractive answer after one
// timed-out answer request.
func TestSlowProviderCostsOneTimeout(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{reportText, "智能理解暂不可用"},
		{question, "84"},
	} {
		srv := llmtest.NewServer(func(r llmtest.ChatRequest) llmtest.Reply { return llmtest.Slow(5*time.Second, modelScript(r)) })
		cfg := providerConfig(t, srv, "1s", "")
		code, out, errs := cli(t, tc.text+"\n", "chat", "--config", cfg, "--as", "zhaojie")
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Fatalf("chat %q: %d\n%s\n%s", tc.text, code, out, errs)
		}
		// None at all happens when a loaded machine spends the second on
		// retrieval before the model is asked; more than one is the fault.
		if n := len(srv.ChatRequests()); n > 1 {
			t.Errorf("%q: %d chat requests for one message, want at most 1", tc.text, n)
		}
		srv.Close()
	}
}

var vectorLine = regexp.MustCompile(`向量（fake-embed）：(\d+) 段中 (\d+) 段已有向量。`)

// DashScope takes at most 10 texts a batch: a larger configured batch is
// halved, and ingest says every chunk has a vector.
func TestIngestEmbedsWithinTheProviderBatchLimit(t *testing.T) {
	srv := llmtest.NewServer(modelScript)
	defer srv.Close()
	srv.SetQuirks(llmtest.DashScopeQwen3())
	cfg := providerConfig(t, srv, "2s", "embed_batch = 16\n[llm.extra_body]\nenable_thinking = false\n")
	code, out, errs := cli(t, "", "ingest", "--config", cfg, "../../policy/testdata/lookalike_xiaogan.txt")
	if code != 0 {
		t.Fatalf("ingest: %d\n%s\n%s", code, out, errs)
	}
	m := vectorLine.FindStringSubmatch(out)
	if m == nil || m[1] != m[2] || m[1] == "0" {
		t.Fatalf("ingest does not say every chunk has a vector:\n%s", out)
	}
	if n, _ := strconv.Atoi(m[1]); n <= 10 {
		t.Fatalf("only %d chunks: the batch limit is not exercised", n)
	}
	for _, r := range srv.Requests() {
		if r.Embed != nil && len(r.Embed.Input) > 16 {
			t.Errorf("a batch of %d texts", len(r.Embed.Input))
		}
	}
}

// An embedding endpoint that refuses everything: ingest still loads the
// documents and says exactly why no chunk has a vector.
func TestIngestSaysWhyNoVectors(t *testing.T) {
	srv := llmtest.NewServer(modelScript)
	defer srv.Close()
	srv.SetEmbed(func(string, []string) ([][]float32, llmtest.Reply, bool) {
		return nil, llmtest.Reply{Status: 404, ErrorMessage: "The model `fake-embed` does not exist"}, false
	})
	cfg := providerConfig(t, srv, "1s", "")
	code, out, errs := cli(t, "", "ingest", "--config", cfg, "../../policy/testdata/lookalike_xiaogan.txt")
	if code != 0 {
		t.Fatalf("ingest: %d\n%s\n%s", code, out, errs)
	}
	m := vectorLine.FindStringSubmatch(out)
	if m == nil || m[2] != "0" || !strings.Contains(out, "未能取得向量") || !strings.Contains(out, "The model `fake-embed` does not exist") {
		t.Fatalf("ingest does not say why there are no vectors:\n%s", out)
	}
}

func TestLLMCheck(t *testing.T) {
	srv := llmtest.NewServer(func(r llmtest.ChatRequest) llmtest.Reply {
		if len(r.Tools) > 0 {
			return llmtest.CallTool("list_tasks", map[string]string{})
		}
		return llmtest.Text("好")
	})
	defer srv.Close()
	srv.SetQuirks(llmtest.DeepSeekReasoner())
	cfg := providerConfig(t, srv, "2s", "")
	code, out, errs := cli(t, "", "llm", "check", "--config", cfg)
	if code != 0 {
		t.Fatalf("llm check: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{
		"对话（fake-chat）：可用。回复：好（回复带有思考过程，已去除）",
		"工具调用（fake-chat）：不可用。该模型或服务不支持工具调用。服务商答复：deepseek-reasoner does not support Function Calling。duban 会改用“JSON 文本”方式理解消息",
		"向量（fake-embed）：可用。64 维",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	hermes := llmtest.VLLMQwen3()
	hermes.RefuseTools = nil
	srv.SetQuirks(hermes)
	if _, out, _ := cli(t, "", "llm", "check", "--config", cfg); !strings.Contains(out, "工具调用（fake-chat）：可用。调用写在回复文字中") {
		t.Errorf("calls in content:\n%s", out)
	}

	srv.SetQuirks(llmtest.DashScopeQwen3())
	code, out, _ = cli(t, "", "llm", "check", "--config", cfg)
	if code == 0 || !strings.Contains(out, "对话（fake-chat）：不可用。大模型服务拒绝了请求（HTTP 400）。服务商答复：parameter.enable_thinking must be set to false for non-streaming calls") {
		t.Errorf("DashScope without enable_thinking: exit %d\n%s", code, out)
	}
}
