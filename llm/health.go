package llm

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"time"
)

// The circuit: after circuitFailures calls in a row that the endpoint did
// not serve, chat calls fail at once for circuitOpen, so each message is
// not slowed by a doomed call; then one call is let through to try again.
const (
	circuitFailures = 3
	circuitOpen     = 3 * time.Minute
	// noToolsFor is how long an endpoint that refused tools is asked for
	// JSON in plain text instead before tools are offered again.
	noToolsFor = time.Hour
)

// errCircuitOpen is wrapped with ErrUnavailable while the circuit is open.
var errCircuitOpen = errors.New("endpoint failing, calls paused")

// errToolsRefused marks a chat call the endpoint refused because it was
// offered tools; it also wraps the endpoint's ErrUnavailable error.
var errToolsRefused = errors.New("endpoint does not do function calling")

// health is what the client has learnt about its endpoint.
type health struct {
	// chat and embed are the circuits of the two kinds of call: a broken
	// embedding model does not stop understanding, nor the reverse.
	chat, embed circuit

	mu sync.Mutex
	// noToolsUntil is when tools are offered again; toolsMsg is the
	// provider's words when it refused them.
	noToolsUntil time.Time
	toolsMsg     string
	// batch is the embeddings batch size now in use.
	batch atomic.Int64
}

// circuit counts the endpoint's failures in a row.
type circuit struct {
	mu        sync.Mutex
	failures  int
	openUntil time.Time
}

// allow fails while the circuit is open.
func (h *circuit) allow(now time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now.Before(h.openUntil) {
		return fmt.Errorf("%w until %s", errCircuitOpen, h.openUntil.Format("15:04:05"))
	}
	return nil
}

// failed counts a call the endpoint did not serve. A call the caller
// cancelled is not the endpoint's fault and does not count.
func (h *circuit) failed(ctx context.Context, err error, now time.Time) {
	if !errors.Is(err, ErrUnavailable) || errors.Is(ctx.Err(), context.Canceled) {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failures++
	if h.failures >= circuitFailures {
		h.openUntil = now.Add(circuitOpen)
	}
}

func (h *circuit) succeeded() {
	h.mu.Lock()
	h.failures, h.openUntil = 0, time.Time{}
	h.mu.Unlock()
}

// toolsOff reports whether tools are not to be offered now.
func (h *health) toolsOff(now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return now.Before(h.noToolsUntil)
}

// refuseTools remembers that the endpoint refused tools; it reports
// whether this is news (so the caller logs it once, not every message).
func (h *health) refuseTools(msg string, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	news := h.toolsMsg != msg
	h.noToolsUntil, h.toolsMsg = now.Add(noToolsFor), msg
	return news
}

// toolRefusal matches what servers answer when a request offers tools they
// cannot take: DeepSeek "deepseek-reasoner does not support Function
// Calling", vLLM "\"auto\" tool choice requires --enable-auto-tool-choice
// and --tool-call-parser to be set", Ollama "llama3 does not support
// tools", llama.cpp "tools param requires --jinja flag".
var toolRefusal = regexp.MustCompile(`(?i)(tool|function[ _-]?call).*(support|require|enable|not allowed|not permitted|unrecognized|unknown)|(support|require|enable).*(tool|function[ _-]?call)|(工具|函数|function).*(不支持|未开启|未启用)|不支持.*(工具|函数|function)`)

// toolsRefused reports whether err is the endpoint refusing tools.
func toolsRefused(err error) bool {
	status, msg := statusOf(err)
	return status >= 400 && status != 401 && status != 403 && status != 429 && toolRefusal.MatchString(msg)
}
