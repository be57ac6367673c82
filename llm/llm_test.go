package llm_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	duban "github.com/duban-org/duban"
	"github.com/duban-org/duban/llm"
	"github.com/duban-org/duban/llm/llmtest"
)

// fake starts a fake endpoint and a client for it; change adjusts the config.
func fake(t *testing.T, chat llmtest.ChatFunc, change func(*llm.Config)) (*llmtest.Server, *llm.Client) {
	t.Helper()
	srv := llmtest.NewServer(chat)
	t.Cleanup(srv.Close)
	cfg := llm.Config{
		BaseURL:        srv.BaseURL(),
		APIKey:         "sk-test",
		ChatModel:      "qwen-test",
		EmbeddingModel: "embed-test",
		Timeout:        5 * time.Second,
		Logger:         slog.New(slog.DiscardHandler),
	}
	if change != nil {
		change(&cfg)
	}
	c, err := llm.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	llm.SetBackoff(c, time.Millisecond)
	return srv, c
}

func TestNewWithoutBaseURLIsDisabled(t *testing.T) {
	c, err := llm.New(llm.Config{ChatModel: "x"})
	if c != nil || !errors.Is(err, llm.ErrDisabled) {
		t.Fatalf("New without base_url = %v, %v; want nil, ErrDisabled", c, err)
	}
	// A nil client is usable and says it is disabled.
	ctx := context.Background()
	if _, err := c.Understand(ctx, llm.UnderstandInput{Text: "hi"}); !errors.Is(err, llm.ErrDisabled) {
		t.Errorf("nil Understand: %v", err)
	}
	if _, err := c.Embed(ctx, "", []string{"a"}); !errors.Is(err, llm.ErrDisabled) {
		t.Errorf("nil Embed: %v", err)
	}
	if _, err := c.WriteAnswer(ctx, "q", []llm.Passage{{Title: "t", Text: "x"}}); !errors.Is(err, llm.ErrDisabled) {
		t.Errorf("nil WriteAnswer: %v", err)
	}
	if _, err := c.Frame(ctx, "s"); !errors.Is(err, llm.ErrDisabled) {
		t.Errorf("nil Frame: %v", err)
	}
	if c.Model() != "" || c.CanChat() || c.CanEmbed() {
		t.Errorf("nil client claims models")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []llm.Config{
		{BaseURL: "127.0.0.1:8080/v1", ChatModel: "m"},
		{BaseURL: "http://127.0.0.1:8080/v1"},
	} {
		if c, err := llm.New(cfg); err == nil || errors.Is(err, llm.ErrDisabled) {
			t.Errorf("New(%+v) = %v, %v; want a config error", cfg, c, err)
		}
	}
}

func TestOnlyConfiguredModelsServe(t *testing.T) {
	_, chatOnly := fake(t, nil, func(c *llm.Config) { c.EmbeddingModel = "" })
	if _, err := chatOnly.Embed(context.Background(), "", []string{"a"}); !errors.Is(err, llm.ErrDisabled) {
		t.Errorf("Embed without embedding_model: %v", err)
	}
	if chatOnly.Model() != "" || !chatOnly.CanChat() || chatOnly.CanEmbed() {
		t.Errorf("chat-only client: Model %q CanChat %v CanEmbed %v", chatOnly.Model(), chatOnly.CanChat(), chatOnly.CanEmbed())
	}
	_, embedOnly := fake(t, nil, func(c *llm.Config) { c.ChatModel = "" })
	if _, err := embedOnly.Understand(context.Background(), llm.UnderstandInput{Text: "x"}); !errors.Is(err, llm.ErrDisabled) {
		t.Errorf("Understand without chat_model: %v", err)
	}
	if embedOnly.Model() != "embed-test" {
		t.Errorf("Model() = %q", embedOnly.Model())
	}
}

// The endpoint's failures all come back as ErrUnavailable, with the kinds a
// log line should name.
func TestEndpointFailuresAreUnavailable(t *testing.T) {
	in := llm.UnderstandInput{Text: "T012 完成了", Tasks: sampleTasks()}
	cases := []struct {
		name  string
		reply llmtest.Reply
		also  error
	}{
		{"500", llmtest.Fail(http.StatusInternalServerError, "The server had an error"), nil},
		{"503 empty body", llmtest.Reply{Status: 503}, nil},
		{"429", llmtest.Fail(http.StatusTooManyRequests, ""), llm.ErrRateLimited},
		{"400", llmtest.Fail(http.StatusBadRequest, "tools not supported"), nil},
		{"garbage body", llmtest.Reply{Raw: "<html>gateway</html>"}, nil},
		{"no choices", llmtest.Reply{Raw: `{"id":"x","object":"chat.completion","choices":[]}`}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, c := fake(t, func(llmtest.ChatRequest) llmtest.Reply { return tc.reply }, nil)
			_, err := c.Understand(context.Background(), in)
			if !errors.Is(err, llm.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			if tc.also != nil && !errors.Is(err, tc.also) {
				t.Errorf("err = %v, want also %v", err, tc.also)
			}
			if errors.Is(err, llm.ErrMalformed) {
				t.Errorf("endpoint failure reported as malformed model output: %v", err)
			}
		})
	}
}

func TestWrongAPIKeyIsUnauthorized(t *testing.T) {
	srv, c := fake(t, nil, func(c *llm.Config) { c.APIKey = "sk-wrong" })
	srv.APIKey = "sk-right"
	_, err := c.Understand(context.Background(), llm.UnderstandInput{Text: "你好"})
	if !errors.Is(err, llm.ErrUnavailable) || !errors.Is(err, llm.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnavailable and ErrUnauthorized", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Authorization != "Bearer sk-wrong" {
		t.Errorf("requests = %+v", reqs)
	}
}

func TestTimeoutIsUnavailable(t *testing.T) {
	_, c := fake(t, func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Slow(10*time.Second, llmtest.Text("太慢了"))
	}, func(c *llm.Config) { c.Timeout = 200 * time.Millisecond })
	start := time.Now()
	_, err := c.Understand(context.Background(), llm.UnderstandInput{Text: "T012 完成了", Tasks: sampleTasks()})
	if !errors.Is(err, llm.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Understand took %v with a 200ms timeout", d)
	}
}

