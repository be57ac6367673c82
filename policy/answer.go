package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Citation names the source of a passage: 《document title》section.
type Citation struct {
	Title    string // the document's headline
	Section  string // heading path, e.g. "一、领导挂帅强推进"; empty for the lead
	Document string // document name (path)
}

func (c Citation) String() string {
	return bookTitle(c.Title) + c.Section
}

// bookTitle puts a title in book-title marks; marks inside it become the
// inner ones (《〈条例〉释义》).
func bookTitle(t string) string {
	return "《" + strings.NewReplacer("《", "〈", "》", "〉").Replace(t) + "》"
}

// Passage is a retrieved chunk handed to a Writer, or quoted in an answer.
type Passage struct {
	Citation Citation
	Text     string
}

// Hit is one retrieved chunk with its scores.
type Hit struct {
	Passage
	DocID    string
	Seq      int
	Score    float64 // ranking score (BM25 with bonuses, or fused)
	Coverage float64 // share of the question's weight the chunk matches, 0–1
}

// Answer is the reply to a policy question.
type Answer struct {
	Text      string
	Citations []Citation
	Declined  bool // the documents do not cover the question
	Hits      []Hit
}

// Replies when declining. They say plainly that the documents do not cover
// the question, so nobody mistakes silence for an answer.
const (
	declineText      = "已收录的政策文件中没有涉及这个问题的内容，无法据此回答。请换个说法，或咨询编办。"
	declinePlaceText = "已收录的政策文件中没有涉及“%s”的内容，无法据此回答。"
	// A yes-or-no question whose subject an article treats without
	// deciding it: neither yes nor no is given.
	undecidedText   = "已收录的政策文件没有对这一点作出规定，无法据此回答是或否。%s讲到了相关内容，但没有规定这一点。"
	emptyCorpusText = "尚未收录任何政策文件，无法回答。请编办先导入文件（duban ingest）。"
)

// maxReplyBytes is WeCom's limit for a text message.
const maxReplyBytes = 2048

// Search returns the k best passages for question, best first.
func (e *Engine) Search(ctx context.Context, question string, k int) ([]Hit, error) {
	idx, err := e.index(ctx)
	if err != nil {
		return nil, err
	}
	q := idx.analyse(question)
	ranked := e.rank(ctx, idx, q, question)
	return idx.hits(ranked, k), nil
}

func (e *Engine) rank(ctx context.Context, idx *index, q query, question string) []scored {
	lex := idx.lexical(q)
	if e.o.Embedder == nil {
		return lex
	}
	qv, err := e.queryVector(ctx, question)
	if err != nil {
		e.o.Logger.Warn("policy: question embedding failed; ranking by BM25 only", "err", err)
		return lex
	}
	return fuse(lex, idx.vectorRank(qv))
}

// citation names the source of chunk ci.
func (x *index) citation(ci int32) Citation {
	c := x.chunks[ci]
	d := x.docs[c.doc]
	return Citation{Title: d.Title, Section: citeSection(c.heading), Document: d.Name}
}

// hitsInOrder returns the k first passages of order as hits, with the
// scores retrieval gave them.
func (x *index) hitsInOrder(ranked []scored, order []int32, k int) []Hit {
	byChunk := make(map[int32]scored, len(ranked))
	for _, s := range ranked {
		byChunk[s.chunk] = s
	}
	re := make([]scored, 0, min(k, len(order)))
	for _, ci := range order[:min(k, len(order))] {
		s, ok := byChunk[ci]
		if !ok {
			s = scored{chunk: ci}
		}
		re = append(re, s)
	}
	return x.hits(re, k)
}

func (x *index) hits(ranked []scored, k int) []Hit {
	var out []Hit
	for _, s := range ranked {
		if len(out) == k {
			break
		}
		c := x.chunks[s.chunk]
		d := x.docs[c.doc]
		out = append(out, Hit{
			Passage:  Passage{Citation: x.citation(s.chunk), Text: c.text},
			DocID:    d.ID,
			Seq:      c.seq,
			Score:    s.score,
			Coverage: s.coverage,
		})
	}
	return out
}

// Ask answers question from the documents: with a Writer, a short answer
// written from the best passages; otherwise (or when the Writer fails) the
// sentences of the best passages that answer it. Below the threshold it
// declines.
func (e *Engine) Ask(ctx context.Context, question string) (Answer, error) {
	idx, err := e.index(ctx)
	if err != nil {
		return Answer{}, err
	}
	if len(idx.chunks) == 0 {
		return Answer{Text: emptyCorpusText, Declined: true}, nil
	}
	q := idx.analyse(question)
	for _, p := range q.places {
		if !idx.knownPlace(p) {
			return Answer{Text: fmt.Sprintf(declinePlaceText, p), Declined: true}, nil
		}
	}
	if bodies := idx.unknownBodies(plainQuestion(normalize(question))); len(bodies) > 0 {
		return Answer{Text: fmt.Sprintf(declinePlaceText, bodies[0]), Declined: true}, nil
	}
	ranked := e.rank(ctx, idx, q, question)
	ch := idx.choose(q, ranked, e.o.Threshold)
	hits := idx.hitsInOrder(ranked, ch.order, 5)
	if len(ch.picked) == 0 {
		if ch.undecided >= 0 {
			return Answer{Text: fmt.Sprintf(undecidedText, idx.citation(ch.undecided)), Declined: true, Hits: hits}, nil
		}
		return Answer{Text: declineText, Declined: true, Hits: hits}, nil
	}
	if e.o.Writer != nil {
		passages := make([]Passage, 0, 3)
		for _, h := range hits[:min(3, len(hits))] {
			passages = append(passages, h.Passage)
		}
		text, err := e.o.Writer.Write(ctx, question, passages)
		if err == nil && q.yesNo && !quotesProvision(text, ch.picked) {
			// A yes or no is given only on the words of the provision
			// that decides it; the extract quotes them.
			err = errUngroundedVerdict
		}
		if err == nil && strings.TrimSpace(text) != "" {
			var cites []Citation
			for _, p := range passages {
				cites = appendCitation(cites, p.Citation)
			}
			return Answer{Text: strings.TrimSpace(text), Citations: cites, Hits: hits}, nil
		}
		e.o.Logger.Warn("policy: answer writer failed; answering with extracts", "err", err)
	}
	var parts []string
	var cites []Citation
	for _, c := range ch.picked {
		parts = append(parts, strings.TrimSpace(c.text))
		cites = appendCitation(cites, idx.citation(c.chunk))
	}
	return Answer{Text: strings.Join(parts, ""), Citations: cites, Hits: hits}, nil
}

