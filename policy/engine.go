package policy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/duban-org/duban/store"
)

// chunkerVersion is part of every document's content hash, so changing how
// documents are cleaned or chunked re-ingests unchanged files.
const chunkerVersion = "policy-chunker-3"

// DefaultThreshold is the share of a question's weight (by idf) that the
// answering sentence, with its article or paragraph and the document's
// title, must cover — over all the question's words and over those outside a
// title it names — for the engine to answer rather than decline. Calibrated
// on the shipped and held-out question sets (docs/benchmarks.md).
const DefaultThreshold = 0.45

// Embedder turns texts into vectors with the named model. Package llm
// implements it over an OpenAI-compatible API.
type Embedder interface {
	Embed(ctx context.Context, model string, texts []string) ([][]float32, error)
}

// Writer writes a short answer to question using only the passages, citing
// them. Package llm implements it.
type Writer interface {
	Write(ctx context.Context, question string, passages []Passage) (string, error)
}

// Options configure an Engine; the zero value is lexical retrieval with
// extractive answers.
type Options struct {
	Embedder       Embedder // nil: lexical retrieval only
	EmbeddingModel string   // required with Embedder; vectors are cached per model
	Writer         Writer   // nil: extractive answers
	Threshold      float64  // 0: DefaultThreshold
	Logger         *slog.Logger
	Now            func() time.Time
}

// Engine answers policy questions from the documents in a store.
type Engine struct {
	st *store.Store
	o  Options

	mu      sync.RWMutex
	idx     *index       // nil until first use
	vectors VectorReport // of the last build
}

