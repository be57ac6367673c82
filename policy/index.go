package policy

import (
	"cmp"
	"container/heap"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/duban-org/duban/store"
)

// BM25 parameters.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
	// candidates re-scored with the exact-run bonus, and taken from each
	// ranking into the reciprocal-rank fusion.
	rerankDepth = 50
	rrfK        = 60
)

type posting struct {
	chunk int32
	tf    float32
}

// termEntry is a term's posting list, in chunk order, and the number of
// documents holding it. The list is kept encoded — per posting the chunk's
// distance from the previous one and the term's frequency, uvarints —
// about 2 bytes a posting instead of 8: the postings are most of the index.
type termEntry struct {
	list    string
	n       int32 // postings in list
	docs    int32
	lastDoc int32  // while building: the last document counted in docs
	last    int32  // while building: the last chunk added
	buf     []byte // while building: the list
}

// each yields the postings in chunk order.
func (e *termEntry) each(yield func(posting) bool) {
	s := e.list
	chunk := int32(0)
	for len(s) > 0 {
		d, n := uvarint(s)
		tf, m := uvarint(s[n:])
		if m == 0 {
			return // checked when the index was read: not reached
		}
		s = s[n+m:]
		chunk += int32(d)
		if !yield(posting{chunk: chunk, tf: float32(tf)}) {
			return
		}
	}
}

