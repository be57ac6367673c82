package handlers

import (
	"strings"
	"testing"
)

// After 进展 T003 the bot waits for the note; a bare 完成 is a command verb,
// not the note: nothing is recorded as progress 「完成」.
func TestBareVerbIsNotTheFollowupAnswer(t *testing.T) {
	h := newHandler(t)
	must(t, say(t, h, "zhao", "进展 T003"), "zhao", "请回复进展情况")
	for _, bare := range []string{"完成", "完成了", "销号"} {
		out := say(t, h, "zhao", bare)
		if tk := task(t, h, "T003"); tk.Progress != "" {
			t.Fatalf("%q recorded as the progress note: %q; reply %+v", bare, tk.Progress, out)
		}
		if len(to(out, "zhao")) == 0 || strings.Contains(to(out, "zhao")[0].Text, "已记录") {
			t.Fatalf("%q: reply %+v", bare, out)
		}
	}
}
