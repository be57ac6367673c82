package handlers

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// idsIn finds an id in a message exactly where containsID finds it in the
// message upper-cased: ids of ASCII, of Chinese, with - _ /, glued to
// Chinese or to other ids, in any case.
func TestIDsInAsContainsID(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	parts := []string{"T", "t", "0", "3", "12", "-", "_", "/", "S", "任务", "三", "完成", " ", "，", "教育", "a"}
	word := func(n int) string {
		var b strings.Builder
		for range 1 + r.IntN(n) {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		return b.String()
	}
	for range 20000 {
		text, id := word(8), word(4)
		if r.IntN(3) == 0 { // often the id is in it
			text = word(3) + id + word(3)
		}
		if got, want := idsIn(text).has(id), containsID(strings.ToUpper(text), id); got != want {
			t.Fatalf("id %q in %q: %v, containsID says %v", id, text, got, want)
		}
	}
}
