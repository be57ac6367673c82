package store

// The documents of published 工作通报 and their numbering by year:
//
//	bulletin/year/<yyyy>              uint64 (binary)  last 第N期 handed out in that year
//	bulletinfile/<no:020>/<name>      raw bytes        a document of bulletin <no> (.docx, .xlsx)
//
// Both are written in the transaction that publishes the bulletin, so a
// number, its record, its documents and its messages exist together or not
// at all.

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

// MaxBulletinFiles bounds the documents of one bulletin: they are written in
// its publishing transaction, which Badger limits to a share of a memtable.
const MaxBulletinFiles = 2 << 20

// BulletinFile is a document archived with a bulletin.
type BulletinFile struct {
	Name string `json:"name"`
	Data []byte `json:"-"`
	// Size and SHA256 describe Data in the bulletin's record.
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

// BulletinNumber is what a bulletin being published is given: its serial
// number (the archive's key), its 第N期 and the year it counts in, and the
// bulletin published before it (nil for the first).
type BulletinNumber struct {
	No    int
	Year  int // 0 when numbering is continuous
	Issue int // 第N期: counts within Year, or equals No
	Prev  *BulletinRecord
}

// Issued is a bulletin rendered once its number is known.
type Issued struct {
	Text    string         // sent to every recipient
	Figures any            // archived as the record's figures
	Files   []BulletinFile // archived with it
}

// Publication says who publishes a bulletin, to whom and how it is numbered.
type Publication struct {
	To     []string
	By     string // userid, "cli" or "scheduler"
	MsgKey string // the chat message asking for it, "" for none
	At     time.Time
	// Year, when not 0, numbers 第N期 within that year (the office's
	// calendar year of At); 0 numbers continuously.
	Year int
}

func bulletinYearKey(year int) []byte { return fmt.Appendf(nil, "bulletin/year/%04d", year) }

func bulletinFileKey(no int, name string) []byte {
	return append(seqKey("bulletinfile/", uint64(no)), append([]byte{'/'}, keyPart(name)...)...)
}

// IssueBulletin numbers, renders (issue), archives and queues the next
// bulletin in one transaction. Asked again with the same MsgKey (a chat
// message reprocessed after a crash), it returns the bulletin that message
// published instead of a second one.
func (s *Store) IssueBulletin(ctx context.Context, issue func(BulletinNumber) (Issued, error), p Publication) (BulletinRecord, error) {
	var rec BulletinRecord
	var ids []string
	marker := []byte("bulletin/msg/" + p.MsgKey)
	err := s.update(ctx, func(txn *badger.Txn) error {
		ids = ids[:0]
		if p.MsgKey != "" {
			var no int
			err := getJSON(txn, marker, &no)
			if err == nil {
				return getJSON(txn, bulletinKey(no), &rec)
			}
			if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		n, err := nextSeq(txn, keyBulletinSeq)
		if err != nil {
			return err
		}
		num := BulletinNumber{No: int(n), Issue: int(n)}
		if p.Year > 0 {
			i, err := nextSeq(txn, bulletinYearKey(p.Year))
			if err != nil {
				return err
			}
			num.Year, num.Issue = p.Year, int(i)
		}
		if n > 1 {
			var prev BulletinRecord
			err := getJSON(txn, bulletinKey(int(n-1)), &prev)
			if err == nil {
				num.Prev = &prev
			} else if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		out, err := issue(num)
		if err != nil {
			return err
		}
		archived, err := jsonBytes(out.Figures)
		if err != nil {
			return err
		}
		rec = BulletinRecord{No: num.No, Year: num.Year, Issue: num.Issue, At: p.At, By: p.By, To: p.To, Text: out.Text, Bulletin: archived}
		total := 0
		for _, f := range out.Files {
			total += len(f.Data)
			if f.Name == "" {
				return fmt.Errorf("bulletin %d: a document has no name", num.No)
			}
			if total > MaxBulletinFiles {
				return fmt.Errorf("bulletin %d: documents of %d bytes exceed %d", num.No, total, MaxBulletinFiles)
			}
			sum := sha256.Sum256(f.Data)
			rec.Files = append(rec.Files, BulletinFile{Name: f.Name, Size: len(f.Data), SHA256: hex.EncodeToString(sum[:])})
			if err := txn.Set(bulletinFileKey(num.No, f.Name), f.Data); err != nil {
				return fmt.Errorf("write bulletin %d %s: %w", num.No, f.Name, err)
			}
		}
		// Each recipient gets the text, then each document as a file.
		var msgs []duban.Outgoing
		for _, u := range p.To {
			msgs = append(msgs, duban.Outgoing{To: u, Text: rec.Text})
			for _, f := range rec.Files {
				msgs = append(msgs, FileMessage(u, BulletinDocRef(rec.No, f.Name)))
			}
		}
		entries, keys, err := newOutboxEntries(msgs, p.At)
		if err != nil {
			return err
		}
		for i := range entries {
			if err := putJSON(txn, keys[i], entries[i]); err != nil {
				return err
			}
			ids = append(ids, entries[i].ID)
		}
		if p.MsgKey != "" {
			if err := txn.SetEntry(badger.NewEntry(marker, []byte(fmt.Sprint(rec.No))).WithTTL(appliedTTL)); err != nil {
				return fmt.Errorf("write %s: %w", marker, err)
			}
		}
		return putJSON(txn, bulletinKey(rec.No), rec)
	})
	if err != nil {
		return BulletinRecord{}, fmt.Errorf("publish bulletin: %w", err)
	}
	s.outboxWatch.tell(ids)
	return rec, nil
}

// FileMessage is the message that sends the document ref names to to.
func FileMessage(to string, ref duban.FileRef) duban.Outgoing {
	return duban.Outgoing{To: to, Text: "［文件］" + ref.Name, File: &ref}
}

// BulletinDocument returns the archived document name of bulletin no, or
// ErrNotFound.
func (s *Store) BulletinDocument(ctx context.Context, no int, name string) ([]byte, error) {
	var data []byte
	err := s.view(ctx, func(txn *badger.Txn) error {
		var err error
		data, err = getBytes(txn, bulletinFileKey(no, name))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bulletin %d document %s: %w", no, name, err)
	}
	return data, nil
}

// LastBulletin returns the latest published bulletin, or ErrNotFound.
func (s *Store) LastBulletin(ctx context.Context) (BulletinRecord, error) {
	n, err := s.NextBulletinNo(ctx)
	if err != nil {
		return BulletinRecord{}, err
	}
	if n <= 1 {
		return BulletinRecord{}, fmt.Errorf("last bulletin: %w", ErrNotFound)
	}
	return s.BulletinByNo(ctx, n-1)
}
