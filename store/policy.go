package store

// Policy documents for the Q&A: documents, their chunks, each chunk's postings
// (term frequencies, read to build the retrieval index when the stored one,
// policyindex.go, is missing or stale) and cached embedding vectors.
//
//	doc/<docID>                         PolicyDoc (JSON)
//	chunk/<docID>/<gen:20>/<seq:06>     PolicyChunk text and heading (JSON)
//	post/<docID>/<gen:20>/<seq:06>      postings of that chunk (binary)
//	vec/<model, path-escaped>/<sha256>  a passage's embedding vector (little-endian float32; questions': questionvec.go)
//	policy/gen                          generation counter (uint64, big-endian)
//
// A document's chunks are written under a fresh generation, possibly over
// several transactions when the document is large, and become visible only
// when the final transaction points doc/<docID> at that generation. A crash
// half way leaves an unreferenced generation behind, removed by the next
// ingest or removal of that document.

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

var keyPolicyGen = []byte("policy/gen")

// PolicyDoc is one ingested policy document.
type PolicyDoc struct {
	ID         string    `json:"id"`    // stable key derived from Name
	Name       string    `json:"name"`  // absolute path, or "embedded:<path>" for the shipped corpus
	Title      string    `json:"title"` // the headline, for citations
	Date       string    `json:"date,omitempty"`
	Hash       string    `json:"hash"` // content hash (raw bytes and chunker version)
	Gen        uint64    `json:"gen"`  // generation holding the current chunks
	Chunks     int       `json:"chunks"`
	Chars      int       `json:"chars"` // characters of cleaned text
	IngestedAt time.Time `json:"ingested_at"`
}

// PolicyChunk is one retrievable passage of a document.
type PolicyChunk struct {
	Seq      int            `json:"seq"`
	Heading  string         `json:"heading,omitempty"` // heading path, e.g. "一、领导挂帅强推进"
	Text     string         `json:"text"`
	Postings PolicyPostings `json:"-"` // stored under post/
}

// PolicyPostings are the term frequencies of one chunk: Terms[i] occurs Freqs[i] times.
type PolicyPostings struct {
	Length int // tokens in the chunk, for BM25 length normalisation
	Terms  []string
	Freqs  []uint32
}

// policyBatchEntries bounds the entries of one transaction while writing or
// deleting a generation; Badger refuses transactions past ~15% of a memtable.
const policyBatchEntries = 400

func policyDocKey(id string) []byte { return []byte("doc/" + id) }

func policyGenPrefix(kind, id string, gen uint64) string {
	return fmt.Sprintf("%s/%s/%020d/", kind, id, gen)
}

// PolicyDocs lists every ingested document, ordered by ID.
func (s *Store) PolicyDocs(ctx context.Context) ([]PolicyDoc, error) {
	var docs []PolicyDoc
	err := s.view(ctx, func(txn *badger.Txn) error {
		return scanPrefix(txn, []byte("doc/"), false, func(key, val []byte) error {
			var d PolicyDoc
			if err := policyUnmarshal(key, val, &d); err != nil {
				return err
			}
			docs = append(docs, d)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list policy documents: %w", err)
	}
	return docs, nil
}

// PolicyDoc returns the document with the given ID, or an error wrapping ErrNotFound.
func (s *Store) PolicyDoc(ctx context.Context, id string) (PolicyDoc, error) {
	var d PolicyDoc
	err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, policyDocKey(id), &d) })
	if err != nil {
		return PolicyDoc{}, fmt.Errorf("policy document %s: %w", id, err)
	}
	return d, nil
}

