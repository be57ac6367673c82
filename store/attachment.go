package store

// Evidence (佐证材料) attached to tasks. The content is kept in Badger, so
// a backup carries it, in chunks (a transaction holds ~2 MB), once per
// SHA-256 however many times it is attached.
//
//	att/<task>/<id>         duban.Attachment (JSON)
//	attid/<id>              the task id (bytes): finds an attachment by id
//	attbytes/<task>         uint64 (binary): the task's attachments' total size
//	blob/<sha256 hex>       blobInfo (JSON): size and chunk count of stored content
//	blobpending/<sha256>    blobInfo (JSON): content whose chunks are being written
//	blobdata/<sha256>/<n:06> raw bytes, at most blobChunk each

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// blobChunk is the size of one stored piece of content. Badger refuses a
// transaction past ~15 % of a memtable (2.4 MB here); one chunk per
// transaction stays well inside that.
const blobChunk = 1 << 20

func attDir(task string) []byte             { return keyDir("att/", task) }
func attKey(task, id string) []byte         { return keyPath("att/", task, id) }
func attIDKey(id string) []byte             { return keyPath("attid/", id) }
func attBytesKey(task string) []byte        { return keyPath("attbytes/", task) }
func blobKey(sum string) []byte             { return keyPath("blob/", sum) }
func blobPendingKey(sum string) []byte      { return keyPath("blobpending/", sum) }
func blobChunkKey(sum string, n int) []byte { return fmt.Appendf(keyDir("blobdata/", sum), "%06d", n) }

type blobInfo struct {
	Size   int64 `json:"size"`
	Chunks int   `json:"chunks"`
	// Stored is when the content was written (wall clock): content no
	// record names is swept only once it is older than a grace period
	// (content.go). Zero in content stored before it was kept.
	Stored time.Time `json:"stored,omitzero"`
}

// Attached is the outcome of Attach.
type Attached struct {
	duban.Attachment
	// Again is set when the task already had this content: nothing new
	// was stored and the earlier attachment is returned.
	Again bool
}

// Attach reads content from r (at most duban.MaxAttachmentBytes), checks it
// (duban.CheckAttachment), and stores it as an attachment of a.Task by a.By
// at a.At, named a.Name (an empty name — a photo — is named from a.At and
// its kind). The task's attachments may total at most perTask bytes (0: no
// limit). It returns only once everything is on disk; a refusal (a coded
// error saying why) stores nothing.
func (s *Store) Attach(ctx context.Context, a duban.Attachment, r io.Reader, perTask int64) (Attached, error) {
	if _, err := s.Task(ctx, a.Task); err != nil {
		return Attached{}, err
	}
	a, content, err := s.storeContent(ctx, a, r)
	if err != nil {
		return Attached{}, err
	}
	var out Attached
	err = s.claimContent(ctx, a.SHA256, content, func(txn *badger.Txn) error {
		var err error
		out, err = attachTxn(txn, a, perTask)
		return err
	})
	if err != nil {
		return Attached{}, attachError(err, a)
	}
	return out, nil
}

func attachError(err error, a duban.Attachment) error {
	if duban.ErrorCode(err) != duban.EINTERNAL {
		return err
	}
	return fmt.Errorf("attach %q to task %s: %w", a.Name, a.Task, err)
}

// storeContent reads and checks the content of a, stores it under its hash
// and returns a completed (name, type, size, hash, a new id) with the
// content.
func (s *Store) storeContent(ctx context.Context, a duban.Attachment, r io.Reader) (duban.Attachment, []byte, error) {
	content, err := io.ReadAll(io.LimitReader(r, duban.MaxAttachmentBytes+1))
	if err != nil {
		return a, nil, fmt.Errorf("read the attachment: %w", err)
	}
	mime, name, err := duban.CheckAttachment(a.Name, content)
	if err != nil {
		return a, nil, err
	}
	if name == "" {
		name = duban.UnnamedFile(mime, a.At)
	}
	sum := sha256.Sum256(content)
	a.Name, a.Type, a.Size, a.SHA256 = name, mime, int64(len(content)), hex.EncodeToString(sum[:])
	a.ID = rand.Text()
	if a.Via == "" {
		a.Via = duban.AttachedViaChat
	}
	return a, content, s.putBlob(ctx, a.SHA256, content)
}

// attachTxn files a (content stored) under a.Task, unless the task has the
// same content already, within the task's allowance perTask.
func attachTxn(txn *badger.Txn, a duban.Attachment, perTask int64) (Attached, error) {
	// The same content on the same task is one attachment.
	var again *duban.Attachment
	err := scanPrefix(txn, attDir(a.Task), false, func(key, val []byte) error {
		var old duban.Attachment
		if err := jsonUnmarshal(key, val, &old); err != nil {
			return err
		}
		if old.SHA256 == a.SHA256 {
			again = &old
		}
		return nil
	})
	if err != nil {
		return Attached{}, err
	}
	if again != nil {
		return Attached{Attachment: *again, Again: true}, nil
	}
	total, err := readCounter(txn, attBytesKey(a.Task))
	if err != nil {
		return Attached{}, err
	}
	if perTask > 0 && int64(total)+a.Size > perTask {
		return Attached{}, duban.Errorf(duban.EINVALID, "任务 %s 的佐证材料已有 %s，加上「%s」（%s）将超过每项任务 %s 的上限，没有保存。",
			a.Task, duban.SizeText(int64(total)), a.Name, duban.SizeText(a.Size), duban.SizeText(perTask))
	}
	if err := txn.Set(attBytesKey(a.Task), binary.BigEndian.AppendUint64(nil, total+uint64(a.Size))); err != nil {
		return Attached{}, fmt.Errorf("write %s: %w", attBytesKey(a.Task), err)
	}
	if err := txn.Set(attIDKey(a.ID), []byte(a.Task)); err != nil {
		return Attached{}, fmt.Errorf("write %s: %w", attIDKey(a.ID), err)
	}
	return Attached{Attachment: a}, putJSON(txn, attKey(a.Task, a.ID), a)
}

