// Package llmtest is a fake OpenAI-compatible endpoint for tests: an
// httptest server on 127.0.0.1 that speaks the wire formats of
// POST /v1/chat/completions (assistant tool_calls, finish_reason
// "tool_calls") and POST /v1/embeddings, answers chat requests through a
// script the test supplies, and records every request it receives. Quirks
// (SetQuirks, with presets such as DashScopeQwen3) make it answer as real
// providers do: thinking in the content or in reasoning_content, tool calls
// as text or with object arguments, tools refused, fields required, batch
// limits and rate limits, each with the provider's own error body.
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
	// Fields holds every top-level field as received, for the ones a
	// provider adds (enable_thinking, chat_template_kwargs).
	Fields map[string]json.RawMessage `json:"-"`
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
	// Thinking is the model's reasoning; where it goes is the server's
	// Quirks.Think. Empty means a stock reasoning that repeats the rules
	// (including "文件未涉及") when the server thinks at all.
	Thinking string
	// FinishReason overrides the finish_reason ("length" for a reply cut
	// off; an empty Content is then sent as null).
	FinishReason string
	// Error, when set, is the answer: a provider's own error body with its
	// status (errors.go has them as each provider writes them), and a
	// Retry-After header of RetryAfter when that is set.
	Error      *Refusal
	RetryAfter string
	// CutAfter, when > 0, sends only the first CutAfter bytes of the
	// completion, having announced all of it, and drops the connection: a
	// reply cut off mid-way by a proxy, a restart or the network.
	CutAfter int
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

// Think is where a thinking model's reasoning goes.
type Think int

const (
	NoThink    Think = iota
	ThinkTags        // "<think>…</think>answer" in content (Ollama, vLLM without a reasoning parser)
	ThinkClose       // "…</think>answer": the chat template opened the tag (Qwen3, DeepSeek-R1 distills)
	ThinkField       // reasoning_content beside content (DeepSeek, DashScope, GLM)
)

// ToolFormat is how calls are written when a server leaves them in content.
type ToolFormat int

const (
	HermesCalls   ToolFormat = iota // <tool_call>{"name":…,"arguments":{…}}</tool_call> (Qwen)
	GLMCalls                        // <tool_call>name<arg_key>k</arg_key><arg_value>v</arg_value></tool_call> (GLM-4.5)
	DeepSeekCalls                   // <｜tool▁call▁begin｜>NAME<｜tool▁sep｜>ARGS<｜tool▁call▁end｜> (DeepSeek-V3.1)
	KimiCalls                       // <|tool_call_begin|>functions.NAME:0<|tool_call_argument_begin|>ARGS<|tool_call_end|> (Kimi K2)
)

// Refusal is an error answer exactly as a provider sends it.
type Refusal struct {
	Status int
	Body   string
}

// Quirks make the fake answer as a particular real server does; the zero
// value is OpenAI. Presets: DeepSeekReasoner, DashScopeQwen3, VLLMQwen3,
// OllamaR1, GLMThinking.
type Quirks struct {
	Think Think
	// ToolsInContent writes tool calls as text in content, in ToolFormat,
	// with finish_reason "stop" (vLLM serving a model without a tool parser).
	ToolsInContent bool
	ToolFormat     ToolFormat
	// ObjectArguments sends tool-call arguments as a JSON object (Ollama).
	ObjectArguments bool
	// StopWithCalls sends tool_calls with finish_reason "stop" and no ids.
	StopWithCalls bool
	// RefuseTools answers every request that offers tools with it.
	RefuseTools *Refusal
	// Require lists top-level chat fields that must be present with these
	// values (compared as JSON); otherwise RequireRefusal is the answer.
	Require        map[string]any
	RequireRefusal Refusal
	// EmbedBatchLimit refuses embedding requests of more inputs with
	// EmbedBatchRefusal.
	EmbedBatchLimit   int
	EmbedBatchRefusal Refusal
	// RateLimited answers the next that many requests (chat or embeddings)
	// with 429 and a Retry-After of RetryAfter ("1" when empty).
	RateLimited int
	RetryAfter  string
}

// DeepSeekReasoner is api.deepseek.com serving deepseek-reasoner: reasoning
// in reasoning_content, and no function calling.
func DeepSeekReasoner() Quirks {
	return Quirks{Think: ThinkField, RefuseTools: &Refusal{400,
		`{"error":{"message":"deepseek-reasoner does not support Function Calling","type":"invalid_request_error","param":null,"code":"invalid_request_error"}}`}}
}