// PutPolicyDoc stores doc with its chunks, replacing any earlier version of
// the same document ID atomically: readers see either the old chunks or the
// new ones. doc.Gen and doc.Chunks are set here; the stored doc is returned.
func (s *Store) PutPolicyDoc(ctx context.Context, doc PolicyDoc, chunks []PolicyChunk) (PolicyDoc, error) {
	if doc.ID == "" || strings.ContainsAny(doc.ID, "/\x00") {
		return PolicyDoc{}, fmt.Errorf("put policy document: bad id %q", doc.ID)
	}
	gen, err := s.newPolicyGen(ctx)
	if err != nil {
		return PolicyDoc{}, fmt.Errorf("allocate policy generation: %w", err)
	}
	doc.Gen = gen
	doc.Chunks = len(chunks)

	chunkPrefix := policyGenPrefix("chunk", doc.ID, gen)
	postPrefix := policyGenPrefix("post", doc.ID, gen)
	for start := 0; start < len(chunks); start += policyBatchEntries / 2 {
		end := min(start+policyBatchEntries/2, len(chunks))
		err := s.update(ctx, func(txn *badger.Txn) error {
			for _, c := range chunks[start:end] {
				seq := fmt.Sprintf("%06d", c.Seq)
				if err := putJSON(txn, []byte(chunkPrefix+seq), c); err != nil {
					return err
				}
				if err := txn.Set([]byte(postPrefix+seq), encodePostings(c.Postings)); err != nil {
					return fmt.Errorf("write postings %s: %w", postPrefix+seq, err)
				}
			}
			return nil
		})
		if err != nil {
			return PolicyDoc{}, fmt.Errorf("write chunks of %s: %w", doc.Name, err)
		}
	}
	if err := s.update(ctx, func(txn *badger.Txn) error {
		return putJSON(txn, policyDocKey(doc.ID), doc)
	}); err != nil {
		return PolicyDoc{}, fmt.Errorf("commit policy document %s: %w", doc.Name, err)
	}
	if err := s.deleteStaleGens(ctx, doc.ID); err != nil {
		return doc, err
	}
	return doc, nil
}

// RemovePolicyDoc deletes the document and all its chunks; ErrNotFound if absent.
func (s *Store) RemovePolicyDoc(ctx context.Context, id string) error {
	err := s.update(ctx, func(txn *badger.Txn) error {
		if _, err := txn.Get(policyDocKey(id)); errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("policy document %s: %w", id, ErrNotFound)
		} else if err != nil {
			return fmt.Errorf("read policy document %s: %w", id, err)
		}
		return txn.Delete(policyDocKey(id))
	})
	if err != nil {
		return fmt.Errorf("remove policy document: %w", err)
	}
	return s.deleteStaleGens(ctx, id)
}

