package handlers

import "testing"

// An id holding '/' (T1/2, a unit A/B) is read whole: read up to the '/',
// 完成 T1/2 would report T1.
func TestParseIDWithSlash(t *testing.T) {
	for _, c := range []struct{ in, task string }{
		{"完成 T1/2 已办好", "T1/2"},
		{"完成T1/2已办好", "T1/2"},
		{"记录 T1/2", "T1/2"},
		{"收到 T1/2", "T1/2"},
		{"任务 A/B", "A/B"},
		{"延期 T1/2 2026-12-30 等批复", "T1/2"},
	} {
		if got := Parse(c.in, 0); got.Task != c.task || got.Err != "" || got.Need == NeedTask {
			t.Errorf("Parse(%q) = %+v, want task %s", c.in, got, c.task)
		}
	}
}
