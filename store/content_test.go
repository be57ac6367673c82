package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Content that no attachment and no held evidence names — a photo held and
// then dropped, or never filed before its hold expired — is swept once past
// the grace period; what is attached or still held stays, readable.
func TestPruneContentSweepsOnlyUnnamedContent(t *testing.T) {
	ctx := context.Background()
	s := ledgerStore(t)
	attached, err := s.Attach(ctx, attachment("T001", "纪要.pdf"), bytes.NewReader(evidencePDF(t, blobChunk+10, 'a')), 0)
	if err != nil {
		t.Fatal(err)
	}
	held := attachment("", "窗口.pdf")
	held.By = "hanmeimei"
	keptHeld, err := s.Hold(ctx, held, bytes.NewReader(evidencePDF(t, 0, 'b')), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dropped := attachment("", "草稿.pdf")
	dropped.By = "lilei"
	gone, err := s.Hold(ctx, dropped, bytes.NewReader(evidencePDF(t, 2*blobChunk+10, 'c')), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DropHeld(ctx, "lilei"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneContent(ctx, time.Hour); n != 0 || err != nil {
		t.Fatalf("within the grace period: %d swept, %v", n, err)
	}
	if n, err := s.PruneContent(ctx, 0); n != 1 || err != nil {
		t.Fatalf("PruneContent = %d, %v; want the dropped file's content", n, err)
	}
	if n := countKeys(t, s, "blobdata/"+gone.SHA256+"/"); n != 0 {
		t.Errorf("%d chunks of the dropped content left", n)
	}
	if n := countKeys(t, s, "blob/"+gone.SHA256); n != 0 {
		t.Error("the dropped content's record left")
	}
	if b, err := s.AttachmentBytes(ctx, attached.Attachment); err != nil || len(b) != blobChunk+10 {
		t.Errorf("the attachment after the sweep: %d bytes, %v", len(b), err)
	}
	filed, err := s.AttachHeld(ctx, "hanmeimei", "T002", 0)
	if err != nil || len(filed) != 1 || filed[0].ID != keptHeld.ID {
		t.Fatalf("the held file after the sweep: %+v, %v", filed, err)
	}
	if _, err := s.AttachmentBytes(ctx, filed[0].Attachment); err != nil {
		t.Errorf("the held file's content: %v", err)
	}
	if n, err := s.PruneContent(ctx, 0); n != 0 || err != nil {
		t.Errorf("second sweep: %d, %v", n, err)
	}
	// The same content attached after its sweep is stored again.
	again, err := s.Attach(ctx, attachment("T002", "草稿.pdf"), bytes.NewReader(evidencePDF(t, 2*blobChunk+10, 'c')), 0)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := s.AttachmentBytes(ctx, again.Attachment); err != nil || len(b) != 2*blobChunk+10 {
		t.Errorf("content attached again: %d bytes, %v", len(b), err)
	}
}

// An upload that found its content already stored (so did not write it)
// and a sweep deleting that content as unnamed cannot both win: the
// sweep's transaction conflicts with the claim that committed first, and a
// claim that comes after the sweep stores the content again.
func TestPruneContentRacesAClaim(t *testing.T) {
	ctx := context.Background()
	s := ledgerStore(t)
	content := evidencePDF(t, blobChunk+10, 'd')
	a := attachment("", "通知.pdf")
	held, err := s.Hold(ctx, a, bytes.NewReader(content), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DropHeld(ctx, a.By); err != nil {
		t.Fatal(err)
	}
	sum := held.SHA256

	// The sweep has read everything and decided; the claim commits first.
	sweep := s.db.NewTransaction(true)
	defer sweep.Discard()
	if n, _, err := sweepContent(sweep, time.Now()); n != 1 || err != nil {
		t.Fatalf("sweep planned %d, %v", n, err)
	}
	if err := s.claimContent(ctx, sum, content, func(*badger.Txn) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := sweep.Commit(); !errors.Is(err, badger.ErrConflict) {
		t.Fatalf("the sweep committed over a claim: %v", err)
	}
	if n := countKeys(t, s, "blobdata/"+sum+"/"); n != 2 {
		t.Fatalf("%d chunks after the refused sweep", n)
	}

	// The sweep commits first: the claim finds the content gone and
	// stores it again.
	if n, err := s.PruneContent(ctx, 0); n != 1 || err != nil {
		t.Fatalf("PruneContent = %d, %v", n, err)
	}
	claimed := false
	err = s.claimContent(ctx, sum, content, func(*badger.Txn) error { claimed = true; return nil })
	if err != nil || !claimed {
		t.Fatalf("claim after the sweep: %v", err)
	}
	if b, err := s.AttachmentBytes(ctx, held); err != nil || !bytes.Equal(b, content) {
		t.Errorf("content stored again: %d bytes, %v", len(b), err)
	}
}

// Many pieces of unnamed content are swept in several transactions.
func TestPruneContentInBatches(t *testing.T) {
	ctx := context.Background()
	s := ledgerStore(t)
	defer func(n int) { pruneContentBatch = n }(pruneContentBatch)
	pruneContentBatch = 2
	base := len(evidencePDF(t, 0, 0))
	for i := range 5 {
		a := attachment("", "件.pdf")
		if _, err := s.Hold(ctx, a, bytes.NewReader(evidencePDF(t, base+1+i, 'e')), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DropHeld(ctx, "lilei"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneContent(ctx, 0); n != 5 || err != nil {
		t.Fatalf("PruneContent = %d, %v", n, err)
	}
	if n := countKeys(t, s, "blob"); n != 0 {
		t.Errorf("%d content keys left", n)
	}
}

// An upload a crash (here: the disk running out) cut off between its
// chunks leaves them under a dated marker: kept through the grace period,
// swept after it, and written again whole by the next upload of the same
// content.
func TestPruneContentSweepsInterruptedUpload(t *testing.T) {
	ctx := context.Background()
	s := ledgerStore(t)
	content := evidencePDF(t, 2*blobChunk+10, 'f')
	sum := fmt.Sprintf("%x", sha256.Sum256(content))
	writes := 0
	s.room = func() error {
		if writes++; writes > 2 { // the marker, the first chunk
			return errors.New("磁盘空间不足")
		}
		return nil
	}
	if _, err := s.Attach(ctx, attachment("T001", "纪要.pdf"), bytes.NewReader(content), 0); err == nil {
		t.Fatal("the upload went through a full disk")
	}
	s.room = nil
	if p, c, b := countKeys(t, s, "blobpending/"+sum), countKeys(t, s, "blobdata/"+sum+"/"), countKeys(t, s, "blob/"+sum); p != 1 || c != 1 || b != 0 {
		t.Fatalf("after the cut: %d markers, %d chunks, %d content records", p, c, b)
	}
	if n, err := s.PruneContent(ctx, time.Hour); n != 0 || err != nil {
		t.Fatalf("within the grace period: %d swept, %v", n, err)
	}
	if n, err := s.PruneContent(ctx, 0); n != 1 || err != nil {
		t.Fatalf("PruneContent = %d, %v; want the cut-off upload", n, err)
	}
	if n := countKeys(t, s, "blob"); n != 0 {
		t.Errorf("%d keys of the cut-off upload left", n)
	}

	// Cut off again, then uploaded whole: the content is stored once and
	// readable, its marker gone, and the sweep leaves it.
	writes = 0
	s.room = func() error {
		if writes++; writes > 2 {
			return errors.New("磁盘空间不足")
		}
		return nil
	}
	if _, err := s.Attach(ctx, attachment("T001", "纪要.pdf"), bytes.NewReader(content), 0); err == nil {
		t.Fatal("the upload went through a full disk")
	}
	s.room = nil
	got, err := s.Attach(ctx, attachment("T001", "纪要.pdf"), bytes.NewReader(content), 0)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneContent(ctx, 0); n != 0 || err != nil {
		t.Errorf("sweep of attached content: %d, %v", n, err)
	}
	if b, err := s.AttachmentBytes(ctx, got.Attachment); err != nil || !bytes.Equal(b, content) {
		t.Errorf("content after the second upload: %d bytes, %v", len(b), err)
	}
	if n := countKeys(t, s, "blobpending/"); n != 0 {
		t.Errorf("%d upload markers left", n)
	}
}

// Chunks a crash left with no record at all (written by a duban before
// upload markers) are swept at once: no upload in progress has chunks
// without its marker. A marker left by a second upload of content stored
// and attached goes alone, the content stays.
func TestPruneContentSweepsStrayChunks(t *testing.T) {
	ctx := context.Background()
	s := ledgerStore(t)
	attached, err := s.Attach(ctx, attachment("T001", "纪要.pdf"), bytes.NewReader(evidencePDF(t, blobChunk+10, 'g')), 0)
	if err != nil {
		t.Fatal(err)
	}
	stray := fmt.Sprintf("%x", sha256.Sum256([]byte("cut off")))
	err = s.db.Update(func(txn *badger.Txn) error {
		for n := range 2 {
			if err := txn.Set(blobChunkKey(stray, n), []byte("chunk")); err != nil {
				return err
			}
		}
		b, _ := json.Marshal(blobInfo{Size: int64(blobChunk + 10), Chunks: 2, Stored: time.Now().Add(-48 * time.Hour)})
		return txn.Set(blobPendingKey(attached.SHA256), b)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneContent(ctx, 24*time.Hour); n != 1 || err != nil {
		t.Fatalf("PruneContent = %d, %v; want the stray chunks", n, err)
	}
	if n := countKeys(t, s, "blobdata/"+stray+"/"); n != 0 {
		t.Errorf("%d stray chunks left", n)
	}
	if n := countKeys(t, s, "blobpending/"); n != 0 {
		t.Errorf("the second upload's marker left")
	}
	if b, err := s.AttachmentBytes(ctx, attached.Attachment); err != nil || len(b) != blobChunk+10 {
		t.Errorf("the attached content: %d bytes, %v", len(b), err)
	}
}

// A sweep that planned to delete stray chunks conflicts with an upload of
// that content which began meanwhile (its marker commits first).
func TestPruneContentRacesAnUpload(t *testing.T) {
	ctx := context.Background()
	s := ledgerStore(t)
	content := evidencePDF(t, blobChunk+10, 'h')
	sum := fmt.Sprintf("%x", sha256.Sum256(content))
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(blobChunkKey(sum, 0), content[:blobChunk]) }); err != nil {
		t.Fatal(err)
	}
	sweep := s.db.NewTransaction(true)
	defer sweep.Discard()
	if n, _, err := sweepContent(sweep, time.Now()); n != 1 || err != nil {
		t.Fatalf("sweep planned %d, %v", n, err)
	}
	if err := s.putBlob(ctx, sum, content); err != nil {
		t.Fatal(err)
	}
	if err := sweep.Commit(); !errors.Is(err, badger.ErrConflict) {
		t.Fatalf("the sweep committed over an upload: %v", err)
	}
	if n := countKeys(t, s, "blobdata/"+sum+"/"); n != 2 {
		t.Errorf("%d chunks after the refused sweep", n)
	}
}