// New returns an engine over st. The index is built from the store at first use.
func New(st *store.Store, o Options) *Engine {
	if o.Threshold <= 0 {
		o.Threshold = DefaultThreshold
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.EmbeddingModel == "" {
		o.Embedder = nil
	}
	return &Engine{st: st, o: o}
}

// index returns the current index: on first use it is loaded from the
// store, or built from the chunks (and stored) when the stored one is
// missing or stale.
func (e *Engine) index(ctx context.Context) (*index, error) {
	e.mu.RLock()
	idx := e.idx
	e.mu.RUnlock()
	if idx != nil {
		return idx, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.idx != nil {
		return e.idx, nil
	}
	idx, err := e.open(ctx)
	if err != nil {
		return nil, err
	}
	if e.o.Embedder != nil {
		n, err := e.attachVectors(ctx, idx)
		e.vectors = VectorReport{Model: e.o.EmbeddingModel, Chunks: len(idx.chunks), WithVectors: n, Err: err}
	}
	e.idx = idx
	return idx, nil
}

// Warm loads the index now rather than at the first question (building it
// if the stored one is missing or stale).
func (e *Engine) Warm(ctx context.Context) error {
	_, err := e.index(ctx)
	return err
}

// invalidate drops the index after the corpus changed; the next query
// finds the stored one stale and rebuilds it.
func (e *Engine) invalidate() {
	e.mu.Lock()
	e.idx = nil
	e.mu.Unlock()
}

// open loads the stored index; when it is missing, stale or unreadable it
// builds the index from the chunks, stores it, and answers from what was
// stored, as the next start will.
func (e *Engine) open(ctx context.Context) (*index, error) {
	start := time.Now()
	idx, err := loadIndex(ctx, e.st)
	switch {
	case err == nil:
		e.o.Logger.Info("policy: index loaded", "chunks", len(idx.chunks), "took", time.Since(start))
		return idx, nil
	case ctx.Err() != nil:
		return nil, fmt.Errorf("load policy index: %w", ctx.Err())
	case errors.Is(err, store.ErrNotFound):
		e.o.Logger.Info("policy: no stored index; building it from the documents")
	case errors.Is(err, store.ErrStaleIndex):
		e.o.Logger.Info("policy: stored index is stale; rebuilding it from the documents", "reason", err)
	default:
		e.o.Logger.Warn("policy: stored index unreadable; rebuilding it from the documents", "err", err)
	}
	start = time.Now()
	built, err := e.build(ctx)
	if err != nil {
		return nil, err
	}
	if err := saveIndex(ctx, e.st, built); err != nil {
		e.o.Logger.Warn("policy: store the rebuilt index; it will be rebuilt at the next start", "err", err)
		return built, nil
	}
	// The stored copy, compact, replaces the built one, collected first so
	// that the copy reuses its memory; what the rebuild needed beyond is
	// handed back to the system (a rebuild happens once, after an upgrade
	// or a change of the corpus).
	runtime.GC()
	idx, err = loadIndex(ctx, e.st)
	if err != nil {
		e.o.Logger.Warn("policy: read back the rebuilt index", "err", err)
		return e.build(ctx)
	}
	debug.FreeOSMemory()
	e.o.Logger.Info("policy: index rebuilt and stored", "documents", len(idx.docs), "chunks", len(idx.chunks), "took", time.Since(start))
	return idx, nil
}

// build builds the index from every chunk in the store.
func (e *Engine) build(ctx context.Context) (*index, error) {
	b := newIndexBuilder()
	if err := e.st.ScanPolicyChunks(ctx, func(d store.PolicyDoc, c store.PolicyChunk) error {
		b.add(d, c)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("build policy index: %w", err)
	}
	return b.done(), nil
}

// embedBatch bounds the texts sent in one embedding request.
const embedBatch = 32

// attachVectors loads cached vectors for every chunk, embedding the missing
// ones, and returns how many chunks have one. Failures leave chunks without
// vectors: retrieval falls back to BM25; the first is returned.
func (e *Engine) attachVectors(ctx context.Context, idx *index) (int, error) {
	model := e.o.EmbeddingModel
	hashes := make([][32]byte, len(idx.chunks))
	for i, c := range idx.chunks {
		hashes[i] = chunkHash(c.heading, c.text)
	}
	cached, err := e.st.PolicyVectors(ctx, model, hashes)
	if err != nil {
		e.o.Logger.Warn("policy: read cached vectors", "model", model, "err", err)
		return 0, fmt.Errorf("read cached vectors: %w", err)
	}
	have := 0
	var missing []int
	for i := range idx.chunks {
		if v, ok := cached[hashes[i]]; ok {
			idx.chunks[i].vec = unit32(v)
			have++
		} else {
			missing = append(missing, i)
		}
	}
	for start := 0; start < len(missing); start += embedBatch {
		batch := missing[start:min(start+embedBatch, len(missing))]
		texts := make([]string, len(batch))
		for k, i := range batch {
			texts[k] = strings.TrimSpace(idx.chunks[i].heading + "\n" + idx.chunks[i].text)
		}
		vecs, err := e.o.Embedder.Embed(ctx, model, texts)
		if err == nil && len(vecs) != len(texts) {
			err = fmt.Errorf("got %d vectors for %d texts", len(vecs), len(texts))
		}
		if err != nil {
			e.o.Logger.Warn("policy: embed chunks; those chunks rank by BM25 only", "model", model, "chunks", len(missing)-start, "err", err)
			return have, err
		}
		have += len(batch)
		fresh := make(map[[32]byte][]float32, len(batch))
		for k, i := range batch {
			fresh[hashes[i]] = vecs[k]
			idx.chunks[i].vec = unit32(vecs[k])
		}
		if err := e.st.PutPolicyVectors(ctx, model, fresh); err != nil {
			e.o.Logger.Warn("policy: cache vectors", "model", model, "err", err)
		}
	}
	return have, nil
}

// queryVector embeds a question, through the store's cache of question
// vectors (which forgets those not used for a while: store/questionvec.go).
func (e *Engine) queryVector(ctx context.Context, question string) ([]float32, error) {
	model := e.o.EmbeddingModel
	h := sha256.Sum256([]byte("query\n" + question))
	v, ok, err := e.st.QuestionVector(ctx, model, h, e.o.Now())
	if ok {
		if err != nil {
			e.o.Logger.Warn("policy: record the use of a question vector", "err", err)
		}
		return unit32(v), nil
	}
	if err != nil {
		return nil, err
	}
	vecs, err := e.o.Embedder.Embed(ctx, model, []string{question})
	if err != nil {
		return nil, fmt.Errorf("embed question: %w", err)
	}
	if len(vecs) != 1 {
		return nil, fmt.Errorf("embed question: got %d vectors", len(vecs))
	}
	if err := e.st.PutQuestionVector(ctx, model, h, vecs[0], e.o.Now()); err != nil {
		e.o.Logger.Warn("policy: cache question vector", "err", err)
	}
	return unit32(vecs[0]), nil
}

// DocStatus says what ingesting one file did.
type DocStatus string

const (
	StatusAdded     DocStatus = "added"
	StatusReplaced  DocStatus = "replaced"
	StatusUnchanged DocStatus = "unchanged"
	StatusFailed    DocStatus = "failed"
)

// IngestedFile is the outcome for one file.
type IngestedFile struct {
	Name   string // document name: absolute path, or embedded:<path>
	Title  string
	Status DocStatus
	Chunks int
	Err    error // with StatusFailed
}

// IngestReport lists what Ingest did with each file.
type IngestReport struct {
	Files []IngestedFile
}

// Count returns how many files ended with status s.
func (r IngestReport) Count(s DocStatus) int {
	n := 0
	for _, f := range r.Files {
		if f.Status == s {
			n++
		}
	}
	return n
}

// Ingest loads files, and the supported files under directories, into the
// store. A changed file replaces its chunks; an unchanged one is skipped. A
// file that cannot be read or parsed is reported as failed and the others
// proceed; the error is only for the store or the context. When anything
// changed, the retrieval index is rebuilt and stored before it returns, so
// the next start answers at once.
func (e *Engine) Ingest(ctx context.Context, paths ...string) (IngestReport, error) {
	var rep IngestReport
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			rep.Files = append(rep.Files, IngestedFile{Name: p, Status: StatusFailed, Err: err})
			continue
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				rep.Files = append(rep.Files, IngestedFile{Name: path, Status: StatusFailed, Err: err})
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") && path != p {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && (Supported(path) || isOldOffice(path)) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("walk %s: %w", p, err)
		}
	}
	changed := false
	defer func() {
		if changed {
			e.refresh(ctx)
		}
	}()
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		name, err := filepath.Abs(f)
		if err != nil {
			name = f
		}
		data, err := readLimited(f)
		if err != nil {
			rep.Files = append(rep.Files, IngestedFile{Name: name, Status: StatusFailed, Err: err})
			continue
		}
		res, err := e.ingest(ctx, name, data)
		if err != nil {
			return rep, err
		}
		changed = changed || res.Status == StatusAdded || res.Status == StatusReplaced
		rep.Files = append(rep.Files, res)
	}
	return rep, nil
}

