package llm_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban/llm"
	"github.com/duban-org/duban/llm/llmtest"
)

// Real servers, simulated by the fake's quirks, through the real client.

var reportT012 = llmtest.CallTool("report_progress", map[string]string{"task_id": "T012", "status": "done", "note": "方案已报编办"})

var wantT012 = llm.Intent{Kind: llm.KindReport, TaskID: "T012", Note: "方案已报编办"}

func TestUnderstandAcrossProviders(t *testing.T) {
	glmInContent := llmtest.VLLMQwen3()
	glmInContent.RefuseTools, glmInContent.ToolFormat = nil, llmtest.GLMCalls
	hermesInContent := llmtest.VLLMQwen3()
	hermesInContent.RefuseTools = nil
	deepSeekInContent, kimiInContent := hermesInContent, hermesInContent
	deepSeekInContent.ToolFormat, kimiInContent.ToolFormat = llmtest.DeepSeekCalls, llmtest.KimiCalls
	for name, q := range map[string]llmtest.Quirks{
		"OpenAI":                            {},
		"thinking in tags":                  {Think: llmtest.ThinkTags},
		"only a closing think tag":          {Think: llmtest.ThinkClose},
		"reasoning_content":                 {Think: llmtest.ThinkField},
		"object arguments, stop, no ids":    {ObjectArguments: true, StopWithCalls: true},
		"vLLM: Hermes calls in content":     hermesInContent,
		"vLLM: GLM calls in content":        glmInContent,
		"vLLM: DeepSeek tokens in content":  deepSeekInContent,
		"vLLM: Kimi K2 tokens in content":   kimiInContent,
		"DeepSeek reasoner: no tools":       llmtest.DeepSeekReasoner(),
		"vLLM without auto tool choice":     llmtest.VLLMQwen3(),
		"Ollama deepseek-r1: no tools":      llmtest.OllamaR1(),
		"GLM thinking":                      llmtest.GLMThinking(),
		"DashScope with enable_thinking":    llmtest.DashScopeQwen3(),
		"thinking and tags, calls as stops": {Think: llmtest.ThinkTags, StopWithCalls: true},
	} {
		t.Run(name, func(t *testing.T) {
			srv, c := fake(t, reply(reportT012), func(c *llm.Config) {
				c.ExtraBody = map[string]any{"enable_thinking": false}
			})
			srv.SetQuirks(q)
			got, err := c.Understand(context.Background(), sampleInput("提交方案那项上周已经报给编办了"))
			if err != nil {
				t.Fatalf("Understand: %v", err)
			}
			if got != wantT012 {
				t.Errorf("intent = %+v, want %+v", got, wantT012)
			}
		})
	}
}

