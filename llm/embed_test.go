package llm_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duban-org/duban/llm"
	"github.com/duban-org/duban/llm/llmtest"
)

func TestEmbedBatchesAndKeepsOrder(t *testing.T) {
	srv, c := fake(t, nil, func(c *llm.Config) { c.EmbedBatch = 2 })
	texts := []string{"大科室制改革", "行政审批科", "", "纳入改革的市直单位", "每个科室最少三名"}
	got, err := c.Embed(context.Background(), "", texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(texts) {
		t.Fatalf("%d vectors for %d texts", len(got), len(texts))
	}
	for i, text := range texts {
		want := llmtest.Vector(text)
		if text == "" {
			want = llmtest.Vector(" ")
		}
		if !slices.Equal(got[i], want) {
			t.Errorf("vector %d (%q) is not the text's own", i, text)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3 batches", len(reqs))
	}
	for _, r := range reqs {
		if r.Embed == nil || r.Embed.Model != "embed-test" || r.Path != "/v1/embeddings" || len(r.Embed.Input) > 2 {
			t.Errorf("request %+v", r)
		}
	}
	if c.Model() != "embed-test" {
		t.Errorf("Model() = %q", c.Model())
	}
	// A model named by the caller is the one asked for.
	if _, err := c.Embed(context.Background(), "other-embed", []string{"改革"}); err != nil {
		t.Fatal(err)
	}
	if last := srv.Requests()[len(srv.Requests())-1]; last.Embed.Model != "other-embed" {
		t.Errorf("model sent = %q, want other-embed", last.Embed.Model)
	}
}

func TestEmbedNothing(t *testing.T) {
	srv, c := fake(t, nil, nil)
	got, err := c.Embed(context.Background(), "", nil)
	if err != nil || got != nil || len(srv.Requests()) != 0 {
		t.Fatalf("Embed(nil) = %v, %v after %d requests", got, err, len(srv.Requests()))
	}
}

// Servers may answer out of order; the index decides.
func TestEmbedUsesTheResponseIndex(t *testing.T) {
	srv, c := fake(t, nil, nil)
	srv.SetEmbed(func(model string, input []string) ([][]float32, llmtest.Reply, bool) {
		return nil, llmtest.Reply{Raw: `{"object":"list","model":"embed-test","data":[
			{"object":"embedding","index":1,"embedding":[0,1]},
			{"object":"embedding","index":0,"embedding":[1,0]}]}`}, false
	})
	got, err := c.Embed(context.Background(), "", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got[0], []float32{1, 0}) || !slices.Equal(got[1], []float32{0, 1}) {
		t.Errorf("vectors = %v", got)
	}
}

func TestEmbedRefusesBrokenResponses(t *testing.T) {
	for name, raw := range map[string]string{
		"missing vector":   `{"data":[{"index":0,"embedding":[1,0]}]}`,
		"repeated index":   `{"data":[{"index":0,"embedding":[1,0]},{"index":0,"embedding":[0,1]}]}`,
		"index too large":  `{"data":[{"index":0,"embedding":[1,0]},{"index":5,"embedding":[0,1]}]}`,
		"empty vector":     `{"data":[{"index":0,"embedding":[1,0]},{"index":1,"embedding":[]}]}`,
		"dimensions mixed": `{"data":[{"index":0,"embedding":[1,0]},{"index":1,"embedding":[0,1,0]}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv, c := fake(t, nil, nil)
			srv.SetEmbed(func(string, []string) ([][]float32, llmtest.Reply, bool) {
				return nil, llmtest.Reply{Raw: raw}, false
			})
			if _, err := c.Embed(context.Background(), "", []string{"a", "b"}); !errors.Is(err, llm.ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestEmbedRetriesRateLimits(t *testing.T) {
	srv, c := fake(t, nil, nil)
	llm.SetBackoff(c, time.Millisecond)
	var calls atomic.Int32
	srv.SetEmbed(func(_ string, input []string) ([][]float32, llmtest.Reply, bool) {
		if calls.Add(1) == 1 {
			return nil, llmtest.Fail(http.StatusTooManyRequests, ""), false
		}
		var out [][]float32
		for _, in := range input {
			out = append(out, llmtest.Vector(in))
		}
		return out, llmtest.Reply{}, true
	})
	got, err := c.Embed(context.Background(), "", []string{"改革"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || calls.Load() != 2 {
		t.Errorf("%d vectors after %d calls", len(got), calls.Load())
	}
}

func TestEmbedGivesUp(t *testing.T) {
	cases := []struct {
		name  string
		fail  llmtest.Reply
		calls int32
		also  error
	}{
		{"500 every time", llmtest.Fail(http.StatusInternalServerError, "down"), 3, nil},
		{"429 every time", llmtest.Fail(http.StatusTooManyRequests, ""), 3, llm.ErrRateLimited},
		{"400 at once", llmtest.Fail(http.StatusBadRequest, "model not found"), 1, nil},
		{"401 at once", llmtest.Fail(http.StatusUnauthorized, "bad key"), 1, llm.ErrUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := fake(t, nil, nil)
			llm.SetBackoff(c, time.Millisecond)
			var calls atomic.Int32
			srv.SetEmbed(func(string, []string) ([][]float32, llmtest.Reply, bool) {
				calls.Add(1)
				return nil, tc.fail, false
			})
			_, err := c.Embed(context.Background(), "", []string{"a"})
			if !errors.Is(err, llm.ErrUnavailable) || (tc.also != nil && !errors.Is(err, tc.also)) {
				t.Errorf("err = %v", err)
			}
			if calls.Load() != tc.calls {
				t.Errorf("%d attempts, want %d", calls.Load(), tc.calls)
			}
		})
	}
}

func TestEmbedTimeout(t *testing.T) {
	srv, c := fake(t, nil, func(c *llm.Config) { c.Timeout = 200 * time.Millisecond })
	srv.SetEmbed(func(string, []string) ([][]float32, llmtest.Reply, bool) {
		return nil, llmtest.Slow(10*time.Second, llmtest.Fail(500, "")), false
	})
	start := time.Now()
	if _, err := c.Embed(context.Background(), "", []string{"a"}); !errors.Is(err, llm.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Embed took %v with a 200ms timeout", d)
	}
}

// The fake's vectors put texts that share words closer than texts that do
// not, which is what retrieval tests need.
func TestFakeVectorsAreSimilarForSimilarTexts(t *testing.T) {
	_, c := fake(t, nil, nil)
	v, err := c.Embed(context.Background(), "", []string{
		"行政审批职能集中到行政审批科",
		"行政审批职能要集中到哪里",
		"每个科室最少要有几个人",
	})
	if err != nil {
		t.Fatal(err)
	}
	near, far := cosine(v[0], v[1]), cosine(v[0], v[2])
	if near <= far {
		t.Errorf("cos(similar) = %.3f, cos(different) = %.3f", near, far)
	}
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

func BenchmarkEmbedBatch64(b *testing.B) {
	srv := llmtest.NewServer(nil)
	defer srv.Close()
	c, err := llm.New(llm.Config{BaseURL: srv.BaseURL(), EmbeddingModel: "embed-test"})
	if err != nil {
		b.Fatal(err)
	}
	texts := make([]string, 64)
	for i := range texts {
		texts[i] = fmt.Sprintf("第%d条 大科室制改革的科室设置和人员编制要求", i)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Embed(context.Background(), "", texts); err != nil {
			b.Fatal(err)
		}
	}
}
