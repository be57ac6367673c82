package policy

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/duban-org/duban"
)

// Chunk sizes in characters (runes). Chunks are packed from whole paragraphs
// or sentences up to maxChunk and balanced so none is needlessly small.
const (
	maxChunk = 600
	minChunk = 300
)

// headingMark prefixes a line that the loader knows is a heading (Markdown #,
// HTML h2–h6), followed by a digit giving its level.
const headingMark = "\x1e"

var headingPatterns = []struct {
	level int
	re    *regexp.Regexp
}{
	{0, regexp.MustCompile(`^第[一二三四五六七八九十百零〇两\d]+[章编]`)},
	{1, regexp.MustCompile(`^第[一二三四五六七八九十百零〇两\d]+节`)},
	{2, regexp.MustCompile(`^[一二三四五六七八九十百]+、`)},
	{3, regexp.MustCompile(`^[(（][一二三四五六七八九十百]+[)）]`)},
	{4, regexp.MustCompile(`^\d{1,2}[.．、](?:\s|[^\d.．])`)},
	{5, regexp.MustCompile(`^[(（]\d{1,2}[)）]`)},
	{6, regexp.MustCompile(`^第[一二三四五六七八九十百零〇两\d]+条`)},
}

// parseHeading recognises a structural heading at the start of a paragraph:
// 第X章, 第X节, 一、, （一）, 1., (1), 第X条, or a loader-marked heading. It
// returns the heading's level, its label for citations and any body text that
// follows it on the same line.
func parseHeading(line string) (level int, label, body string, ok bool) {
	if strings.HasPrefix(line, headingMark) && len(line) > len(headingMark) {
		lv := int(line[len(headingMark)] - '0')
		return lv - 1, strings.TrimSpace(line[len(headingMark)+1:]), "", true
	}
	folded := duban.FoldWidth(line)
	for _, p := range headingPatterns {
		loc := p.re.FindStringIndex(folded)
		if loc == nil {
			continue
		}
		// FoldWidth maps rune for rune, so offsets in runes agree; convert.
		prefixRunes := utf8.RuneCountInString(folded[:loc[1]])
		if p.level == 4 { // the pattern consumed one character past the number
			prefixRunes--
		}
		rs := []rune(line)
		labelEnd := prefixRunes
		if p.level == 6 || p.level <= 1 {
			// 第X条 / 第X章: the label is the number, the rest is body or a title.
			rest := strings.TrimSpace(string(rs[labelEnd:]))
			if p.level == 6 {
				return p.level, string(rs[:labelEnd]), rest, true
			}
			return p.level, strings.TrimSpace(string(rs[:labelEnd]) + " " + rest), "", true
		}
		whole := strings.TrimSpace(line)
		n := utf8.RuneCountInString(whole)
		if n <= 40 && !strings.ContainsAny(whole, "。；") {
			return p.level, whole, "", true
		}
		// A run-in heading: "（一）加强组织领导。各单位要……"
		if i := strings.IndexAny(whole, "。：:"); i > 0 && utf8.RuneCountInString(whole[:i]) <= 30 {
			_, size := utf8.DecodeRuneInString(whole[i:])
			return p.level, whole[:i], strings.TrimSpace(whole[i+size:]), true
		}
		return p.level, string(rs[:labelEnd]), strings.TrimSpace(string(rs[labelEnd:])), true
	}
	return 0, "", "", false
}

type section struct {
	heading    string
	paragraphs []string
}

// articleHeading starts an article (条) of a regulation.
var articleHeading = regexp.MustCompile(`^第[一二三四五六七八九十百零〇两\d]+条`)

// isItem reports whether a heading level is a list item inside an article
// (一、 （一） 1. (1)): in a regulation those are 项 of a 条, not sections.
func isItem(level int) bool { return level >= 2 && level <= 5 }

// sections groups paragraphs under their heading path ("三、…… （二）……").
// In a document made of articles (第X条, with or without 章), an article
// is the section and its numbered items stay in it.
func sections(paragraphs []string) []section {
	articles := 0
	for _, p := range paragraphs {
		if articleHeading.MatchString(duban.FoldWidth(p)) {
			articles++
		}
	}
	byArticle := articles >= 3
	type frame struct {
		level int
		label string
	}
	var stack []frame
	var out []section
	cur := section{}
	flush := func() {
		if len(cur.paragraphs) > 0 {
			out = append(out, cur)
		}
		cur = section{}
	}
	path := func() string {
		labels := make([]string, len(stack))
		for i, f := range stack {
			labels[i] = f.label
		}
		return strings.Join(labels, " ")
	}
	for _, p := range paragraphs {
		level, label, body, ok := parseHeading(p)
		if ok && byArticle && isItem(level) && !strings.HasPrefix(p, headingMark) && len(stack) > 0 && stack[len(stack)-1].level == 6 {
			ok = false
		}
		if !ok {
			cur.paragraphs = append(cur.paragraphs, p)
			continue
		}
		flush()
		for len(stack) > 0 && stack[len(stack)-1].level >= level {
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, frame{level, label})
		cur.heading = path()
		if body != "" {
			cur.paragraphs = append(cur.paragraphs, body)
		}
	}
	flush()
	return out
}

