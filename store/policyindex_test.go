package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// readPolicyIndex returns the parts of the current index and the documents.
func readPolicyIndex(s *Store, format string) ([][]byte, []PolicyDoc, error) {
	var parts [][]byte
	docs, err := s.PolicyIndex(context.Background(), format, func(p []byte) error {
		parts = append(parts, bytes.Clone(p))
		return nil
	})
	return parts, docs, err
}

func TestPolicyIndexStoredAndStale(t *testing.T) {
	s := openPolicyStore(t)
	ctx := context.Background()
	if _, _, err := readPolicyIndex(s, "f1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("fresh store: %v", err)
	}
	a, err := s.PutPolicyDoc(ctx, PolicyDoc{ID: "a", Name: "/a.txt", Title: "甲"}, policyChunks(2, "甲"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.PutPolicyDoc(ctx, PolicyDoc{ID: "b", Name: "/b.txt", Title: "乙"}, policyChunks(2, "乙"))
	if err != nil {
		t.Fatal(err)
	}
	// A part past Badger's value threshold goes to the value log.
	big := bytes.Repeat([]byte("索引"), 1<<20)
	want := [][]byte{[]byte("m1"), big, {}, []byte("p3")}
	if err := s.PutPolicyIndex(ctx, "f1", []PolicyDoc{a, b}, slices.Values(want)); err != nil {
		t.Fatal(err)
	}
	parts, docs, err := readPolicyIndex(s, "f1")
	if err != nil || len(docs) != 2 || docs[0].Title != "甲" || docs[1].Gen != b.Gen {
		t.Fatalf("read back: docs %+v, %v", docs, err)
	}
	if len(parts) != len(want) {
		t.Fatalf("%d parts, want %d", len(parts), len(want))
	}
	for i := range want {
		if !bytes.Equal(parts[i], want[i]) {
			t.Errorf("part %d differs (%d bytes, want %d)", i, len(parts[i]), len(want[i]))
		}
	}
	if _, _, err := readPolicyIndex(s, "f2"); !errors.Is(err, ErrStaleIndex) {
		t.Errorf("other format: %v", err)
	}

	// Built from documents that changed before it was stored: refused,
	// the current index stays, nothing of the refused one is left.
	before := countPolicyKeys(t, s, "pidx/")
	if _, err := s.PutPolicyDoc(ctx, PolicyDoc{ID: "b", Name: "/b.txt", Title: "乙二"}, policyChunks(1, "乙")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPolicyIndex(ctx, "f1", []PolicyDoc{a, b}, slices.Values([][]byte{[]byte("x")})); !errors.Is(err, ErrStaleIndex) {
		t.Errorf("index of changed documents stored: %v", err)
	}
	if n := countPolicyKeys(t, s, "pidx/"); n != before {
		t.Errorf("%d index keys after the refused write, want %d", n, before)
	}
	// The stored index no longer matches the documents.
	if _, _, err := readPolicyIndex(s, "f1"); !errors.Is(err, ErrStaleIndex) {
		t.Errorf("after a document changed: %v", err)
	}
	docs, _ = s.PolicyDocs(ctx)
	if err := s.PutPolicyIndex(ctx, "f1", docs, slices.Values([][]byte{[]byte("new")})); err != nil {
		t.Fatal(err)
	}
	if parts, _, err := readPolicyIndex(s, "f1"); err != nil || len(parts) != 1 || string(parts[0]) != "new" {
		t.Errorf("replaced index: %q, %v", parts, err)
	}
	// The old generation is gone: the head and one part are left.
	if n := countPolicyKeys(t, s, "pidx/"); n != 2 {
		t.Errorf("%d index keys, want 2", n)
	}
	if err := s.RemovePolicyDoc(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readPolicyIndex(s, "f1"); !errors.Is(err, ErrStaleIndex) {
		t.Errorf("after a document was removed: %v", err)
	}
}

// A crash while the parts were written leaves a generation nothing points
// at: the current index is read as before, and the next write deletes it.
func TestPolicyIndexCrashWhileWriting(t *testing.T) {
	s := openPolicyStore(t)
	ctx := context.Background()
	a, err := s.PutPolicyDoc(ctx, PolicyDoc{ID: "a", Name: "/a.txt"}, policyChunks(1, "甲"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutPolicyIndex(ctx, "f1", []PolicyDoc{a}, slices.Values([][]byte{[]byte("old")})); err != nil {
		t.Fatal(err)
	}
	if err := s.update(ctx, func(txn *badger.Txn) error {
		for i := range 3 {
			if err := txn.Set(fmt.Appendf(nil, "%s%06d", policyIndexPrefix(999), i), []byte("half")); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if parts, _, err := readPolicyIndex(s, "f1"); err != nil || len(parts) != 1 || string(parts[0]) != "old" {
		t.Fatalf("after the crash: %q, %v", parts, err)
	}
	if err := s.PutPolicyIndex(ctx, "f1", []PolicyDoc{a}, slices.Values([][]byte{[]byte("next")})); err != nil {
		t.Fatal(err)
	}
	if n := countPolicyKeys(t, s, policyIndexPrefix(999)); n != 0 {
		t.Errorf("%d parts of the crashed write left", n)
	}
	// A part missing from the current generation is an error, not a short index.
	var head policyIndexHead
	s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, keyPolicyIndexHead, &head) })
	if err := s.update(ctx, func(txn *badger.Txn) error {
		return txn.Delete(fmt.Appendf(nil, "%s%06d", policyIndexPrefix(head.Gen), 0))
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readPolicyIndex(s, "f1"); err == nil || errors.Is(err, ErrStaleIndex) || errors.Is(err, ErrNotFound) {
		t.Errorf("index with a part missing: %v", err)
	}
}

// Backups leave the index out; the restored store has the documents and
// no index, which the first question rebuilds.
func TestPolicyIndexNotBackedUp(t *testing.T) {
	s := openPolicyStore(t)
	ctx := context.Background()
	a, err := s.PutPolicyDoc(ctx, PolicyDoc{ID: "a", Name: "/a.txt"}, policyChunks(1, "甲"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutPolicyIndex(ctx, "f1", []PolicyDoc{a}, slices.Values([][]byte{bytes.Repeat([]byte("x"), 2<<20)})); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 1<<20 {
		t.Errorf("backup of %d bytes holds the index", buf.Len())
	}
	file := filepath.Join(t.TempDir(), "b.bak")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "restored")
	if _, err := RestoreBackup(ctx, file, dir, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	dst, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if docs, err := dst.PolicyDocs(ctx); err != nil || len(docs) != 1 {
		t.Errorf("restored documents: %+v, %v", docs, err)
	}
	if _, _, err := readPolicyIndex(dst, "f1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("restored index: %v", err)
	}
}