// refresh rebuilds and stores the index after the corpus changed, so that
// the next start loads it at once; a failure is left to the next query.
func (e *Engine) refresh(ctx context.Context) {
	e.invalidate()
	if _, err := e.index(ctx); err != nil {
		e.o.Logger.Warn("policy: rebuild the index after a change; the next question will", "err", err)
	}
}

// IngestBytes ingests one document given by name (its extension picks the
// reader) and content, as Ingest does for a file; the index is rebuilt at
// the next question (or Warm), so that many calls in a row rebuild it once.
func (e *Engine) IngestBytes(ctx context.Context, name string, data []byte) (IngestedFile, error) {
	res, err := e.ingest(ctx, name, data)
	if res.Status == StatusAdded || res.Status == StatusReplaced {
		e.invalidate()
	}
	return res, err
}

// isOldOffice reports a .doc or .wps file, which is reported (with how to
// convert it) rather than silently skipped when a directory is ingested.
func isOldOffice(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".doc" || ext == ".wps"
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDocBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, nil
}

func docID(name string) string {
	h := sha256.Sum256([]byte(name))
	return hex.EncodeToString(h[:8])
}

// ingest stores one document unless an identical version is already there.
// Parse failures are reported in the result; the error is for the store.
func (e *Engine) ingest(ctx context.Context, name string, data []byte) (IngestedFile, error) {
	res := IngestedFile{Name: name}
	sum := sha256.Sum256(append([]byte(chunkerVersion+"\n"), data...))
	hash := hex.EncodeToString(sum[:])
	id := docID(name)
	old, err := e.st.PolicyDoc(ctx, id)
	switch {
	case err == nil && old.Hash == hash:
		res.Status, res.Title, res.Chunks = StatusUnchanged, old.Title, old.Chunks
		return res, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return res, fmt.Errorf("ingest %s: %w", name, err)
	}
	doc, perr := Parse(name, data)
	if perr != nil {
		res.Status, res.Err = StatusFailed, perr
		return res, nil
	}
	chunks := chunkDocument(doc)
	if len(chunks) == 0 {
		res.Status, res.Err = StatusFailed, fmt.Errorf("%s: no text found", name)
		return res, nil
	}
	stored := make([]store.PolicyChunk, len(chunks))
	chars := 0
	for i, c := range chunks {
		stored[i] = store.PolicyChunk{Seq: i, Heading: c.Heading, Text: c.Text, Postings: postingsOf(indexTerms(c.Heading, c.Text))}
		chars += len([]rune(c.Text))
	}
	pd := store.PolicyDoc{ID: id, Name: name, Title: doc.Title, Date: doc.Date, Hash: hash, Chars: chars, IngestedAt: e.o.Now().UTC()}
	pd, err = e.st.PutPolicyDoc(ctx, pd, stored)
	if err != nil {
		return res, fmt.Errorf("ingest %s: %w", name, err)
	}
	res.Status = StatusAdded
	if old.ID != "" {
		res.Status = StatusReplaced
	}
	res.Title, res.Chunks = pd.Title, pd.Chunks
	e.o.Logger.Info("policy: document ingested", "name", name, "title", pd.Title, "chunks", pd.Chunks, "status", res.Status)
	return res, nil
}

