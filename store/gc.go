package store

// Reclaiming space. Badger keeps a value shorter than its ValueThreshold
// (1 MB, Badger's default, kept in badgerOptions) beside its key in the LSM
// tree; there compactions drop deleted and expired entries as they merge
// levels, so receipts, dedupe keys, proposals and markers cost nothing once
// gone. A value of 1 MB or more (a full chunk of evidence, a large preview)
// goes to the value log, whose files Badger never shrinks by itself: the
// compactions only count what in each file is dead, and value-log garbage
// collection rewrites a file whose dead share passed a ratio and deletes
// it. serve runs CollectGarbage on a schedule ([store] gc_interval).

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// gcDiscardRatio is the dead share of a value-log file above which it is
// rewritten: Badger's recommendation, a lifetime write amplification of 2.
const gcDiscardRatio = 0.5

// CollectGarbage rewrites the value-log files that are at least half dead,
// one after another until Badger finds none, and returns how many it
// rewrote. It writes (the live values of a file move to the newest one), so
// it is refused like any write when the disk is short of room. An
// in-memory store has nothing to collect.
func (s *Store) CollectGarbage(ctx context.Context) (int, error) {
	if s.opts.InMemory {
		return 0, nil
	}
	if s.room != nil {
		if err := s.room(); err != nil {
			return 0, fmt.Errorf("value-log GC of %s: %w", s.dir, err)
		}
	}
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		switch err := s.db.RunValueLogGC(gcDiscardRatio); {
		case errors.Is(err, badger.ErrNoRewrite), errors.Is(err, badger.ErrRejected):
			// Nothing (more) to rewrite, or a collection already running.
			return n, nil
		case err != nil:
			return n, fmt.Errorf("value-log GC of %s: %w", s.dir, err)
		}
	}
}

// DiskUsage is the space a store's files take on disk.
type DiskUsage struct {
	Tables   int64 // the LSM tree (*.sst)
	ValueLog int64 // the value log (*.vlog)
	Other    int64 // memtable logs, MANIFEST, discard stats, key registry
}

// Total is every file together.
func (u DiskUsage) Total() int64 { return u.Tables + u.ValueLog + u.Other }

// DiskUsage measures the blocks the store's files hold on disk (Badger
// preallocates its logs as sparse files, so their length overstates them).
// An in-memory store takes none.
func (s *Store) DiskUsage() (DiskUsage, error) {
	var u DiskUsage
	if s.opts.InMemory {
		return u, nil
	}
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != s.dir {
				return fs.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n := allocated(info)
		switch {
		case strings.HasSuffix(path, ".sst"):
			u.Tables += n
		case strings.HasSuffix(path, ".vlog"):
			u.ValueLog += n
		default:
			u.Other += n
		}
		return nil
	})
	if err != nil {
		return u, fmt.Errorf("measure store %s: %w", s.dir, err)
	}
	return u, nil
}