// uvarint decodes a uvarint at the start of s and returns it and its
// length; 0, 0 if s holds none.
func uvarint(s string) (uint64, int) {
	var v uint64
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		b := s[i]
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

// add appends a posting of a later chunk than the last, while building.
func (e *termEntry) add(chunk int32, tf uint32) {
	e.buf = binary.AppendUvarint(e.buf, uint64(chunk-e.last))
	e.buf = binary.AppendUvarint(e.buf, uint64(tf))
	e.last = chunk
	e.n++
}

// postings returns the postings of term (nil if no chunk holds it),
// decoded; lexical reads them in place.
func (x *index) postings(term string) []posting {
	e := x.post[term]
	if e == nil {
		return nil
	}
	out := make([]posting, 0, e.n)
	for p := range e.each {
		out = append(out, p)
	}
	return out
}

// chunkFreq is the number of chunks holding term.
func (x *index) chunkFreq(term string) int {
	if e := x.post[term]; e != nil {
		return int(e.n)
	}
	return 0
}

func (x *index) docFreq(term string) int {
	if e := x.post[term]; e != nil {
		return int(e.docs)
	}
	return 0
}

type indexedChunk struct {
	doc     int32
	seq     int
	heading string
	text    string
	norm    string // normalized heading and text, for exact-run matching
	length  float32
	vec     []float32
}

// index is the in-memory retrieval index, loaded from the store at first use
// (indexstore.go), and built from the chunks when the stored one is missing
// or stale.
type index struct {
	docs      []store.PolicyDoc
	docTitles []string // normalized titles
	chunks    []indexedChunk
	docChunks [][]int32 // each document's chunks in order
	docLead   []int32   // each document's first chunk (its lead), -1 if none
	post      map[string]*termEntry
	charFreq  map[rune]int32 // chunks containing the character
	// Titles' bigrams, for recognising a document named by its title.
	titlePost   map[string][]int32
	titleLen    []int
	commonTitle int
	// places the documents name as X市, X县 or X省, so that a question
	// naming one without the suffix ("孝感纳入…") is held to it too.
	places map[string]bool
	avgLen float64
}

// chunkHash is a chunk's embedding cache key.
func chunkHash(heading, text string) [32]byte {
	return sha256.Sum256([]byte(heading + "\n" + text))
}

// indexTerms are the terms of a chunk: its heading path and its text.
func indexTerms(heading, text string) []string {
	return tokenize(normalize(heading + "\n" + text))
}

// postingsOf counts terms for the store.
func postingsOf(terms []string) store.PolicyPostings {
	counts := make(map[string]uint32, len(terms))
	for _, t := range terms {
		counts[t]++
	}
	p := store.PolicyPostings{Length: len(terms), Terms: make([]string, 0, len(counts)), Freqs: make([]uint32, 0, len(counts))}
	for t := range counts {
		p.Terms = append(p.Terms, t)
	}
	slices.Sort(p.Terms)
	for _, t := range p.Terms {
		p.Freqs = append(p.Freqs, counts[t])
	}
	return p
}

type indexBuilder struct {
	idx      *index
	docIndex map[string]int32
	totalLen float64
	seen     map[rune]bool
}

func newIndexBuilder() *indexBuilder {
	return &indexBuilder{
		idx:      &index{post: make(map[string]*termEntry), charFreq: make(map[rune]int32)},
		docIndex: make(map[string]int32),
		seen:     make(map[rune]bool),
	}
}

func (b *indexBuilder) add(d store.PolicyDoc, c store.PolicyChunk) {
	di, ok := b.docIndex[d.ID]
	if !ok {
		di = int32(len(b.idx.docs))
		b.docIndex[d.ID] = di
		b.idx.docs = append(b.idx.docs, d)
		b.idx.docTitles = append(b.idx.docTitles, normalize(d.Title))
		b.idx.docChunks = append(b.idx.docChunks, nil)
		b.idx.docLead = append(b.idx.docLead, -1)
	}
	ci := int32(len(b.idx.chunks))
	b.idx.docChunks[di] = append(b.idx.docChunks[di], ci)
	if c.Seq == 0 {
		b.idx.docLead[di] = ci
	}
	b.idx.chunks = append(b.idx.chunks, indexedChunk{
		doc:     di,
		seq:     c.Seq,
		heading: c.Heading,
		text:    c.Text,
		norm:    normalize(c.Heading + "\n" + c.Text),
		length:  float32(c.Postings.Length),
	})
	b.totalLen += float64(c.Postings.Length)
	clear(b.seen)
	for _, r := range b.idx.chunks[ci].norm {
		if isHan(r) && !b.seen[r] {
			b.seen[r] = true
			b.idx.charFreq[r]++
		}
	}
	for i, t := range c.Postings.Terms {
		e := b.idx.post[t]
		if e == nil {
			e = &termEntry{lastDoc: -1}
			b.idx.post[t] = e
		}
		e.add(ci, c.Postings.Freqs[i])
		if e.lastDoc != di {
			e.lastDoc = di
			e.docs++
		}
	}
}

func (b *indexBuilder) done() *index {
	for _, e := range b.idx.post {
		e.list, e.buf = string(e.buf), nil
	}
	b.idx.indexTitles()
	b.idx.findPlaces()
	if n := len(b.idx.chunks); n > 0 {
		b.idx.avgLen = b.totalLen / float64(n)
	}
	return b.idx
}

// idf is BM25's inverse document frequency over chunks; a term no chunk
// holds gets the largest value, so an unknown word weighs in the coverage.
func (x *index) idf(term string) float64 {
	n := float64(len(x.chunks))
	df := float64(x.chunkFreq(term))
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// charIDF is the idf of a single character over chunks.
func (x *index) charIDF(r rune) float64 {
	n := float64(len(x.chunks))
	df := float64(x.charFreq[r])
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// query is an analysed question.
type query struct {
	question string   // normalized, spoken words written (plainQuestion)
	parts    []string // normalized segments between question words
	// unseen holds the question's words that no document holds
	// (unseenWords), when a passage is judged.
	unseen string
	terms  []qterm
	// units are the question's characters (and numbers, words) with their
	// weight; a unit is covered by a chunk holding any of its terms. The
	// covered share decides whether the documents answer the question at all:
	// unlike a share of bigrams it does not suffer from bigrams that straddle
	// two words of the question and so never occur in any text.
	units  []qunit
	places []string // named places ("孝感" in "孝感市…")
	// subject is the word no document holds that the question opens
	// with; the answer's passage must hold it.
	subject string
	years   []string // named years ("2015")
	intent
	// relatedWords are the asked and written words of the relations the
	// question asks by (relate); the answering sentence holds one.
	relatedWords []string
	// ownerKey, deedKeys: the words saysAsked looks for, read once (the
	// key word of a thing's owner, the deed's words); deedUnsaid: the
	// deed is one no document writes.
	ownerKey   string
	deedKeys   []string
	deedUnsaid bool
	// scope holds the documents the question names by title ("优化营商环境
	// 条例是……"); nil when it names none.
	scope map[int32]bool
}

type qunit struct {
	weight float64
	terms  []int // indexes into query.terms
	// char is the unit's character when no text holds either of its
	// bigrams (it straddles two words of the question, "条例从施行"): a
	// passage then covers it by holding the character.
	char string
}

type qterm struct {
	text     string
	idf      float64
	weight   float64 // 1 for the question's own terms, less for synonym rewrites
	isNumber bool    // a figure with its measure word, "84家"
	// straddle: the bigram spans two words of the question ("管理工作" →
	// 理工): rarer than its neighbours, it is evidence of the phrase, which
	// the exact-run bonus rewards, not a word of its own.
	straddle bool
	related  bool // found through a relation, not in the question
}

func (x *index) analyse(question string) query {
	norm := plainQuestion(normalize(question))
	q := query{question: norm, places: placeNames(norm), years: yearsIn(norm), intent: readIntent(norm)}
	for p := range x.places {
		if strings.Contains(norm, p) && !slices.Contains(q.places, p) {
			q.places = append(q.places, p)
		}
	}
	seen := map[string]int{}
	termIndex := func(t string, weight float64) int {
		if i, ok := seen[t]; ok {
			q.terms[i].weight = max(q.terms[i].weight, weight)
			return i
		}
		seen[t] = len(q.terms)
		first, _ := utf8.DecodeRuneInString(t)
		last := lastRune(t)
		isNum := isDigit(first) && !isDigit(last) && last != '%'
		idf := x.idf(t)
		switch n := utf8.RuneCountInString(t); {
		case n > 2 && isHan(first):
			// A phrase (a written word of a relation) is no index term:
			// it is as rare as its rarest bigram at least.
			idf = 0
			for _, bg := range tokenize(t) {
				idf = max(idf, x.idf(bg))
			}
		case n == 1 && isHan(first):
			// A lone character is a term only where it stands alone, so its
			// own idf is nearly the largest; as a sentence holds it, it is
			// as common as the character ("由", "出").
			idf = x.charIDF(first)
		}
		q.terms = append(q.terms, qterm{text: t, idf: idf, weight: weight, isNumber: isNum})
		return len(q.terms) - 1
	}
	// The documents' phrasing (synonyms rewritten) is the primary reading of
	// the question; the question's own phrasing still counts, a little less.
	var originals []string
	for _, p := range queryParts(norm) {
		rewritten := p
		for from, to := range synonyms {
			rewritten = strings.ReplaceAll(rewritten, from, to)
		}
		q.parts = append(q.parts, rewritten)
		if rewritten != p {
			originals = append(originals, p)
		}
	}
	for i, p := range q.parts {
		units := x.partUnits(p, termIndex)
		q.relate(p, units, termIndex)
		// A question that opens on a word no document holds ("襄阳纳入…")
		// names its subject by it: likely a place or body the documents
		// do not cover.
		// A negation (没考, 未经) names nothing.
		if i == 0 && len(units) >= 2 && units[0].char != "" && units[1].char != "" && startsHan2(p) && !strings.Contains(negations, units[0].char) {
			q.subject = units[0].char + units[1].char
		}
		q.units = append(q.units, units...)
	}
	for _, p := range originals {
		for _, t := range tokenize(p) {
			termIndex(t, 0.7)
		}
	}
	for _, p := range q.parts {
		for _, t := range x.straddles(p) {
			if i, ok := seen[t]; ok {
				q.terms[i].straddle = true
			}
		}
	}
	// A named place says which document, not which passage: its
	// documents are found by the place rule.
	for i, t := range q.terms {
		for _, p := range q.places {
			if utf8.RuneCountInString(t.text) == 2 && (strings.Contains(p+"市", t.text) || strings.Contains(p+"县", t.text) || strings.Contains(p+"省", t.text)) {
				q.terms[i].weight = min(q.terms[i].weight, titleTermWeight)
			}
		}
	}
	q.scope = x.namedDocs(q.parts)
	if q.scope != nil {
		// The words of a named title say which document, not what in it:
		// they must not pick the passage.
		for i, t := range q.terms {
			for d := range q.scope {
				if utf8.RuneCountInString(t.text) == 2 && strings.Contains(x.docTitles[d], t.text) {
					q.terms[i].weight *= titleTermWeight
					break
				}
			}
		}
	}
	q.ownerKey = x.ownerWord(q)
	var said bool
	q.deedKeys, said = x.deedWords(q)
	q.deedUnsaid = said && len(q.deedKeys) == 0
	return q
}

// innerTitle finds the document a notice issues or forwards; the title in
// the index is normalized, so without its book-title marks.
var innerTitle = regexp.MustCompile(`^.*(?:印发|转发|颁布|公布)(.+?)(?:的通知|的决定|的通告|的函)$`)

// titleTermWeight scales the terms of a title the question names.
const titleTermWeight = 0.15

// namedDocs returns the documents whose title the question names: those
// sharing the most title bigrams with it, at least four and at least a third
// of the title's, counting only bigrams that few titles share ("条例",
// "通知" name no document).
func (x *index) namedDocs(parts []string) map[int32]bool {
	if len(x.docs) == 0 {
		return nil
	}
	counts := map[int32]int{}
	unique := map[int32]int{}
	seen := map[string]bool{}
	for _, p := range parts {
		for _, t := range tokenize(p) {
			if seen[t] {
				continue
			}
			seen[t] = true
			docs := x.titlePost[t]
			if len(docs) > x.commonTitle {
				continue
			}
			for _, d := range docs {
				counts[d]++
				if len(docs) == 1 {
					unique[d]++
				}
			}
		}
	}
	best := 0
	for d, n := range counts {
		// Named: four bigrams of the title, two of them its own, and a
		// quarter of it or eight bigrams.
		if n < 4 || unique[d] < 2 || (4*n < x.titleLen[d] && n < 8) {
			delete(counts, d)
			continue
		}
		best = max(best, n)
	}
	if best == 0 {
		return nil
	}
	scope := map[int32]bool{}
	for d, n := range counts {
		if float64(n) >= 0.85*float64(best) {
			scope[d] = true
		}
	}
	return scope
}

// indexTitles lists, for each Han bigram of a title, the documents whose
// title holds it ("关于印发《X》的通知" counts as X), and each title's number of
// bigrams that few titles share: the input of namedDocs.
func (x *index) indexTitles() {
	x.titlePost = map[string][]int32{}
	for d, title := range x.docTitles {
		if m := innerTitle.FindStringSubmatch(title); m != nil {
			title = m[1]
		}
		for _, t := range tokenize(title) {
			if utf8.RuneCountInString(t) != 2 || !isHan([]rune(t)[0]) {
				continue
			}
			if docs := x.titlePost[t]; len(docs) == 0 || docs[len(docs)-1] != int32(d) {
				x.titlePost[t] = append(docs, int32(d))
			}
		}
	}
	// Bigrams in more than a third of the titles ("条例", "通知") name none.
	x.commonTitle = len(x.docs)
	if len(x.docs) > 2 {
		x.commonTitle = max(2, len(x.docs)/3)
	}
	x.titleLen = make([]int, len(x.docs))
	for _, docs := range x.titlePost {
		if len(docs) <= x.commonTitle {
			for _, d := range docs {
				x.titleLen[d]++
			}
		}
	}
}

// partUnits registers the terms of one question segment and returns its
// coverage units: each Han character, covered by either bigram it belongs
// to; each number or ASCII word, covered by itself or with its measure word.
func (x *index) partUnits(p string, termIndex func(string, float64) int) []qunit {
	var units []qunit
	rs := []rune(p)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case isHan(r):
			j := i
			for j < len(rs) && isHan(rs[j]) {
				j++
			}
			if j-i == 1 {
				// A lone character left between question words weighs half.
				units = append(units, qunit{weight: 0.5 * x.charIDF(r), terms: []int{termIndex(string(r), 1)}})
				i = j
				continue
			}
			bigrams := make([]int, 0, j-i-1)
			for k := i; k+1 < j; k++ {
				bigrams = append(bigrams, termIndex(string(rs[k:k+2]), 1))
			}
			for k := i; k < j; k++ {
				u := qunit{weight: x.charIDF(rs[k])}
				known := false
				if k > i {
					u.terms = append(u.terms, bigrams[k-i-1])
					known = known || x.chunkFreq(string(rs[k-1:k+1])) > 0
				}
				if k+1 < j {
					u.terms = append(u.terms, bigrams[k-i])
					known = known || x.chunkFreq(string(rs[k:k+2])) > 0
				}
				if !known {
					u.char = string(rs[k])
				}
				units = append(units, u)
			}
			// A character that forms no word of the corpus with its
			// neighbours is likely a function word of the question ("条例从
			// 施行"): it counts half, like a lone character. Two or more
			// such characters in a row are a word the corpus lacks ("副部长"):
			// they count in full.
			run := units[len(units)-(j-i):]
			for k := 0; k < len(run); k++ {
				if run[k].char == "" {
					continue
				}
				alone := (k == 0 || run[k-1].char == "") && (k+1 == len(run) || run[k+1].char == "")
				if alone {
					run[k].weight *= 0.5
				}
			}
			i = j
		case isDigit(r) || (r < 0x80 && unicode.IsLetter(r)):
			j := i + 1
			for j < len(rs) && rs[j] < 0x80 && (unicode.IsLetter(rs[j]) || isDigit(rs[j]) || rs[j] == '.' || rs[j] == '%') {
				j++
			}
			toks := tokenize(string(rs[i:min(j+1, len(rs))]))
			u := qunit{}
			for _, t := range toks {
				if isHan(lastRune(t)) && !isDigit([]rune(t)[0]) {
					continue // a bigram of the following text, registered with it
				}
				ti := termIndex(t, 1)
				u.terms = append(u.terms, ti)
				u.weight = max(u.weight, x.idf(t))
			}
			if len(u.terms) > 0 {
				units = append(units, u)
			}
			i = j
		default:
			i++
		}
	}
	return units
}

// straddles returns the bigrams of a question segment that span two of
// its words: rarer in the documents than the bigram before and the one
// after ("理工" of 管理工作; at a run's end, than the one beside it).
func (x *index) straddles(p string) []string {
	var out []string
	rs := []rune(p)
	for i := 0; i < len(rs); {
		if !isHan(rs[i]) {
			i++
			continue
		}
		j := i
		for j < len(rs) && isHan(rs[j]) {
			j++
		}
		df := make([]int, 0, j-i)
		for k := i; k+1 < j; k++ {
			df = append(df, x.chunkFreq(string(rs[k:k+2])))
		}
		for k, n := range df {
			if n == 0 || len(df) < 2 {
				continue
			}
			if (k == 0 || df[k-1] > n) && (k+1 == len(df) || df[k+1] > n) {
				out = append(out, string(rs[i+k:i+k+2]))
			}
		}
		i = j
	}
	return out
}

// startsHan2 reports whether s starts with two Han characters.
func startsHan2(s string) bool {
	rs := []rune(s)
	return len(rs) >= 2 && isHan(rs[0]) && isHan(rs[1])
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// placeNames finds the places a question names: two or three Han characters
// before 市, 县 or 省, standing at the start of the question or after a
// preposition ("孝感市纳入…", "在武汉市…").
func placeNames(norm string) []string {
	rs := []rune(norm)
	var out []string
	for i, r := range rs {
		if r != '市' && r != '县' && r != '省' || i+1 < len(rs) && rs[i+1] == '场' { // 市场 is a market
			continue
		}
		for _, n := range []int{2, 3} {
			start := i - n
			if start < 0 {
				continue
			}
			name := rs[start:i]
			ok := true
			for _, c := range name {
				if !isHan(c) || strings.ContainsRune("的了在是和与跟及对从向据把被为以时个家名多少几些哪这那本全各每年月日底末初至", c) {
					ok = false
				}
			}
			if !ok {
				continue
			}
			if start == 0 || !isHan(rs[start-1]) || strings.ContainsRune("在是对从向据与和跟及于问年月日底末初至", rs[start-1]) {
				out = append(out, string(name))
				break
			}
		}
	}
	return out
}

// coverage is the weighted share of the question's units that a chunk
// holding the terms in mask covers.
func (q query) coverage(mask uint64) float64 {
	total, covered := 0.0, 0.0
	for _, u := range q.units {
		total += u.weight
		for _, ti := range u.terms {
			if ti < 64 && mask&(1<<ti) != 0 {
				covered += u.weight
				break
			}
		}
	}
	if total == 0 {
		return 0
	}
	return covered / total
}

// scored is a chunk with its ranking evidence.
type scored struct {
	chunk    int32
	bm25     float64
	bonus    float64
	coverage float64 // share of the question's weight (idf) the chunk matches
	score    float64
}

// lexical ranks chunks for q: BM25 plus the exact-run and document bonuses,
// with the place rule applied. It returns the best rerankDepth, best first.
func (x *index) lexical(q query) []scored {
	if len(x.chunks) == 0 || len(q.terms) == 0 {
		return nil
	}
	bm := make([]float64, len(x.chunks))
	matched := make([]uint64, len(x.chunks)) // query terms (first 64) the chunk holds
	var touched []int32
	// Documents holding each term that tells documents apart.
	docHas := make([]uint64, len(x.docs))
	for ti, t := range q.terms {
		w := t.idf * t.weight
		e := x.post[t.text]
		if e == nil {
			continue
		}
		for p := range e.each {
			if bm[p.chunk] == 0 && matched[p.chunk] == 0 {
				touched = append(touched, p.chunk)
			}
			c := &x.chunks[p.chunk]
			norm := p.tf * (bm25K1 + 1) / (p.tf + bm25K1*(1-bm25B+bm25B*c.length/float32(x.avgLen)))
			bm[p.chunk] += w * float64(norm)
			if ti < 64 {
				matched[p.chunk] |= 1 << ti
				docHas[c.doc] |= 1 << ti
			}
		}
	}
	if len(touched) == 0 {
		return nil
	}
	nDocs := len(x.docs)
	docBonus := make([]float64, nDocs)
	if nDocs > 1 {
		for ti, t := range q.terms {
			if ti >= 64 {
				break
			}
			df := x.docFreq(t.text)
			if df == 0 || df >= nDocs {
				continue
			}
			idfDoc := math.Log(1 + (float64(nDocs)-float64(df)+0.5)/(float64(df)+0.5))
			for d := range docHas {
				if docHas[d]&(1<<ti) != 0 || strings.Contains(x.docTitles[d], t.text) {
					docBonus[d] += idfDoc * t.weight
				}
			}
		}
	}
	placeOK := make([]bool, nDocs)
	for d := range placeOK {
		placeOK[d] = true
		for _, p := range q.places {
			if !x.docHolds(d, p, q, docHas) {
				placeOK[d] = false
			}
		}
	}
	// Keep the best 2×rerankDepth by BM25 in a min-heap: sorting every
	// touched chunk (all of them, for a common bigram) costs more than the scoring.
	top := make(scoredHeap, 0, rerankDepth*2)
	for _, ci := range touched {
		s := scored{chunk: ci, bm25: bm[ci]}
		s.score = s.bm25 + docBonus[x.chunks[ci].doc]
		if len(top) < cap(top) {
			heap.Push(&top, s)
		} else if s.score > top[0].score {
			top[0] = s
			heap.Fix(&top, 0)
		}
	}
	res := []scored(top)
	for i := range res {
		res[i].coverage = q.coverage(matched[res[i].chunk])
	}
	for i := range res {
		c := &x.chunks[res[i].chunk]
		res[i].bonus = x.runBonus(q, c.norm)
		res[i].score += res[i].bonus
		for _, t := range q.terms {
			if t.isNumber && t.weight == 1 && !strings.Contains(c.norm, t.text) {
				res[i].score *= 0.6
			}
		}
		if !placeOK[c.doc] {
			res[i].score *= 0.2
			res[i].coverage *= 0.2
		}
		if q.scope != nil && !q.scope[c.doc] {
			res[i].score *= 0.5
		}
	}
	sortScored(res)
	if len(res) > rerankDepth {
		res = res[:rerankDepth]
	}
	return res
}

// docHolds reports whether document d mentions place (in its title or any
// chunk), using the postings of the place's bigrams gathered for this query.
func (x *index) docHolds(d int, place string, q query, docHas []uint64) bool {
	if strings.Contains(x.docTitles[d], place) {
		return true
	}
	for _, bg := range tokenize(place) {
		found := false
		for ti, t := range q.terms {
			if t.text == bg && ti < 64 {
				found = docHas[d]&(1<<ti) != 0
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// findPlaces collects the places the documents name (kept in the stored
// index: a change here needs a new indexFormat): words that stand
// before 市, 县 or 省 in a title, or in at least half of the passages holding
// them ("孝感市编办"), unlike "纳入市直" or "其中县级", whose words mostly stand
// alone.
func (x *index) findPlaces() {
	withSuffix := map[string]int{}
	for _, c := range x.chunks {
		for _, p := range placeNames(c.norm) {
			withSuffix[p]++
		}
	}
	x.places = map[string]bool{}
	for p, n := range withSuffix {
		if df := x.chunkFreq(string([]rune(p)[:2])); 2*n >= df {
			x.places[p] = true
		}
	}
	// A place in a title is its document's subject.
	for _, t := range x.docTitles {
		for _, p := range placeNames(t) {
			x.places[p] = true
		}
	}
}

// knownPlace reports whether any document mentions place at all.
func (x *index) knownPlace(place string) bool {
	for _, t := range x.docTitles {
		if strings.Contains(t, place) {
			return true
		}
	}
	for _, bg := range tokenize(place) {
		if x.chunkFreq(bg) == 0 {
			return false
		}
	}
	return true
}

// runBonus rewards the chunk for holding longer stretches of the question
// verbatim: every bigram of a matched run of three or more characters past
// the first adds half its idf.
func (x *index) runBonus(q query, norm string) float64 {
	bonus := 0.0
	for _, part := range q.parts {
		rs := []rune(part)
		for i := 0; i+3 <= len(rs); {
			j := i + 3
			if !strings.Contains(norm, string(rs[i:j])) {
				i++
				continue
			}
			for j < len(rs) && strings.Contains(norm, string(rs[i:j+1])) {
				j++
			}
			for k := i + 1; k+2 <= j; k++ {
				bonus += 0.5 * x.idf(string(rs[k:k+2])) * q.weightOf(string(rs[k:k+2]))
			}
			i = j
		}
	}
	return bonus
}

// weightOf is the weight of the question's term t (1 if t is not one).
func (q query) weightOf(t string) float64 {
	for _, qt := range q.terms {
		if qt.text == t {
			return qt.weight
		}
	}
	return 1
}

// scoredHeap is a min-heap by score.
type scoredHeap []scored

func (h scoredHeap) Len() int           { return len(h) }
func (h scoredHeap) Less(i, j int) bool { return h[i].score < h[j].score }
func (h scoredHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *scoredHeap) Push(x any)        { *h = append(*h, x.(scored)) }
func (h *scoredHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func sortScored(res []scored) {
	slices.SortFunc(res, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.chunk, b.chunk)
	})
}

// vectorRank ranks chunks by cosine similarity to qv (vectors are unit length).
func (x *index) vectorRank(qv []float32) []scored {
	top := make(scoredHeap, 0, rerankDepth)
	for i := range x.chunks {
		v := x.chunks[i].vec
		if len(v) == 0 || len(v) != len(qv) {
			continue
		}
		var dot float32
		for k := range v {
			dot += v[k] * qv[k]
		}
		s := scored{chunk: int32(i), score: float64(dot)}
		if len(top) < cap(top) {
			heap.Push(&top, s)
		} else if s.score > top[0].score {
			top[0] = s
			heap.Fix(&top, 0)
		}
	}
	res := []scored(top)
	sortScored(res)
	return res
}

// fuse merges rankings by reciprocal rank: score = Σ 1/(k + rank), rank from 1.
// The lexical evidence (coverage) of each chunk is kept for the threshold.
func fuse(lexical, vector []scored) []scored {
	byChunk := map[int32]*scored{}
	var order []int32
	add := func(list []scored, lex bool) {
		for rank, s := range list {
			e, ok := byChunk[s.chunk]
			if !ok {
				e = &scored{chunk: s.chunk}
				byChunk[s.chunk] = e
				order = append(order, s.chunk)
			}
			if lex {
				e.bm25, e.bonus, e.coverage = s.bm25, s.bonus, s.coverage
			}
			e.score += 1 / float64(rrfK+rank+1)
		}
	}
	add(lexical, true)
	add(vector, false)
	out := make([]scored, 0, len(order))
	for _, c := range order {
		out = append(out, *byChunk[c])
	}
	sortScored(out)
	return out
}

func unit32(v []float32) []float32 {
	var n float64
	for _, f := range v {
		n += float64(f) * float64(f)
	}
	if n == 0 {
		return nil
	}
	inv := float32(1 / math.Sqrt(n))
	out := make([]float32, len(v))
	for i, f := range v {
		out[i] = f * inv
	}
	return out
}
