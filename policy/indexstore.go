package policy

// The built index is stored (store.PutPolicyIndex) so that a restart loads
// it instead of rebuilding it from every chunk: loading reads a few large
// values and allocates a handful of arrays, where building decodes every
// chunk's JSON and postings, normalizes its text and grows a posting list
// per term.
//
// Parts, each starting with its kind:
//
//	'm' meta: the chunk count, then per chunk its document, sequence and
//	    length; the character frequencies; the places
//	't' texts: per chunk, in order, its heading, text and normalized text
//	'p' postings: per term, its text, document frequency, posting count
//	    and posting list (per posting the chunk's delta from the previous
//	    one and the tf, as kept in memory)
//
// All numbers are uvarints, strings a uvarint length and the bytes. What
// the index derives from the documents' titles alone (docTitles,
// docChunks, docLead, the title index) is recomputed at load: it is cheap.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/duban-org/duban/store"
)

// indexFormat names the encoding and what the stored index derives from the
// chunks: bump it when normalize, findPlaces or the parts change, so that
// indexes written before are rebuilt rather than misread.
const indexFormat = "policy-index-1/" + chunkerVersion

// indexPartBytes is the size a part is cut at.
const indexPartBytes = 4 << 20

// indexParts encodes x part by part.
func indexParts(x *index) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		meta := []byte{'m'}
		meta = binary.AppendUvarint(meta, uint64(len(x.chunks)))
		for _, c := range x.chunks {
			meta = binary.AppendUvarint(meta, uint64(c.doc))
			meta = binary.AppendUvarint(meta, uint64(c.seq))
			meta = binary.AppendUvarint(meta, uint64(c.length))
		}
		runes := slices.Sorted(maps.Keys(x.charFreq))
		meta = binary.AppendUvarint(meta, uint64(len(runes)))
		for _, r := range runes {
			meta = binary.AppendUvarint(meta, uint64(r))
			meta = binary.AppendUvarint(meta, uint64(x.charFreq[r]))
		}
		places := slices.Sorted(maps.Keys(x.places))
		meta = binary.AppendUvarint(meta, uint64(len(places)))
		for _, p := range places {
			meta = appendString(meta, p)
		}
		if !yield(meta) {
			return
		}

		part := newPart('t')
		for i, c := range x.chunks {
			part = appendString(part, c.heading)
			part = appendString(part, c.text)
			part = appendString(part, c.norm)
			if len(part) >= indexPartBytes || i == len(x.chunks)-1 {
				if !yield(part) {
					return
				}
				part = newPart('t')
			}
		}
		terms := slices.Sorted(maps.Keys(x.post))
		part = newPart('p')
		for i, t := range terms {
			e := x.post[t]
			part = appendString(part, t)
			part = binary.AppendUvarint(part, uint64(e.docs))
			part = binary.AppendUvarint(part, uint64(e.n))
			part = appendString(part, e.list)
			if len(part) >= indexPartBytes || i == len(terms)-1 {
				if !yield(part) {
					return
				}
				part = newPart('p')
			}
		}
	}
}

// newPart starts a part of kind with room for a whole one, so that it is
// not copied as it grows.
func newPart(kind byte) []byte {
	return append(make([]byte, 0, indexPartBytes+64<<10), kind)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// saveIndex stores x, built from the documents x.docs.
func saveIndex(ctx context.Context, st *store.Store, x *index) error {
	return st.PutPolicyIndex(ctx, indexFormat, x.docs, indexParts(x))
}

// loadIndex reads the stored index. The error wraps store.ErrNotFound when
// there is none and store.ErrStaleIndex when the documents changed since it
// was built.
func loadIndex(ctx context.Context, st *store.Store) (*index, error) {
	var d indexDecoder
	docs, err := st.PolicyIndex(ctx, indexFormat, d.part)
	if err != nil {
		return nil, err
	}
	return d.done(docs)
}

// indexDecoder rebuilds an index from its parts, in order.
type indexDecoder struct {
	x        index
	haveMeta bool
	texts    int // chunks whose texts were read
	totalLen float64
	maxDoc   int32
}

var errCorrupt = errors.New("corrupt policy index")

// reader decodes uvarints and strings from one part.
type reader struct {
	s   string
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := uvarint(r.s)
	if n == 0 {
		r.err = errCorrupt
	}
	r.s = r.s[n:]
	return v
}

// int reads a uvarint that must be below limit.
func (r *reader) int(limit uint64) int {
	v := r.uvarint()
	if v >= limit {
		r.err = errCorrupt
		return 0
	}
	return int(v)
}

// str reads a string, shared with the part.
func (r *reader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.s)) {
		r.err = errCorrupt
		return ""
	}
	s := r.s[:n]
	r.s = r.s[n:]
	return s
}

