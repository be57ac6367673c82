package llm

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Embed returns one vector per text, in the order of texts, using model, or
// the configured embedding model when model is "". (The model argument makes
// *Client a policy.Embedder as it is.) Texts are sent in batches of
// Config.EmbedBatch; a batch the provider refuses for its size is halved
// (and the smaller size kept for later batches). Rate limits and server
// errors are retried as Config.MaxRetries says, within the timeout, which
// bounds each batch. Errors: ErrDisabled, ErrUnavailable, ErrMalformed (the
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
	if err := c.health.embed.allow(time.Now()); err != nil {
		return nil, fmt.Errorf("llm: embed: %w: %w", ErrUnavailable, err)
	}
	out := make([][]float32, 0, len(texts))
	dims := 0
	for start := 0; start < len(texts); {
		size := int(c.health.batch.Load())
		batch := texts[start:min(start+size, len(texts))]
		vecs, err := c.embedSplitting(ctx, model, batch)
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
		start += len(batch)
	}
	return out, nil
}

// embedSplitting embeds one batch, halving it while the provider refuses
// it for its size (DashScope: "batch size is invalid, it should not be
// larger than 10").
func (c *Client) embedSplitting(ctx context.Context, model string, texts []string) ([][]float32, error) {
	vecs, err := c.embedBatch(ctx, model, texts)
	if err == nil || len(texts) < 2 || !tooLarge(err) {
		return vecs, err
	}
	half := len(texts) / 2
	if c.health.batch.Load() > int64(half) {
		c.health.batch.Store(int64(half))
		_, msg := statusOf(err)
		c.log.Warn("llm: embeddings batch refused for its size; sending smaller batches", "batch", half, "provider", msg)
	}
	first, err := c.embedSplitting(ctx, model, texts[:half])
	if err != nil {
		return nil, err
	}
	second, err := c.embedSplitting(ctx, model, texts[half:])
	if err != nil {
		return nil, err
	}
	return append(first, second...), nil
}

// batchRefusal matches what providers answer to a batch with too many texts.
var batchRefusal = regexp.MustCompile(`(?i)batch|too many|too large|larger than|exceed|maximum|at most|limit|超过|上限|最多|过多|过大`)

func tooLarge(err error) bool {
	status, msg := statusOf(err)
	return status == http.StatusRequestEntityTooLarge ||
		(status == http.StatusBadRequest || status == http.StatusUnprocessableEntity) && batchRefusal.MatchString(msg)
}

// embedBatch embeds one batch within the timeout.
func (c *Client) embedBatch(ctx context.Context, model string, texts []string) ([][]float32, error) {
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	input := make([]string, len(texts))
	for i, t := range texts {
		if t == "" {
			t = " " // OpenAI rejects empty inputs; a blank still gets its slot
		}
		input[i] = t
	}
	req := openai.EmbeddingRequestStrings{Input: input, Model: openai.EmbeddingModel(model)}
	resp, err := c.api.CreateEmbeddings(ctx, req)
	if err != nil {
		err = c.classify("embeddings", err)
		if !tooLarge(err) {
			c.health.embed.failed(ctx, err, time.Now())
		}
		return nil, err
	}
	c.health.embed.succeeded()
	return orderVectors(resp.Data, len(texts))
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
