package policy

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits of an extractive answer, in runes.
const (
	maxSentence = 150 // longer sentences are cut to the clauses that answer
	maxExtract  = 240
	leadIn      = 25
	// candidateChunks is how many of the best passages give candidate
	// sentences; the lead (promulgation block) of their documents is added.
	candidateChunks = 8
	// leadDocs: the documents of this many best passages add their lead.
	leadDocs = 3
	// nearRunes: an answer this close to a word of the question is "next to" it.
	nearRunes = 12
	// missingWordCost raises the coverage an answer's passage needs by this
	// much times the (idf-weighted) share of the question's key words it
	// lacks (keyWords).
	missingWordCost = 0.25
	// unseenWordWeight scales the idf of a word of the question no document
	// holds (unseenWords) among its key words.
	unseenWordWeight = 1.0
)

// candidate is a sentence (or a sentence and the one after it) that may
// answer the question.
type candidate struct {
	text   string // as quoted, trimmed
	norm   string
	score  float64
	chunk  int32
	rank   int // of its passage among the retrieved ones
	pos    int // of the sentence in its passage
	span   int // sentences it covers (2 when the answer is in the next one)
	kindOK bool
	// lead is the lead-in of the list the sentence is an item of
	// (normalized), which is quoted with it; "" for other sentences.
	lead string
}

// choice is the outcome of picking the sentences that answer a question.
type choice struct {
	picked []candidate // in document order; empty when declining
	order  []int32     // the passages, best first by their best sentence
	// undecided, when declining a yes-or-no question, is the passage that
	// treats its subject without deciding it (-1 when none does).
	undecided int32
}

// choose picks the sentence that holds an answer of the asked kind next to
// the question's words, judged with its passage (the article or paragraph it
// stands in), the passage's heading and the document's title. It declines —
// returns no sentence — unless one covers at least minCover of the
// question's weight, names every place and year the question names, holds an
// answer of a strict kind when one is asked, and comes from a document the
// question names by title, if it names one.
func (x *index) choose(q query, ranked []scored, minCover float64) choice {
	var cands []candidate
	seen := map[int32]bool{}
	add := func(ci int32, rank int) {
		if seen[ci] {
			return
		}
		seen[ci] = true
		cands = append(cands, x.candidates(q, ci, rank)...)
	}
	if q.kind == kindMeaning {
		// A definition may rank low: every passage of the document uses
		// the term it defines.
		for _, ci := range x.definitions(q) {
			add(ci, 0)
		}
	}
	for rank, s := range ranked[:min(candidateChunks, len(ranked))] {
		add(s.chunk, rank)
		// The promulgation block above the body (文号, 公布, 施行) is
		// in the lead passage of the document.
		if lead := x.docLead[x.chunks[s.chunk].doc]; lead >= 0 && rank < leadDocs {
			add(lead, rank)
		}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	var ch choice
	inOrder := map[int32]bool{}
	for _, c := range cands {
		if !inOrder[c.chunk] {
			inOrder[c.chunk] = true
			ch.order = append(ch.order, c.chunk)
		}
	}
	for _, s := range ranked {
		if !inOrder[s.chunk] {
			inOrder[s.chunk] = true
			ch.order = append(ch.order, s.chunk)
		}
	}
	var best *candidate
	ch.undecided = -1
	open := q
	open.yesNo = false // the question asked as what the documents say of it
	for i := range cands {
		if i == 3*candidateChunks {
			break
		}
		if x.answers(q, cands[i], minCover) {
			best = &cands[i]
			break
		}
		if q.yesNo && ch.undecided < 0 && x.answers(open, cands[i], minCover) {
			ch.undecided = cands[i].chunk
		}
	}
	if best == nil {
		return ch
	}
	ch.undecided = -1
	// The answer's passage goes first.
	ch.order = slices.DeleteFunc(ch.order, func(ci int32) bool { return ci == best.chunk })
	ch.order = append([]int32{best.chunk}, ch.order...)
	ch.picked = []candidate{*best}
	// A list's lead-in is quoted with its items; an item with its lead-in.
	if best.span == 1 {
		sents := sentences(x.chunks[best.chunk].text)
		if l, ok := listAt(sents, best.pos); ok {
			pos := best.pos
			if q.list {
				pos = l.intro
			}
			ch.picked[0].text = quoteList(sents, l, pos)
			return ch
		}
	}
	ch.picked[0].text = x.wholeSentence(*best)
	length := utf8.RuneCountInString(ch.picked[0].text)
	// A lead-in ("申请登记，应当具备下列条件：", "三是实行科室集约化。")
	// says that what follows is the answer: quote that too.
	if length < leadIn || endsWithColon(best.text) {
		for _, c := range x.candidates(q, best.chunk, best.rank) {
			if c.span != 1 || c.pos < best.pos+best.span || alreadyQuoted(ch.picked, c) {
				continue
			}
			n := utf8.RuneCountInString(c.text)
			if length+n > maxExtract || (!endsWithColon(best.text) && c.pos > best.pos+best.span) {
				break
			}
			ch.picked = append(ch.picked, c)
			length += n
		}
	}
	// A second sentence that answers nearly as well, for questions that
	// want more than one fact.
	if !q.kind.strict() && len(ch.picked) == 1 {
		for _, c := range cands {
			if c.score < 0.8*best.score {
				break
			}
			n := utf8.RuneCountInString(c.text)
			// From the same document; from the same article in a 条例: its
			// other articles are other subjects, more often noise than the
			// second fact.
			if overlaps(c, *best) || alreadyQuoted(ch.picked, c) || length+n > maxExtract || !x.sameSubject(c.chunk, best.chunk) || !x.answers(q, c, minCover) {
				continue
			}
			ch.picked = append(ch.picked, c)
			break
		}
	}
	slices.SortFunc(ch.picked, func(a, b candidate) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return a.pos - b.pos
	})
	return ch
}

