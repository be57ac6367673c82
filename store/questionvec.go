package store

// Cached embeddings of questions. A question's vector is cached so that the
// same question asked again is not sent to the embedding model again; one
// is kept per distinct question (about 4 KB with 1,024 dimensions), so
// unlike the corpus's vectors they grow with use. Each carries the time it
// was last used, and serve deletes those not used for [store]
// question_vectors_keep (PruneQuestionVectors).
//
//	qvec/<model, path-escaped>/<sha256>  uint64 last use (unix seconds, little-endian), then the vector (float32, little-endian)
//
// A duban before this file cached question vectors beside the passages'
// (vec/<model>/<sha256>); such a vector is moved here when its question is
// asked again. Its hash is of "query\n" + the question, which no passage's
// text is, so the move never takes a passage's vector.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/dgraph-io/badger/v4"
)

const prefixQuestionVec = "qvec/"

// QuestionUseStep is how old a question vector's recorded use must be before
// reading it records a new one: a question asked all day costs one write a
// day, and an age is known to within a day.
const QuestionUseStep = 24 * time.Hour

// questionPruneBatch bounds the deletions of one transaction (a variable for
// tests).
var questionPruneBatch = 1_000

func questionVecKey(model string, hash [32]byte) []byte {
	return fmt.Appendf(nil, "%s%s/%x", prefixQuestionVec, url.PathEscape(model), hash)
}

func encodeQuestionVec(used time.Time, v []float32) []byte {
	b := binary.LittleEndian.AppendUint64(make([]byte, 0, 8+4*len(v)), uint64(used.Unix()))
	for _, f := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

// questionVecUsed reads the last use of an encoded question vector.
func questionVecUsed(key, b []byte) (time.Time, error) {
	if len(b) < 8 || (len(b)-8)%4 != 0 {
		return time.Time{}, fmt.Errorf("decode %s: bad length %d", key, len(b))
	}
	return time.Unix(int64(binary.LittleEndian.Uint64(b)), 0), nil
}

func decodeQuestionVec(key, b []byte) (time.Time, []float32, error) {
	used, err := questionVecUsed(key, b)
	if err != nil {
		return used, nil, err
	}
	return used, decodeFloats(b[8:]), nil
}

func decodeFloats(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// QuestionVector returns the cached vector of model for the question whose
// hash is given, and ok false when none is cached. When its use was last
// recorded QuestionUseStep or more before now, now is recorded; if that
// write fails the vector is still returned, with the error.
func (s *Store) QuestionVector(ctx context.Context, model string, hash [32]byte, now time.Time) (v []float32, ok bool, err error) {
	key, legacy := questionVecKey(model, hash), policyVecKey(model, hash)
	var used time.Time
	var fromLegacy bool
	err = s.view(ctx, func(txn *badger.Txn) error {
		b, err := getBytes(txn, key)
		if err == nil {
			used, v, err = decodeQuestionVec(key, b)
			ok = err == nil
			return err
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		b, err = getBytes(txn, legacy)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(b)%4 != 0 {
			return fmt.Errorf("decode %s: bad length %d", legacy, len(b))
		}
		v, ok, fromLegacy = decodeFloats(b), true, true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("read question vector of %s: %w", model, err)
	}
	if !ok {
		return nil, false, nil
	}
	if !fromLegacy && now.Sub(used) < QuestionUseStep {
		return v, true, nil
	}
	err = s.update(ctx, func(txn *badger.Txn) error {
		if err := txn.Set(key, encodeQuestionVec(now, v)); err != nil {
			return fmt.Errorf("write %s: %w", key, err)
		}
		if fromLegacy {
			if err := txn.Delete(legacy); err != nil {
				return fmt.Errorf("delete %s: %w", legacy, err)
			}
		}
		return nil
	})
	if err != nil {
		return v, true, fmt.Errorf("record the use of a question vector of %s: %w", model, err)
	}
	return v, true, nil
}

// PutQuestionVector caches the vector of model for the question whose hash
// is given, used now.
func (s *Store) PutQuestionVector(ctx context.Context, model string, hash [32]byte, v []float32, now time.Time) error {
	key := questionVecKey(model, hash)
	err := s.update(ctx, func(txn *badger.Txn) error {
		return txn.Set(key, encodeQuestionVec(now, v))
	})
	if err != nil {
		return fmt.Errorf("store question vector %s: %w", key, err)
	}
	return nil
}

// PruneQuestionVectors deletes the cached question vectors last used before
// cutoff, questionPruneBatch to a transaction, and returns how many it
// deleted. The passages' vectors (vec/) are not touched. Each deleting
// transaction reads the vectors it deletes again, so a question asked
// meanwhile (its use recorded) conflicts with it and keeps its vector.
func (s *Store) PruneQuestionVectors(ctx context.Context, cutoff time.Time) (int, error) {
	deleted := 0
	err := s.pickInChunks(ctx, prefixQuestionVec, func(key, value []byte) (bool, error) {
		used, err := questionVecUsed(key, value)
		return used.Before(cutoff), err
	}, func(old [][]byte) error {
		for start := 0; start < len(old); start += questionPruneBatch {
			batch := old[start:min(start+questionPruneBatch, len(old))]
			var n int
			err := s.update(ctx, func(txn *badger.Txn) error {
				n = 0
				for _, k := range batch {
					b, err := getBytes(txn, k)
					if errors.Is(err, ErrNotFound) {
						continue
					}
					if err != nil {
						return err
					}
					used, err := questionVecUsed(k, b)
					if err != nil {
						return err
					}
					if !used.Before(cutoff) {
						continue
					}
					if err := txn.Delete(k); err != nil {
						return fmt.Errorf("delete %s: %w", k, err)
					}
					n++
				}
				return nil
			})
			if err != nil {
				return err
			}
			deleted += n
		}
		return nil
	})
	if err != nil {
		return deleted, fmt.Errorf("prune question vectors: %w", err)
	}
	return deleted, nil
}
