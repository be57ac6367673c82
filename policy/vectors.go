package policy

import "context"

// VectorReport says how many chunks of the corpus have a vector of the
// embedding model, and why the others do not.
type VectorReport struct {
	Model       string // "" when no embedding model is configured
	Chunks      int
	WithVectors int
	Err         error // the embedding failure that left chunks without vectors
}

// Vectors embeds every chunk that has no vector yet (right after Ingest,
// rather than at the first question) and reports the outcome. Without an
// embedding model it reports Model "" and does nothing.
func (e *Engine) Vectors(ctx context.Context) (VectorReport, error) {
	if e.o.Embedder == nil {
		return VectorReport{}, nil
	}
	if _, err := e.index(ctx); err != nil {
		return VectorReport{}, err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.vectors, nil
}
