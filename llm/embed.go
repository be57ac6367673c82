package llm

import (
	"cmp"
	"context"
	"fmt"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// embedAttempts is how many times one batch is tried when the endpoint is
// rate limited or failing; the call's timeout bounds the waits too.
const embedAttempts = 3

// Embed returns one vector per text, in the order of texts, using model, or
// the configured embedding model when model is "". (The model argument makes
// *Client a policy.Embedder as it is.) Texts are sent in batches of Config.EmbedBatch; a batch
// that meets HTTP 429, a 5xx or a network error is retried with backoff
// within the timeout, which bounds each batch. Errors: ErrDisabled, ErrUnavailable, ErrMalformed (the
// response does not hold exactly one vector per text of one dimension).
func (c *Client) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	if c == nil {
		return nil, fmt.Errorf("llm: embed: %w", ErrDisabled)
	}
	model = cmp.Or(model, c.cfg.EmbeddingModel)
	if model == "" {
		return nil, fmt.Errorf("llm: embed: %w (no embedding_model)", ErrDisabled)
	}
	if len(texts) == 0 {
		return nil, nil
	}
	out := make([][]float32, 0, len(texts))
	dims := 0
	for start := 0; start < len(texts); start += c.cfg.EmbedBatch {
		batch := texts[start:min(start+c.cfg.EmbedBatch, len(texts))]
		vecs, err := c.embedBatch(ctx, model, batch)
		if err != nil {
			return nil, fmt.Errorf("llm: embed texts %d..%d: %w", start, start+len(batch)-1, err)
		}
		for _, v := range vecs {
			if dims == 0 {
				dims = len(v)
			}
			if len(v) != dims {
				return nil, fmt.Errorf("llm: embed: %w: vectors of %d and %d dimensions", ErrMalformed, dims, len(v))
			}
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// embedBatch embeds one batch, its retries bounded by the timeout.
func (c *Client) embedBatch(ctx context.Context, model string, texts []string) ([][]float32, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	input := make([]string, len(texts))
	for i, t := range texts {
		if t == "" {
			t = " " // OpenAI rejects empty inputs; a blank still gets its slot
		}
		input[i] = t
	}
	req := openai.EmbeddingRequestStrings{Input: input, Model: openai.EmbeddingModel(model)}
	wait := c.embedBackoff
	for attempt := 1; ; attempt++ {
		resp, err := c.api.CreateEmbeddings(ctx, req)
		if err == nil {
			return orderVectors(resp.Data, len(texts))
		}
		if attempt == embedAttempts || !retryable(err) {
			return nil, classify("embeddings", err)
		}
		select {
		case <-ctx.Done():
			return nil, classify("embeddings", fmt.Errorf("%w (after %w)", ctx.Err(), err))
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// orderVectors places each returned vector at its index; servers may answer
// out of order, and a missing, repeated or empty one is an error.
func orderVectors(data []openai.Embedding, n int) ([][]float32, error) {
	if len(data) != n {
		return nil, fmt.Errorf("%w: %d vectors for %d texts", ErrMalformed, len(data), n)
	}
	out := make([][]float32, n)
	for _, e := range data {
		if e.Index < 0 || e.Index >= n || out[e.Index] != nil {
			return nil, fmt.Errorf("%w: vector index %d out of range or repeated", ErrMalformed, e.Index)
		}
		if len(e.Embedding) == 0 {
			return nil, fmt.Errorf("%w: empty vector at index %d", ErrMalformed, e.Index)
		}
		out[e.Index] = e.Embedding
	}
	return out, nil
}