// An endpoint that refuses tools is asked once, then remembered: later
// messages go straight to JSON in plain text.
func TestToolsRefusalIsRemembered(t *testing.T) {
	srv, c := fake(t, reply(reportT012), nil)
	srv.SetQuirks(llmtest.DeepSeekReasoner())
	for i := range 3 {
		got, err := c.Understand(context.Background(), sampleInput("T012 已报编办"))
		if err != nil || got != wantT012 {
			t.Fatalf("message %d: %+v, %v", i, got, err)
		}
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 4 {
		t.Fatalf("%d chat requests for 3 messages, want 4 (one refused, then no tools)", len(reqs))
	}
	for i, r := range reqs[1:] {
		if len(r.Tools) != 0 || !strings.Contains(r.System(), `{"name": "工具名"`) || !strings.Contains(r.System(), "report_progress") {
			t.Errorf("request %d after the refusal: tools %v, system prompt without the JSON rules", i+1, r.ToolNames())
		}
	}
}

func TestNoToolsConfigNeverOffersTools(t *testing.T) {
	srv, c := fake(t, reply(reportT012), func(c *llm.Config) { c.NoTools = true })
	got, err := c.Understand(context.Background(), sampleInput("T012 已报编办"))
	if err != nil || got != wantT012 {
		t.Fatalf("%+v, %v", got, err)
	}
	if r, _ := srv.LastChat(); len(r.Tools) != 0 || len(srv.ChatRequests()) != 1 {
		t.Errorf("tools offered: %v", r.ToolNames())
	}
}

// In JSON mode a model answering in words is small talk, as with tools.
func TestNoToolsPlainAnswerIsNone(t *testing.T) {
	srv, c := fake(t, reply(llmtest.Text("您好，请写明任务编号。")), nil)
	srv.SetQuirks(llmtest.OllamaR1())
	got, err := c.Understand(context.Background(), sampleInput("你好"))
	if err != nil || got.Kind != llm.KindNone || got.Reply != "您好，请写明任务编号。" {
		t.Fatalf("%+v, %v", got, err)
	}
}

// Whatever form the call takes, validation is the same: a task outside the
// sender's list is refused.
func TestTextCallsAreValidated(t *testing.T) {
	q := llmtest.VLLMQwen3()
	q.RefuseTools = nil
	srv, c := fake(t, reply(llmtest.CallTool("report_progress", map[string]string{"task_id": "T099", "status": "done"})), nil)
	srv.SetQuirks(q)
	_, err := c.Understand(context.Background(), sampleInput("T099 完成"))
	if !errors.Is(err, llm.ErrUnknownTask) {
		t.Fatalf("err = %v, want ErrUnknownTask", err)
	}
	srv.SetChat(reply(llmtest.Reply{Calls: []llmtest.Call{
		{Name: "report_progress", Arguments: `{"task_id":"T012","status":"done"}`},
		{Name: "report_progress", Arguments: `{"task_id":"T013","status":"done"}`},
	}}))
	if _, err := c.Understand(context.Background(), sampleInput("都完成了")); !errors.Is(err, llm.ErrMalformed) {
		t.Fatalf("two calls in content: err = %v, want ErrMalformed", err)
	}
}

func TestEmptyAndCutOffRepliesAreMalformed(t *testing.T) {
	for name, tc := range map[string]struct {
		q llmtest.Quirks
		r llmtest.Reply
	}{
		"empty":                  {llmtest.Quirks{}, llmtest.Reply{}},
		"only thinking":          {llmtest.Quirks{Think: llmtest.ThinkTags}, llmtest.Reply{}},
		"length, content null":   {llmtest.Quirks{}, llmtest.Reply{FinishReason: "length"}},
		"length while thinking":  {llmtest.Quirks{Think: llmtest.ThinkTags}, llmtest.Reply{FinishReason: "length"}},
		"length, template think": {llmtest.Quirks{Think: llmtest.ThinkClose}, llmtest.Reply{FinishReason: "length"}},
		"length, reasoning":      {llmtest.Quirks{Think: llmtest.ThinkField}, llmtest.Reply{FinishReason: "length"}},
	} {
		t.Run(name, func(t *testing.T) {
			srv, c := fake(t, reply(tc.r), nil)
			srv.SetQuirks(tc.q)
			if got, err := c.Understand(context.Background(), sampleInput("T012 弄好了")); !errors.Is(err, llm.ErrMalformed) {
				t.Errorf("Understand = %+v, %v; want ErrMalformed", got, err)
			}
			if got, err := c.WriteAnswer(context.Background(), "问题", passages); !errors.Is(err, llm.ErrMalformed) {
				t.Errorf("WriteAnswer = %q, %v; want ErrMalformed", got, err)
			}
		})
	}
}

// The answer shown is the answer, not the thinking; a thinking that repeats
// the "文件未涉及" rule does not make a good answer a refusal; the length
// limit applies to the answer alone.
func TestAnswersWithoutThinking(t *testing.T) {
	answer := "市直单位每个科室平均不少于3名（《关于推行大科室制改革的实施意见》二、（一））。"
	long := strings.Repeat("思考", 600)
	for _, q := range []llmtest.Quirks{{Think: llmtest.ThinkTags}, {Think: llmtest.ThinkClose}, {Think: llmtest.ThinkField}} {
		for _, thinking := range []string{"", long} {
			srv, c := fake(t, reply(llmtest.Reply{Content: answer, Thinking: thinking}), nil)
			srv.SetQuirks(q)
			got, err := c.WriteAnswer(context.Background(), "每个科室最少几个人", passages)
			if err != nil || got != answer {
				t.Errorf("quirks %+v: WriteAnswer = %q, %v; want %q", q.Think, got, err, answer)
			}
			if llm.Declined(got) {
				t.Errorf("a good answer reads as declined")
			}
		}
	}
}

func TestFrameWithoutThinking(t *testing.T) {
	srv, c := fake(t, reply(llmtest.Reply{Content: "各单位要加快进度，确保按时完成改革任务。", Thinking: "本期有3家单位逾期，不能写数字。"}), nil)
	srv.SetQuirks(llmtest.Quirks{Think: llmtest.ThinkTags})
	got, err := c.Frame(context.Background(), "本期情况")
	if err != nil || got != "各单位要加快进度，确保按时完成改革任务。" {
		t.Fatalf("Frame = %q, %v", got, err)
	}
}

// DashScope's Qwen3 refuses non-streaming calls without enable_thinking
// false; extra_body sends it (and vLLM's chat_template_kwargs) on every
// chat request, never replacing duban's own fields.
func TestExtraBody(t *testing.T) {
	srv, c := fake(t, reply(reportT012), nil)
	srv.SetQuirks(llmtest.DashScopeQwen3())
	if _, err := c.Understand(context.Background(), sampleInput("T012 已报")); !errors.Is(err, llm.ErrUnavailable) || !strings.Contains(err.Error(), "enable_thinking") {
		t.Fatalf("without extra_body: err = %v, want the provider's enable_thinking error", err)
	}
	srv, c = fake(t, reply(reportT012), func(c *llm.Config) {
		c.ExtraBody = map[string]any{"enable_thinking": false, "chat_template_kwargs": map[string]any{"enable_thinking": false}}
	})
	srv.SetQuirks(llmtest.DashScopeQwen3())
	if got, err := c.Understand(context.Background(), sampleInput("T012 已报")); err != nil || got != wantT012 {
		t.Fatalf("with extra_body: %+v, %v", got, err)
	}
	if _, err := c.WriteAnswer(context.Background(), "每个科室最少几个人", passages); errors.Is(err, llm.ErrUnavailable) {
		t.Fatalf("answer without extra_body: %v", err)
	}
	for _, r := range srv.ChatRequests() {
		if string(r.Fields["chat_template_kwargs"]) != `{"enable_thinking":false}` || r.Model != "qwen-test" {
			t.Errorf("request fields %s, model %q", r.Fields["chat_template_kwargs"], r.Model)
		}
	}
	if _, err := llm.New(llm.Config{BaseURL: srv.BaseURL(), ChatModel: "m", ExtraBody: map[string]any{"model": "other"}}); err == nil {
		t.Error("extra_body replacing model accepted")
	}
}

func TestChatRetriesRateLimits(t *testing.T) {
	srv, c := fake(t, reply(reportT012), nil)
	srv.SetQuirks(llmtest.Quirks{RateLimited: 2, RetryAfter: "0.05"})
	start := time.Now()
	got, err := c.Understand(context.Background(), sampleInput("T012 已报"))
	if err != nil || got != wantT012 {
		t.Fatalf("%+v, %v", got, err)
	}
	if n := len(srv.ChatRequests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("answered after %v: Retry-After 0.05 s twice was not honoured", d)
	}
}

func TestRateLimitRetriesAreBounded(t *testing.T) {
	for name, tc := range map[string]struct {
		q       llmtest.Quirks
		retries int
		want    int
	}{
		"attempts":              {llmtest.Quirks{RateLimited: 10, RetryAfter: "0"}, 2, 3},
		"no retries":            {llmtest.Quirks{RateLimited: 10}, -1, 1},
		"a wait past the cap":   {llmtest.Quirks{RateLimited: 10, RetryAfter: "3600"}, 2, 1},
		"a wait past the limit": {llmtest.Quirks{RateLimited: 10, RetryAfter: "10"}, 2, 1},
	} {
		t.Run(name, func(t *testing.T) {
			srv, c := fake(t, reply(reportT012), func(c *llm.Config) { c.MaxRetries = tc.retries })
			srv.SetQuirks(tc.q)
			_, err := c.Understand(context.Background(), sampleInput("T012 已报"))
			if !errors.Is(err, llm.ErrRateLimited) {
				t.Fatalf("err = %v, want ErrRateLimited", err)
			}
			if n := len(srv.ChatRequests()); n != tc.want {
				t.Errorf("%d requests, want %d", n, tc.want)
			}
		})
	}
}

// After repeated failures the circuit opens: calls fail at once, without a
// request, until it is time to try again.
func TestCircuitOpensAfterFailures(t *testing.T) {
	srv, c := fake(t, reply(llmtest.Fail(http.StatusBadGateway, "upstream down")), func(c *llm.Config) { c.MaxRetries = -1 })
	for range 3 {
		if _, err := c.Understand(context.Background(), sampleInput("T012 已报")); !errors.Is(err, llm.ErrUnavailable) {
			t.Fatalf("err = %v", err)
		}
	}
	n := len(srv.Requests())
	start := time.Now()
	_, err := c.Understand(context.Background(), sampleInput("T012 已报"))
	if !errors.Is(err, llm.ErrUnavailable) || len(srv.Requests()) != n || time.Since(start) > time.Second {
		t.Errorf("circuit open: err %v, %d requests (was %d)", err, len(srv.Requests()), n)
	}
	// Embeddings have their own circuit.
	if _, err := c.Embed(context.Background(), "", []string{"改革"}); err != nil {
		t.Errorf("embeddings stopped by the chat circuit: %v", err)
	}
}

// Understanding and answering one message share one timeout.
func TestBudgetSharedByCalls(t *testing.T) {
	srv, c := fake(t, reply(llmtest.Slow(300*time.Millisecond, reportT012)), func(c *llm.Config) { c.Timeout = 500 * time.Millisecond })
	ctx := c.Budget(context.Background())
	if _, err := c.Understand(ctx, sampleInput("T012 已报")); err != nil {
		t.Fatal(err)
	}
	srv.SetChat(reply(llmtest.Slow(300*time.Millisecond, llmtest.Text("答（《关于推行大科室制改革的实施意见》二、）"))))
	start := time.Now()
	if _, err := c.WriteAnswer(ctx, "q", passages); !errors.Is(err, llm.ErrUnavailable) {
		t.Fatalf("second call within a spent budget: err = %v", err)
	}
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Errorf("second call took %v; the budget had about 200ms left", d)
	}
	// Without the budget each call has its own timeout.
	if _, err := c.WriteAnswer(context.Background(), "q", passages); err != nil {
		t.Errorf("fresh call: %v", err)
	}
}