// List returns the ingested documents.
func (e *Engine) List(ctx context.Context) ([]store.PolicyDoc, error) {
	return e.st.PolicyDocs(ctx)
}

// ErrAmbiguous is returned (wrapped) by Remove when ref names several documents.
var ErrAmbiguous = errors.New("ambiguous document reference")

// Remove deletes the document that ref names: its ID, its name (absolute
// path; a relative path is resolved), its file name or its title. It returns
// the removed document; an error wrapping store.ErrNotFound when none
// matches, ErrAmbiguous when several do.
func (e *Engine) Remove(ctx context.Context, ref string) (store.PolicyDoc, error) {
	docs, err := e.st.PolicyDocs(ctx)
	if err != nil {
		return store.PolicyDoc{}, err
	}
	abs, _ := filepath.Abs(ref)
	var exact, loose []store.PolicyDoc
	for _, d := range docs {
		switch {
		case d.ID == ref || d.Name == ref || d.Name == abs || d.Name == "embedded:"+ref:
			exact = append(exact, d)
		case filepath.Base(d.Name) == ref || d.Title == ref:
			loose = append(loose, d)
		}
	}
	if len(exact) == 0 {
		exact = loose
	}
	switch len(exact) {
	case 0:
		return store.PolicyDoc{}, fmt.Errorf("remove policy document %q: %w", ref, store.ErrNotFound)
	case 1:
	default:
		return store.PolicyDoc{}, fmt.Errorf("remove policy document %q: %d documents match: %w", ref, len(exact), ErrAmbiguous)
	}
	if err := e.st.RemovePolicyDoc(ctx, exact[0].ID); err != nil {
		return store.PolicyDoc{}, err
	}
	e.refresh(ctx)
	return exact[0], nil
}
