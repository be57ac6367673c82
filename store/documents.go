package store

// Documents sent as files, and the WeCom media they were uploaded as:
//
//	previewfile/<id>/<name>   raw bytes, TTL 2 days   a preview's document, sent to its requester
//	media/<document key>      Media (JSON), TTL 3 days the media_id a document was uploaded as
//
// A message carrying a file (duban.Outgoing.File) names its document by a
// key: bulletin/<no>/<name> (bulletindocs.go), letter/<year>/<no>
// (letters.go), preview/<id>/<name> or attachment/<id> (attachment.go). Archived documents never change, so
// the media_id of one upload serves every recipient while WeCom keeps it.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// MediaTTL is how long WeCom keeps an uploaded file (media_id valid 3 days).
const MediaTTL = 72 * time.Hour

// previewTTL keeps a preview's documents long enough for their messages to
// be delivered (the sender retries for [wecom] max_retry_age, default 24 h).
const previewTTL = 48 * time.Hour

// BulletinDocRef names document name of published bulletin no.
func BulletinDocRef(no int, name string) duban.FileRef {
	return duban.FileRef{Key: fmt.Sprintf("bulletin/%d/%s", no, name), Name: name}
}

// LetterDocRef names the document of issued letter no of year.
func LetterDocRef(year, no int, name string) duban.FileRef {
	return duban.FileRef{Key: fmt.Sprintf("letter/%d/%d", year, no), Name: name}
}

// PreviewDocRef names document name of preview id.
func PreviewDocRef(id, name string) duban.FileRef {
	return duban.FileRef{Key: "preview/" + id + "/" + name, Name: name}
}

func previewFileKey(id, name string) []byte { return keyPath("previewfile/", id, name) }

// SavePreview keeps the documents of preview id (unnumbered, unarchived)
// for two days, so messages can carry them to its requester.
func (s *Store) SavePreview(ctx context.Context, id string, files []BulletinFile) error {
	err := s.update(ctx, func(txn *badger.Txn) error {
		total := 0
		for _, f := range files {
			if total += len(f.Data); total > MaxBulletinFiles {
				return fmt.Errorf("documents of %d bytes exceed %d", total, MaxBulletinFiles)
			}
			if err := txn.SetEntry(badger.NewEntry(previewFileKey(id, f.Name), f.Data).WithTTL(previewTTL)); err != nil {
				return fmt.Errorf("write %s: %w", f.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save preview %s: %w", id, err)
	}
	return nil
}

// Document returns the bytes of the document ref names, or ErrNotFound
// (a preview past its two days, a key that names nothing).
func (s *Store) Document(ctx context.Context, ref duban.FileRef) ([]byte, error) {
	kind, rest, _ := strings.Cut(ref.Key, "/")
	a, b, _ := strings.Cut(rest, "/")
	n, err := strconv.Atoi(a)
	switch {
	case kind == "bulletin" && err == nil && b != "":
		return s.BulletinDocument(ctx, n, b)
	case kind == "letter" && err == nil:
		no, err := strconv.Atoi(b)
		if err != nil {
			break
		}
		return s.LetterDocument(ctx, n, no)
	case kind == "preview" && a != "" && b != "":
		var data []byte
		err := s.view(ctx, func(txn *badger.Txn) error {
			var err error
			data, err = getBytes(txn, previewFileKey(a, b))
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("preview document %s: %w", b, err)
		}
		return data, nil
	case kind == "attachment" && rest != "": // attachment.go
		att, err := s.Attachment(ctx, rest)
		if err != nil {
			return nil, err
		}
		return s.AttachmentBytes(ctx, att)
	}
	return nil, fmt.Errorf("document %q: %w", ref.Key, ErrNotFound)
}

// Media is a document uploaded to WeCom.
type Media struct {
	ID       string    `json:"media_id"`
	Uploaded time.Time `json:"uploaded"`
}

func mediaKey(docKey string) []byte { return keyPath("media/", docKey) }

// CachedMedia returns the upload of document docKey, or ErrNotFound when it
// was never uploaded or WeCom no longer keeps it.
func (s *Store) CachedMedia(ctx context.Context, docKey string) (Media, error) {
	var m Media
	err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, mediaKey(docKey), &m) })
	if err != nil {
		return Media{}, fmt.Errorf("media of %s: %w", docKey, err)
	}
	return m, nil
}

// SaveMedia records that document docKey was uploaded as m; the record
// expires when WeCom forgets the upload.
func (s *Store) SaveMedia(ctx context.Context, docKey string, m Media, now time.Time) error {
	ttl := m.Uploaded.Add(MediaTTL).Sub(now)
	if ttl <= 0 {
		return nil
	}
	err := s.update(ctx, func(txn *badger.Txn) error {
		b, err := jsonBytes(m)
		if err != nil {
			return err
		}
		return txn.SetEntry(badger.NewEntry(mediaKey(docKey), b).WithTTL(ttl))
	})
	if err != nil {
		return fmt.Errorf("save media of %s: %w", docKey, err)
	}
	return nil
}

// ForgetMedia drops the upload of docKey if it is still id (WeCom refused
// it), so the next send uploads the document again.
func (s *Store) ForgetMedia(ctx context.Context, docKey, id string) error {
	err := s.update(ctx, func(txn *badger.Txn) error {
		var m Media
		switch err := getJSON(txn, mediaKey(docKey), &m); {
		case errors.Is(err, ErrNotFound):
			return nil
		case err != nil:
			return err
		case m.ID != id:
			return nil
		}
		return txn.Delete(mediaKey(docKey))
	})
	if err != nil {
		return fmt.Errorf("forget media of %s: %w", docKey, err)
	}
	return nil
}
