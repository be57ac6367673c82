// Package llmtest is a fake OpenAI-compatible endpoint for tests: an
// httptest server on 127.0.0.1 that speaks the wire formats of
// POST /v1/chat/completions (assistant tool_calls, finish_reason
// "tool_calls") and POST /v1/embeddings, answers chat requests through a
// script the test supplies, and records every request it receives.
//
// It does not import go-openai, so it checks the client's real wire format.
package llmtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
)

// Dims is the dimension of the default embedding vectors.
const Dims = 64

// ChatRequest is the body of POST /v1/chat/completions as received.
type ChatRequest struct {
	Model       string          `json:"model"`
	Messages    []Message       `json:"messages"`
	Tools       []Tool          `json:"tools,omitempty"`
	ToolChoice  json.RawMessage `json:"tool_choice,omitempty"`
	Temperature *float64        `json:"temperature,omitempty"`
	Stream      bool            `json:"stream"`
}

// Message is one chat message on the wire.
type Message struct {
	Role       string     `json:"role"`
	Content    string     `json:"content"`
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

// Tool is one declared tool.
type Tool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
	} `json:"function"`
}

// ToolCall is one call in an assistant message.
type ToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// Text returns the content of every message of role, joined by newlines.
func (r ChatRequest) Text(role string) string {
	var parts []string
	for _, m := range r.Messages {
		if m.Role == role {
			parts = append(parts, m.Content)
		}
	}
	return strings.Join(parts, "\n")
}

// System returns the system prompt; User the user turns.
func (r ChatRequest) System() string { return r.Text("system") }
func (r ChatRequest) User() string   { return r.Text("user") }

// ToolNames lists the declared tools' names in order.
func (r ChatRequest) ToolNames() []string {
	var names []string
	for _, t := range r.Tools {
		names = append(names, t.Function.Name)
	}
	return names
}

// Reply is what the fake answers to one chat request. The zero Reply is an
// assistant message with empty content.
type Reply struct {
	// Delay holds the answer back, or until the client gives up.
	Delay time.Duration
	// Status, when not 0 or 200, answers with an OpenAI error body carrying
	// ErrorMessage (and a Retry-After header for 429).
	Status       int
	ErrorMessage string
	// Raw, when set, is sent verbatim as a 200 body (for broken responses).
	Raw string
	// Content and Refusal fill the assistant message; Calls its tool_calls.
	Content string
	Refusal string
	Calls   []Call
	// LegacyFunctionCall sends the first call in the deprecated
	// function_call field instead of tool_calls.
	LegacyFunctionCall bool
}

// Call is one tool call; Arguments is sent as is, valid JSON or not.
type Call struct {
	Name      string
	Arguments string
}

// Text replies with a plain assistant message.
func Text(s string) Reply { return Reply{Content: s} }

// CallTool replies with one tool call whose arguments are args as JSON.
func CallTool(name string, args any) Reply {
	b, err := json.Marshal(args)
	if err != nil {
		panic(fmt.Sprintf("llmtest: arguments of %s: %v", name, err))
	}
	return Reply{Calls: []Call{{Name: name, Arguments: string(b)}}}
}

// RawCall replies with one tool call whose arguments string is sent verbatim.
func RawCall(name, arguments string) Reply {
	return Reply{Calls: []Call{{Name: name, Arguments: arguments}}}
}

// Fail replies with an HTTP error status and OpenAI's error body.
func Fail(status int, message string) Reply { return Reply{Status: status, ErrorMessage: message} }

// Slow delays r by d.
func Slow(d time.Duration, r Reply) Reply { r.Delay = d; return r }

// ChatFunc scripts the chat endpoint: one Reply per request.
type ChatFunc func(ChatRequest) Reply

// EmbedFunc scripts the embeddings endpoint: one vector per input. It may
// return an error Reply (Status, Delay) instead by setting ok to false.
type EmbedFunc func(model string, input []string) (vectors [][]float32, fail Reply, ok bool)

// Request is one request the server received.
type Request struct {
	Method, Path  string
	Authorization string
	Body          []byte
	Chat          *ChatRequest  // set for chat completions
	Embed         *EmbedRequest // set for embeddings
}

// EmbedRequest is the body of POST /v1/embeddings as received.
type EmbedRequest struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	EncodingFormat string   `json:"encoding_format,omitempty"`
}