func endsWithColon(s string) bool {
	s = strings.TrimRight(s, " ")
	return strings.HasSuffix(s, "：") || strings.HasSuffix(s, ":")
}

// alreadyQuoted reports whether c's text is part of a text picked before:
// a clause cut at "；" is completed to its sentence, which may hold the
// next clause too.
func alreadyQuoted(picked []candidate, c candidate) bool {
	t := strings.TrimSpace(c.text)
	return slices.ContainsFunc(picked, func(p candidate) bool { return strings.Contains(p.text, t) })
}

func overlaps(a, b candidate) bool {
	return a.chunk == b.chunk && a.pos < b.pos+b.span && b.pos < a.pos+a.span
}

// candidates scores every sentence of passage ci (at retrieval rank rank),
// and, for a strict kind, each sentence together with the next when only
// the next holds the answer.
func (x *index) candidates(q query, ci int32, rank int) []candidate {
	c := x.chunks[ci]
	ctx := normalize(c.heading) + "\n" + x.docTitles[c.doc]
	sents := sentences(c.text)
	norms := make([]string, len(sents))
	holds := make([]bool, len(sents)) // the sentence holds an answer of the kind
	for i, s := range sents {
		norms[i] = normalize(s)
		holds[i] = holdsKind(q.kind, norms[i])
	}
	rankFactor := 1 - 0.04*float64(rank)
	// A penalty clause answers only a question about what follows a breach,
	// and one about a breach is best answered by a penalty clause (an item
	// of a penalty list, with its lead-in).
	penaltyArticle := isPenalty(c.norm) // its heading and text
	penaltyChapter := penaltyArticle && isPenalty(normalize(c.heading))
	var out []candidate
	for pos := range sents {
		for span := 1; span <= 2 && pos+span <= len(sents); span++ {
			if span == 2 && (!q.kind.strict() || holds[pos] || !holds[pos+1]) {
				continue
			}
			text := strings.Join(sents[pos:pos+span], "")
			norm := strings.Join(norms[pos:pos+span], "")
			if span == 1 && utf8.RuneCountInString(text) > maxSentence {
				text = trimSentence(q, x, text)
				norm = normalize(text)
			}
			scoreNorm := norm
			isLeadIn := false
			if q.list && span == 1 {
				// A list's lead-in is judged with its items.
				if l, ok := listAt(sents, pos); ok && l.intro == pos {
					scoreNorm = strings.Join(norms[l.lead:l.end], "")
					isLeadIn = true
				}
			}
			sc := x.sentenceScore(q, scoreNorm)
			// Words of the question found only around the sentence count less.
			for _, t := range q.terms {
				if !strings.Contains(norm, t.text) && (strings.Contains(ctx, t.text) || strings.Contains(c.norm, t.text)) {
					sc += 0.3 * t.idf * t.weight
				}
			}
			cand := candidate{text: text, norm: norm, chunk: ci, rank: rank, pos: pos, span: span}
			if span == 1 && isItemSentence(sents[pos]) {
				if l, ok := listAt(sents, pos); ok {
					cand.lead = strings.Join(norms[l.lead:l.intro+1], "")
				}
			}
			var spans [][2]int
			if holds[pos] || span == 2 {
				spans = q.measured(norm, kindSpans(q.kind, norm))
			}
			if spans != nil {
				cand.kindOK = true
				switch {
				case q.kind.strict() && x.near(q, norm, spans):
					sc *= 1.8
				case q.kind.strict():
					sc *= 1.4
				case q.kind == kindMeaning:
					sc *= 1.6 // a definition is what was asked
				default:
					sc *= 1.15
				}
				// A date with its year answers "when" better than "自发布之日起".
				if q.kind == kindDate && fullDate.MatchString(norm) {
					sc *= 1.5
				}
			} else if q.kind.strict() {
				sc *= 0.4
			}
			if span == 2 {
				sc *= 0.9
			}
			if !q.saysRelated(norm) {
				sc *= 0.6 // 由哪个部门主管: a sentence that names no one in charge
			}
			switch {
			case isLeadIn:
				sc *= 1.5
			case q.list && strings.Count(norm, "、") >= 2:
				sc *= 1.2 // a list within the sentence
			}
			switch {
			case q.consequence && penaltyArticle:
				sc *= 1.3
			case q.consequence:
				sc *= 0.7
			case !q.breach && penaltyArticle && (penaltyChapter || isItemSentence(sents[pos]) || isPenalty(norm)):
				sc *= 0.4
			}
			if q.scope != nil && !q.scope[c.doc] {
				sc *= 0.5
			}
			// The sentence with its passage and title covers the question:
			// what it is about besides the words it shares counts.
			cand.score = sc * rankFactor * (0.5 + 0.5*q.windowCoverage(norm+"\n"+c.norm+"\n"+x.docTitles[c.doc], false))
			out = append(out, cand)
		}
	}
	return out
}

