package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/y"
)

const walTxns = 60

// crashedStore writes walTxns transactions (key walt/NNN each) to a store
// and copies its directory while it is open, as a process killed then
// would leave it: the writes are in the write-ahead log only. It returns
// the copy and its log's name.
func crashedStore(t *testing.T) (dir, wal string) {
	t.Helper()
	src := t.TempDir()
	s, err := Open(src, Options{Unsynced: true}) // a kill, not a power cut: the page cache is the disk
	if err != nil {
		t.Fatal(err)
	}
	for i := range walTxns {
		err := s.db.Update(func(txn *badger.Txn) error {
			return txn.Set(fmt.Appendf(nil, "walt/%03d", i), bytes.Repeat([]byte{byte('a' + i%26)}, 100))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	dir = copyDir(t, src)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	if len(logs) != 1 {
		t.Fatalf("write-ahead logs after the crash: %v", logs)
	}
	return dir, logs[0]
}

type walRecord struct {
	off, n int
	meta   byte
}

// walRecords decodes a log's entries from its start to the first that does
// not decode.
func walRecords(b []byte) []walRecord {
	var out []walRecord
	for off := walHeaderSize; ; {
		n, meta := walEntry(b[off:])
		if n == 0 {
			return out
		}
		out = append(out, walRecord{off, n, meta})
		off += n
	}
}

// finEnds returns the end offset of each transaction in the log.
func finEnds(recs []walRecord) []int {
	var ends []int
	for _, r := range recs {
		if r.meta&walFinTxn != 0 {
			ends = append(ends, r.off+r.n)
		}
	}
	return ends
}

// keysLeft opens dir and says which of the walt/ keys it holds.
func keysLeft(t *testing.T, dir string, o Options) []bool {
	t.Helper()
	s, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	have := make([]bool, walTxns)
	err = s.db.View(func(txn *badger.Txn) error {
		for i := range walTxns {
			_, err := txn.Get(fmt.Appendf(nil, "walt/%03d", i))
			if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
				return err
			}
			have[i] = err == nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return have
}

func damagedCopies(t *testing.T, dir string) []string {
	t.Helper()
	c, _ := filepath.Glob(filepath.Join(dir, "*.mem.damaged-*"))
	return c
}

// The decoder reads Badger's own log to its last write: every transaction
// is found and nothing after the written part looks like an entry. This
// fails if a Badger upgrade changes the log's format.
func TestWALDecoderReadsBadgersLog(t *testing.T) {
	_, wal := crashedStore(t)
	b, err := os.ReadFile(wal)
	if err != nil {
		t.Fatal(err)
	}
	recs := walRecords(b)
	if n := len(finEnds(recs)); n < walTxns {
		t.Fatalf("decoded %d transactions, want at least %d", n, walTxns)
	}
	if brk := scanWAL(wal, b); brk != nil {
		t.Fatalf("an undamaged log reported: %+v", brk)
	}
}

// A crash leaves writes in the log only; opening replays them all.
func TestOpenReplaysTheLogAfterACrash(t *testing.T) {
	dir, _ := crashedStore(t)
	var logs bytes.Buffer
	for i, ok := range keysLeft(t, dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}) {
		if !ok {
			t.Errorf("walt/%03d lost", i)
		}
	}
	if strings.Contains(logs.String(), "damaged") || len(damagedCopies(t, dir)) != 0 {
		t.Errorf("damage reported after a plain crash:\n%s", logs.String())
	}
}

// The last write torn by a crash is dropped and everything before it kept,
// with nothing reported: that is what a crash does.
func TestOpenKeepsWhatPrecedesATornWrite(t *testing.T) {
	dir, wal := crashedStore(t)
	b, _ := os.ReadFile(wal)
	ends := finEnds(walRecords(b))
	last := ends[len(ends)-1]
	for i := last - 30; i < last; i++ { // the last transaction's end, cut off
		b[i] = 0
	}
	if err := os.WriteFile(wal, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	have := keysLeft(t, dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for i := range walTxns - 1 {
		if !have[i] {
			t.Errorf("walt/%03d, before the torn write, lost", i)
		}
	}
	if have[walTxns-1] {
		t.Error("the torn write was kept")
	}
	if strings.Contains(logs.String(), "damaged") || len(damagedCopies(t, dir)) != 0 {
		t.Errorf("a torn tail reported as damage:\n%s", logs.String())
	}
}

// A bad entry in the middle of the log, with intact writes after it, is
// reported with the file's name, and the log is copied before Badger's
// replay truncates it (Badger keeps only the writes before the damage).
func TestOpenReportsDamageInTheMiddleOfTheLog(t *testing.T) {
	dir, wal := crashedStore(t)
	b, _ := os.ReadFile(wal)
	recs := walRecords(b)
	ends := finEnds(recs)
	// Flip a byte in the value of the first entry after the 20th
	// transaction's end: the write of walt/020 (the store's own keys came
	// first, so count back from the end).
	victim := ends[len(ends)-walTxns+20]
	b[victim+10] ^= 0x5a
	if err := os.WriteFile(wal, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	have := keysLeft(t, dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if !strings.Contains(logs.String(), "write-ahead log damaged") || !strings.Contains(logs.String(), filepath.Base(wal)) ||
		!strings.Contains(logs.String(), "intact_entries_after=") {
		t.Errorf("damage not reported:\n%s", logs.String())
	}
	copies := damagedCopies(t, dir)
	if len(copies) != 1 {
		t.Fatalf("copies of the damaged log: %v", copies)
	}
	if kept, err := os.ReadFile(copies[0]); err != nil || !bytes.Equal(kept, b) {
		t.Errorf("the copy is not the damaged log as it was (%d of %d bytes, %v)", len(kept), len(b), err)
	}
	for i := range 20 {
		if !have[i] {
			t.Errorf("walt/%03d, before the damage, lost", i)
		}
	}
	if have[21] {
		t.Error("Badger kept writes after the damage: the report's wording is wrong")
	}
	brk := scanWAL(wal, b)
	if brk == nil || brk.At != victim || brk.Txns != walTxns-20-1 {
		t.Errorf("scan = %+v; want the break at %d and %d transactions after it", brk, victim, walTxns-21)
	}
}

// walEncode writes one log entry as Badger does (for the fuzz seeds).
func walEncode(meta byte, key, val []byte) []byte {
	b := []byte{meta, 0}
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = binary.AppendUvarint(b, uint64(len(val)))
	b = binary.AppendUvarint(b, 0)
	b = append(append(b, key...), val...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, y.CastagnoliCrcTable))
}

// Any bytes as a write-ahead log: no panic, and damage is reported only
// with at least two intact entries after the break.
func FuzzScanWAL(f *testing.F) {
	log := make([]byte, walHeaderSize)
	for i := range 4 {
		log = append(log, walEncode(1<<6, fmt.Appendf(nil, "k%d\x00\x00\x00\x00\x00\x00\x00\x01", i), []byte("value"))...)
		log = append(log, walEncode(walFinTxn, []byte("!badger!txn\x00\x00\x00\x00\x00\x00\x00\x01"), []byte("1"))...)
	}
	f.Add(log)
	f.Add(append(slices.Clone(log), make([]byte, 64)...))
	damaged := slices.Clone(log)
	damaged[walHeaderSize+3] ^= 1
	f.Add(damaged)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		brk := scanWAL("x.mem", b)
		if brk != nil && (brk.Intact < 2 || brk.At < walHeaderSize || brk.At >= len(b)) {
			t.Fatalf("scan = %+v of %d bytes", brk, len(b))
		}
	})
}