// maxCount bounds numbers read as counts or indexes. A count also sizes
// memory only up to the bytes left in its part, so that a damaged part
// cannot ask for more than a multiple of its own length.
const maxCount = 1 << 31

func (d *indexDecoder) part(b []byte) error {
	if len(b) == 0 {
		return errCorrupt
	}
	kind := b[0]
	if !d.haveMeta && kind != 'm' {
		return fmt.Errorf("%w: part %q before the meta part", errCorrupt, kind)
	}
	// One copy of the part: texts, terms and posting lists are substrings
	// of it.
	r := &reader{s: string(b[1:])}
	switch kind {
	case 'm':
		d.meta(r)
	case 't':
		for len(r.s) > 0 && r.err == nil {
			if d.texts == len(d.x.chunks) {
				return fmt.Errorf("%w: more texts than chunks", errCorrupt)
			}
			c := &d.x.chunks[d.texts]
			c.heading, c.text, c.norm = r.str(), r.str(), r.str()
			d.texts++
		}
	case 'p':
		for len(r.s) > 0 && r.err == nil {
			term := r.str()
			e := &termEntry{docs: int32(r.int(maxCount)), n: int32(r.int(maxCount)), lastDoc: -1}
			e.list = r.str()
			if r.err == nil && !d.validList(e) {
				r.err = errCorrupt
			}
			d.x.post[term] = e
		}
	default:
		return fmt.Errorf("%w: part of kind %q", errCorrupt, kind)
	}
	return r.err
}

// validList reports whether e's list holds e.n postings of distinct known
// chunks, and nothing else.
func (d *indexDecoder) validList(e *termEntry) bool {
	s := e.list
	chunk := uint64(0)
	for i := range e.n {
		delta, n := uvarint(s)
		tf, m := uvarint(s[n:])
		if m == 0 || i > 0 && delta == 0 {
			return false
		}
		chunk += delta
		if chunk >= uint64(len(d.x.chunks)) || tf > math.MaxUint32 {
			return false
		}
		s = s[n+m:]
	}
	return len(s) == 0
}

func (d *indexDecoder) meta(r *reader) {
	d.haveMeta = true
	nChunks := r.int(uint64(len(r.s))/3 + 1) // three numbers a chunk follow
	if r.err != nil {
		return
	}
	d.x.chunks = make([]indexedChunk, nChunks)
	for i := range d.x.chunks {
		c := &d.x.chunks[i]
		c.doc = int32(r.int(maxCount))
		c.seq = r.int(maxCount)
		n := r.uvarint()
		c.length = float32(n)
		d.totalLen += float64(n)
		d.maxDoc = max(d.maxDoc, c.doc)
	}
	nRunes := r.int(uint64(len(r.s))/2 + 1)
	d.x.charFreq = make(map[rune]int32, nRunes)
	for range nRunes {
		ch := rune(r.int(utf8.MaxRune + 1))
		d.x.charFreq[ch] = int32(r.int(maxCount))
	}
	nPlaces := r.int(uint64(len(r.s)) + 1)
	d.x.places = make(map[string]bool, nPlaces)
	for range nPlaces {
		d.x.places[r.str()] = true
	}
	d.x.post = make(map[string]*termEntry)
}

// done checks that every part arrived and derives the rest from docs.
func (d *indexDecoder) done(docs []store.PolicyDoc) (*index, error) {
	x := &d.x
	switch {
	case !d.haveMeta:
		return nil, fmt.Errorf("%w: no meta part", errCorrupt)
	case d.texts != len(x.chunks):
		return nil, fmt.Errorf("%w: %d texts for %d chunks", errCorrupt, d.texts, len(x.chunks))
	case len(x.chunks) > 0 && int(d.maxDoc) >= len(docs):
		return nil, fmt.Errorf("%w: chunk of an unknown document", errCorrupt)
	}
	x.docs = docs
	x.docTitles = make([]string, len(docs))
	x.docChunks = make([][]int32, len(docs))
	x.docLead = make([]int32, len(docs))
	for i, doc := range docs {
		x.docTitles[i] = normalize(doc.Title)
		x.docLead[i] = -1
	}
	for i, c := range x.chunks {
		x.docChunks[c.doc] = append(x.docChunks[c.doc], int32(i))
		if c.seq == 0 {
			x.docLead[c.doc] = int32(i)
		}
	}
	x.indexTitles()
	if n := len(x.chunks); n > 0 {
		x.avgLen = d.totalLen / float64(n)
	}
	return x, nil
}