// errUngroundedVerdict: the writer answered a yes-or-no question without
// quoting the provision that decides it.
var errUngroundedVerdict = errors.New("the answer to a yes-or-no question quotes no provision that decides it")

// minQuote is the shortest run of a provision, in characters, that an
// answer must repeat word for word to count as quoting it.
const minQuote = 8

// quotesProvision reports whether an answer repeats, word for word, a run
// of a picked sentence that says what must, may or must not be done: a
// written yes or no rests on the provision the engine found to decide it.
func quotesProvision(answer string, picked []candidate) bool {
	a := normalize(answer)
	for _, c := range picked {
		rs := []rune(normalize(c.text))
		for i := 0; i+minQuote <= len(rs); i++ {
			j := i + minQuote
			if !strings.Contains(a, string(rs[i:j])) {
				continue
			}
			for j < len(rs) && strings.Contains(a, string(rs[i:j+1])) {
				j++
			}
			if decidingWords.MatchString(string(rs[i:j])) {
				return true
			}
		}
	}
	return false
}

func appendCitation(cites []Citation, c Citation) []Citation {
	if slices.Contains(cites, c) {
		return cites
	}
	return append(cites, c)
}

// sentenceScore is the idf-weighted share of the question's terms the
// sentence holds, plus the exact-run bonus.
func (x *index) sentenceScore(q query, norm string) float64 {
	sc := 0.0
	for _, t := range q.terms {
		switch {
		case !strings.Contains(norm, t.text):
		case t.straddle:
			sc += t.idf * t.weight
		default:
			// Squared: the question's rarest word is its focus.
			sc += t.idf * t.idf * t.weight
		}
	}
	return sc + x.runBonus(q, norm)
}

// trimSentence cuts a long sentence to the run of clauses that scores best,
// marking the cuts with an ellipsis.
func trimSentence(q query, x *index, sent string) string {
	if utf8.RuneCountInString(sent) <= maxSentence {
		return sent
	}
	clauses := splitRunes(sent, clauseEnds, 1<<30)
	norms := make([]string, len(clauses))
	for i, c := range clauses {
		norms[i] = normalize(c)
	}
	bestScore, bi, bj := -1.0, 0, 1
	for i := range clauses {
		n := 0
		for j := i; j < len(clauses); j++ {
			n += utf8.RuneCountInString(clauses[j])
			if n > maxSentence && j > i {
				break
			}
			part := strings.Join(norms[i:j+1], "")
			sc := x.sentenceScore(q, part)
			if q.kind.strict() && holdsKind(q.kind, part) {
				sc = sc*1.5 + 1
			}
			if sc > bestScore+1e-9 {
				bestScore, bi, bj = sc, i, j+1
			}
		}
	}
	out := strings.Join(clauses[bi:bj], "")
	out = strings.TrimRight(out, "，,、：")
	if bi > 0 {
		out = "……" + out
	}
	if bj < len(clauses) {
		out += "……"
	}
	return out
}

// FormatAnswer renders an answer as a chat reply: the text, then its sources.
// The reply never exceeds WeCom's 2048 bytes; the text is shortened if needed.
func FormatAnswer(a Answer) string {
	if a.Declined || len(a.Citations) == 0 {
		return truncateBytes(a.Text, maxReplyBytes)
	}
	tail := "\n——" + formatCitations(a.Citations)
	if len(tail) > maxReplyBytes/2 {
		tail = truncateBytes(tail, maxReplyBytes/2)
	}
	return truncateBytes(a.Text, maxReplyBytes-len(tail)) + tail
}

// formatCitations names each document once: 《标题》一、……、三、……
func formatCitations(cites []Citation) string {
	var titles []string
	sections := map[string][]string{}
	for _, c := range cites {
		if _, ok := sections[c.Title]; !ok {
			titles = append(titles, c.Title)
			sections[c.Title] = nil
		}
		if c.Section != "" && !slices.Contains(sections[c.Title], c.Section) {
			sections[c.Title] = append(sections[c.Title], c.Section)
		}
	}
	parts := make([]string, len(titles))
	for i, t := range titles {
		parts[i] = bookTitle(t) + strings.Join(sections[t], "、")
	}
	return strings.Join(parts, "；")
}

// truncateBytes cuts s to at most n bytes on a rune boundary, ending with "…" when cut.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ell = "…"
	cut := n - len(ell)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if cut < 0 {
		cut = 0
	}
	return s[:cut] + ell
}
