// Package llm talks to an OpenAI-compatible endpoint: it turns a chat
// message into one typed intent (chat completions with tools), embeds texts
// for policy retrieval, writes grounded answers from retrieved passages and
// frames progress bulletins. It is the only package that imports go-openai.
//
// Nothing this package returns is trusted: an Intent names only a task the
// caller showed the model, with arguments checked, and the caller still
// applies the domain's permission rules before changing anything.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Errors a caller tells apart with errors.Is.
var (
	// ErrDisabled means no LLM is configured (empty base_url), or the model
	// the call needs (chat_model, embedding_model) is not set.
	ErrDisabled = errors.New("llm: not configured")
	// ErrUnavailable means the endpoint did not serve the call: timeout,
	// network error, any HTTP error status, or an unreadable response.
	// The caller falls back (to the command grammar, to lexical retrieval,
	// to an extractive answer).
	ErrUnavailable = errors.New("llm: endpoint unavailable")
	// ErrRateLimited (HTTP 429) and ErrUnauthorized (HTTP 401/403) are
	// kinds of ErrUnavailable worth a distinct log line.
	ErrRateLimited  = errors.New("llm: rate limited")
	ErrUnauthorized = errors.New("llm: unauthorized (check api_key)")
	// ErrMalformed means the model answered, but not with something usable:
	// unknown tool, several tool calls, arguments that are not a JSON object,
	// missing fields, a bad date, an empty answer, a frame with numbers.
	ErrMalformed = errors.New("llm: malformed model output")
	// ErrUnknownTask means a tool call named a task that was not among the
	// tasks shown to the model. It is also an ErrMalformed.
	ErrUnknownTask = errors.New("llm: task not in the sender's list")
)

// Defaults for the zero values of Config.
const (
	DefaultTimeout    = 30 * time.Second
	DefaultEmbedBatch = 10 // DashScope's limit, the smallest known
	DefaultMaxRetries = 2
)

// maxResponseBytes caps what the endpoint may send back; a batch of 64
// embeddings of 3072 dimensions is about 2.5 MB as JSON.
const maxResponseBytes = 16 << 20

// Config selects the endpoint and models ([llm] in the config file).
type Config struct {
	// BaseURL is the API root including its version, as OpenAI's SDKs take
	// it: "https://api.openai.com/v1", "http://127.0.0.1:11434/v1".
	// Empty means no LLM.
	BaseURL string
	APIKey  string
	// ChatModel serves Understand, WriteAnswer and Frame; EmbeddingModel
	// serves Embed. Either may be empty, disabling those calls.
	ChatModel      string
	EmbeddingModel string
	// Timeout bounds each call, retries included (DefaultTimeout when 0).
	// Calls made with a context from Budget share one Timeout.
	Timeout time.Duration
	// EmbedBatch is how many texts go in one embeddings request
	// (DefaultEmbedBatch when 0). A batch the provider refuses for its size
	// is halved, and the smaller size kept.
	EmbedBatch int
	// MaxRetries is how many times a request is repeated after HTTP 429, a
	// 5xx or a network error, waiting as Retry-After asks (up to 20 s) or
	// backing off; DefaultMaxRetries when 0, none when negative.
	MaxRetries int
	// NoTools never offers tools: free text is understood by asking for a
	// JSON object in plain text instead. Without it an endpoint that refuses
	// tools is detected and the same is done for an hour.
	NoTools bool
	// ExtraBody is merged into every chat completion request body, for
	// provider switches such as DashScope's enable_thinking = false or
	// vLLM's chat_template_kwargs. It never replaces a field duban sets.
	ExtraBody map[string]any
	// Logger receives the provider's refusals, retries and, at debug
	// level, the model's words when it calls no tool (slog.Default when nil).
	Logger *slog.Logger
}

// Client calls one OpenAI-compatible endpoint. It is safe for concurrent use.
// A nil *Client is valid and answers every call with ErrDisabled.
type Client struct {
	cfg    Config
	api    *openai.Client
	wire   *wire
	log    *slog.Logger
	health health
}

