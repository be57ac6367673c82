package store

// Evidence waiting for its task: a photo sent in chat before the sender has
// said which task it belongs to is stored at once (its media_id would
// expire) and held for the sender until they name the task.
//
//	atthold/<userid>/<id>   duban.Attachment with Task empty, Badger TTL
//	evtask/<userid>         {task, at}, Badger TTL: where the sender's next photo goes

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

func heldDir(userid string) []byte { return keyDir("atthold/", duban.CanonicalUserID(userid)) }

// Hold reads, checks and stores content as a.By's evidence not yet filed
// under a task, for ttl. Like Attach, it returns once the content is on
// disk, and a refusal stores nothing.
func (s *Store) Hold(ctx context.Context, a duban.Attachment, r io.Reader, ttl time.Duration) (duban.Attachment, error) {
	a.Task = ""
	a, content, err := s.storeContent(ctx, a, r)
	if err != nil {
		return a, err
	}
	err = s.claimContent(ctx, a.SHA256, content, func(txn *badger.Txn) error {
		b, err := jsonBytes(a)
		if err != nil {
			return err
		}
		return txn.SetEntry(badger.NewEntry(append(heldDir(a.By), keyPart(a.ID)...), b).WithTTL(ttl))
	})
	if err != nil {
		return a, fmt.Errorf("hold %q for %s: %w", a.Name, a.By, err)
	}
	return a, nil
}

// Held returns the evidence held for userid, oldest first.
func (s *Store) Held(ctx context.Context, userid string) ([]duban.Attachment, error) {
	out, err := s.attachmentsUnder(ctx, heldDir(userid))
	if err != nil {
		return nil, fmt.Errorf("read the evidence held for %s: %w", userid, err)
	}
	return out, nil
}

// AttachHeld files everything held for userid under task, in one
// transaction: all of it, or (over the task's allowance) none of it, and
// then it stays held.
func (s *Store) AttachHeld(ctx context.Context, userid, task string, perTask int64) ([]Attached, error) {
	if _, err := s.Task(ctx, task); err != nil {
		return nil, err
	}
	var out []Attached
	err := s.update(ctx, func(txn *badger.Txn) error {
		out = out[:0]
		var held []duban.Attachment
		var keys [][]byte
		err := scanPrefix(txn, heldDir(userid), false, func(key, val []byte) error {
			var a duban.Attachment
			if err := jsonUnmarshal(key, val, &a); err != nil {
				return err
			}
			held = append(held, a)
			keys = append(keys, append([]byte(nil), key...))
			return nil
		})
		if err != nil {
			return err
		}
		slices.SortStableFunc(held, func(a, b duban.Attachment) int { return a.At.Compare(b.At) })
		for _, a := range held {
			a.Task = task
			// A hold that expired meanwhile no longer keeps the content from a sweep.
			if err := claimBlob(txn, a.SHA256); err != nil {
				return err
			}
			r, err := attachTxn(txn, a, perTask)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		for _, k := range keys {
			if err := txn.Delete(k); err != nil {
				return fmt.Errorf("delete %s: %w", k, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, attachError(err, duban.Attachment{Name: "待归档的材料", Task: task})
	}
	return out, nil
}

// DropHeld forgets the evidence held for userid (its content stays stored
// until PruneContent finds no record naming it).
func (s *Store) DropHeld(ctx context.Context, userid string) error {
	err := s.update(ctx, func(txn *badger.Txn) error {
		var keys [][]byte
		if err := scanPrefix(txn, heldDir(userid), true, func(key, _ []byte) error {
			keys = append(keys, append([]byte(nil), key...))
			return nil
		}); err != nil {
			return err
		}
		for _, k := range keys {
			if err := txn.Delete(k); err != nil {
				return fmt.Errorf("delete %s: %w", k, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("drop the evidence held for %s: %w", userid, err)
	}
	return nil
}

// evidenceTask is the task a sender's evidence goes to without asking: the
// one their latest report named, or the one they said a photo was for.
type evidenceTask struct {
	Task string    `json:"task"`
	At   time.Time `json:"at"`
}

func evidenceTaskKey(userid string) []byte {
	return keyPath("evtask/", duban.CanonicalUserID(userid))
}

// RememberEvidenceTask makes task the one userid's next photos are filed
// under, for ttl.
func (s *Store) RememberEvidenceTask(ctx context.Context, userid, task string, at time.Time, ttl time.Duration) error {
	err := s.update(ctx, func(txn *badger.Txn) error {
		b, err := jsonBytes(evidenceTask{Task: task, At: at})
		if err != nil {
			return err
		}
		return txn.SetEntry(badger.NewEntry(evidenceTaskKey(userid), b).WithTTL(ttl))
	})
	if err != nil {
		return fmt.Errorf("remember the evidence task of %s: %w", userid, err)
	}
	return nil
}

// EvidenceTask returns the task remembered for userid's photos and when it
// was named, or ErrNotFound.
func (s *Store) EvidenceTask(ctx context.Context, userid string) (string, time.Time, error) {
	var e evidenceTask
	err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, evidenceTaskKey(userid), &e) })
	return e.Task, e.At, err
}
