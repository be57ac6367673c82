// Package store keeps every byte of duban's state in an embedded Badger
// database. It is the only package that imports Badger; the key layout is
// documented in docs/store.md and summarised beside each concept's file.
package store

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// SchemaVersion is the layout version written under meta/schema. Open refuses
// a store written by a newer layout rather than misreading it.
const SchemaVersion = 3

var keySchema = []byte("meta/schema")

// ErrNotFound is returned (wrapped) when a key, task, unit or person is absent.
var ErrNotFound = errors.New("not found")

// ErrLocked is returned by Open when another process holds the directory.
var ErrLocked = errors.New("store is in use by another duban process")

// Store is an open duban database.
type Store struct {
	db    *badger.DB
	dir   string
	fresh bool
	lock  *os.File
	room  func() error
	opts  Options
	// mapsDir is dir as /proc/self/maps names its files ("" in memory):
	// releaseFilePages finds the store's mapped files by it.
	mapsDir string

	inboxWatch, outboxWatch watchers
	taskWatch               watchers // ids of tasks changed

	// ledger is held for reading by every change to the ledger and for
	// writing by an import, from its first read to its last write (import.go).
	ledger sync.RWMutex
	lv     atomic.Pointer[ledgerView] // nil until built (view.go)
	gens   atomic.Uint64              // ledger generations handed out (view.go)

	noticeIx noticeIndex // recorded notice keys, once built (noticeindex.go)
}

// Options tune Open; the zero value suits a small service.
type Options struct {
	// InMemory keeps everything in memory (tests, benchmarks); Dir is ignored.
	InMemory bool
	// Logger receives Badger's warnings and errors; nil discards them.
	Logger *slog.Logger
	// Room, when set, is asked before every write; its error refuses the
	// write. Badger writes through memory maps, and a write that meets a
	// full disk kills the process (SIGBUS) instead of failing.
	Room func() error
	// BackupDir receives the backup Open writes before it migrates a store
	// of an older layout; "" puts it beside the store's directory.
	BackupDir string
	// FromBackup marks a store just loaded from a backup file: that file
	// is already the copy from before any migration, so none is written.
	FromBackup bool
	// Unsynced leaves writes to the operating system instead of syncing
	// each transaction (simulations: the files are the same, a crash loses
	// the latest writes). Never for a real store.
	Unsynced bool
}

// Open opens (creating if needed) the store in dir. Writes are synced to disk
// before a transaction returns, so whatever a caller has been told is stored
// survives a crash.
func Open(dir string, o Options) (*Store, error) {
	opts := badgerOptions(dir, o)
	s := &Store{dir: dir, opts: o}
	if o.InMemory {
		opts = opts.WithDir("").WithValueDir("")
	} else {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create store directory %s: %w", dir, err)
		}
		// Held from before the files are checked until Close, so no other
		// duban changes them in between.
		lock, err := lockDir(dir)
		if err != nil {
			return nil, err
		}
		s.lock = lock
		s.mapsDir = mappedDir(dir)
		if s.fresh, err = checkFiles(dir); err != nil {
			s.unlock()
			return nil, err
		}
		breaks, copies, err := checkWALs(dir)
		if err != nil {
			s.unlock()
			return nil, err
		}
		for i, b := range breaks {
			cmp.Or(o.Logger, slog.New(slog.DiscardHandler)).Error("store: write-ahead log damaged: Badger keeps the writes before the bad entry and drops the intact ones after it (a power cut can also leave the last writes so)",
				"file", b.File, "bad_entry_at", b.At, "intact_entries_after", b.Intact, "transactions_after", b.Txns, "copy", copies[i])
		}
	}
	db, err := openBadger(opts)
	if err != nil {
		s.unlock()
		switch msg := err.Error(); {
		case strings.Contains(msg, "Cannot acquire directory lock"):
			return nil, lockedError(dir)
		case errors.Is(err, fs.ErrPermission), strings.Contains(msg, "permission denied"),
			errors.Is(err, syscall.ENOSPC), strings.Contains(msg, "no space left on device"):
			return nil, fmt.Errorf("open store %s: %w", dir, err)
		case !s.fresh && !o.InMemory:
			// Past the checks of checkFiles: a damaged key registry or
			// value log, as Badger reports it.
			return nil, &DamageError{File: dir, Zh: "无法打开，其中的文件可能已损坏", En: fmt.Sprintf("cannot be opened: %v", err)}
		}
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	s.db = db
	if err := s.checkSchema(); err != nil {
		db.Close()
		s.unlock()
		return nil, err
	}
	if err := s.settleImport(o.Logger); err != nil {
		db.Close()
		s.unlock()
		return nil, err
	}
	if err := s.seedQueueIDs(); err != nil {
		db.Close()
		s.unlock()
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	s.room = o.Room // after the schema: opening must not fail on space
	return s, nil
}

// valueLogFileSize is the size at which Badger starts a new value-log file
// (a variable for tests; gc.go).
var valueLogFileSize int64 = 64 << 20

func badgerOptions(dir string, o Options) badger.Options {
	return badger.DefaultOptions(dir).
		WithInMemory(o.InMemory).
		// A block failing its checksum is an error, not wrong data.
		WithChecksumVerificationMode(options.OnBlockRead).
		WithSyncWrites(!o.Unsynced).
		WithLogger(badgerLogger{o.Logger}).
		// Badger's defaults reserve hundreds of MB (64 MB memtables ×5,
		// 256 MB block cache, 1 GB value-log files); a ledger of a few
		// thousand tasks needs a fraction of that.
		// 16 MB memtables allow ~2.4 MB transactions (an import of any
		// size is written in several, import.go); larger ones made every
		// synced write (each callback's acknowledgement) measurably slower.
		WithMemTableSize(16 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(4).
		WithBaseTableSize(4 << 20).
		WithBaseLevelSize(16 << 20).
		WithValueLogFileSize(valueLogFileSize).
		// The block cache keeps decompressed blocks: serve reads its ledger
		// from the view in memory and little else often, and the cache
		// counts against serve's memory limit. Badger caches table indexes
		// only for encrypted stores (this one is not), so it gets none.
		WithBlockCacheSize(4 << 20).
		WithIndexCacheSize(0).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithCompactL0OnClose(true)
}

// openBadger opens Badger, turning a panic of its own goroutine into an
// error (panics in the goroutines it starts cannot be caught; checkFiles
// keeps them from happening).
func openBadger(opts badger.Options) (db *badger.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &DamageError{File: opts.Dir, Zh: "无法打开，内容已损坏", En: fmt.Sprintf("cannot be opened (%v)", firstLine(r))}
		}
	}()
	return badger.Open(opts)
}