// Server is the fake endpoint. Set Chat and Embed before the client calls;
// they may be replaced between calls with SetChat and SetEmbed.
type Server struct {
	*httptest.Server
	// APIKey, when set, makes the server refuse other bearer tokens with 401.
	APIKey string

	mu       sync.Mutex
	chat     ChatFunc
	embed    EmbedFunc
	requests []Request
	seq      atomic.Int64
}

// NewServer starts a fake endpoint on 127.0.0.1 answering chat requests
// with chat (a plain "好的。" when nil). Close it when done; BaseURL is what
// llm.Config.BaseURL takes.
func NewServer(chat ChatFunc) *Server {
	s := &Server{chat: chat}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// BaseURL is the API root, ending in /v1.
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// SetChat replaces the chat script.
func (s *Server) SetChat(f ChatFunc) { s.mu.Lock(); s.chat = f; s.mu.Unlock() }

// SetEmbed replaces the embeddings script (Vector for every input when nil).
func (s *Server) SetEmbed(f EmbedFunc) { s.mu.Lock(); s.embed = f; s.mu.Unlock() }

// Requests returns a copy of the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ChatRequests returns the chat completion requests received so far.
func (s *Server) ChatRequests() []ChatRequest {
	var out []ChatRequest
	for _, r := range s.Requests() {
		if r.Chat != nil {
			out = append(out, *r.Chat)
		}
	}
	return out
}

// LastChat returns the latest chat completion request, or false if none came.
func (s *Server) LastChat() (ChatRequest, bool) {
	reqs := s.ChatRequests()
	if len(reqs) == 0 {
		return ChatRequest{}, false
	}
	return reqs[len(reqs)-1], true
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "cannot read body", "invalid_request_error")
		return
	}
	rec := Request{Method: r.Method, Path: r.URL.Path, Authorization: r.Header.Get("Authorization"), Body: body}
	switch {
	case r.Method != http.MethodPost:
		s.record(rec)
		writeError(w, http.StatusMethodNotAllowed, "method not allowed", "invalid_request_error")
	case s.APIKey != "" && rec.Authorization != "Bearer "+s.APIKey:
		s.record(rec)
		writeError(w, http.StatusUnauthorized, "Incorrect API key provided.", "invalid_request_error")
	case r.URL.Path == "/v1/chat/completions":
		s.serveChat(w, r, rec)
	case r.URL.Path == "/v1/embeddings":
		s.serveEmbed(w, r, rec)
	default:
		s.record(rec)
		writeError(w, http.StatusNotFound, "unknown path "+r.URL.Path, "invalid_request_error")
	}
}

func (s *Server) record(rec Request) {
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()
}

func (s *Server) serveChat(w http.ResponseWriter, r *http.Request, rec Request) {
	var req ChatRequest
	if err := json.Unmarshal(rec.Body, &req); err != nil {
		s.record(rec)
		writeError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error(), "invalid_request_error")
		return
	}
	rec.Chat = &req
	s.record(rec)
	switch {
	case req.Model == "":
		writeError(w, http.StatusBadRequest, "you must provide a model parameter", "invalid_request_error")
		return
	case len(req.Messages) == 0:
		writeError(w, http.StatusBadRequest, "'messages' must contain at least one message", "invalid_request_error")
		return
	case req.Stream:
		writeError(w, http.StatusBadRequest, "the fake does not stream", "invalid_request_error")
		return
	}
	s.mu.Lock()
	chat := s.chat
	s.mu.Unlock()
	reply := Text("好的。")
	if chat != nil {
		reply = chat(req)
	}
	if !wait(r.Context(), reply.Delay) {
		return
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		writeReplyError(w, reply)
		return
	}
	if reply.Raw != "" {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, reply.Raw)
		return
	}
	writeJSON(w, http.StatusOK, s.completion(req.Model, reply))
}

