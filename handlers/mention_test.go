package handlers

import (
	"fmt"
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

// 编办 naming tasks by a fragment of a title many share is asked which, with
// every one of them counted and the first eight named.
func TestTitleFragmentOfManyCountsThemAll(t *testing.T) {
	h, l := provinceHandler(t, 60)
	const fragment = "改革方案报编办审核"
	var want []string
	for _, tk := range l.Tasks {
		if strings.Contains(tk.Title, fragment) {
			want = append(want, tk.ID)
		}
	}
	if len(want) < 10 {
		t.Fatalf("the province has %d tasks titled %s; the test needs more than 9", len(want), fragment)
	}
	got := reply(t, h, "frag:1", "admin1", "记录 "+fragment)
	if !strings.Contains(got, fmt.Sprintf("「%s」对应 %d 项任务，请用编号指明：", fragment, len(want))) ||
		!strings.Contains(got, fmt.Sprintf("……等 %d 项", len(want))) || strings.Count(got, "\n") != 9 {
		t.Errorf("%d tasks titled %s; 编办 is told:\n%s", len(want), fragment, got)
	}
}