func lockedError(dir string) error {
	return fmt.Errorf("open store %s: %w (is `duban serve` running? stop it, or run this command against another store)", dir, ErrLocked)
}

// Close flushes and closes the database.
func (s *Store) Close() error {
	defer s.unlock()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.dir, err)
	}
	return nil
}

func (s *Store) unlock() {
	if s.lock != nil {
		s.lock.Close() // closing the file releases its lock
		s.lock = nil
	}
}

// Fresh reports whether Open found no store in the directory and created
// it.
func (s *Store) Fresh() bool { return s.fresh }

// TableBytes is the size of the store's tables on disk, about the size of
// a backup.
func (s *Store) TableBytes() uint64 {
	lsm, _ := s.db.Size()
	return uint64(max(lsm, 0))
}

// Dir returns the directory the store lives in ("" when in memory).
func (s *Store) Dir() string { return s.dir }

func (s *Store) checkSchema() error {
	var v uint64
	err := s.update(context.Background(), func(txn *badger.Txn) error {
		err := getJSON(txn, keySchema, &v)
		switch {
		case errors.Is(err, ErrNotFound):
			v = SchemaVersion
			return putJSON(txn, keySchema, SchemaVersion)
		case err != nil:
			return err
		case v > SchemaVersion:
			return newerSchemaError{s.dir, v}
		}
		return nil
	})
	if err != nil || v == SchemaVersion {
		return err
	}
	return s.migrate(v)
}

// update runs fn in a read-write transaction and commits it, retrying when a
// concurrent transaction conflicted. fn must be safe to run more than once.
func (s *Store) update(ctx context.Context, fn func(txn *badger.Txn) error) error {
	if s.room != nil {
		if err := s.room(); err != nil {
			return fmt.Errorf("store %s: nothing written: %w", s.dir, err)
		}
	}
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.db.Update(fn)
		if errors.Is(err, badger.ErrConflict) && attempt < 20 {
			continue
		}
		return err
	}
}

// view runs fn in a read-only transaction.
func (s *Store) view(ctx context.Context, fn func(txn *badger.Txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

// getBytes reads the value stored at key as a copy, or ErrNotFound.
func getBytes(txn *badger.Txn, key []byte) ([]byte, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
}

func getJSON(txn *badger.Txn, key []byte, v any) error {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	return item.Value(func(b []byte) error {
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		return nil
	})
}

func putJSON(txn *badger.Txn, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	if err := txn.Set(key, b); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

// scanPrefix calls fn with the key and value of every entry under prefix,
// in key order. The slices are only valid during the call.
func scanPrefix(txn *badger.Txn, prefix []byte, keysOnly bool, fn func(key, val []byte) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = prefix
	opts.PrefetchValues = !keysOnly
	it := txn.NewIterator(opts)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		var val []byte
		if !keysOnly {
			var err error
			if val, err = item.ValueCopy(nil); err != nil {
				return fmt.Errorf("read %s: %w", item.Key(), err)
			}
		}
		if err := fn(item.Key(), val); err != nil {
			return err
		}
	}
	return nil
}

// readCounter returns the counter stored at key, 0 when absent.
func readCounter(txn *badger.Txn, key []byte) (uint64, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", key, err)
	}
	var n uint64
	err = item.Value(func(b []byte) error {
		if len(b) != 8 {
			return fmt.Errorf("counter %s: bad length %d", key, len(b))
		}
		n = binary.BigEndian.Uint64(b)
		return nil
	})
	return n, err
}

// nextSeq increments and returns the counter stored at key, inside txn, so a
// sequence number is allocated in the same transaction that uses it.
func nextSeq(txn *badger.Txn, key []byte) (uint64, error) {
	n, err := readCounter(txn, key)
	if err != nil {
		return 0, err
	}
	n++
	if err := txn.Set(key, binary.BigEndian.AppendUint64(nil, n)); err != nil {
		return 0, fmt.Errorf("write %s: %w", key, err)
	}
	return n, nil
}

// seqKey builds prefix + 20-digit zero-padded n, so keys sort numerically.
func seqKey(prefix string, n uint64) []byte {
	return fmt.Appendf(nil, "%s%020d", prefix, n)
}

type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any) { b.log(slog.LevelError, f, a...) }
func (b badgerLogger) Warningf(f string, a ...any) {
	b.log(slog.LevelWarn, f, a...)
}
func (b badgerLogger) Infof(string, ...any)  {}
func (b badgerLogger) Debugf(string, ...any) {}
func (b badgerLogger) log(level slog.Level, f string, a ...any) {
	if b.l != nil {
		b.l.Log(context.Background(), level, "badger: "+strings.TrimSpace(fmt.Sprintf(f, a...)))
	}
}

func jsonBytes(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return b, nil
}