// near reports whether an answer span stands within nearRunes of a word of
// the question (a bigram or longer term of its own, not of a title it names).
func (x *index) near(q query, norm string, spans [][2]int) bool {
	rs := []rune(norm)
	for _, t := range q.terms {
		if t.weight < 1 || utf8.RuneCountInString(t.text) < 2 {
			continue
		}
		tr := []rune(t.text)
		for i := 0; i+len(tr) <= len(rs); i++ {
			if string(rs[i:i+len(tr)]) != t.text {
				continue
			}
			for _, sp := range spans {
				if sp[0]-(i+len(tr)) <= nearRunes && i-sp[1] <= nearRunes {
					return true
				}
			}
		}
	}
	return false
}

// answers decides whether a candidate may be given as the answer.
func (x *index) answers(q query, c candidate, minCover float64) bool {
	if q.kind.strict() && !c.kindOK {
		return false
	}
	if !x.saysAsked(q, c.norm+"\n"+c.lead) {
		return false
	}

	// How to do something is answered by what is to be done, about the
	// question's own subject: a sentence that merely names it does not.
	if q.procedure && (!answersProcedure.MatchString(c.norm) || !strings.Contains(c.norm, x.focus(q)) || q.windowCoverage(c.norm, false) < minCover) {
		return false
	}
	// Who is in charge (由谁主管, 哪个部门牵头) is answered by a sentence that
	// says who is in charge, not by one that only names the subject.
	if q.kind == kindBody && !q.saysRelated(c.norm) {
		return false
	}
	chunk := x.chunks[c.chunk]
	// A figure answers only in the sentence that names what it counts (or
	// whose document's title does): "不少于3名" is not how many were 分流.
	if q.kind == kindNumber {
		if f := x.focus(q); f != "" && !x.holdsWord(q, f, c.norm+"\n"+x.docTitles[chunk.doc]) {
			return false
		}
	}
	if q.scope != nil && !q.scope[chunk.doc] {
		return false
	}
	// The window: the sentence, its passage (the article, or the
	// paragraphs packed with it), its heading and the document's title.
	window := c.norm + "\n" + chunk.norm + "\n" + x.docTitles[chunk.doc] + "\n" + x.docs[chunk.doc].Date
	// Both the whole question and its words outside a title it names must
	// be covered: a title matches its own document everywhere. The more of
	// the question's key words the passage lacks, the more of its
	// characters it must hold: "公务员工资怎么调整" shares 人员工资 with an
	// article on budgets, half its characters, and neither 公务员 nor 调整.
	// A word no document holds (工资, when only the article is loaded)
	// raises it more: no passage can hold it.
	unseen := x.unseenWords(q)
	q.unseen = strings.Join(unseen, "")
	need := minCover + missingWordCost*(1-x.wordCoverage(q, append(x.keyWords(q), unseen...), window))
	if q.windowCoverage(window, false) < need || q.windowCoverage(window, true) < minCover {
		return false
	}
	if q.subject != "" && !strings.Contains(window, q.subject) {
		return false
	}
	for _, y := range q.years {
		if !strings.Contains(window, y) && !strings.Contains(window, hanYear(y)) {
			return false
		}
	}
	for _, p := range q.places {
		if !x.docMentions(chunk.doc, p) {
			return false
		}
	}
	return true
}