// completion renders reply as OpenAI's chat.completion object.
func (s *Server) completion(model string, reply Reply) map[string]any {
	n := s.seq.Add(1)
	msg := map[string]any{"role": "assistant", "content": nil}
	if reply.Content != "" {
		msg["content"] = reply.Content
	}
	if reply.Refusal != "" {
		msg["refusal"] = reply.Refusal
	}
	finish := "stop"
	if len(reply.Calls) > 0 {
		if reply.LegacyFunctionCall {
			msg["function_call"] = map[string]any{"name": reply.Calls[0].Name, "arguments": reply.Calls[0].Arguments}
			finish = "function_call"
		} else {
			calls := make([]map[string]any, len(reply.Calls))
			for i, c := range reply.Calls {
				calls[i] = map[string]any{
					"id":       fmt.Sprintf("call_%d_%d", n, i),
					"type":     "function",
					"function": map[string]any{"name": c.Name, "arguments": c.Arguments},
				}
			}
			msg["tool_calls"] = calls
			finish = "tool_calls"
		}
	}
	return map[string]any{
		"id":      fmt.Sprintf("chatcmpl-fake%d", n),
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   model,
		"choices": []map[string]any{{
			"index":         0,
			"message":       msg,
			"logprobs":      nil,
			"finish_reason": finish,
		}},
		"usage":              map[string]any{"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
		"system_fingerprint": "fp_fake",
	}
}

func (s *Server) serveEmbed(w http.ResponseWriter, r *http.Request, rec Request) {
	var req EmbedRequest
	if err := json.Unmarshal(rec.Body, &req); err != nil {
		// input may also be one string; accept it as OpenAI does
		var one struct {
			Model          string `json:"model"`
			Input          string `json:"input"`
			EncodingFormat string `json:"encoding_format"`
		}
		if err2 := json.Unmarshal(rec.Body, &one); err2 != nil {
			s.record(rec)
			writeError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error(), "invalid_request_error")
			return
		}
		req = EmbedRequest{Model: one.Model, Input: []string{one.Input}, EncodingFormat: one.EncodingFormat}
	}
	rec.Embed = &req
	s.record(rec)
	if req.Model == "" {
		writeError(w, http.StatusBadRequest, "you must provide a model parameter", "invalid_request_error")
		return
	}
	for _, in := range req.Input {
		if in == "" {
			writeError(w, http.StatusBadRequest, "'$.input' is invalid: empty string", "invalid_request_error")
			return
		}
	}
	s.mu.Lock()
	embed := s.embed
	s.mu.Unlock()
	var vectors [][]float32
	if embed != nil {
		v, fail, ok := embed(req.Model, req.Input)
		if !ok {
			if !wait(r.Context(), fail.Delay) {
				return
			}
			if fail.Raw != "" {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, fail.Raw)
				return
			}
			writeReplyError(w, fail)
			return
		}
		vectors = v
	} else {
		for _, in := range req.Input {
			vectors = append(vectors, Vector(in))
		}
	}
	data := make([]map[string]any, len(vectors))
	for i, v := range vectors {
		var emb any = v
		if req.EncodingFormat == "base64" {
			buf := make([]byte, 4*len(v))
			for j, f := range v {
				binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(f))
			}
			emb = base64.StdEncoding.EncodeToString(buf)
		}
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": emb}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list",
		"data":   data,
		"model":  req.Model,
		"usage":  map[string]any{"prompt_tokens": len(req.Input), "total_tokens": len(req.Input)},
	})
}

// Vector is the fake's embedding of text: its character bigrams (Han, and
// lower-cased letters and digits), each hashed to one of Dims dimensions,
// counted and normalised to unit length. Texts sharing bigrams are close;
// the same text always gets the same vector.
func Vector(text string) []float32 {
	v := make([]float32, Dims)
	var runes []rune
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			runes = append(runes, unicode.ToLower(r))
		}
	}
	add := func(s string) {
		h := fnv.New32a()
		h.Write([]byte(s))
		v[h.Sum32()%Dims]++
	}
	switch len(runes) {
	case 0:
		sum := sha256.Sum256([]byte(text)) // still deterministic for texts of punctuation only
		v[int(sum[0])%Dims] = 1
	case 1:
		add(string(runes))
	}
	for i := 0; i+1 < len(runes); i++ {
		add(string(runes[i : i+2]))
	}
	var norm float64
	for _, x := range v {
		norm += float64(x) * float64(x)
	}
	norm = math.Sqrt(norm)
	for i := range v {
		v[i] = float32(float64(v[i]) / norm)
	}
	return v
}

// wait sleeps d, or returns false when the client gave up first.
func wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func writeReplyError(w http.ResponseWriter, reply Reply) {
	msg, typ := reply.ErrorMessage, "server_error"
	switch {
	case reply.Status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "1")
		typ = "requests"
		if msg == "" {
			msg = "Rate limit reached for requests"
		}
	case reply.Status < 500:
		typ = "invalid_request_error"
	}
	if msg == "" {
		msg = http.StatusText(reply.Status)
	}
	writeError(w, reply.Status, msg, typ)
}

// writeError answers with OpenAI's error object.
func writeError(w http.ResponseWriter, status int, message, typ string) {
	code := any(nil)
	if status == http.StatusTooManyRequests {
		code = "rate_limit_exceeded"
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": message, "type": typ, "param": nil, "code": code,
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
