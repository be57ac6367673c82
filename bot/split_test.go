package bot

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestSplitText(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"short", "你好", 2048, []string{"你好"}},
		{"empty", "", 2048, nil},
		{"prefers newline", "aaaa\nbbbb\ncc", 10, []string{"aaaa\nbbbb", "cc"}},
		{"rune boundary", "一二三四", 7, []string{"一二", "三四"}},
		{"newline too early is ignored", "a\nbbbbbbbbbbbbbbb", 8, []string{"a\nbbbbbb", "bbbbbbbb", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := splitText(tc.in, tc.max)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("splitText(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
		})
	}
}

func FuzzSplitText(f *testing.F) {
	f.Add("【督办提醒】\n"+strings.Repeat("任务清单见底清零", 200), 2048)
	f.Add("\xff\xfe\n\n", 4)
	f.Fuzz(func(t *testing.T, s string, max int) {
		max = 4 + abs(max)%4096
		parts := splitText(s, max)
		total := 0
		for _, p := range parts {
			if len(p) > max || p == "" {
				t.Fatalf("part of %d bytes (max %d)", len(p), max)
			}
			if utf8.ValidString(s) && !utf8.ValidString(p) {
				t.Fatalf("part %q cut inside a rune", p)
			}
			total += len(strings.ReplaceAll(p, "\n", ""))
		}
		if total != len(strings.ReplaceAll(s, "\n", "")) {
			t.Fatalf("lost or added bytes: %d vs %d", total, len(strings.ReplaceAll(s, "\n", "")))
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func TestRateLimiter(t *testing.T) {
	l := newRateLimiter(2, 3)
	t0 := time.Unix(1000, 0)
	for i, tc := range []struct {
		to   string
		at   time.Duration
		ok   bool
		wait time.Time
	}{
		{"a", 0, true, time.Time{}},
		{"a", time.Second, true, time.Time{}},
		{"a", 2 * time.Second, false, t0.Add(time.Minute)},
		{"b", 2 * time.Second, true, time.Time{}}, // others unaffected
		{"a", time.Minute + time.Millisecond, true, time.Time{}},
		{"a", 2*time.Minute + 10*time.Second, false, t0.Add(time.Hour)}, // hourly cap of 3
		{"a", time.Hour + time.Second, true, time.Time{}},
	} {
		ok, at := l.reserve(tc.to, t0.Add(tc.at))
		if ok != tc.ok || !at.Equal(tc.wait) {
			t.Errorf("step %d: reserve = %v, %v; want %v, %v", i, ok, at, tc.ok, tc.wait)
		}
	}
	l.forget(t0.Add(3 * time.Hour))
	if len(l.sent) != 0 {
		t.Errorf("forget kept %d recipients", len(l.sent))
	}
}
