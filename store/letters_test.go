package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/duban-org/duban"
)

func TestIssueLetterNumbersByYearOneADay(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	render := func(name string) func(int) (LetterIssue, error) {
		return func(no int) (LetterIssue, error) {
			num := fmt.Sprintf("咸编办函〔2026〕%d号", no)
			return LetterIssue{Record: LetterRecord{Number: num, Name: name, Head: "王建国", Tasks: []string{"T3"}, File: "专函督办-" + name + ".docx"},
				Doc: []byte("docx " + num), Text: "专函 " + num}, nil
		}
	}
	day := duban.NewDate(2026, 12, 30)
	r1, err := s.IssueLetter(ctx, 2026, "U2", day, render("市农业局"), []string{"h2", "A1"}, "A1", at)
	if err != nil || r1.No != 1 || r1.Number != "咸编办函〔2026〕1号" || r1.Size == 0 {
		t.Fatalf("first: %+v %v", r1, err)
	}
	// The same unit the same day: refused, nothing numbered or queued.
	_, err = s.IssueLetter(ctx, 2026, "U2", day, render("市农业局"), []string{"h2"}, "A1", at)
	if !errors.Is(err, ErrLetterIssued) || !bytes.Contains([]byte(err.Error()), []byte("咸编办函〔2026〕1号")) {
		t.Fatalf("second the same day: %v", err)
	}
	s.Close()
	if s, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r2, err := s.IssueLetter(ctx, 2026, "U4", day, render("市档案馆"), []string{"h4"}, "A1", at)
	if err != nil || r2.No != 2 {
		t.Fatalf("after restart: %+v %v", r2, err)
	}
	r3, err := s.IssueLetter(ctx, 2027, "U2", day.AddDays(5), render("市农业局"), []string{"h2"}, "A1", at)
	if err != nil || r3.No != 1 || r3.Year != 2027 {
		t.Fatalf("new year: %+v %v", r3, err)
	}
	all, err := s.Letters(ctx)
	if err != nil || len(all) != 3 || all[0].Number != "咸编办函〔2026〕1号" || all[2].Year != 2027 {
		t.Fatalf("letters %+v %v", all, err)
	}
	doc, err := s.LetterDocument(ctx, 2026, 2)
	if err != nil || string(doc) != "docx 咸编办函〔2026〕2号" {
		t.Fatalf("document: %q %v", doc, err)
	}
	// Each recipient got the notice, then the letter as a file.
	queued, err := s.PendingOutgoing(ctx, 0)
	if err != nil || len(queued) != 2*(2+1+1) {
		t.Fatalf("outbox %d (%v), want a notice and a file for 2+1+1 recipients", len(queued), err)
	}
	last := queued[len(queued)-1].Msg
	if last.To != "h2" || last.File == nil || *last.File != LetterDocRef(2027, 1, r3.File) {
		t.Fatalf("last queued %+v", last)
	}
	if got, err := s.Document(ctx, *queued[len(queued)-3].Msg.File); err != nil || string(got) != "docx 咸编办函〔2026〕2号" {
		t.Fatalf("letter file reads %q, %v", got, err)
	}
	if _, err := s.LetterDocument(ctx, 2026, 9); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}
