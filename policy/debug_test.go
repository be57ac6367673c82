package policy

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestDebugProfile(t *testing.T) {
	set := os.Getenv("DEBUG_SET")
	if set == "" {
		t.Skip()
	}
	var e *Engine
	switch os.Getenv("DEBUG_ENGINE") {
	case "office":
		e = officeEngine(t)
	case "default":
		e = defaultEngine(t, Options{})
	case "heldout":
		e = heldOutEngine(t)
	default:
		e = regulationsEngine(t)
	}
	f, _ := os.Open(set)
	qs, _ := ReadQuestions(f)
	ctx := context.Background()
	idx, _ := e.index(ctx)
	for _, qq := range qs {
		q := idx.analyse(qq.Question)
		ranked := e.rank(ctx, idx, q, qq.Question)
		ch := idx.choose(q, ranked, e.o.Threshold)
		a, _ := e.Ask(ctx, qq.Question)
		label := ""
		switch {
		case qq.Fact == "" && a.Declined:
			label = "OK-DECL"
		case qq.Fact == "":
			label = "FALSE"
		case a.Declined:
			label = "WRONG-DECL"
		case strings.Contains(normalize(FormatAnswer(a)), normalize(qq.Fact)):
			label = "RIGHT"
		default:
			label = "WRONG-ANS"
		}
		fmt.Printf("%s\t%s\tkind=%d proc=%v\n", label, qq.Question, q.kind, q.procedure)
		if len(ch.picked) == 0 {
			continue
		}
		c := ch.picked[0]
		chunk := idx.chunks[c.chunk]
		window := chunk.norm + "\n" + idx.docTitles[chunk.doc]
		fmt.Printf("   ans: %.60s | %s\n", c.text, chunk.heading)
		var b strings.Builder
		for _, tm := range q.terms {
			s := "-"
			if strings.Contains(c.norm, tm.text) {
				s = "S"
			} else if strings.Contains(window, tm.text) {
				s = "W"
			}
			fl := ""
			if tm.straddle {
				fl += "~"
			}
			if tm.related {
				fl += "r"
			}
			fmt.Fprintf(&b, " %s%s[df%d w%.1f]%s", tm.text, fl, idx.chunkFreq(tm.text), tm.weight, s)
		}
		if os.Getenv("DEBUG_TERMS") != "" {
			fmt.Printf("   terms:%s\n", b.String())
		}
		var miss []string
		for _, tm := range q.terms {
			if tm.straddle || tm.related || tm.weight < 1 || idx.chunkFreq(tm.text) == 0 || strings.Contains(window, tm.text) || strings.Contains(c.norm, tm.text) {
				continue
			}
			miss = append(miss, fmt.Sprintf("%s(%d)", tm.text, idx.chunkFreq(tm.text)))
		}
		var words []string
		for _, w := range idx.keyWordsDebug(q) {
			if !strings.Contains(window, w) {
				words = append(words, fmt.Sprintf("%s(%d)", w, idx.chunkFreq(w)))
			}
		}
		fmt.Printf("   WORDS-MISSING %v WC %.2f\n", words, idx.wordCoverage(q, idx.keyWords(q), window+"\n"+c.norm))
		var unk []string
		for _, u := range q.units {
			if u.char != "" && !strings.Contains(window, u.char) {
				unk = append(unk, u.char)
			}
		}
		fmt.Printf("   MISS %v UNK %v cov sent=%.2f win=%.2f\n", miss, unk, q.windowCoverage(c.norm, false), q.windowCoverage(window, false))
	}
	fmt.Println("chunks", len(idx.chunks))
}

// keyWordsDebug: bigrams at least as frequent as their overlapping neighbours, df>0.
func (x *index) keyWordsDebug(q query) []string {
	var out []string
	for _, p := range q.parts {
		rs := []rune(p)
		df := make([]int, len(rs))
		for i := range rs {
			df[i] = -1
			if i+1 < len(rs) && isHan(rs[i]) && isHan(rs[i+1]) {
				df[i] = x.chunkFreq(string(rs[i : i+2]))
			}
		}
		for i, n := range df {
			if n <= 0 || i > 0 && df[i-1] > n || i+1 < len(df) && df[i+1] > n {
				continue
			}
			t := string(rs[i : i+2])
			if q.weightOf(t) < 1 {
				continue
			}
			out = append(out, t)
		}
	}
	return out
}
