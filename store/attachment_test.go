package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// evidencePDF returns a real PDF (a 纪要 printed by LibreOffice) padded to
// n bytes, so content spans several chunks; pad makes different contents.
func evidencePDF(t testing.TB, n int, pad byte) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/evidence/minutes.pdf")
	if err != nil {
		t.Fatal(err)
	}
	for len(b) < n {
		b = append(b, pad)
	}
	return b
}

func ledgerStore(t testing.TB) *Store {
	t.Helper()
	s := openTemp(t)
	if _, err := s.Import(context.Background(), sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	return s
}

func attachment(task, name string) duban.Attachment {
	return duban.Attachment{Task: task, Name: name, By: "lilei", At: at, Via: duban.AttachedViaWeb}
}

func TestAttachKeepsContentOnceAndReadsItBack(t *testing.T) {
	ctx := context.Background()
	s := ledgerStore(t)
	content := evidencePDF(t, 2*blobChunk+12345, ' ')
	first, err := s.Attach(ctx, attachment("T001", "党组会纪要.pdf"), bytes.NewReader(content), 0)
	if err != nil {
		t.Fatal(err)
	}
	a := first.Attachment
	if first.Again || a.ID == "" || a.Type != "application/pdf" || a.Size != int64(len(content)) ||
		a.Name != "党组会纪要.pdf" || a.By != "lilei" || !a.At.Equal(at) || len(a.SHA256) != 64 {
		t.Fatalf("attached: %+v", first)
	}
	// The same content on another task: a second attachment, no second copy.
	other, err := s.Attach(ctx, attachment("T002", "纪要（复印）.pdf"), bytes.NewReader(content), 0)
	if err != nil || other.Again || other.ID == a.ID || other.SHA256 != a.SHA256 {
		t.Fatalf("on T002: %+v %v", other, err)
	}
	// The same content on the same task again: the first attachment.
	again, err := s.Attach(ctx, attachment("T001", "另一个名字.pdf"), bytes.NewReader(content), 0)
	if err != nil || !again.Again || again.ID != a.ID || again.Name != "党组会纪要.pdf" {
		t.Fatalf("again: %+v %v", again, err)
	}
	if n := countKeys(t, s, "blobdata/"); n != 3 {
		t.Errorf("%d chunks stored, want 3 (one copy of %d bytes)", n, len(content))
	}
	list, err := s.Attachments(ctx, "T001")
	if err != nil || len(list) != 1 || list[0] != a {
		t.Fatalf("T001's attachments: %+v %v", list, err)
	}
	got, err := s.Attachment(ctx, a.ID)
	if err != nil || got != a {
		t.Fatalf("by id: %+v %v", got, err)
	}
	b, err := s.AttachmentBytes(ctx, got)
	if err != nil || !bytes.Equal(b, content) {
		t.Fatalf("read back %d bytes, %v", len(b), err)
	}
	if _, err := s.Attachment(ctx, "T001"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
}

func TestAttachRefusesAndStoresNothing(t *testing.T) {
	ctx := context.Background()
	s := ledgerStore(t)
	pdf := evidencePDF(t, 0, 0)
	for _, c := range []struct {
		a       duban.Attachment
		content []byte
		want    string
	}{
		{attachment("T001", "空.pdf"), nil, "是空的"},
		{attachment("T001", "纪要.docx"), pdf, "与扩展名「.docx」不符"},
		{attachment("T001", "大.pdf"), evidencePDF(t, duban.MaxAttachmentBytes+1, 'x'), "超过 20 MB"},
		{attachment("T404", "纪要.pdf"), pdf, "not found"},
	} {
		_, err := s.Attach(ctx, c.a, bytes.NewReader(c.content), 0)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.a.Name, err, c.want)
		}
	}
	for _, p := range []string{"att/", "attid/", "attbytes/", "blob/", "blobdata/"} {
		if n := countKeys(t, s, p); n != 0 {
			t.Errorf("%d keys under %s after refusals", n, p)
		}
	}
}

func TestAttachPerTaskLimit(t *testing.T) {
	ctx := context.Background()
	s := ledgerStore(t)
	limit := int64(3 << 20)
	if _, err := s.Attach(ctx, attachment("T001", "a.pdf"), bytes.NewReader(evidencePDF(t, 2<<20, 'a')), limit); err != nil {
		t.Fatal(err)
	}
	_, err := s.Attach(ctx, attachment("T001", "b.pdf"), bytes.NewReader(evidencePDF(t, 2<<20, 'b')), limit)
	if duban.ErrorCode(err) != duban.EINVALID || !strings.Contains(err.Error(), "任务 T001 的佐证材料已有 2.0 MB，加上「b.pdf」（2.0 MB）将超过每项任务 3.0 MB 的上限") {
		t.Fatalf("over the limit: %v", err)
	}
	if list, _ := s.Attachments(ctx, "T001"); len(list) != 1 {
		t.Errorf("%d attachments after a refusal", len(list))
	}
	// Another task has its own allowance.
	if _, err := s.Attach(ctx, attachment("T002", "b.pdf"), bytes.NewReader(evidencePDF(t, 2<<20, 'b')), limit); err != nil {
		t.Fatal(err)
	}
	// Two uploads at once cannot both slip under the limit.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			_, errs[i] = s.Attach(ctx, attachment("T002", "c.pdf"), bytes.NewReader(evidencePDF(t, 1<<20, byte('c'+i))), limit)
		})
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Errorf("concurrent uploads under a limit for one: %v, %v", errs[0], errs[1])
	}
}

