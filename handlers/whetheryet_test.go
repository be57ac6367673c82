package handlers

import (
	"testing"

	"github.com/duban-org/duban"
)

// A command written verb first keeps its note's last words: 没有 ending
// the note says there is none, and the request is made (before 没有 made
// it a question, 延期 … 理由：批复一直没有 was answered from the documents
// and no extension was asked for). A question asked with 没 stays one.
func TestNoteEndingInMeiyouIsNoQuestion(t *testing.T) {
	today := duban.Date(20600)
	for _, c := range []struct {
		text string
		verb Verb
	}{
		{"延期 S02 2027-02-20 理由：上级批复一直没有", VerbExtend},
		{"进展 S02 已对接财政，配套资金目前没有", VerbProgress},
		{"进展 S02 方案已起草，反馈意见至今没有", VerbProgress},
	} {
		if got := Parse(c.text, today); got.Question || got.Verb != c.verb || got.Task != "S02" {
			t.Errorf("%s: read as %+v, want %s S02", c.text, got, c.verb)
		}
	}
	for _, q := range []string{"S02完成了没", "报了没有", "S02完成没", "完成了没有S02", "S02 批复下来没有"} {
		if !Parse(q, today).Question {
			t.Errorf("%s: not read as a question", q)
		}
	}
}