// DashScope refuses more than 10 texts a batch: a larger batch is halved,
// and the smaller size kept.
func TestEmbedHalvesABatchRefusedForSize(t *testing.T) {
	srv, c := fake(t, nil, func(c *llm.Config) { c.EmbedBatch = 16 })
	srv.SetQuirks(llmtest.DashScopeQwen3())
	texts := make([]string, 40)
	for i := range texts {
		texts[i] = strings.Repeat("改革", i+1)
	}
	got, err := c.Embed(context.Background(), "", texts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range texts {
		if !slices.Equal(got[i], llmtest.Vector(texts[i])) {
			t.Fatalf("vector %d is not its text's", i)
		}
	}
	var sizes []int
	for _, r := range srv.Requests() {
		sizes = append(sizes, len(r.Embed.Input))
	}
	if want := []int{16, 8, 8, 8, 8, 8}; !slices.Equal(sizes, want) {
		t.Errorf("batch sizes %v, want %v", sizes, want)
	}
}

// What a person needs to fix a deployment is in the log: the provider's
// refusal of tools (once), a reply that is not JSON (its type and first
// bytes), and at debug level the model's words when it called no tool.
func TestProviderProblemsAreLogged(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, c := fake(t, reply(llmtest.Text("您好，请写明任务编号。")), func(c *llm.Config) { c.Logger = log })
	srv.SetQuirks(llmtest.DeepSeekReasoner())
	for range 3 {
		if _, err := c.Understand(context.Background(), sampleInput("你好")); err != nil {
			t.Fatal(err)
		}
	}
	out := buf.String()
	if n := strings.Count(out, "refuses function calling"); n != 1 || !strings.Contains(out, "deepseek-reasoner does not support Function Calling") {
		t.Errorf("tools refusal logged %d times, or without the provider's words:\n%s", n, out)
	}
	if !strings.Contains(out, "called no tool") || !strings.Contains(out, "请写明任务编号") {
		t.Errorf("the model's words are not logged:\n%s", out)
	}
	buf.Reset()
	srv.SetQuirks(llmtest.Quirks{})
	srv.SetChat(reply(llmtest.Reply{Raw: "<html><body>502 Bad Gateway</body></html>"}))
	if _, err := c.Understand(context.Background(), sampleInput("你好")); !errors.Is(err, llm.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if out := buf.String(); !strings.Contains(out, "not JSON") || !strings.Contains(out, "application/json") || !strings.Contains(out, "502 Bad Gateway") {
		t.Errorf("a reply that is not JSON is not logged with its type and first bytes:\n%s", out)
	}
}

// Reply shapes seen from gateways and small servers.
func TestUnusualReplyShapes(t *testing.T) {
	completion := func(message string) llmtest.Reply {
		return llmtest.Reply{Raw: `{"id":"x","object":"chat.completion","model":"m","choices":[{"index":0,"finish_reason":"stop","message":` + message + `}]}`}
	}
	for name, r := range map[string]llmtest.Reply{
		"content as parts": completion(`{"role":"assistant","content":[{"type":"text","text":"<tool_call>{\"name\":\"report_progress\",\"arguments\":{\"task_id\":\"T012\",\"status\":\"done\",\"note\":\"方案已报编办\"}}</tool_call>"}]}`),
		"arguments encoded twice": completion(`{"role":"assistant","content":null,"tool_calls":[{"id":"1","type":"function","function":{"name":"report_progress",` +
			`"arguments":"\"{\\\"task_id\\\":\\\"T012\\\",\\\"status\\\":\\\"done\\\",\\\"note\\\":\\\"方案已报编办\\\"}\""}}]}`),
		"JSON among words": completion(`{"role":"assistant","content":"好的，结果如下：\n` + "```json" + `\n{\"name\": \"report_progress\", \"arguments\": {\"task_id\": \"T012\", \"status\": \"done\", \"note\": \"方案已报编办\"}}\n` + "```" + `\n请确认。"}`),
	} {
		t.Run(name, func(t *testing.T) {
			_, c := fake(t, reply(r), nil)
			got, err := c.Understand(context.Background(), sampleInput("T012 已报编办"))
			if err != nil || got != wantT012 {
				t.Errorf("%+v, %v", got, err)
			}
		})
	}
	t.Run("error in a 200 reply", func(t *testing.T) {
		_, c := fake(t, reply(llmtest.Reply{Raw: `{"error":{"message":"当前分组上游负载已饱和，请稍后再试","type":"new_api_error"}}`}), func(c *llm.Config) { c.MaxRetries = -1 })
		_, err := c.Understand(context.Background(), sampleInput("T012 已报编办"))
		if !errors.Is(err, llm.ErrUnavailable) || !strings.Contains(err.Error(), "上游负载已饱和") {
			t.Errorf("err = %v, want ErrUnavailable with the gateway's message", err)
		}
	})
}