// DashScopeQwen3 is DashScope's compatible mode serving Qwen3: non-streaming
// calls need enable_thinking false, and embeddings take at most 10 texts.
func DashScopeQwen3() Quirks {
	return Quirks{
		Require: map[string]any{"enable_thinking": false},
		RequireRefusal: Refusal{400,
			`{"error":{"code":"invalid_parameter_error","message":"parameter.enable_thinking must be set to false for non-streaming calls","param":null,"type":"invalid_request_error"},"request_id":"53ada3be-865a-4b26-a48d-1ca6e3cf6219"}`},
		EmbedBatchLimit: 10,
		EmbedBatchRefusal: Refusal{400,
			`{"error":{"message":"<400> InternalError.Algo.InvalidParameter: Value error, batch size is invalid, it should not be larger than 10.: input.contents","type":"InvalidParameter","param":null,"code":"InvalidParameter"},"id":"318cff27-38bd-4289-8f70-18d8d37bded9","request_id":"318cff27-38bd-4289-8f70-18d8d37bded9"}`},
	}
}

// VLLMQwen3 is vLLM serving Qwen3 without --enable-auto-tool-choice and
// without a reasoning parser: tool_choice "auto" is refused, thinking
// arrives in content, and a model shown tools writes <tool_call> text.
func VLLMQwen3() Quirks {
	return Quirks{Think: ThinkTags, ToolsInContent: true, RefuseTools: &Refusal{400,
		`{"object":"error","message":"\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set","type":"BadRequestError","param":null,"code":400}`}}
}

// OllamaR1 is Ollama serving deepseek-r1: <think> in content and no tools.
func OllamaR1() Quirks {
	return Quirks{Think: ThinkTags, ObjectArguments: true, StopWithCalls: true, RefuseTools: &Refusal{400,
		`{"error":{"message":"registry.ollama.ai/library/deepseek-r1:7b does not support tools","type":"api_error","param":null,"code":null}}`}}
}

// GLMThinking is Zhipu's GLM-4.5 family: reasoning_content, calls with
// finish_reason "tool_calls" as OpenAI.
func GLMThinking() Quirks { return Quirks{Think: ThinkField} }

// stockThinking is a reasoning that repeats the prompt's rules, as models do.
const stockThinking = "用户在问什么？规则说：摘录没有回答这个问题时，只回答“文件未涉及”。让我看看摘录……摘录里有答案，应当作答并注明出处。"

// Server is the fake endpoint. Set Chat and Embed before the client calls;
// they may be replaced between calls with SetChat and SetEmbed.
type Server struct {
	*httptest.Server
	// APIKey, when set, makes the server refuse other bearer tokens with 401.
	APIKey string

	mu       sync.Mutex
	quirks   Quirks
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

// SetQuirks makes the server answer as a real provider does.
func (s *Server) SetQuirks(q Quirks) { s.mu.Lock(); s.quirks = q; s.mu.Unlock() }

// rateLimited takes one of the 429s still to give, if any.
func (s *Server) rateLimited(w http.ResponseWriter) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.quirks.RateLimited <= 0 {
		return false
	}
	s.quirks.RateLimited--
	w.Header().Set("Retry-After", cmpOr(s.quirks.RetryAfter, "1"))
	writeError(w, http.StatusTooManyRequests, "Rate limit reached for requests", "requests")
	return true
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (s *Server) getQuirks() Quirks { s.mu.Lock(); defer s.mu.Unlock(); return s.quirks }

// writeRaw answers with a provider's own error body.
func writeRaw(w http.ResponseWriter, r Refusal) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(r.Status)
	io.WriteString(w, r.Body)
}

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
	json.Unmarshal(rec.Body, &req.Fields)
	rec.Chat = &req
	s.record(rec)
	q := s.getQuirks()
	if s.rateLimited(w) {
		return
	}
	if len(req.Tools) > 0 && q.RefuseTools != nil {
		writeRaw(w, *q.RefuseTools)
		return
	}
	for k, want := range q.Require {
		b, _ := json.Marshal(want)
		if got, ok := req.Fields[k]; !ok || !bytes.Equal(bytes.TrimSpace(got), b) {
			writeRaw(w, q.RequireRefusal)
			return
		}
	}
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
	if reply.Error != nil {
		if reply.RetryAfter != "" {
			w.Header().Set("Retry-After", reply.RetryAfter)
		}
		writeRaw(w, *reply.Error)
		return
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		writeReplyError(w, reply)
		return
	}
	if reply.CutAfter > 0 {
		writeCut(w, s.completion(req, q, reply), reply.CutAfter)
		return
	}
	if reply.Raw != "" {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, reply.Raw)
		return
	}
	writeJSON(w, http.StatusOK, s.completion(req, q, reply))
}

