package store

// Issued 专函督办 letters, numbered by year (文号 咸编办函〔2026〕3号):
//
//	letter/seq/<yyyy>                 uint64 (binary)  last number handed out in that year
//	letter/<yyyy>/<no:06>             LetterRecord     the issued letter: 文号, unit, addressee, tasks, file
//	letter/day/<unit>/<yyyy-mm-dd>    int (JSON)       the number issued to a unit that day (one a day)
//	letterfile/<yyyy>/<no:06>         raw bytes        the letter's .docx
//
// Number, record, document and the notices to its recipients are one
// transaction.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// ErrLetterIssued is returned when a unit already had a letter that day.
var ErrLetterIssued = errors.New("a letter was already issued to this unit today")

// LetterRecord is one issued 专函督办.
type LetterRecord struct {
	Year    int        `json:"year"`
	No      int        `json:"no"`
	Number  string     `json:"number"` // 文号 as printed
	Unit    string     `json:"unit"`   // unit code
	Name    string     `json:"name"`   // unit name
	Head    string     `json:"head,omitempty"`
	HeadID  string     `json:"head_id,omitempty"`
	Tasks   []string   `json:"tasks"`
	ReplyBy duban.Date `json:"reply_by"`
	At      time.Time  `json:"at"`
	By      string     `json:"by"`
	To      []string   `json:"to"`
	File    string     `json:"file"`
	Size    int        `json:"size"`
	SHA256  string     `json:"sha256"`
}

// LetterIssue is a letter rendered once its number is known.
type LetterIssue struct {
	Record LetterRecord // Year, No, At, By, To, Size and SHA256 are filled in by IssueLetter
	Doc    []byte
	Text   string // the notice queued to every recipient
}

func letterKey(year, no int) []byte     { return fmt.Appendf(nil, "letter/%04d/%06d", year, no) }
func letterFileKey(year, no int) []byte { return fmt.Appendf(nil, "letterfile/%04d/%06d", year, no) }
func letterDayKey(unit string, day duban.Date) []byte {
	return append(keyDir("letter/day/", unit), day.String()...)
}

// IssueLetter numbers the next letter of year, has render write it, and
// archives it and queues its notice to every recipient in to, in one
// transaction. A unit gets at most one letter a day (day, in the office's
// calendar): a second is refused with ErrLetterIssued, naming the first.
func (s *Store) IssueLetter(ctx context.Context, year int, unit string, day duban.Date, render func(no int) (LetterIssue, error), to []string, by string, at time.Time) (LetterRecord, error) {
	var rec LetterRecord
	var ids []string
	err := s.update(ctx, func(txn *badger.Txn) error {
		ids = ids[:0]
		var prior int
		err := getJSON(txn, letterDayKey(unit, day), &prior)
		if err == nil {
			var first LetterRecord
			if err := getJSON(txn, letterKey(year, prior), &first); err != nil {
				return err
			}
			return fmt.Errorf("%s %s: %w", first.Name, first.Number, ErrLetterIssued)
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		n, err := nextSeq(txn, fmt.Appendf(nil, "letter/seq/%04d", year))
		if err != nil {
			return err
		}
		out, err := render(int(n))
		if err != nil {
			return err
		}
		if len(out.Doc) > MaxBulletinFiles {
			return fmt.Errorf("letter %s: %d bytes exceed %d", out.Record.Number, len(out.Doc), MaxBulletinFiles)
		}
		rec = out.Record
		sum := sha256.Sum256(out.Doc)
		rec.Year, rec.No, rec.Unit, rec.At, rec.By, rec.To = year, int(n), unit, at, by, to
		rec.Size, rec.SHA256 = len(out.Doc), hex.EncodeToString(sum[:])
		if err := txn.Set(letterFileKey(year, rec.No), out.Doc); err != nil {
			return fmt.Errorf("write letter %s: %w", rec.Number, err)
		}
		if err := putJSON(txn, letterDayKey(unit, day), rec.No); err != nil {
			return err
		}
		// Each recipient gets the notice, then the letter as a file.
		var msgs []duban.Outgoing
		for _, u := range to {
			msgs = append(msgs, duban.Outgoing{To: u, Text: out.Text}, FileMessage(u, LetterDocRef(year, rec.No, rec.File)))
		}
		entries, keys, err := newOutboxEntries(msgs, at)
		if err != nil {
			return err
		}
		for i := range entries {
			if err := putJSON(txn, keys[i], entries[i]); err != nil {
				return err
			}
			ids = append(ids, entries[i].ID)
		}
		return putJSON(txn, letterKey(year, rec.No), rec)
	})
	if err != nil {
		return LetterRecord{}, fmt.Errorf("issue letter: %w", err)
	}
	s.outboxWatch.tell(ids)
	return rec, nil
}

// Letters returns every issued letter, by year and number.
func (s *Store) Letters(ctx context.Context) ([]LetterRecord, error) {
	var out []LetterRecord
	err := s.view(ctx, func(txn *badger.Txn) error {
		out = out[:0]
		// letter/<yyyy>/… holds the records; letter/day/ and letter/seq/ sort after the digits.
		for _, first := range "0123456789" {
			err := scanPrefix(txn, []byte("letter/"+string(first)), false, func(key, val []byte) error {
				var r LetterRecord
				if err := jsonUnmarshal(key, val, &r); err != nil {
					return err
				}
				out = append(out, r)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list letters: %w", err)
	}
	return out, nil
}

// LetterDocument returns the .docx of letter no of year, or ErrNotFound.
func (s *Store) LetterDocument(ctx context.Context, year, no int) ([]byte, error) {
	var data []byte
	err := s.view(ctx, func(txn *badger.Txn) error {
		var err error
		data, err = getBytes(txn, letterFileKey(year, no))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("letter %d-%d document: %w", year, no, err)
	}
	return data, nil
}