func TestAttachmentDamageIsAnError(t *testing.T) {
	ctx := context.Background()
	s := ledgerStore(t)
	a, err := s.Attach(ctx, attachment("T001", "a.pdf"), bytes.NewReader(evidencePDF(t, blobChunk+10, 'a')), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.update(ctx, func(txn *badger.Txn) error { return txn.Set(blobChunkKey(a.SHA256, 1), []byte("xxxxxxxxxx")) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AttachmentBytes(ctx, a.Attachment); err == nil || !strings.Contains(err.Error(), "is damaged") {
		t.Errorf("damaged content read: %v", err)
	}
}

func TestBackupRestoreCarriesAttachments(t *testing.T) {
	ctx := context.Background()
	s := ledgerStore(t)
	content := evidencePDF(t, blobChunk+777, 'z')
	a, err := s.Attach(ctx, attachment("T002", "方案.pdf"), bytes.NewReader(content), 0)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "with-evidence.bak")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "restored")
	if _, err := RestoreBackup(ctx, file, dir, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := r.Attachment(ctx, a.ID)
	if err != nil || got != a.Attachment {
		t.Fatalf("restored attachment: %+v %v", got, err)
	}
	b, err := r.AttachmentBytes(ctx, got)
	if err != nil || !bytes.Equal(b, content) {
		t.Fatalf("restored content: %d bytes, %v", len(b), err)
	}
	// The restored store still dedupes against the restored content.
	again, err := r.Attach(ctx, attachment("T002", "x.pdf"), bytes.NewReader(content), 0)
	if err != nil || !again.Again {
		t.Errorf("after restore: %+v %v", again, err)
	}
}

func TestHeldEvidenceIsFiledWhenTheTaskIsNamed(t *testing.T) {
	ctx := context.Background()
	s := ledgerStore(t)
	photo := evidencePDF(t, 0, 0)
	a := attachment("", "")
	a.Name = "窗口.pdf"
	held, err := s.Hold(ctx, a, bytes.NewReader(photo), time.Hour)
	if err != nil || held.Task != "" || held.ID == "" {
		t.Fatalf("hold: %+v %v", held, err)
	}
	if h, _ := s.Held(ctx, "LiLei"); len(h) != 1 || h[0] != held {
		t.Fatalf("held for LiLei: %+v", h)
	}
	if _, err := s.Attachment(ctx, held.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("a held file is already an attachment: %v", err)
	}
	// Over the task's allowance: nothing filed, still held.
	if _, err := s.AttachHeld(ctx, "lilei", "T001", 10); duban.ErrorCode(err) != duban.EINVALID {
		t.Fatalf("over the limit: %v", err)
	}
	if h, _ := s.Held(ctx, "lilei"); len(h) != 1 {
		t.Fatalf("after a refusal %d held", len(h))
	}
	got, err := s.AttachHeld(ctx, "lilei", "T001", 0)
	if err != nil || len(got) != 1 || got[0].Task != "T001" || got[0].ID != held.ID {
		t.Fatalf("attach held: %+v %v", got, err)
	}
	if list, _ := s.Attachments(ctx, "T001"); len(list) != 1 || list[0].ID != held.ID {
		t.Errorf("T001: %+v", list)
	}
	if h, _ := s.Held(ctx, "lilei"); len(h) != 0 {
		t.Errorf("still held: %+v", h)
	}
	// Held, then dropped.
	if _, err := s.Hold(ctx, a, bytes.NewReader(photo), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.DropHeld(ctx, "lilei"); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.Held(ctx, "lilei"); len(h) != 0 {
		t.Errorf("dropped but held: %+v", h)
	}
}

// An attachment is a document a message can carry as a file.
func TestAttachmentIsADocument(t *testing.T) {
	ctx := context.Background()
	s := ledgerStore(t)
	content := evidencePDF(t, 0, 0)
	a, err := s.Attach(ctx, attachment("T001", "纪要.pdf"), bytes.NewReader(content), 0)
	if err != nil {
		t.Fatal(err)
	}
	ref := AttachmentDocRef(a.Attachment)
	if b, err := s.Document(ctx, ref); err != nil || !bytes.Equal(b, content) || ref.Name != "纪要.pdf" {
		t.Fatalf("document %+v: %d bytes, %v", ref, len(b), err)
	}
	if _, err := s.Document(ctx, duban.FileRef{Key: "attachment/NOSUCH"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown attachment: %v", err)
	}
}