// New returns a client for cfg. With an empty BaseURL it returns (nil,
// ErrDisabled): the deployment has no LLM and callers use their fallbacks.
func New(cfg Config) (*Client, error) {
	cfg.BaseURL = strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if cfg.BaseURL == "" {
		return nil, ErrDisabled
	}
	if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		return nil, fmt.Errorf("base_url %q 须以 http:// 或 https:// 开头", cfg.BaseURL)
	}
	if cfg.ChatModel == "" && cfg.EmbeddingModel == "" {
		return nil, fmt.Errorf("填写了 base_url，但 chat_model 和 embedding_model 都没有填写")
	}
	for k := range cfg.ExtraBody {
		if reservedFields[k] {
			return nil, fmt.Errorf("extra_body.%s 由 duban 设置，不能在此改写", k)
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.EmbedBatch <= 0 {
		cfg.EmbedBatch = DefaultEmbedBatch
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	transport.TLSHandshakeTimeout = 10 * time.Second
	transport.ResponseHeaderTimeout = cfg.Timeout
	w := &wire{next: transport, log: cfg.Logger, extra: cfg.ExtraBody, retries: cfg.MaxRetries, backoff: time.Second}

	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.BaseURL
	oc.HTTPClient = &http.Client{Transport: w}
	c := &Client{cfg: cfg, api: openai.NewClientWithConfig(oc), wire: w, log: cfg.Logger}
	c.health.batch.Store(int64(cfg.EmbedBatch))
	return c, nil
}

// reservedFields are the request fields extra_body may not set.
var reservedFields = map[string]bool{"model": true, "messages": true, "tools": true, "tool_choice": true, "stream": true}

// Model returns the embedding model's name, which keys cached vectors, or ""
// when embeddings are not configured.
func (c *Client) Model() string {
	if c == nil {
		return ""
	}
	return c.cfg.EmbeddingModel
}

// ChatModel returns the chat model's name, or "" when chat is not configured.
func (c *Client) ChatModel() string {
	if c == nil {
		return ""
	}
	return c.cfg.ChatModel
}

// CanChat reports whether Understand, WriteAnswer and Frame may be called.
func (c *Client) CanChat() bool { return c != nil && c.cfg.ChatModel != "" }

// CanEmbed reports whether Embed may be called.
func (c *Client) CanEmbed() bool { return c != nil && c.cfg.EmbeddingModel != "" }

// Budget returns a context under which every call of this client shares
// one Timeout counted from now, so that understanding a message and then
// answering it cost one timeout, not two. A budget already in ctx is kept.
func (c *Client) Budget(ctx context.Context) context.Context {
	if c == nil {
		return ctx
	}
	if _, ok := ctx.Value(budgetKey{}).(time.Time); ok {
		return ctx
	}
	return context.WithValue(ctx, budgetKey{}, time.Now().Add(c.cfg.Timeout))
}

type budgetKey struct{}

// bounded returns ctx limited by the timeout and by the context's budget.
func (c *Client) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(c.cfg.Timeout)
	if b, ok := ctx.Value(budgetKey{}).(time.Time); ok && b.Before(deadline) {
		deadline = b
	}
	return context.WithDeadline(ctx, deadline)
}

// chat sends one chat completion bounded by the timeout and returns the
// first choice. While the circuit is open it fails at once.
func (c *Client) chat(ctx context.Context, op string, req openai.ChatCompletionRequest) (openai.ChatCompletionChoice, error) {
	if !c.CanChat() {
		return openai.ChatCompletionChoice{}, fmt.Errorf("llm: %s: %w (no chat_model)", op, ErrDisabled)
	}
	if err := c.health.chat.allow(time.Now()); err != nil {
		return openai.ChatCompletionChoice{}, fmt.Errorf("llm: %s: %w: %w", op, ErrUnavailable, err)
	}
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	req.Model = c.cfg.ChatModel
	resp, err := c.api.CreateChatCompletion(ctx, req)
	if err != nil {
		if len(req.Tools) > 0 && toolsRefused(err) {
			return openai.ChatCompletionChoice{}, fmt.Errorf("llm: %s: %w: %w", op, errToolsRefused, c.classify(op, err))
		}
		err = c.classify(op, err)
		c.health.chat.failed(ctx, err, time.Now())
		return openai.ChatCompletionChoice{}, err
	}
	if len(resp.Choices) == 0 {
		err := fmt.Errorf("llm: %s: %w: response has no choices", op, ErrUnavailable)
		c.health.chat.failed(ctx, err, time.Now())
		return openai.ChatCompletionChoice{}, err
	}
	c.health.chat.succeeded()
	if reason := string(resp.Choices[0].FinishReason); moderatedFinish(reason) {
		return openai.ChatCompletionChoice{}, fmt.Errorf("llm: %s: %w: %w: finish_reason %s", op, ErrRefused, ErrModerated, reason)
	}
	return resp.Choices[0], nil
}

// classify wraps an error from the endpoint so callers can tell it is the
// endpoint that failed, and why: ErrUnavailable (with ErrRateLimited,
// ErrUnauthorized or ErrQuota) when the endpoint cannot serve, ErrRefused
// (with ErrModerated or ErrTooLong) when it will not serve this request.
// The provider's message is kept for the log, without the key.
func (c *Client) classify(op string, err error) error {
	status, code, msg := providerError(err)
	if status == 0 {
		return fmt.Errorf("llm: %s: %w: %w", op, ErrUnavailable, err)
	}
	he := &httpError{status: status, msg: scrub(msg, c.cfg.APIKey), cause: err}
	switch why := refusalOf(status, code, msg); {
	case errors.Is(why, ErrQuota):
		return fmt.Errorf("llm: %s: %w: %w: %w", op, ErrUnavailable, ErrQuota, he)
	case why != nil:
		return fmt.Errorf("llm: %s: %w: %w: %w", op, ErrRefused, why, he)
	case status == http.StatusTooManyRequests:
		return fmt.Errorf("llm: %s: %w: %w: %w", op, ErrUnavailable, ErrRateLimited, he)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return fmt.Errorf("llm: %s: %w: %w: %w", op, ErrUnavailable, ErrUnauthorized, he)
	}
	return fmt.Errorf("llm: %s: %w: %w", op, ErrUnavailable, he)
}

// httpError is an error status with the provider's own message; it keeps
// go-openai's error underneath for statusOf.
type httpError struct {
	status int
	msg    string
	cause  error
}

func (e *httpError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.msg) }
func (e *httpError) Unwrap() error { return e.cause }