// windowCoverage is the weighted share of the question's units whose terms
// the text holds.
func (q query) windowCoverage(text string, ownOnly bool) float64 {
	total, covered := 0.0, 0.0
	for _, u := range q.units {
		if ownOnly && q.titleUnit(u) {
			continue
		}
		total += u.weight
		share := 0.0
		// A character of a word no document holds is not covered by the
		// same character in other words: 资 of 工资 by 资金.
		if u.char != "" && strings.Contains(text, u.char) && !strings.Contains(q.unseen, u.char) {
			share = 1
		}
		for _, ti := range u.terms {
			if share < 1 && strings.Contains(text, q.terms[ti].text) {
				// A written word found for an asked one (负责 for 牵头)
				// says what the passage is about less surely than the
				// question's own word.
				if q.terms[ti].related {
					share = max(share, relatedShare)
				} else {
					share = 1
				}
			}
		}
		covered += share * u.weight
	}
	if total == 0 {
		if ownOnly {
			return 1 // the question is all title
		}
		return 0
	}
	return covered / total
}

// titleUnit reports whether a unit is part of a word of a title (or a
// place) the question names.
func (q query) titleUnit(u qunit) bool {
	for _, ti := range u.terms {
		if q.terms[ti].weight <= titleTermWeight {
			return true
		}
	}
	return false
}

// docMentions reports whether document d names s in its title or text.
func (x *index) docMentions(d int32, s string) bool {
	if strings.Contains(x.docTitles[d], s) {
		return true
	}
	for _, ci := range x.docChunks[d] {
		if strings.Contains(x.chunks[ci].norm, s) {
			return true
		}
	}
	return false
}

// focus is the question's most specific word that the documents hold: the
// rarest of its key words (the first of them on a tie).
func (x *index) focus(q query) string {
	best, bestDF := "", 0
	for _, w := range x.keyWords(q) {
		if n := x.chunkFreq(w); best == "" || n < bestDF {
			best, bestDF = w, n
		}
	}
	return best
}

// definitions returns the passages that define a term the question asks
// about ("本条例所称X，是指…", "X是指…"), at most a few.
func (x *index) definitions(q query) []int32 {
	var out []int32
	for _, marker := range []string{"所称", "是指"} {
		for _, p := range x.postings(marker) {
			norm := x.chunks[p.chunk].norm
			for _, part := range q.parts {
				if utf8.RuneCountInString(part) >= 2 && (strings.Contains(norm, "所称"+part) || strings.Contains(norm, part+"是指") || strings.Contains(norm, part+",是指")) && !slices.Contains(out, p.chunk) {
					out = append(out, p.chunk)
				}
			}
			if len(out) >= 3 {
				return out
			}
		}
	}
	return out
}

// sameSubject reports whether passages a and b speak of the same thing:
// the same article of a 条例, or the same document otherwise.
func (x *index) sameSubject(a, b int32) bool {
	if lastArticle(x.chunks[a].heading) != "" || lastArticle(x.chunks[b].heading) != "" {
		return a == b
	}
	return x.chunks[a].doc == x.chunks[b].doc
}

// datePhrase: words that say when (月底前), which an answer gives as a date.
var datePhrase = regexp.MustCompile(`[年月](底|初|末|中)|[每今去当]年|[每本上下]月`)

