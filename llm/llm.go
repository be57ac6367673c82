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
	"errors"
	"fmt"
	"io"
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

// DefaultTimeout bounds one call when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

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
	// Timeout bounds each request: one chat completion, or one embeddings
	// batch with its retries (DefaultTimeout when 0).
	Timeout time.Duration
	// EmbedBatch is how many texts go in one embeddings request (64 when 0);
	// many compatible servers accept far fewer than OpenAI's 2048.
	EmbedBatch int
}

// Client calls one OpenAI-compatible endpoint. It is safe for concurrent use.
// A nil *Client is valid and answers every call with ErrDisabled.
type Client struct {
	cfg  Config
	api  *openai.Client
	http *http.Client
	// embedBackoff is the first wait before retrying a rate-limited or
	// failed embeddings batch; tests shorten it.
	embedBackoff time.Duration
}

// New returns a client for cfg. With an empty BaseURL it returns (nil,
// ErrDisabled): the deployment has no LLM and callers use their fallbacks.
func New(cfg Config) (*Client, error) {
	cfg.BaseURL = strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if cfg.BaseURL == "" {
		return nil, ErrDisabled
	}
	if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		return nil, fmt.Errorf("llm: base_url %q must start with http:// or https://", cfg.BaseURL)
	}
	if cfg.ChatModel == "" && cfg.EmbeddingModel == "" {
		return nil, fmt.Errorf("llm: base_url is set but neither chat_model nor embedding_model is")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.EmbedBatch <= 0 {
		cfg.EmbedBatch = 64
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	transport.TLSHandshakeTimeout = 10 * time.Second
	transport.ResponseHeaderTimeout = cfg.Timeout
	hc := &http.Client{Timeout: cfg.Timeout, Transport: limitedTransport{transport}}

	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.BaseURL
	oc.HTTPClient = hc
	return &Client{cfg: cfg, api: openai.NewClientWithConfig(oc), http: hc, embedBackoff: time.Second}, nil
}

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

// chat sends one chat completion bounded by the configured timeout and
// returns the first choice's message.
func (c *Client) chat(ctx context.Context, op string, req openai.ChatCompletionRequest) (openai.ChatCompletionMessage, error) {
	if !c.CanChat() {
		return openai.ChatCompletionMessage{}, fmt.Errorf("llm: %s: %w (no chat_model)", op, ErrDisabled)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req.Model = c.cfg.ChatModel
	resp, err := c.api.CreateChatCompletion(ctx, req)
	if err != nil {
		return openai.ChatCompletionMessage{}, classify(op, err)
	}
	if len(resp.Choices) == 0 {
		return openai.ChatCompletionMessage{}, fmt.Errorf("llm: %s: %w: response has no choices", op, ErrUnavailable)
	}
	return resp.Choices[0].Message, nil
}

// classify wraps an error from the endpoint so callers can tell it is the
// endpoint that failed, and why.
func classify(op string, err error) error {
	status, msg := statusOf(err)
	switch {
	case status == http.StatusTooManyRequests:
		return fmt.Errorf("llm: %s: %w: %w: HTTP %d: %s", op, ErrUnavailable, ErrRateLimited, status, msg)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return fmt.Errorf("llm: %s: %w: %w: HTTP %d: %s", op, ErrUnavailable, ErrUnauthorized, status, msg)
	case status != 0:
		return fmt.Errorf("llm: %s: %w: HTTP %d: %s", op, ErrUnavailable, status, msg)
	}
	return fmt.Errorf("llm: %s: %w: %w", op, ErrUnavailable, err)
}

// statusOf returns the HTTP status and message of an error response from
// go-openai, or 0 when err did not come from one.
func statusOf(err error) (int, string) {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatusCode, apiErr.Message
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		msg := strings.ToValidUTF8(strings.TrimSpace(string(reqErr.Body)), "")
		if len(msg) > 200 {
			msg = strings.ToValidUTF8(msg[:200], "")
		}
		return reqErr.HTTPStatusCode, msg
	}
	return 0, ""
}

// retryable reports whether a call that failed with err (as go-openai
// returned it) may succeed if repeated.
func retryable(err error) bool {
	if status, _ := statusOf(err); status != 0 {
		return status == http.StatusTooManyRequests || status >= 500
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}

// limitedTransport caps response bodies so a misbehaving endpoint cannot
// exhaust memory (go-openai reads bodies whole).
type limitedTransport struct{ next http.RoundTripper }

func (t limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = limitedBody{Reader: io.LimitReader(resp.Body, maxResponseBytes), Closer: resp.Body}
	return resp, nil
}

type limitedBody struct {
	io.Reader
	io.Closer
}