// statusOf returns the HTTP status and message of an error response from
// go-openai, or 0 when err did not come from one.
func statusOf(err error) (int, string) {
	status, _, msg := providerError(err)
	return status, msg
}

// providerError returns the HTTP status, the error code (or type) and the
// message of an error response from go-openai, or status 0 when err did
// not come from one.
func providerError(err error) (status int, code, msg string) {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		code = fmt.Sprint(apiErr.Code)
		if apiErr.Code == nil {
			code = apiErr.Type
		}
		return apiErr.HTTPStatusCode, code, apiErr.Message
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		msg := strings.ToValidUTF8(strings.TrimSpace(string(reqErr.Body)), "")
		// vLLM answers {"object":"error","message":…}, Ollama {"error":"…"},
		// Zhipu {"error":{"code":"1301","message":…}}.
		var body struct {
			Message string `json:"message"`
			Error   any    `json:"error"`
		}
		if json.Unmarshal(reqErr.Body, &body) == nil {
			switch e := body.Error.(type) {
			case string:
				msg = cmpOr(e, msg)
			case map[string]any:
				m, _ := e["message"].(string)
				msg = cmpOr(m, body.Message, msg)
				if c, ok := e["code"]; ok && c != nil {
					code = fmt.Sprint(c)
				} else if t, ok := e["type"].(string); ok {
					code = t
				}
			default:
				msg = cmpOr(body.Message, msg)
			}
		}
		if len(msg) > 200 {
			msg = strings.ToValidUTF8(msg[:200], "")
		}
		return reqErr.HTTPStatusCode, code, msg
	}
	return 0, "", ""
}

// cmpOr returns the first of ss that is not empty.
func cmpOr(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
