package policy

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"

	"github.com/duban-org/duban/store"
)

// defaultCorpus is the reform article the product was built for, shipped in
// the binary so a fresh store can answer at once.
//
//go:embed corpus/*.txt
var defaultCorpus embed.FS

// EnsureDefaultCorpus ingests the shipped corpus when the engine's store
// holds no documents at all, and reports whether it did. The caller decides
// whether to call it (`[policy] default_corpus`).
func (e *Engine) EnsureDefaultCorpus(ctx context.Context) (bool, error) {
	docs, err := e.st.PolicyDocs(ctx)
	if err != nil {
		return false, err
	}
	if len(docs) > 0 {
		return false, nil
	}
	names, err := fs.Glob(defaultCorpus, "corpus/*.txt")
	if err != nil {
		return false, fmt.Errorf("list default corpus: %w", err)
	}
	for _, name := range names {
		data, err := defaultCorpus.ReadFile(name)
		if err != nil {
			return false, fmt.Errorf("read default corpus %s: %w", name, err)
		}
		res, err := e.IngestBytes(ctx, "embedded:"+path.Clean(name), data)
		if err != nil {
			return false, err
		}
		if res.Status == StatusFailed {
			return false, fmt.Errorf("ingest default corpus %s: %w", name, res.Err)
		}
	}
	return true, nil
}

// EnsureDefaultCorpus is Engine.EnsureDefaultCorpus for a store with no
// engine yet. Call it before creating the engine that will answer, or use
// the method so that engine sees the new documents.
func EnsureDefaultCorpus(ctx context.Context, st *store.Store) error {
	_, err := New(st, Options{}).EnsureDefaultCorpus(ctx)
	return err
}