func TestCallerCancelStopsTheCall(t *testing.T) {
	_, c := fake(t, func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Slow(10*time.Second, llmtest.Text("太慢了"))
	}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := c.Understand(ctx, llm.UnderstandInput{Text: "x"})
	if !errors.Is(err, llm.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrUnavailable wrapping context.Canceled", err)
	}
}

func TestClosedEndpointIsUnavailable(t *testing.T) {
	srv, c := fake(t, nil, nil)
	srv.Close()
	_, err := c.Understand(context.Background(), llm.UnderstandInput{Text: "x"})
	if !errors.Is(err, llm.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

func sampleTasks() []duban.Task {
	return []duban.Task{
		{ID: "T012", Unit: "U01", Title: "提交大科室制改革实施方案", Deadline: duban.NewDate(2017, 12, 31), Status: duban.StatusInProgress},
		{ID: "T013", Unit: "U01", Title: "完成科室合并和人员定岗", Deadline: duban.NewDate(2018, 1, 15), Status: duban.StatusNotStarted},
	}
}

func sampleInput(text string) llm.UnderstandInput {
	return llm.UnderstandInput{
		SenderName:  "张三",
		SenderRoles: []string{"市民政局 联络员"},
		Today:       duban.NewDate(2017, 12, 20),
		Tasks:       sampleTasks(),
		Text:        text,
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func mustNotContain(t *testing.T, where, text string, words ...string) {
	t.Helper()
	for _, w := range words {
		if strings.Contains(text, w) {
			t.Errorf("%s contains %q", where, w)
		}
	}
}