// wholeSentence is the candidate's text completed to the whole sentence
// (up to 。) when it is a clause cut at "；" and the sentence is short
// enough to quote: "没有规定的，应当…" needs the clause before it.
func (x *index) wholeSentence(c candidate) string {
	if c.span != 1 {
		return c.text
	}
	for _, line := range strings.Split(x.chunks[c.chunk].text, "\n") {
		if !strings.Contains(line, c.text) {
			continue
		}
		prev := ""
		for _, s := range splitRunes(line, "。！？!?", 1<<30) {
			if strings.Contains(s, c.text) {
				if s = strings.TrimSpace(s); utf8.RuneCountInString(s) <= maxSentence {
					// 有上述情形的，…: what it refers to is the sentence before.
					if prev != "" && refersBack(s) && utf8.RuneCountInString(prev+s) <= maxExtract {
						return prev + s
					}
					return s
				}
				return c.text
			}
			prev = strings.TrimSpace(s)
		}
	}
	return c.text
}

// refersBack reports whether a sentence opens on what the sentence before
// it said (有上述情形的, 有前款规定情形的), which alone it does not name.
func refersBack(s string) bool {
	for _, w := range []string{"有上述", "上述", "有前款", "前款", "有前述", "前述", "有以上", "以上情形"} {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// keyWords are the words of the question that say what it is about: of its
// own bigrams (not a named title's nor a place's), those the documents hold
// and that are at least as frequent as the bigrams they overlap — a bigram
// that straddles two words ("员工" of 公务员工资) is rarer than both.
func (x *index) keyWords(q query) []string {
	var out []string
	for _, p := range q.parts {
		rs := []rune(p)
		df := make([]int, len(rs)) // df[i]: of the bigram at i; -1 past a Han run
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
			if q.weightOf(t) < 1 || datePhrase.MatchString(t) || slices.Contains(out, t) {
				continue
			}
			out = append(out, t)
		}
	}
	return out
}

// wordCoverage is the idf-weighted share of the question's key words that
// text holds — itself, its other form in a synonym, or, for an asked word
// of a relation (主管), one of its written words.
func (x *index) wordCoverage(q query, words []string, text string) float64 {
	total, covered := 0.0, 0.0
	for _, w := range words {
		idf := x.idf(w)
		if x.chunkFreq(w) == 0 {
			idf *= unseenWordWeight
		}
		total += idf
		if x.holdsWord(q, w, text) {
			covered += idf
		}
	}
	if total == 0 {
		return 1
	}
	return covered / total
}

// unseenWords are the stretches of the question's words that no document
// holds, less its question words (askedWords) and the characters they share
// with a word the documents hold: "工资" of 公务员工资, where 公务 is
// written. A word the whole corpus lacks is the surest sign it does not
// answer.
func (x *index) unseenWords(q query) []string {
	var out []string
	for _, p := range q.parts {
		for _, w := range askedWords {
			p = strings.ReplaceAll(p, w, " ")
		}
		for _, r := range relations { // covered by their written words
			for _, w := range r.asked {
				p = strings.ReplaceAll(p, w, " ")
			}
		}
		rs := []rune(p)
		for i, r := range rs {
			if strings.ContainsRune(speechChars, r) {
				rs[i] = ' '
			}
		}
		seen := make([]bool, len(rs)) // seen[i]: the bigram at i is held
		unseen := make([]bool, len(rs))
		for i := 0; i+1 < len(rs); i++ {
			if isHan(rs[i]) && isHan(rs[i+1]) {
				n := x.chunkFreq(string(rs[i : i+2]))
				seen[i], unseen[i] = n > 0, n == 0
			}
		}
		for i := 0; i < len(rs); {
			if !unseen[i] {
				i++
				continue
			}
			j := i
			for j < len(rs) && unseen[j] {
				j++
			}
			// Bigrams i..j-1 are unseen: characters i..j.
			from, to := i, j+1
			if i > 0 && seen[i-1] {
				from++
			}
			if seen[j] {
				to--
			}
			// A lone unseen character counts only when no document holds
			// it at all: 费 of 加班费, not 少 of 科室少.
			if to-from >= 2 || to-from == 1 && x.charFreq[rs[from]] == 0 {
				out = appendWords(out, string(rs[from:to]))
			}
			i = j
		}
	}
	return out
}

func (x *index) holdsWord(q query, w, text string) bool {
	if strings.Contains(text, w) {
		return true
	}
	for from, to := range synonyms {
		if strings.Contains(to, w) && strings.Contains(text, from) || strings.Contains(from, w) && strings.Contains(text, to) {
			return true
		}
	}
	for _, r := range relations {
		for _, a := range r.asked {
			if !strings.Contains(a, w) {
				continue
			}
			for _, wr := range r.written {
				if strings.Contains(text, wr) {
					return true
				}
			}
		}
	}
	return false
}
