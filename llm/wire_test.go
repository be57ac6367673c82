package llm

import (
	"errors"
	"net/http"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"0.5":                           500 * time.Millisecond,
		"-1":                            0,
		"soon":                          0,
		"Sun, 29 Nov 2026 10:00:07 GMT": 7 * time.Second,
		"Sun, 29 Nov 2026 09:00:00 GMT": 0,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
	w := &wire{}
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"1"}}}
	if retry, after := w.retryable(t.Context(), resp, nil); !retry || after != 250*time.Millisecond {
		t.Errorf("Retry-After-Ms: %v %v", retry, after)
	}
	if retry, _ := w.retryable(t.Context(), &http.Response{StatusCode: 400}, nil); retry {
		t.Error("400 retried")
	}
}

// The refusals real servers send, and messages that are not refusals.
func TestRefusalWording(t *testing.T) {
	apiErr := func(status int, msg string) error { return &openai.APIError{HTTPStatusCode: status, Message: msg} }
	for msg, want := range map[string]bool{
		"deepseek-reasoner does not support Function Calling":                                                true,
		`"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set`:             true,
		"registry.ollama.ai/library/deepseek-r1:7b does not support tools":                                   true,
		"tools param requires --jinja flag":                                                                  true,
		"该模型不支持工具调用":                                                                                         true,
		"parameter.enable_thinking must be set to false for non-streaming calls":                             false,
		"The model `x` does not exist":                                                                       false,
		"This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens": false,
	} {
		if got := toolsRefused(apiErr(400, msg)); got != want {
			t.Errorf("toolsRefused(%q) = %v, want %v", msg, got, want)
		}
	}
	if toolsRefused(apiErr(429, "tools not supported right now")) || toolsRefused(errors.New("does not support tools")) {
		t.Error("a rate limit or a non-HTTP error taken for a refusal of tools")
	}
	for msg, want := range map[string]bool{
		"<400> InternalError.Algo.InvalidParameter: Value error, batch size is invalid, it should not be larger than 10.: input.contents": true,
		"input数组长度不能超过64":              true,
		"The model `x` does not exist": false,
	} {
		if got := tooLarge(apiErr(400, msg)); got != want {
			t.Errorf("tooLarge(%q) = %v, want %v", msg, got, want)
		}
	}
	if !tooLarge(apiErr(413, "")) {
		t.Error("413 not taken as too large")
	}
}
