package llmtest

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func post(t *testing.T, url, body string) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	return resp, v
}

func TestChatWireFormat(t *testing.T) {
	s := NewServer(func(r ChatRequest) Reply {
		if !slices.Contains(r.ToolNames(), "list_tasks") {
			return Text("no tools")
		}
		return CallTool("list_tasks", map[string]string{})
	})
	defer s.Close()
	resp, v := post(t, s.BaseURL()+"/chat/completions", `{"model":"m","messages":[{"role":"system","content":"规则"},{"role":"user","content":"我的任务"}],
		"tools":[{"type":"function","function":{"name":"list_tasks","parameters":{"type":"object","properties":{}}}}]}`)
	if resp.StatusCode != 200 || v["object"] != "chat.completion" {
		t.Fatalf("status %d, body %v", resp.StatusCode, v)
	}
	choice := v["choices"].([]any)[0].(map[string]any)
	msg := choice["message"].(map[string]any)
	if choice["finish_reason"] != "tool_calls" || msg["role"] != "assistant" || msg["content"] != nil {
		t.Errorf("choice = %v", choice)
	}
	call := msg["tool_calls"].([]any)[0].(map[string]any)
	fn := call["function"].(map[string]any)
	if call["type"] != "function" || call["id"] == "" || fn["name"] != "list_tasks" || fn["arguments"] != "{}" {
		t.Errorf("tool call = %v", call)
	}
	req, ok := s.LastChat()
	if !ok || req.System() != "规则" || req.User() != "我的任务" || req.Model != "m" {
		t.Errorf("recorded %+v", req)
	}
}

func TestChatErrors(t *testing.T) {
	s := NewServer(func(ChatRequest) Reply { return Fail(429, "") })
	defer s.Close()
	resp, v := post(t, s.BaseURL()+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"x"}]}`)
	e := v["error"].(map[string]any)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || e["code"] != "rate_limit_exceeded" || e["message"] == "" {
		t.Errorf("429: status %d, error %v", resp.StatusCode, e)
	}
	for body, status := range map[string]int{
		`{"messages":[{"role":"user","content":"x"}]}`: 400,
		`{"model":"m","messages":[]}`:                  400,
		`not json`:                                     400,
	} {
		if resp, _ := post(t, s.BaseURL()+"/chat/completions", body); resp.StatusCode != status {
			t.Errorf("%s: status %d, want %d", body, resp.StatusCode, status)
		}
	}
	if resp, _ := post(t, s.URL+"/v2/other", `{}`); resp.StatusCode != 404 {
		t.Errorf("unknown path: status %d", resp.StatusCode)
	}
	s.APIKey = "k"
	if resp, _ := post(t, s.BaseURL()+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"x"}]}`); resp.StatusCode != 401 {
		t.Errorf("no key: status %d", resp.StatusCode)
	}
	if n := len(s.Requests()); n != 6 {
		t.Errorf("recorded %d requests, want 6", n)
	}
}

func TestEmbeddingsWireFormat(t *testing.T) {
	s := NewServer(nil)
	defer s.Close()
	_, v := post(t, s.BaseURL()+"/embeddings", `{"model":"e","input":["大科室制","改革"]}`)
	data := v["data"].([]any)
	if len(data) != 2 || v["object"] != "list" || v["model"] != "e" {
		t.Fatalf("body %v", v)
	}
	first := data[0].(map[string]any)
	if first["index"].(float64) != 0 || len(first["embedding"].([]any)) != Dims {
		t.Errorf("first = %v", first)
	}
	// One string, base64-encoded floats.
	_, v = post(t, s.BaseURL()+"/embeddings", `{"model":"e","input":"改革","encoding_format":"base64"}`)
	raw, err := base64.StdEncoding.DecodeString(v["data"].([]any)[0].(map[string]any)["embedding"].(string))
	if err != nil || len(raw) != 4*Dims {
		t.Fatalf("base64 embedding: %v, %d bytes", err, len(raw))
	}
	want := Vector("改革")
	for i := range Dims {
		if math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])) != want[i] {
			t.Fatalf("base64 vector differs at %d", i)
		}
	}
	if resp, _ := post(t, s.BaseURL()+"/embeddings", `{"model":"e","input":["a",""]}`); resp.StatusCode != 400 {
		t.Errorf("empty input: status %d, want 400 as OpenAI answers", resp.StatusCode)
	}
}

