package policy

import (
	"context"
	"os"
	"testing"

	"github.com/duban-org/duban/store"
)

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func defaultEngine(t testing.TB, o Options) *Engine {
	t.Helper()
	e := New(openStore(t), o)
	if ok, err := e.EnsureDefaultCorpus(context.Background()); err != nil || !ok {
		t.Fatalf("EnsureDefaultCorpus = %v, %v", ok, err)
	}
	return e
}

// loadQuestions is the shipped article's question set.
func loadQuestions(t testing.TB) []Question { return questionFile(t, "testdata/questions.jsonl") }

// questionFile reads a question set (JSON lines).
func questionFile(t testing.TB, path string) []Question {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	qs, err := ReadQuestions(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return qs
}

func TestEvaluateShippedQuestions(t *testing.T) {
	e := defaultEngine(t, Options{})
	qs := loadQuestions(t)
	rep, err := Evaluate(context.Background(), e, qs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", rep)
	if rep.Answerable < 32 || rep.OutOfCorpus < 8 {
		t.Errorf("question set too small: %d answerable, %d out of corpus", rep.Answerable, rep.OutOfCorpus)
	}
	if rep.Recall3 < 0.9 {
		t.Errorf("recall@3 = %.3f, want ≥ 0.9", rep.Recall3)
	}
	if rep.Declined != rep.OutOfCorpus {
		t.Errorf("declined %d of %d out-of-corpus questions", rep.Declined, rep.OutOfCorpus)
	}
	if rep.MedianReplyChars >= 300 {
		t.Errorf("median reply %d characters, want < 300", rep.MedianReplyChars)
	}
	if rep.MaxReplyBytes > 2048 {
		t.Errorf("longest reply %d bytes, want ≤ 2048", rep.MaxReplyBytes)
	}
}