// completion renders reply as the server would: OpenAI's chat.completion
// object, with the provider's quirks. A model that was offered no tools
// can only write its calls as text: as the JSON object duban's prompt asks
// for, or in the server's ToolFormat.
func (s *Server) completion(req ChatRequest, q Quirks, reply Reply) map[string]any {
	n := s.seq.Add(1)
	msg := map[string]any{"role": "assistant", "content": nil}
	content := reply.Content
	calls := reply.Calls
	switch {
	case len(calls) > 0 && q.ToolsInContent && len(req.Tools) > 0:
		content = strings.TrimSpace(content + "\n" + textCalls(calls, q.ToolFormat))
		calls = nil
	case len(calls) > 0 && len(req.Tools) == 0:
		content = strings.TrimSpace(content + "\n" + jsonCalls(calls))
		calls = nil
	}
	thinking := reply.Thinking
	if thinking == "" {
		thinking = stockThinking
	}
	cut := reply.FinishReason == "length" && reply.Content == "" && len(reply.Calls) == 0
	switch {
	case cut && q.Think == ThinkTags: // cut off while thinking: the tag never closes
		content = "<think>\n" + half(thinking)
	case cut && q.Think == ThinkClose:
		content = half(thinking)
	case q.Think == ThinkTags:
		content = "<think>\n" + thinking + "\n</think>\n\n" + content
	case q.Think == ThinkClose:
		content = thinking + "\n</think>\n\n" + content
	}
	if q.Think == ThinkField {
		msg["reasoning_content"] = thinking
	}
	if content != "" {
		msg["content"] = content
	}
	if reply.Refusal != "" {
		msg["refusal"] = reply.Refusal
	}
	finish := "stop"
	if len(calls) > 0 {
		if reply.LegacyFunctionCall {
			msg["function_call"] = map[string]any{"name": reply.Calls[0].Name, "arguments": reply.Calls[0].Arguments}
			finish = "function_call"
		} else {
			wire := make([]map[string]any, len(calls))
			for i, c := range calls {
				var args any = c.Arguments
				if q.ObjectArguments && json.Valid([]byte(c.Arguments)) {
					args = json.RawMessage(c.Arguments)
				}
				wire[i] = map[string]any{"type": "function", "function": map[string]any{"name": c.Name, "arguments": args}}
				if !q.StopWithCalls {
					wire[i]["id"] = fmt.Sprintf("call_%d_%d", n, i)
				}
			}
			msg["tool_calls"] = wire
			if !q.StopWithCalls {
				finish = "tool_calls"
			}
		}
	}
	if reply.FinishReason != "" {
		finish = reply.FinishReason
	}
	return map[string]any{
		"id":      fmt.Sprintf("chatcmpl-fake%d", n),
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   req.Model,
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
	if s.rateLimited(w) {
		return
	}
	if q := s.getQuirks(); q.EmbedBatchLimit > 0 && len(req.Input) > q.EmbedBatchLimit {
		writeRaw(w, q.EmbedBatchRefusal)
		return
	}
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

func half(s string) string { r := []rune(s); return string(r[:len(r)/2]) }

// textCalls writes calls as a server without a tool parser leaves them.
func textCalls(calls []Call, format ToolFormat) string {
	var b strings.Builder
	switch format {
	case DeepSeekCalls:
		b.WriteString("<｜tool▁calls▁begin｜>")
		for _, c := range calls {
			fmt.Fprintf(&b, "<｜tool▁call▁begin｜>%s<｜tool▁sep｜>%s<｜tool▁call▁end｜>", c.Name, orEmpty(c.Arguments))
		}
		b.WriteString("<｜tool▁calls▁end｜>")
		return b.String()
	case KimiCalls:
		b.WriteString("<|tool_calls_section_begin|>")
		for i, c := range calls {
			fmt.Fprintf(&b, "<|tool_call_begin|>functions.%s:%d<|tool_call_argument_begin|>%s<|tool_call_end|>", c.Name, i, orEmpty(c.Arguments))
		}
		b.WriteString("<|tool_calls_section_end|>")
		return b.String()
	}
	for _, c := range calls {
		if format == GLMCalls {
			var args map[string]any
			json.Unmarshal([]byte(c.Arguments), &args)
			fmt.Fprintf(&b, "<tool_call>%s\n", c.Name)
			for k, v := range args {
				fmt.Fprintf(&b, "<arg_key>%s</arg_key>\n<arg_value>%v</arg_value>\n", k, v)
			}
			b.WriteString("</tool_call>\n")
			continue
		}
		fmt.Fprintf(&b, "<tool_call>\n{\"name\": %q, \"arguments\": %s}\n</tool_call>\n", c.Name, orEmpty(c.Arguments))
	}
	return b.String()
}

// jsonCalls writes calls as duban's JSON-in-text prompt asks.
func jsonCalls(calls []Call) string {
	var parts []string
	for _, c := range calls {
		parts = append(parts, fmt.Sprintf("{\"name\": %q, \"arguments\": %s}", c.Name, orEmpty(c.Arguments)))
	}
	return strings.Join(parts, "\n")
}

func orEmpty(args string) string {
	if strings.TrimSpace(args) == "" {
		return "{}"
	}
	return args
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
