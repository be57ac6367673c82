package store

// The policy retrieval index, kept so that a restart answers at once instead
// of rebuilding it from every chunk. Package policy builds and encodes it;
// the store keeps its parts and says whether it still matches the documents.
//
//	pidx/cur                  head (JSON): generation, format, parts, and the
//	                          documents (id, generation) the index was built from
//	pidx/<gen:20>/<part:06>   one part, package policy's encoding
//
// Parts are written under a fresh generation, one transaction each (a large
// part goes to Badger's value log, so it fits), and become current only in
// the transaction that points pidx/cur at that generation, which first
// checks that the documents are still the ones the index was built from.
// Other generations are deleted afterwards. A crash half way leaves an
// unreferenced generation, deleted by the next write. The index is derived
// data: a missing or stale one is rebuilt from the chunks.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"

	"github.com/dgraph-io/badger/v4"
)

var keyPolicyIndexHead = []byte("pidx/cur")

// isPolicyIndex reports a key of the stored index. Backups leave them out:
// the index is as large as the passages themselves, and a restored store
// rebuilds it at its first start.
func isPolicyIndex(key []byte) bool { return bytes.HasPrefix(key, []byte("pidx/")) }

// policyIndexEnd is the first key after every key of the stored index.
var policyIndexEnd = []byte("pidx0") // '0' follows '/'

// ErrStaleIndex is returned (wrapped, with the reason) by PolicyIndex when
// the stored index was built from other documents or in another format.
var ErrStaleIndex = errors.New("stored policy index is stale")

type policyIndexHead struct {
	Gen    uint64           `json:"gen"`
	Format string           `json:"format"`
	Parts  int              `json:"parts"`
	Docs   []policyIndexDoc `json:"docs"`
}

type policyIndexDoc struct {
	ID  string `json:"id"`
	Gen uint64 `json:"gen"`
}

func policyIndexDocs(docs []PolicyDoc) []policyIndexDoc {
	out := make([]policyIndexDoc, len(docs))
	for i, d := range docs {
		out[i] = policyIndexDoc{ID: d.ID, Gen: d.Gen}
	}
	return out
}

// sameDocs reports whether want lists exactly the documents, at their
// generations, of docs (both ordered by ID), and if not, why.
func sameDocs(want []policyIndexDoc, docs []PolicyDoc) (bool, string) {
	if len(want) != len(docs) {
		return false, fmt.Sprintf("built from %d documents, the store holds %d", len(want), len(docs))
	}
	for i, d := range docs {
		if want[i].ID != d.ID || want[i].Gen != d.Gen {
			return false, fmt.Sprintf("document %s changed since it was built", d.ID)
		}
	}
	return true, ""
}

func policyIndexPrefix(gen uint64) string { return fmt.Sprintf("pidx/%020d/", gen) }

// PutPolicyIndex stores the parts of an index in format built from docs
// (as read, ordered by ID), each as it comes, and makes it current, unless the documents have
// changed meanwhile: then nothing becomes current and the error wraps
// ErrStaleIndex.
func (s *Store) PutPolicyIndex(ctx context.Context, format string, docs []PolicyDoc, parts iter.Seq[[]byte]) error {
	gen, err := s.newPolicyGen(ctx)
	if err != nil {
		return fmt.Errorf("allocate policy index generation: %w", err)
	}
	prefix := policyIndexPrefix(gen)
	n := 0
	for p := range parts {
		err = s.update(ctx, func(txn *badger.Txn) error {
			return txn.Set(fmt.Appendf(nil, "%s%06d", prefix, n), p)
		})
		if err != nil {
			err = fmt.Errorf("write policy index part %d: %w", n, err)
			break
		}
		n++
	}
	if err != nil {
		s.deletePolicyIndexGens(ctx)
		return err
	}
	head := policyIndexHead{Gen: gen, Format: format, Parts: n, Docs: policyIndexDocs(docs)}
	err = s.update(ctx, func(txn *badger.Txn) error {
		current, err := policyDocsIn(txn)
		if err != nil {
			return err
		}
		if ok, why := sameDocs(head.Docs, current); !ok {
			return fmt.Errorf("%w: %s", ErrStaleIndex, why)
		}
		return putJSON(txn, keyPolicyIndexHead, head)
	})
	if err != nil {
		s.deletePolicyIndexGens(ctx)
		return fmt.Errorf("commit policy index: %w", err)
	}
	return s.deletePolicyIndexGens(ctx)
}

// PolicyIndex reads the current index in format: it calls fn with each part
// in order (the bytes are valid only during the call) and returns the
// documents it was built from, all from one snapshot. The error wraps
// ErrNotFound when no index is stored, ErrStaleIndex when it was built from
// other documents or in another format.
func (s *Store) PolicyIndex(ctx context.Context, format string, fn func(part []byte) error) ([]PolicyDoc, error) {
	var docs []PolicyDoc
	err := s.view(ctx, func(txn *badger.Txn) error {
		var head policyIndexHead
		if err := getJSON(txn, keyPolicyIndexHead, &head); err != nil {
			return err
		}
		if head.Format != format {
			return fmt.Errorf("%w: format %q, this duban reads %q", ErrStaleIndex, head.Format, format)
		}
		var err error
		if docs, err = policyDocsIn(txn); err != nil {
			return err
		}
		if ok, why := sameDocs(head.Docs, docs); !ok {
			return fmt.Errorf("%w: %s", ErrStaleIndex, why)
		}
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(policyIndexPrefix(head.Gen))
		it := txn.NewIterator(opts)
		defer it.Close()
		n := 0
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			item := it.Item()
			want := fmt.Sprintf("%s%06d", opts.Prefix, n)
			if string(item.Key()) != want {
				return fmt.Errorf("part %s missing", want)
			}
			if err := item.Value(fn); err != nil {
				return fmt.Errorf("read %s: %w", item.Key(), err)
			}
			n++
		}
		if n != head.Parts {
			return fmt.Errorf("%d of %d parts present", n, head.Parts)
		}
		return nil
	})
	s.releaseFilePages() // the index is read into memory once; its pages need not stay
	if err != nil {
		return nil, fmt.Errorf("read policy index: %w", err)
	}
	return docs, nil
}

// policyDocsIn lists the documents, ordered by ID.
func policyDocsIn(txn *badger.Txn) ([]PolicyDoc, error) {
	var docs []PolicyDoc
	err := scanPrefix(txn, []byte("doc/"), false, func(key, val []byte) error {
		var d PolicyDoc
		if err := policyUnmarshal(key, val, &d); err != nil {
			return err
		}
		docs = append(docs, d)
		return nil
	})
	return docs, err
}

// deletePolicyIndexGens deletes the parts of every generation but the
// current one.
func (s *Store) deletePolicyIndexGens(ctx context.Context) error {
	var stale [][]byte
	err := s.view(ctx, func(txn *badger.Txn) error {
		var head policyIndexHead
		if err := getJSON(txn, keyPolicyIndexHead, &head); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		return scanPrefix(txn, []byte("pidx/"), true, func(key, _ []byte) error {
			rest := key[len("pidx/"):]
			gen, err := strconv.ParseUint(string(rest[:min(20, len(rest))]), 10, 64)
			if err == nil && gen != head.Gen {
				stale = append(stale, append([]byte(nil), key...))
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("find stale policy index parts: %w", err)
	}
	if err := s.deleteInBatches(ctx, stale); err != nil {
		return fmt.Errorf("delete stale policy index parts: %w", err)
	}
	return nil
}
