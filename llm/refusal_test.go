package llm_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/duban-org/duban/llm"
	"github.com/duban-org/duban/llm/llmtest"
)

// A key distinctive enough to be looked for in every error.
const distinctiveKey = "sk-9f3c2a7e5b1d4c8fa6e0b2d4f7a9c1e3"

// Each provider's refusal, as it writes it, is told apart: a request the
// provider will not serve (moderation, too long) from an endpoint that
// cannot (key, balance, limits, outages). The error and its explanation
// never carry the key, and a person reads plain Chinese.
func TestProviderRefusals(t *testing.T) {
	cut := func(r llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: "好的，这是一个很长的回答。", CutAfter: 60}
	}
	for _, tc := range []struct {
		name    string
		reply   llmtest.Reply
		is      []error
		explain string
	}{
		{"DashScope data_inspection_failed", llmtest.Reply{Error: &llmtest.QwenInputInspection}, []error{llm.ErrRefused, llm.ErrModerated}, "内容审核"},
		{"DashScope DataInspectionFailed", llmtest.Reply{Error: &llmtest.QwenAlgoInspection}, []error{llm.ErrRefused, llm.ErrModerated}, "内容审核"},
		{"Zhipu 1301", llmtest.Reply{Error: &llmtest.ZhipuSensitive}, []error{llm.ErrRefused, llm.ErrModerated}, "内容审核"},
		{"Ark SensitiveContentDetected", llmtest.Reply{Error: &llmtest.DoubaoSensitive}, []error{llm.ErrRefused, llm.ErrModerated}, "内容审核"},
		{"Moonshot high risk", llmtest.Reply{Error: &llmtest.KimiHighRisk}, []error{llm.ErrRefused, llm.ErrModerated}, "内容审核"},
		{"MiniMax base_resp 1027", llmtest.Reply{Error: &llmtest.MiniMaxSensitive}, []error{llm.ErrRefused, llm.ErrModerated}, "内容审核"},
		{"Zhipu finish_reason sensitive", llmtest.Reply{FinishReason: "sensitive"}, []error{llm.ErrRefused, llm.ErrModerated}, "内容审核"},
		{"finish_reason content_filter", llmtest.Reply{Content: "根据", FinishReason: "content_filter"}, []error{llm.ErrRefused, llm.ErrModerated}, "内容审核"},
		{"DeepSeek context length", llmtest.Reply{Error: &llmtest.DeepSeekContextLength}, []error{llm.ErrRefused, llm.ErrTooLong}, "上下文长度"},
		{"vLLM context length", llmtest.Reply{Error: &llmtest.VLLMContextLength}, []error{llm.ErrRefused, llm.ErrTooLong}, "上下文长度"},
		{"DashScope input length", llmtest.Reply{Error: &llmtest.QwenInputTooLong}, []error{llm.ErrRefused, llm.ErrTooLong}, "上下文长度"},
		{"Moonshot token limit", llmtest.Reply{Error: &llmtest.KimiTokenLimit}, []error{llm.ErrRefused, llm.ErrTooLong}, "上下文长度"},
		{"DeepSeek 401 quoting the key", llmtest.Reply{Error: ptr(llmtest.DeepSeekBadKey(distinctiveKey))}, []error{llm.ErrUnavailable, llm.ErrUnauthorized}, "API Key"},
		{"gateway 401 echoing the key", llmtest.Reply{Error: ptr(llmtest.GatewayBadKey(distinctiveKey))}, []error{llm.ErrUnavailable, llm.ErrUnauthorized}, "API Key"},
		{"DashScope 401", llmtest.Reply{Error: &llmtest.DashScopeBadKey}, []error{llm.ErrUnavailable, llm.ErrUnauthorized}, "API Key"},
		{"MiniMax base_resp 1004", llmtest.Reply{Error: ptr(llmtest.MiniMaxBadKey())}, []error{llm.ErrUnavailable, llm.ErrUnauthorized}, "API Key"},
		{"DeepSeek 402", llmtest.Reply{Error: &llmtest.DeepSeekNoBalance}, []error{llm.ErrUnavailable, llm.ErrQuota}, "余额"},
		{"Moonshot suspended", llmtest.Reply{Error: &llmtest.KimiSuspended}, []error{llm.ErrUnavailable, llm.ErrQuota}, "余额"},
		{"Zhipu 1113 in arrears", llmtest.Reply{Error: &llmtest.ZhipuArrears}, []error{llm.ErrUnavailable, llm.ErrQuota}, "余额"},
		{"Zhipu 1302 rate limit", llmtest.Reply{Error: &llmtest.ZhipuRateLimit}, []error{llm.ErrUnavailable, llm.ErrRateLimited}, "限流"},
		{"Ark rate limit with Retry-After", llmtest.Reply{Error: &llmtest.DoubaoRateLimit, RetryAfter: "60"}, []error{llm.ErrUnavailable, llm.ErrRateLimited}, "限流"},
		{"DeepSeek 503", llmtest.Reply{Error: &llmtest.DeepSeekOverloaded}, []error{llm.ErrUnavailable}, "HTTP 503"},
		{"nginx 504 page", llmtest.Reply{Error: &llmtest.GatewayTimeout}, []error{llm.ErrUnavailable}, "HTTP 504"},
		{"reply cut mid-way", cut(llmtest.ChatRequest{}), []error{llm.ErrUnavailable}, "答复不完整"},
		{"empty choices", llmtest.Reply{Raw: `{"id":"chatcmpl-1","object":"chat.completion","created":1733212345,"model":"qwen-plus","choices":[]}`}, []error{llm.ErrUnavailable}, "答复不完整"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := fake(t, func(llmtest.ChatRequest) llmtest.Reply { return tc.reply }, func(c *llm.Config) { c.APIKey = distinctiveKey })
			for _, call := range []func() error{
				func() error {
					_, err := c.Understand(context.Background(), llm.UnderstandInput{Text: "T012 完成了", Tasks: sampleTasks()})
					return err
				},
				func() error {
					_, err := c.WriteAnswer(context.Background(), "纳入改革的单位有多少家", []llm.Passage{{Title: "改革方案", Section: "一、", Text: "纳入改革的市直单位共84家。"}})
					return err
				},
			} {
				err := call()
				for _, want := range tc.is {
					if !errors.Is(err, want) {
						t.Errorf("err = %v, want %v", err, want)
					}
				}
				if errors.Is(err, llm.ErrRefused) == errors.Is(err, llm.ErrUnavailable) {
					t.Errorf("err = %v: refused and unavailable are exclusive", err)
				}
				why := llm.Explain(err)
				if !strings.Contains(why, tc.explain) {
					t.Errorf("Explain = %q, want it to say %q", why, tc.explain)
				}
				for _, text := range []string{err.Error(), why} {
					if strings.Contains(text, distinctiveKey) || strings.Contains(text, distinctiveKey[len(distinctiveKey)-4:]) {
						t.Errorf("the key leaks: %q", text)
					}
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// A refused request says nothing about the endpoint: moderation refusals
// in a row do not pause the LLM for everyone else, as outages do.
func TestRefusalsDoNotOpenTheCircuit(t *testing.T) {
	var moderated atomic.Bool
	moderated.Store(true)
	srv, c := fake(t, func(llmtest.ChatRequest) llmtest.Reply {
		if moderated.Load() {
			return llmtest.Reply{Error: &llmtest.QwenInputInspection}
		}
		return llmtest.CallTool("list_tasks", map[string]any{})
	}, nil)
	for range 6 {
		if _, err := c.Understand(context.Background(), llm.UnderstandInput{Text: "某些词"}); !errors.Is(err, llm.ErrModerated) {
			t.Fatalf("err = %v", err)
		}
	}
	moderated.Store(false)
	got, err := c.Understand(context.Background(), llm.UnderstandInput{Text: "我的任务"})
	if err != nil || got.Kind != llm.KindList {
		t.Errorf("after refusals: %+v, %v; want the call to reach the model", got, err)
	}
	if n := len(srv.ChatRequests()); n != 7 {
		t.Errorf("%d requests, want 7", n)
	}
}
