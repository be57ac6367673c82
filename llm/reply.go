package llm

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// visibleText returns what the model answered without its reasoning.
// Thinking models (DeepSeek-R1 and its distills, Qwen3, GLM) put it in
// front of the answer as <think>…</think>, or only the closing tag when the
// chat template opened it; everything up to the last </think> goes. An
// opening <think> never closed (the reply was cut off while thinking)
// leaves only what came before it. reasoning_content, where a server sends
// it, is a separate field and is never read.
func visibleText(s string) string {
	if i := strings.LastIndex(s, "</think>"); i >= 0 {
		s = s[i+len("</think>"):]
	} else if i := strings.Index(s, "<think>"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// contentOf is the message's text, also when a server sends content as an
// array of parts.
func contentOf(msg openai.ChatCompletionMessage) string {
	if msg.Content != "" || len(msg.MultiContent) == 0 {
		return msg.Content
	}
	var b strings.Builder
	for _, p := range msg.MultiContent {
		if p.Type == "" || p.Type == openai.ChatMessagePartTypeText {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// textCall is a tool call a server left in the message's content.
type textCall struct {
	Name      string
	Arguments string // a JSON object's text, as in tool_calls
}

var (
	toolCallBlock = regexp.MustCompile(`(?s)<tool_call>(.*?)(?:</tool_call>|$)`)
	argPair       = regexp.MustCompile(`(?s)<arg_key>(.*?)</arg_key>\s*<arg_value>(.*?)</arg_value>`)
	codeFence     = regexp.MustCompile("(?s)^```[a-zA-Z]*\\s*(.*?)\\s*```$")
)

// callsInText finds tool calls written as text, as servers without a
// tool-call parser return them: Hermes/Qwen <tool_call>{"name":…,
// "arguments":{…}}</tool_call> blocks (several, the last possibly unclosed),
// GLM's <tool_call>name<arg_key>k</arg_key><arg_value>v</arg_value>,
// Mistral's [TOOL_CALLS][…], DeepSeek's and Kimi K2's own tokens, or the
// whole content (perhaps in a code fence) being one
// {"name":…,"arguments":…} object or an array of them. ok is false
// when the text holds no call; a block that cannot be read is returned with
// empty arguments so validation refuses it rather than the text being
// taken for small talk.
func callsInText(s string) (calls []textCall, ok bool) {
	s = strings.TrimSpace(s)
	for _, tc := range []tokenCall{deepSeekTokens, kimiTokens} {
		if strings.Contains(s, tc.begin) {
			return tc.calls(s), true
		}
	}
	if strings.Contains(s, "<tool_call>") {
		for _, m := range toolCallBlock.FindAllStringSubmatch(s, -1) {
			calls = append(calls, blockCall(strings.TrimSpace(m[1])))
		}
		return calls, len(calls) > 0
	}
	if rest, found := strings.CutPrefix(s, "[TOOL_CALLS]"); found {
		calls, _ = jsonCalls(strings.TrimSpace(rest))
		if len(calls) == 0 {
			calls = []textCall{{}}
		}
		return calls, true
	}
	if m := codeFence.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	if calls, ok := jsonCalls(s); ok {
		return calls, true
	}
	return embeddedCall(s)
}

// tokenCall is a model's own tokens around each tool call, left in the
// content by a server without that model's tool-call parser (vLLM,
// SGLang): the call's name comes before sep, its arguments after.
type tokenCall struct {
	begin, end, sep string
	name            func(head string) string // the name as written before sep
}

var (
	// DeepSeek: V3 writes "function<｜tool▁sep｜>NAME\n```json\nARGS\n```",
	// V3.1 "NAME<｜tool▁sep｜>ARGS".
	deepSeekTokens = tokenCall{begin: "<｜tool▁call▁begin｜>", end: "<｜tool▁call▁end｜>", sep: "<｜tool▁sep｜>"}
	// Kimi K2: "functions.NAME:INDEX<|tool_call_argument_begin|>ARGS".
	kimiTokens = tokenCall{begin: "<|tool_call_begin|>", end: "<|tool_call_end|>", sep: "<|tool_call_argument_begin|>",
		name: func(head string) string {
			name := strings.TrimPrefix(head, "functions.")
			if i := strings.LastIndexByte(name, ':'); i >= 0 {
				name = name[:i]
			}
			return name
		}}
)

// calls reads every call between the tokens. A call that cannot be read is
// kept with empty arguments, for validation to refuse.
func (tc tokenCall) calls(s string) []textCall {
	var calls []textCall
	for _, part := range strings.Split(s, tc.begin)[1:] {
		part, _, _ = strings.Cut(part, tc.end)
		name, args, _ := strings.Cut(part, tc.sep)
		name, args = strings.TrimSpace(name), strings.TrimSpace(args)
		if name == "function" { // DeepSeek-V3: the name is the arguments' first line
			name, args, _ = strings.Cut(args, "\n")
			name, args = strings.TrimSpace(name), strings.TrimSpace(args)
		}
		if tc.name != nil {
			name = tc.name(name)
		}
		if m := codeFence.FindStringSubmatch(args); m != nil {
			args = m[1]
		}
		calls = append(calls, textCall{Name: name, Arguments: args})
	}
	return calls
}

// embeddedCall finds one {"name":…,"arguments":…} object inside other
// words, as a model asked for JSON in plain text may write it ("好的：
// ```json {…} ```，请确认").
func embeddedCall(s string) ([]textCall, bool) {
	for i, tries := strings.IndexByte(s, '{'), 0; i >= 0 && tries < 8; tries++ {
		var obj map[string]json.RawMessage
		if json.NewDecoder(strings.NewReader(s[i:])).Decode(&obj) == nil && obj["name"] != nil &&
			(obj["arguments"] != nil || obj["parameters"] != nil) {
			b, _ := json.Marshal(obj)
			return jsonCalls(string(b))
		}
		next := strings.IndexByte(s[i+1:], '{')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return nil, false
}

// blockCall reads the inside of one <tool_call> block.
func blockCall(inner string) textCall {
	if calls, ok := jsonCalls(inner); ok && len(calls) == 1 {
		return calls[0]
	}
	// GLM-4.5: the name, then key/value pairs.
	name, _, _ := strings.Cut(inner, "<arg_key>")
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, "{}<>\n") {
		return textCall{Name: firstLine(name)}
	}
	args := map[string]string{}
	for _, p := range argPair.FindAllStringSubmatch(inner, -1) {
		args[strings.TrimSpace(p[1])] = strings.TrimSpace(p[2])
	}
	b, _ := json.Marshal(args)
	return textCall{Name: name, Arguments: string(b)}
}

// jsonCalls reads s as one call object or an array of them. Objects
// without a "name" are not calls.
func jsonCalls(s string) ([]textCall, bool) {
	s = strings.TrimSpace(s)
	if s == "" || (s[0] != '{' && s[0] != '[') {
		return nil, false
	}
	type object struct {
		Name       string          `json:"name"`
		Arguments  json.RawMessage `json:"arguments"`
		Parameters json.RawMessage `json:"parameters"`
	}
	var list []object
	if s[0] == '{' {
		var one object
		if json.Unmarshal([]byte(s), &one) != nil {
			return nil, false
		}
		list = []object{one}
	} else if json.Unmarshal([]byte(s), &list) != nil {
		return nil, false
	}
	var calls []textCall
	for _, o := range list {
		if strings.TrimSpace(o.Name) == "" {
			return nil, false
		}
		args := bytes.TrimSpace(o.Arguments)
		if len(args) == 0 {
			args = bytes.TrimSpace(o.Parameters)
		}
		if len(args) > 0 && args[0] == '"' { // arguments as a string, as in tool_calls
			var inner string
			if json.Unmarshal(args, &inner) == nil {
				args = []byte(inner)
			}
		}
		calls = append(calls, textCall{Name: strings.TrimSpace(o.Name), Arguments: string(args)})
	}
	return calls, len(calls) > 0
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