// putBlob stores content under its hash unless it is there already: first
// blobpending/<sum>, saying when the upload began, then the chunks one
// transaction each, then blob/<sum> with the marker deleted. A crash in
// between leaves chunks under a dated marker, which the next putBlob of the
// same content writes again and the sweep (content.go) deletes once old.
func (s *Store) putBlob(ctx context.Context, sum string, content []byte) error {
	err := s.view(ctx, func(txn *badger.Txn) error {
		_, err := txn.Get(blobKey(sum))
		return err
	})
	if err == nil {
		return nil
	}
	if !errors.Is(err, badger.ErrKeyNotFound) {
		return fmt.Errorf("read %s: %w", blobKey(sum), err)
	}
	info := blobInfo{Size: int64(len(content)), Chunks: (len(content) + blobChunk - 1) / blobChunk, Stored: time.Now()}
	if err := s.update(ctx, func(txn *badger.Txn) error { return putJSON(txn, blobPendingKey(sum), info) }); err != nil {
		return fmt.Errorf("store content %s: %w", sum, err)
	}
	for n := range info.Chunks {
		piece := content[n*blobChunk : min((n+1)*blobChunk, len(content))]
		key := blobChunkKey(sum, n)
		if err := s.update(ctx, func(txn *badger.Txn) error { return txn.Set(key, piece) }); err != nil {
			return fmt.Errorf("write %s: %w", key, err)
		}
	}
	info.Stored = time.Now()
	err = s.update(ctx, func(txn *badger.Txn) error {
		if err := putJSON(txn, blobKey(sum), info); err != nil {
			return err
		}
		return txn.Delete(blobPendingKey(sum))
	})
	if err != nil {
		return fmt.Errorf("store content %s: %w", sum, err)
	}
	return nil
}

// Attachments returns the task's attachments, oldest first.
func (s *Store) Attachments(ctx context.Context, task string) ([]duban.Attachment, error) {
	out, err := s.attachmentsUnder(ctx, attDir(task))
	if err != nil {
		return nil, fmt.Errorf("read the attachments of task %s: %w", task, err)
	}
	return out, nil
}

// attachmentsUnder reads the attachment records under prefix, oldest first.
func (s *Store) attachmentsUnder(ctx context.Context, prefix []byte) ([]duban.Attachment, error) {
	var out []duban.Attachment
	err := s.view(ctx, func(txn *badger.Txn) error {
		out = out[:0]
		return scanPrefix(txn, prefix, false, func(key, val []byte) error {
			var a duban.Attachment
			if err := jsonUnmarshal(key, val, &a); err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b duban.Attachment) int { return a.At.Compare(b.At) })
	return out, err
}

// Attachment returns the attachment with id; ErrNotFound when there is none.
func (s *Store) Attachment(ctx context.Context, id string) (duban.Attachment, error) {
	var a duban.Attachment
	err := s.view(ctx, func(txn *badger.Txn) error {
		item, err := txn.Get(attIDKey(id))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("attachment %q: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", attIDKey(id), err)
		}
		task, err := item.ValueCopy(nil)
		if err != nil {
			return fmt.Errorf("read %s: %w", attIDKey(id), err)
		}
		return getJSON(txn, attKey(string(task), id), &a)
	})
	return a, err
}

// WriteAttachment writes the content of a to w, a chunk at a time, and
// checks it against a.SHA256: damaged content is an error, never passed
// off as evidence (though what was written before the check stays written).
func (s *Store) WriteAttachment(ctx context.Context, a duban.Attachment, w io.Writer) error {
	var info blobInfo
	if err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, blobKey(a.SHA256), &info) }); err != nil {
		return fmt.Errorf("content of attachment %s: %w", a.ID, err)
	}
	h := sha256.New()
	var size int64
	for n := range info.Chunks {
		var piece []byte
		err := s.view(ctx, func(txn *badger.Txn) error {
			item, err := txn.Get(blobChunkKey(a.SHA256, n))
			if err != nil {
				return err
			}
			piece, err = item.ValueCopy(piece[:0])
			return err
		})
		if err != nil {
			return fmt.Errorf("content of attachment %s, chunk %d: %w", a.ID, n, err)
		}
		h.Write(piece)
		size += int64(len(piece))
		if _, err := w.Write(piece); err != nil {
			return fmt.Errorf("write attachment %s: %w", a.ID, err)
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); size != info.Size || got != a.SHA256 {
		return fmt.Errorf("content of attachment %s (%s) is damaged: %d bytes with SHA-256 %s, want %d bytes with %s", a.ID, a.Name, size, got, info.Size, a.SHA256)
	}
	return nil
}

// AttachmentDocRef names attachment a as a document a message carries
// (duban.Outgoing.File), so the sender sends it as a file.
func AttachmentDocRef(a duban.Attachment) duban.FileRef {
	return duban.FileRef{Key: "attachment/" + a.ID, Name: a.Name}
}

// AttachmentBytes returns the content of a, checked (see WriteAttachment).
func (s *Store) AttachmentBytes(ctx context.Context, a duban.Attachment) ([]byte, error) {
	var b bytes.Buffer
	if err := s.WriteAttachment(ctx, a, &b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