// citeSection is the section of a heading path as cited: an article alone
// ("第六条", as regulations are cited), otherwise the whole path.
func citeSection(heading string) string {
	if a := lastArticle(heading); a != "" {
		return a
	}
	return heading
}

// lastArticle returns the last "第X条" label in a heading path, or "".
func lastArticle(heading string) string {
	fields := strings.Fields(heading)
	for i := len(fields) - 1; i >= 0; i-- {
		if m := articleHeading.FindString(fields[i]); m != "" && m == fields[i] {
			return m
		}
	}
	return ""
}

// textChunk is a passage with the heading path it sits under.
type textChunk struct {
	Heading string
	Text    string
}

// chunkDocument cuts a document along its structure into passages of about
// minChunk–maxChunk characters; a chunk never spans two sections.
func chunkDocument(doc Document) []textChunk {
	var out []textChunk
	for _, s := range sections(doc.Paragraphs) {
		var units []unit
		for _, p := range s.paragraphs {
			if utf8.RuneCountInString(p) <= maxChunk {
				units = append(units, unit{p, true})
				continue
			}
			for i, piece := range splitRunes(p, sentenceEnds, maxChunk) {
				units = append(units, unit{piece, i == 0})
			}
		}
		for _, text := range pack(units) {
			out = append(out, textChunk{Heading: s.heading, Text: text})
		}
	}
	return out
}

const sentenceEnds = "。！？；!?;"

// unit is a paragraph, or a sentence of a long one (newPara false when it
// continues the paragraph of the unit before it).
type unit struct {
	text    string
	newPara bool
}

// pack joins units into chunks of at most maxChunk runes, balanced so a
// section is cut into equal-ish parts rather than a full one and a scrap.
func pack(units []unit) []string {
	total := 0
	for _, u := range units {
		total += utf8.RuneCountInString(u.text)
	}
	if total == 0 {
		return nil
	}
	parts := (total + maxChunk - 1) / maxChunk
	target := total / parts
	var out []string
	var cur strings.Builder
	curLen := 0
	for _, u := range units {
		n := utf8.RuneCountInString(u.text)
		if curLen > 0 && (curLen+n > maxChunk || curLen >= target) {
			out = append(out, cur.String())
			cur.Reset()
			curLen = 0
		}
		if curLen > 0 && u.newPara {
			cur.WriteByte('\n')
		}
		cur.WriteString(u.text)
		curLen += n
	}
	if curLen > 0 {
		out = append(out, cur.String())
	}
	return out
}

func isCloser(r rune) bool { return strings.ContainsRune("”’」』)）\"", r) }

// splitRunes splits s after any rune of seps (and the closing quotes that
// follow it); pieces still longer than limit are split at commas, then hard
// every limit runes.
func splitRunes(s, seps string, limit int) []string {
	var out []string
	rs := []rune(s)
	start := 0
	for i := 0; i < len(rs); i++ {
		if !strings.ContainsRune(seps, rs[i]) {
			continue
		}
		j := i + 1
		for j < len(rs) && isCloser(rs[j]) {
			j++
		}
		out = append(out, string(rs[start:j]))
		start = j
		i = j - 1
	}
	if start < len(rs) {
		out = append(out, string(rs[start:]))
	}
	var final []string
	for _, piece := range out {
		if utf8.RuneCountInString(piece) <= limit {
			final = append(final, piece)
			continue
		}
		if seps != clauseEnds {
			final = append(final, splitRunes(piece, clauseEnds, limit)...)
			continue
		}
		prs := []rune(piece)
		for len(prs) > limit {
			final = append(final, string(prs[:limit]))
			prs = prs[limit:]
		}
		final = append(final, string(prs))
	}
	return final
}

const clauseEnds = "，,、："

// sentences splits a passage into sentences, keeping end marks and closing quotes.
func sentences(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		for _, s := range splitRunes(line, sentenceEnds, 1<<30) {
			if strings.TrimSpace(s) != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
