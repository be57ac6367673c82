package policy

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// maxList is the longest list quoted in an answer, in runes; longer lists
// are cut after the last item that fits.
const maxList = 320

// itemStart matches the label of an enumerated item: （一）, (一), 一、, 1., （1）.
var itemStart = regexp.MustCompile(`^\s*([(（][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、|\d{1,2}[.．、]|[(（]\d{1,2}[)）])`)

func isItemSentence(s string) bool { return itemStart.MatchString(s) }

// list is an enumeration inside a passage's sentences: the lead-in
// (sentences lead..intro, the last one ending with "：") and its items
// (sentences first..end-1).
type list struct {
	lead, intro, first, end int
}

// listAt finds the list that sentence pos belongs to — as its lead-in or
// as one of its items — or reports false.
func listAt(sents []string, pos int) (list, bool) {
	intro := pos
	if isItemSentence(sents[pos]) {
		for intro >= 0 && isItemSentence(sents[intro]) {
			intro--
		}
		if intro < 0 {
			return list{}, false
		}
	}
	if !endsWithColon(sents[intro]) || intro+1 >= len(sents) || !isItemSentence(sents[intro+1]) {
		return list{}, false
	}
	// The lead-in is the clause before the colon with the sentences it
	// continues ("有下列行为之一的，由…通报批评；情节严重的，…处分："):
	// back to the last sentence that ends a paragraph or with 。.
	lead := intro
	for lead > 0 && !isItemSentence(sents[lead-1]) && strings.HasSuffix(strings.TrimSpace(sents[lead-1]), "；") {
		lead--
	}
	end := intro + 1
	for end < len(sents) && isItemSentence(sents[end]) {
		end++
	}
	return list{lead: lead, intro: intro, first: intro + 1, end: end}, true
}

// quoteList renders a list's lead-in with its items: all of them for a
// question that asks for the list, otherwise the one item at pos. Items that
// do not fit in maxList are left out and counted.
func quoteList(sents []string, l list, pos int) string {
	var b strings.Builder
	for _, s := range sents[l.lead : l.intro+1] {
		b.WriteString(strings.TrimSpace(s))
	}
	if pos >= l.first && pos < l.end {
		if pos > l.first {
			b.WriteString("……")
		}
		b.WriteString(strings.TrimSpace(sents[pos]))
		if pos+1 < l.end {
			b.WriteString("……")
		}
		return b.String()
	}
	n := utf8.RuneCountInString(b.String())
	shown := 0
	for _, s := range sents[l.first:l.end] {
		s = strings.TrimSpace(s)
		k := utf8.RuneCountInString(s)
		if shown > 0 && n+k > maxList {
			break
		}
		b.WriteString(s)
		n += k
		shown++
	}
	if total := l.end - l.first; shown < total {
		fmt.Fprintf(&b, "……（共%d项，以上为前%d项）", total, shown)
	}
	return b.String()
}
