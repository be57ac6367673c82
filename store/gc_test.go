package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Values of 1 MB and more live in the value log. Once deleted or expired,
// compactions count them dead and CollectGarbage gives their files back;
// the values still live are read as before.
func TestCollectGarbageShrinksValueLog(t *testing.T) {
	defer func(n int64) { valueLogFileSize = n }(valueLogFileSize)
	valueLogFileSize = 1 << 20 // Badger's least: one value a file
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	big := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, blobChunk) }
	key := func(i int) []byte { return fmt.Appendf(nil, "test/big/%03d", i) }
	const n = 24
	for i := range n {
		err := s.update(ctx, func(txn *badger.Txn) error {
			e := badger.NewEntry(key(i), big(i))
			if i%3 == 1 { // a third expire, like a preview's document
				e = e.WithTTL(time.Second)
			}
			return txn.SetEntry(e)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i += 3 { // a third deleted
		if err := s.update(ctx, func(txn *badger.Txn) error { return txn.Delete(key(i)) }); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(2 * time.Second) // Badger's expiry is in whole seconds
	// Closing flushes the memtable and compacts level 0 (CompactL0OnClose):
	// the compaction drops the dead entries and counts them in their files.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before, err := s.DiskUsage()
	if err != nil {
		t.Fatal(err)
	}
	rewrote, err := s.CollectGarbage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after, err := s.DiskUsage()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("value log %d → %d bytes, %d files rewritten", before.ValueLog, after.ValueLog, rewrote)
	if rewrote == 0 || after.ValueLog > before.ValueLog/2 {
		t.Errorf("value log %d → %d bytes after %d rewrites; want at least half of it given back", before.ValueLog, after.ValueLog, rewrote)
	}
	for i := range n {
		var got []byte
		err := s.view(ctx, func(txn *badger.Txn) error {
			var err error
			got, err = getBytes(txn, key(i))
			return err
		})
		switch live := i%3 == 2; {
		case live && (err != nil || !bytes.Equal(got, big(i))):
			t.Errorf("live value %s after GC: %d bytes, %v", key(i), len(got), err)
		case !live && !errors.Is(err, ErrNotFound):
			t.Errorf("dead value %s came back after GC: %v", key(i), err)
		}
	}
	if again, err := s.CollectGarbage(ctx); err != nil || again != 0 {
		t.Errorf("second collection = %d, %v; want nothing left", again, err)
	}
}

// A disk short of room refuses the collection (it writes); a store in
// memory has nothing to collect.
func TestCollectGarbageRefusedWithoutRoom(t *testing.T) {
	ctx := context.Background()
	full := errors.New("disk full")
	s, err := Open(t.TempDir(), Options{Room: func() error { return full }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CollectGarbage(ctx); !errors.Is(err, full) {
		t.Errorf("CollectGarbage without room = %v", err)
	}
	m, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if n, err := m.CollectGarbage(ctx); n != 0 || err != nil {
		t.Errorf("in memory: %d, %v", n, err)
	}
	if u, err := m.DiskUsage(); u.Total() != 0 || err != nil {
		t.Errorf("in memory: %+v, %v", u, err)
	}
}