// deleteStaleGens removes chunks and postings of id whose generation is not
// the one doc/<id> points at (all of them once the document is gone).
func (s *Store) deleteStaleGens(ctx context.Context, id string) error {
	var current uint64
	var stale [][]byte
	err := s.view(ctx, func(txn *badger.Txn) error {
		var d PolicyDoc
		switch err := getJSON(txn, policyDocKey(id), &d); {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return err
		default:
			current = d.Gen
		}
		for _, kind := range []string{"chunk/", "post/"} {
			prefix := []byte(kind + id + "/")
			err := scanPrefix(txn, prefix, true, func(key, _ []byte) error {
				rest := key[len(prefix):]
				gen, err := strconv.ParseUint(string(rest[:min(20, len(rest))]), 10, 64)
				if err != nil || gen != current {
					stale = append(stale, append([]byte(nil), key...))
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("find stale chunks of %s: %w", id, err)
	}
	if err := s.deleteInBatches(ctx, stale); err != nil {
		return fmt.Errorf("delete stale chunks of %s: %w", id, err)
	}
	return nil
}

// ScanPolicyChunks calls fn for every current chunk of every document, with
// its postings, documents in ID order and chunks in sequence order. It reads
// one consistent snapshot.
func (s *Store) ScanPolicyChunks(ctx context.Context, fn func(doc PolicyDoc, c PolicyChunk) error) error {
	err := s.view(ctx, func(txn *badger.Txn) error {
		var docs []PolicyDoc
		if err := scanPrefix(txn, []byte("doc/"), false, func(key, val []byte) error {
			var d PolicyDoc
			if err := policyUnmarshal(key, val, &d); err != nil {
				return err
			}
			docs = append(docs, d)
			return nil
		}); err != nil {
			return err
		}
		for _, d := range docs {
			if err := ctx.Err(); err != nil {
				return err
			}
			var chunks []PolicyChunk
			if err := scanPrefix(txn, []byte(policyGenPrefix("chunk", d.ID, d.Gen)), false, func(key, val []byte) error {
				var c PolicyChunk
				if err := policyUnmarshal(key, val, &c); err != nil {
					return err
				}
				chunks = append(chunks, c)
				return nil
			}); err != nil {
				return err
			}
			bySeq := make(map[string]int, len(chunks))
			for i, c := range chunks {
				bySeq[fmt.Sprintf("%06d", c.Seq)] = i
			}
			postPrefix := policyGenPrefix("post", d.ID, d.Gen)
			if err := scanPrefix(txn, []byte(postPrefix), false, func(key, val []byte) error {
				i, ok := bySeq[string(key[len(postPrefix):])]
				if !ok {
					return nil
				}
				p, err := decodePostings(val)
				if err != nil {
					return fmt.Errorf("decode %s: %w", key, err)
				}
				chunks[i].Postings = p
				return nil
			}); err != nil {
				return err
			}
			for _, c := range chunks {
				if err := fn(d, c); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("scan policy chunks: %w", err)
	}
	return nil
}

func policyUnmarshal(key, val []byte, v any) error {
	if err := json.Unmarshal(val, v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}

func policyVecKey(model string, textHash [32]byte) []byte {
	return fmt.Appendf(nil, "vec/%s/%x", url.PathEscape(model), textHash)
}

// PolicyVectors returns the cached vectors of model for the given text hashes;
// hashes without a vector are absent from the map.
func (s *Store) PolicyVectors(ctx context.Context, model string, hashes [][32]byte) (map[[32]byte][]float32, error) {
	out := make(map[[32]byte][]float32, len(hashes))
	err := s.view(ctx, func(txn *badger.Txn) error {
		for _, h := range hashes {
			item, err := txn.Get(policyVecKey(model, h))
			if errors.Is(err, badger.ErrKeyNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("read vector: %w", err)
			}
			if err := item.Value(func(b []byte) error {
				if len(b)%4 != 0 {
					return fmt.Errorf("vector %x: bad length %d", h, len(b))
				}
				out[h] = decodeFloats(b)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s vectors: %w", model, err)
	}
	return out, nil
}

// deleteInBatches deletes keys, policyBatchEntries to a transaction: what
// is left of a replaced version, which no reader sees any more, so a crash
// part way leaves only garbage the next replacement deletes again.
func (s *Store) deleteInBatches(ctx context.Context, keys [][]byte) error {
	for start := 0; start < len(keys); start += policyBatchEntries {
		batch := keys[start:min(start+policyBatchEntries, len(keys))]
		if err := s.update(ctx, func(txn *badger.Txn) error {
			for _, k := range batch {
				if err := txn.Delete(k); err != nil {
					return fmt.Errorf("delete %s: %w", k, err)
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// PutPolicyVectors caches vectors of model by text hash.
func (s *Store) PutPolicyVectors(ctx context.Context, model string, vecs map[[32]byte][]float32) error {
	keys := make([][32]byte, 0, len(vecs))
	for h := range vecs {
		keys = append(keys, h)
	}
	for start := 0; start < len(keys); start += policyBatchEntries {
		batch := keys[start:min(start+policyBatchEntries, len(keys))]
		err := s.update(ctx, func(txn *badger.Txn) error {
			for _, h := range batch {
				v := vecs[h]
				b := make([]byte, 4*len(v))
				for i, f := range v {
					binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
				}
				if err := txn.Set(policyVecKey(model, h), b); err != nil {
					return fmt.Errorf("write vector: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store %s vectors: %w", model, err)
		}
	}
	return nil
}

// encodePostings writes uvarint length, uvarint count, then per term
// uvarint byte length, the term, uvarint frequency.
func encodePostings(p PolicyPostings) []byte {
	b := binary.AppendUvarint(nil, uint64(p.Length))
	b = binary.AppendUvarint(b, uint64(len(p.Terms)))
	for i, t := range p.Terms {
		b = binary.AppendUvarint(b, uint64(len(t)))
		b = append(b, t...)
		var f uint32
		if i < len(p.Freqs) {
			f = p.Freqs[i]
		}
		b = binary.AppendUvarint(b, uint64(f))
	}
	return b
}

func decodePostings(b []byte) (PolicyPostings, error) {
	var p PolicyPostings
	next := func() (uint64, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, errors.New("truncated postings")
		}
		b = b[n:]
		return v, nil
	}
	length, err := next()
	if err != nil {
		return p, err
	}
	count, err := next()
	if err != nil {
		return p, err
	}
	if count > uint64(len(b)) {
		return p, errors.New("postings count past end")
	}
	p.Length = int(length)
	p.Terms = make([]string, 0, count)
	p.Freqs = make([]uint32, 0, count)
	for range count {
		l, err := next()
		if err != nil {
			return p, err
		}
		if l > uint64(len(b)) {
			return p, errors.New("term past end")
		}
		term := string(b[:l])
		b = b[l:]
		f, err := next()
		if err != nil {
			return p, err
		}
		p.Terms = append(p.Terms, term)
		p.Freqs = append(p.Freqs, uint32(min(f, math.MaxUint32)))
	}
	return p, nil
}

// newPolicyGen allocates the next policy generation (documents and indexes
// share the sequence) in a transaction of its own.
func (s *Store) newPolicyGen(ctx context.Context) (uint64, error) {
	var gen uint64
	err := s.update(ctx, func(txn *badger.Txn) error {
		var err error
		gen, err = nextSeq(txn, keyPolicyGen)
		return err
	})
	return gen, err
}
