package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestIssueBulletinNumbersByYearAcrossRestartsWithDocuments(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	docx := bytes.Repeat([]byte("PK docx "), 1000)
	issue := func(n BulletinNumber) (Issued, error) {
		prev := 0
		if n.Prev != nil {
			prev = n.Prev.No
		}
		return Issued{Text: "通报", Figures: map[string]int{"prev": prev},
			Files: []BulletinFile{{Name: "工作通报.docx", Data: docx}, {Name: "红黄灯/清单.xlsx", Data: []byte("xlsx")}}}, nil
	}
	publish := func(s *Store, year int, msgKey string) BulletinRecord {
		t.Helper()
		rec, err := s.IssueBulletin(ctx, issue, Publication{To: []string{"A1"}, By: "A1", MsgKey: msgKey, At: at, Year: year})
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	if r := publish(s, 2026, "m1"); r.No != 1 || r.Issue != 1 || r.Label() != "2026年第1期" || len(r.Files) != 2 || r.Files[0].Size != len(docx) {
		t.Fatalf("first: %+v", r)
	}
	// The same message again (reprocessed after a crash) publishes nothing new.
	if r := publish(s, 2026, "m1"); r.No != 1 {
		t.Fatalf("repeat of m1 published %+v", r)
	}
	s.Close()

	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := publish(s, 2026, "m2")
	if r.No != 2 || r.Label() != "2026年第2期" || !strings.Contains(string(r.Bulletin), `"prev":1`) {
		t.Fatalf("after restart: %+v", r)
	}
	if r := publish(s, 2027, ""); r.No != 3 || r.Label() != "2027年第1期" {
		t.Fatalf("new year: %+v", r)
	}
	if r := publish(s, 0, ""); r.No != 4 || r.Label() != "第4期" {
		t.Fatalf("continuous: %+v", r)
	}
	got, err := s.BulletinDocument(ctx, 2, "工作通报.docx")
	if err != nil || !bytes.Equal(got, docx) {
		t.Fatalf("document of 2: %d bytes, %v", len(got), err)
	}
	if got, err := s.BulletinDocument(ctx, 2, "红黄灯/清单.xlsx"); err != nil || string(got) != "xlsx" {
		t.Fatalf("escaped name: %q %v", got, err)
	}
	if _, err := s.BulletinDocument(ctx, 5, "工作通报.docx"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing document: %v", err)
	}
	all, err := s.Bulletins(ctx)
	if err != nil || len(all) != 4 {
		t.Fatalf("archive: %d %v", len(all), err)
	}
	last, err := s.LastBulletin(ctx)
	if err != nil || last.No != 4 {
		t.Fatalf("last: %+v %v", last, err)
	}
	// Each publish queued its text, then each document as a file that
	// reads back as archived.
	queued, err := s.PendingOutgoing(ctx, 0)
	if err != nil || len(queued) != 4*3 {
		t.Fatalf("outbox holds %d (%v), want a text and two files per publish", len(queued), err)
	}
	for i := 0; i < len(queued); i += 3 {
		no := i/3 + 1
		text, docFile, xlsxFile := queued[i].Msg, queued[i+1].Msg, queued[i+2].Msg
		if text.Text != "通报" || text.File != nil || docFile.File == nil || xlsxFile.File == nil ||
			*docFile.File != BulletinDocRef(no, "工作通报.docx") || xlsxFile.File.Name != "红黄灯/清单.xlsx" {
			t.Fatalf("bulletin %d queued %+v, %+v, %+v", no, text, docFile, xlsxFile)
		}
		if got, err := s.Document(ctx, *xlsxFile.File); err != nil || string(got) != "xlsx" {
			t.Fatalf("bulletin %d: the file message's document reads %q, %v", no, got, err)
		}
	}
}

func TestIssueBulletinFailureChangesNothing(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.LastBulletin(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty archive: %v", err)
	}
	_, err := s.IssueBulletin(ctx, func(BulletinNumber) (Issued, error) {
		return Issued{}, errors.New("render failed")
	}, Publication{To: []string{"A1"}, At: at, Year: 2026})
	if err == nil {
		t.Fatal("no error")
	}
	big := make([]byte, MaxBulletinFiles+1)
	_, err = s.IssueBulletin(ctx, func(BulletinNumber) (Issued, error) {
		return Issued{Text: "x", Files: []BulletinFile{{Name: "big.docx", Data: big}}}, nil
	}, Publication{To: []string{"A1"}, At: at.Add(time.Hour), Year: 2026})
	if err == nil || !strings.Contains(err.Error(), "exceed") {
		t.Fatalf("oversized documents: %v", err)
	}
	if n, _ := s.NextBulletinNo(ctx); n != 1 {
		t.Fatalf("a failed publish used a number: next %d", n)
	}
	if n, _ := s.OutboxLen(ctx); n != 0 {
		t.Fatalf("a failed publish queued %d messages", n)
	}
	r, err := s.IssueBulletin(ctx, func(n BulletinNumber) (Issued, error) { return Issued{Text: "ok"}, nil },
		Publication{To: []string{"A1"}, At: at, Year: 2026})
	if err != nil || r.Label() != "2026年第1期" {
		t.Fatalf("after failures: %+v %v", r, err)
	}
}