func TestVector(t *testing.T) {
	for _, text := range []string{"大科室制改革", "A", "。。", "Hello World 2017"} {
		v := Vector(text)
		if len(v) != Dims || !slices.Equal(v, Vector(text)) {
			t.Fatalf("Vector(%q) not deterministic or wrong size", text)
		}
		var norm float64
		for _, x := range v {
			norm += float64(x) * float64(x)
		}
		if math.Abs(norm-1) > 1e-5 {
			t.Errorf("|Vector(%q)|² = %v", text, norm)
		}
	}
	if !slices.Equal(Vector("Hello, World"), Vector("hello world")) {
		t.Errorf("case and punctuation should not matter")
	}
}

// The quirks are on the wire exactly as the providers send them.
func TestQuirksOnTheWire(t *testing.T) {
	s := NewServer(func(ChatRequest) Reply { return CallTool("list_tasks", map[string]string{"x": "1"}) })
	defer s.Close()
	tools := `"tools":[{"type":"function","function":{"name":"list_tasks","parameters":{"type":"object","properties":{}}}}]`

	s.SetQuirks(Quirks{Think: ThinkField, ObjectArguments: true, StopWithCalls: true})
	_, v := post(t, s.BaseURL()+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"x"}],`+tools+`}`)
	choice := v["choices"].([]any)[0].(map[string]any)
	msg := choice["message"].(map[string]any)
	call := msg["tool_calls"].([]any)[0].(map[string]any)
	if choice["finish_reason"] != "stop" || call["id"] != nil || msg["reasoning_content"] == nil {
		t.Errorf("choice = %v", choice)
	}
	if args, ok := call["function"].(map[string]any)["arguments"].(map[string]any); !ok || args["x"] != "1" {
		t.Errorf("arguments not an object: %v", call)
	}

	s.SetQuirks(VLLMQwen3())
	resp, v := post(t, s.BaseURL()+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"x"}],`+tools+`}`)
	if resp.StatusCode != 400 || v["object"] != "error" || !strings.Contains(v["message"].(string), "--enable-auto-tool-choice") {
		t.Errorf("vLLM refusal: %d %v", resp.StatusCode, v)
	}
	q := VLLMQwen3()
	q.RefuseTools = nil
	s.SetQuirks(q)
	_, v = post(t, s.BaseURL()+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"x"}],`+tools+`}`)
	content := v["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"].(string)
	if !strings.HasPrefix(content, "<think>\n") || !strings.Contains(content, "</think>\n\n<tool_call>\n{\"name\": \"list_tasks\", \"arguments\": {\"x\":\"1\"}}\n</tool_call>") {
		t.Errorf("content = %q", content)
	}

	s.SetQuirks(DashScopeQwen3())
	resp, v = post(t, s.BaseURL()+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"x"}]}`)
	if resp.StatusCode != 400 || !strings.Contains(v["error"].(map[string]any)["message"].(string), "enable_thinking") {
		t.Errorf("DashScope without enable_thinking: %d %v", resp.StatusCode, v)
	}
	if resp, _ := post(t, s.BaseURL()+"/chat/completions", `{"model":"m","enable_thinking":false,"messages":[{"role":"user","content":"x"}]}`); resp.StatusCode != 200 {
		t.Errorf("DashScope with enable_thinking false: %d", resp.StatusCode)
	}
	resp, v = post(t, s.BaseURL()+"/embeddings", `{"model":"e","input":["1","2","3","4","5","6","7","8","9","10","11"]}`)
	if resp.StatusCode != 400 || !strings.Contains(v["error"].(map[string]any)["message"].(string), "should not be larger than 10") {
		t.Errorf("DashScope batch of 11: %d %v", resp.StatusCode, v)
	}

	s.SetQuirks(Quirks{RateLimited: 1, RetryAfter: "7"})
	resp, _ = post(t, s.BaseURL()+"/embeddings", `{"model":"e","input":["a"]}`)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
		t.Errorf("rate limit: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp, _ := post(t, s.BaseURL()+"/embeddings", `{"model":"e","input":["a"]}`); resp.StatusCode != 200 {
		t.Errorf("after the rate limit: %d", resp.StatusCode)
	}
}
