package llm

import (
	"slices"
	"testing"
)

// TestDeepSeekRawToolCalls: DeepSeek-V3 served by vLLM or SGLang without a
// tool-call parser leaves its calls in the content in its own tokens (V3:
// "function<｜tool▁sep｜>NAME" and the arguments in a json fence; V3.1:
// "NAME<｜tool▁sep｜>ARGS"). They are calls, never a reply to show.
func TestDeepSeekRawToolCalls(t *testing.T) {
	for content, want := range map[string][]textCall{
		"<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>report_progress\n```json\n{\"task_id\": \"T012\", \"status\": \"done\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>":                     {{"report_progress", `{"task_id": "T012", "status": "done"}`}},
		"<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>list_tasks<｜tool▁sep｜>{}<｜tool▁call▁end｜><｜tool▁calls▁end｜>":                                                                                             {{"list_tasks", "{}"}},
		"好的。<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>ask_policy<｜tool▁sep｜>{\"question\": \"几个人\"}<｜tool▁call▁end｜>":                                                                                       {{"ask_policy", `{"question": "几个人"}`}},
		"<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>a\n```json\n{}\n```<｜tool▁call▁end｜>\n<｜tool▁call▁begin｜>function<｜tool▁sep｜>b\n```json\n{}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>": {{"a", "{}"}, {"b", "{}"}},
	} {
		got, ok := callsInText(content)
		if !ok || !slices.Equal(got, want) {
			t.Errorf("callsInText(%q) = %q, %v; want %q", content, got, ok, want)
		}
	}
}

// TestKimiRawToolCalls: Kimi K2 served without its tool-call parser leaves
// its calls in the content in its own tokens: "functions.NAME:INDEX", then
// the arguments. They are calls, never a reply to show.
func TestKimiRawToolCalls(t *testing.T) {
	for content, want := range map[string][]textCall{
		"<|tool_calls_section_begin|><|tool_call_begin|>functions.report_progress:0<|tool_call_argument_begin|>{\"task_id\": \"T012\", \"status\": \"done\"}<|tool_call_end|><|tool_calls_section_end|>":                               {{"report_progress", `{"task_id": "T012", "status": "done"}`}},
		"好的，我来记录。\n<|tool_calls_section_begin|>\n<|tool_call_begin|> functions.list_tasks:0 <|tool_call_argument_begin|> {} <|tool_call_end|>\n<|tool_calls_section_end|>":                                                             {{"list_tasks", "{}"}},
		"<|tool_calls_section_begin|><|tool_call_begin|>functions.a:0<|tool_call_argument_begin|>{}<|tool_call_end|><|tool_call_begin|>functions.b:1<|tool_call_argument_begin|>{\"x\": 1}<|tool_call_end|><|tool_calls_section_end|>": {{"a", "{}"}, {"b", `{"x": 1}`}},
		"<|tool_calls_section_begin|><|tool_call_begin|>functions.ask_policy:0": {{"ask_policy", ""}},
	} {
		got, ok := callsInText(content)
		if !ok || !slices.Equal(got, want) {
			t.Errorf("callsInText(%q) = %q, %v; want %q", content, got, ok, want)
		}
	}
}
