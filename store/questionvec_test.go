package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

func questionHash(q string) [32]byte { return sha256.Sum256([]byte("query\n" + q)) }

// Question vectors not used since the cutoff go, a transaction per batch;
// one used since stays, and so does every passage's vector.
func TestPruneQuestionVectors(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	defer func(b, c int) { questionPruneBatch, pruneChunk = b, c }(questionPruneBatch, pruneChunk)
	questionPruneBatch, pruneChunk = 3, 4
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	vec := []float32{0.25, -1, 3}
	for i := range 10 {
		if err := s.PutQuestionVector(ctx, "m", questionHash(fmt.Sprint("问题", i)), vec, t0); err != nil {
			t.Fatal(err)
		}
	}
	passage := sha256.Sum256([]byte("一、范围\n本办法适用于全市。"))
	if err := s.PutPolicyVectors(ctx, "m", map[[32]byte][]float32{passage: vec}); err != nil {
		t.Fatal(err)
	}
	// 问题0 is asked again 30 days later: its use is recorded.
	v, ok, err := s.QuestionVector(ctx, "m", questionHash("问题0"), t0.AddDate(0, 0, 30))
	if err != nil || !ok || fmt.Sprint(v) != fmt.Sprint(vec) {
		t.Fatalf("QuestionVector = %v, %v, %v", v, ok, err)
	}
	n, err := s.PruneQuestionVectors(ctx, t0.AddDate(0, 0, 10))
	if err != nil || n != 9 {
		t.Fatalf("PruneQuestionVectors = %d, %v; want the 9 questions not asked again", n, err)
	}
	for i := range 10 {
		_, ok, err := s.QuestionVector(ctx, "m", questionHash(fmt.Sprint("问题", i)), t0.AddDate(0, 0, 30))
		if err != nil || ok != (i == 0) {
			t.Errorf("问题%d after the prune: cached %v, %v", i, ok, err)
		}
	}
	got, err := s.PolicyVectors(ctx, "m", [][32]byte{passage})
	if err != nil || len(got) != 1 {
		t.Errorf("the passage's vector went with the questions: %v, %v", got, err)
	}
	if n, err := s.PruneQuestionVectors(ctx, t0.AddDate(0, 0, 10)); n != 0 || err != nil {
		t.Errorf("second prune = %d, %v", n, err)
	}
	if n, err := s.PruneQuestionVectors(ctx, t0.AddDate(0, 0, 31)); n != 1 || err != nil {
		t.Errorf("prune after the last use = %d, %v", n, err)
	}
}

// A read records the use only once the recorded one is QuestionUseStep
// old, so a question asked all day is written once.
func TestQuestionVectorUseStep(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	h := questionHash("编制怎么核定")
	if err := s.PutQuestionVector(ctx, "m", h, []float32{1}, t0); err != nil {
		t.Fatal(err)
	}
	used := func() time.Time {
		t.Helper()
		var at time.Time
		err := s.db.View(func(txn *badger.Txn) error {
			b, err := getBytes(txn, questionVecKey("m", h))
			if err != nil {
				return err
			}
			at, err = questionVecUsed(nil, b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	if _, ok, err := s.QuestionVector(ctx, "m", h, t0.Add(QuestionUseStep-time.Minute)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if !used().Equal(t0) {
		t.Errorf("a read within the step recorded %v", used())
	}
	later := t0.Add(QuestionUseStep)
	if _, ok, err := s.QuestionVector(ctx, "m", h, later); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if !used().Equal(later) {
		t.Errorf("a read a step later recorded %v, want %v", used(), later)
	}
}

// A question vector cached by an earlier duban beside the passages' (vec/)
// is found, and moved under qvec/ with its use, so a prune can reach it.
func TestQuestionVectorMovesLegacy(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	h := questionHash("机构改革什么时候完成")
	if err := s.PutPolicyVectors(ctx, "bge-m3", map[[32]byte][]float32{h: {0.5, 0.5}}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	v, ok, err := s.QuestionVector(ctx, "bge-m3", h, now)
	if err != nil || !ok || fmt.Sprint(v) != "[0.5 0.5]" {
		t.Fatalf("legacy vector: %v, %v, %v", v, ok, err)
	}
	if got, _ := s.PolicyVectors(ctx, "bge-m3", [][32]byte{h}); len(got) != 0 {
		t.Error("the legacy key was not deleted")
	}
	if n, err := s.PruneQuestionVectors(ctx, now.Add(time.Second)); n != 1 || err != nil {
		t.Errorf("prune of the moved vector = %d, %v", n, err)
	}
	if _, ok, err := s.QuestionVector(ctx, "bge-m3", h, now); ok || err != nil {
		t.Errorf("after the prune: cached %v, %v", ok, err)
	}
}

// A damaged entry stops the prune with an error naming its key, and is
// reported, not returned as a vector, when read.
func TestPruneQuestionVectorsDamaged(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	h := questionHash("坏的")
	key := questionVecKey("m", h)
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(key, []byte{1, 2, 3}) }); err != nil {
		t.Fatal(err)
	}
	_, err := s.PruneQuestionVectors(ctx, time.Now())
	if err == nil || !strings.Contains(err.Error(), string(key)) {
		t.Errorf("prune over a damaged entry: %v", err)
	}
	if v, ok, err := s.QuestionVector(ctx, "m", h, time.Now()); ok || err == nil || !strings.Contains(err.Error(), string(key)) {
		t.Errorf("read of a damaged entry: %v, %v, %v", v, ok, err)
	}
}
