package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

func openPolicyStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func policyChunks(n int, word string) []PolicyChunk {
	out := make([]PolicyChunk, n)
	for i := range out {
		out[i] = PolicyChunk{Seq: i, Heading: "一、范围", Text: fmt.Sprintf("%s第%d段。", word, i),
			Postings: PolicyPostings{Length: 3, Terms: []string{word, "范围"}, Freqs: []uint32{2, 1}}}
	}
	return out
}

func countPolicyKeys(t *testing.T, s *Store, prefix string) int {
	t.Helper()
	n := 0
	s.view(context.Background(), func(txn *badger.Txn) error {
		return scanPrefix(txn, []byte(prefix), true, func(_, _ []byte) error { n++; return nil })
	})
	return n
}

func TestPolicyDocReplaceAndRemove(t *testing.T) {
	s := openPolicyStore(t)
	ctx := context.Background()
	d := PolicyDoc{ID: "abc", Name: "/x/plan.txt", Title: "方案", Hash: "h1"}
	// More chunks than one transaction takes, to exercise the batching.
	d1, err := s.PutPolicyDoc(ctx, d, policyChunks(1000, "旧"))
	if err != nil {
		t.Fatal(err)
	}
	if d1.Chunks != 1000 || d1.Gen == 0 {
		t.Fatalf("stored doc = %+v", d1)
	}
	d.Hash = "h2"
	d2, err := s.PutPolicyDoc(ctx, d, policyChunks(3, "新"))
	if err != nil {
		t.Fatal(err)
	}
	if d2.Gen <= d1.Gen {
		t.Errorf("generation did not advance: %d → %d", d1.Gen, d2.Gen)
	}
	got, err := s.PolicyDoc(ctx, "abc")
	if err != nil || got.Hash != "h2" || got.Chunks != 3 {
		t.Fatalf("PolicyDoc = %+v, %v", got, err)
	}
	var texts []string
	var postings []PolicyPostings
	if err := s.ScanPolicyChunks(ctx, func(doc PolicyDoc, c PolicyChunk) error {
		texts = append(texts, c.Text)
		postings = append(postings, c.Postings)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(texts, []string{"新第0段。", "新第1段。", "新第2段。"}) {
		t.Errorf("chunks = %q", texts)
	}
	if !reflect.DeepEqual(postings[0], PolicyPostings{Length: 3, Terms: []string{"新", "范围"}, Freqs: []uint32{2, 1}}) {
		t.Errorf("postings = %+v", postings[0])
	}
	if n := countPolicyKeys(t, s, "chunk/abc/") + countPolicyKeys(t, s, "post/abc/"); n != 6 {
		t.Errorf("%d chunk and posting keys left, want 6 (old generation deleted)", n)
	}
	docs, _ := s.PolicyDocs(ctx)
	if len(docs) != 1 {
		t.Errorf("docs = %+v", docs)
	}
	if err := s.RemovePolicyDoc(ctx, "abc"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemovePolicyDoc(ctx, "abc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second removal: %v", err)
	}
	if _, err := s.PolicyDoc(ctx, "abc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("PolicyDoc after removal: %v", err)
	}
	if n := countPolicyKeys(t, s, "chunk/") + countPolicyKeys(t, s, "post/"); n != 0 {
		t.Errorf("%d keys left after removal", n)
	}
	if _, err := s.PutPolicyDoc(ctx, PolicyDoc{ID: "a/b"}, nil); err == nil {
		t.Error("id with a slash accepted")
	}
}

func TestPolicyVectors(t *testing.T) {
	s := openPolicyStore(t)
	ctx := context.Background()
	h1, h2 := sha256.Sum256([]byte("a")), sha256.Sum256([]byte("b"))
	if err := s.PutPolicyVectors(ctx, "org/model:v1", map[[32]byte][]float32{h1: {1, -2.5, 3e-7}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.PolicyVectors(ctx, "org/model:v1", [][32]byte{h1, h2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !reflect.DeepEqual(got[h1], []float32{1, -2.5, 3e-7}) {
		t.Errorf("vectors = %v", got)
	}
	if other, _ := s.PolicyVectors(ctx, "org/model", [][32]byte{h1}); len(other) != 0 {
		t.Error("vector visible under another model")
	}
}

func TestDecodePostingsRejectsGarbage(t *testing.T) {
	p := PolicyPostings{Length: 7, Terms: []string{"科室", "84家"}, Freqs: []uint32{3, 1}}
	b := encodePostings(p)
	if got, err := decodePostings(b); err != nil || !reflect.DeepEqual(got, p) {
		t.Errorf("round trip = %+v, %v", got, err)
	}
	for i := range b {
		decodePostings(b[:i]) // must not panic
	}
	if _, err := decodePostings([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f}); err == nil {
		t.Error("huge count accepted")
	}
}
