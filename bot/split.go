package bot

import (
	"strings"
	"unicode/utf8"
)

// MaxTextBytes is where WeCom silently cuts text and markdown content.
const MaxTextBytes = 2048

// splitText cuts s into parts of at most max bytes, on rune boundaries,
// preferring to cut after the last newline of a part when that keeps at
// least a quarter of it. Newlines at a cut are dropped; empty parts are not
// returned.
func splitText(s string, max int) []string {
	if max < utf8.UTFMax {
		max = utf8.UTFMax
	}
	var parts []string
	add := func(p string) {
		if p = strings.Trim(p, "\n"); p != "" {
			parts = append(parts, p)
		}
	}
	for len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if cut == 0 { // not UTF-8: any cut will do
			cut = max
		}
		if nl := strings.LastIndexByte(s[:cut], '\n'); nl >= max/4 {
			cut = nl + 1
		}
		add(s[:cut])
		s = s[cut:]
	}
	add(s)
	return parts
}
