package store

import (
	"context"
	"errors"
	"testing"
)

// With Room refusing, every write is refused before it reaches Badger (a
// write meeting a full disk would kill the process), and nothing changes.
func TestRoomRefusesWrites(t *testing.T) {
	ctx := context.Background()
	full := errors.New("disk full")
	var room error
	s, err := Open(t.TempDir(), Options{Room: func() error { return room }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	room = full
	if _, err := s.Import(ctx, sampleLedger(), "import", at); !errors.Is(err, full) {
		t.Fatalf("import while full: %v", err)
	}
	if l, err := s.Snapshot(ctx); err != nil || len(l.Tasks) != 0 {
		t.Fatalf("written while full: %d tasks, %v", len(l.Tasks), err)
	}
	room = nil
	if _, err := s.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
}
