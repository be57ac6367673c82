package store

// Import of a task list of any size, all or nothing.
//
//	meta/import                 importMark  the import under way: its generation, whether committed
//	meta/importgen              uint64      last import generation handed out (binary)
//	stage/<gen:020>/<seq:020>   op          one staged write: 's' (set) or 'd' (delete),
//	                                        uvarint key length, key, value
//
// Badger refuses a transaction past ~15 % of a memtable (about 3,700 tasks
// here), so a large import cannot be one transaction. It goes in three steps:
//
//  1. stage: every write the import makes (units, people and their posts'
//     index entries, tasks, their index entries, history entries and counters) is computed from one read of
//     the ledger and written, in order, under a new generation stage/<gen>/,
//     in as many transactions as it needs. Nothing reads stage/.
//  2. switch: one transaction marks the import committed.
//  3. roll forward: the staged writes are applied to their keys in order,
//     then the mark is deleted, then the stage.
//
// A crash before the switch leaves the ledger as it was, and Open deletes the
// stage; a crash after it leaves a committed import, which Open finishes
// (replaying writes in order is idempotent) before anything reads the
// ledger. Other processes cannot open the store meanwhile (Badger's
// directory lock); in this process the ledger lock holds every other change
// back from the import's first read to its last write.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

var (
	keyImport    = []byte("meta/import")
	keyImportGen = []byte("meta/importgen")
	prefixStage  = []byte("stage/")
)

const (
	opSet    = 's'
	opDelete = 'd'
)

type importMark struct {
	Gen       uint64    `json:"gen"`
	Committed bool      `json:"committed"`
	Writes    uint64    `json:"writes"`
	By        string    `json:"by"`
	Started   time.Time `json:"started"`
}

func stagePrefix(gen uint64) []byte { return fmt.Appendf(nil, "stage/%020d/", gen) }

// ImportStats counts what an import did.
type ImportStats struct {
	Units, People            int
	TasksAdded, TasksChanged int
	TasksUnchanged           int
}

// ImportProgress says how far an import is: Rows of the list (units, people
// and tasks) staged out of TotalRows, then, once committed, Applied writes
// out of Writes.
type ImportProgress struct {
	Rows, TotalRows int
	Applied, Writes int
}

// progressEvery is how many rows or writes pass between progress reports.
const progressEvery = 2000

// updateLedger is update for a change to the ledger: it waits while an
// import is being written.
func (s *Store) updateLedger(ctx context.Context, fn func(txn *badger.Txn) error) error {
	return s.updateLedgerThen(ctx, fn, nil)
}

// updateLedgerThen is updateLedger calling committed (when not nil) once fn's
// transaction has committed, before the ledger lock is released: where a
// change reaches the ledger view (view.go).
func (s *Store) updateLedgerThen(ctx context.Context, fn func(txn *badger.Txn) error, committed func()) error {
	s.ledger.RLock()
	defer s.ledger.RUnlock()
	if err := s.update(ctx, fn); err != nil {
		return err
	}
	if committed != nil {
		committed()
	}
	return nil
}

// Import writes a task list all or nothing, whatever its size: units and
// people are upserted; tasks are created, or updated by id keeping their
// history. An incoming task with an empty Status keeps the stored status (a
// plain office sheet); one with a Status sets it (an export being restored).
// Every created or changed task gets a history entry by `by`. The list is
// checked as a whole first; a bad one changes nothing.
func (s *Store) Import(ctx context.Context, l duban.Ledger, by string, at time.Time) (ImportStats, error) {
	return s.ImportWatched(ctx, l, by, at, nil)
}

// ImportWatched is Import, calling progress (when not nil) as it goes.
func (s *Store) ImportWatched(ctx context.Context, l duban.Ledger, by string, at time.Time, progress func(ImportProgress)) (ImportStats, error) {
	if progress == nil {
		progress = func(ImportProgress) {}
	}
	s.ledger.Lock()
	defer s.ledger.Unlock()
	if err := s.checkImport(ctx, l); err != nil {
		return ImportStats{}, fmt.Errorf("import: %w", err)
	}
	mark, err := s.beginImport(ctx, by, at)
	if err != nil {
		return ImportStats{}, fmt.Errorf("import: %w", err)
	}
	st, written, writes, err := s.stageImport(ctx, mark.Gen, l, by, at, progress)
	if err == nil {
		mark, err = s.commitImport(ctx, mark, writes)
	}
	if err != nil {
		if derr := s.discardImport(); derr != nil {
			err = errors.Join(err, fmt.Errorf("discard the staged import (the next start does it): %w", derr))
		}
		return ImportStats{}, fmt.Errorf("import: %w", err)
	}
	// Committed: finish whatever the caller's context says now.
	if err := s.rollForward(context.WithoutCancel(ctx), mark, progress); err != nil {
		s.dropView()
		return st, fmt.Errorf("import: committed, but applying it failed (the next start of duban finishes it): %w", err)
	}
	if s.lv.Load() != nil { // keep it warm: rebuild it now, under the lock held
		if _, err := s.buildView(context.WithoutCancel(ctx)); err != nil {
			s.dropView() // the next read builds it
		}
	}
	s.taskWatch.tell(written)
	return st, nil
}

// beginImport hands out a new generation and marks it as the import under way.
func (s *Store) beginImport(ctx context.Context, by string, at time.Time) (importMark, error) {
	mark := importMark{By: by, Started: at}
	err := s.update(ctx, func(txn *badger.Txn) error {
		var err error
		if mark.Gen, err = nextSeq(txn, keyImportGen); err != nil {
			return err
		}
		return putJSON(txn, keyImport, mark)
	})
	if err != nil {
		return mark, fmt.Errorf("begin: %w", err)
	}
	return mark, nil
}

// commitImport is the switch: from its transaction on, the import has
// happened.
func (s *Store) commitImport(ctx context.Context, mark importMark, writes uint64) (importMark, error) {
	mark.Committed, mark.Writes = true, writes
	err := s.update(ctx, func(txn *badger.Txn) error { return putJSON(txn, keyImport, mark) })
	if err != nil {
		return mark, fmt.Errorf("commit: %w", err)
	}
	return mark, nil
}

// checkImport checks the list as a whole: every task has an id of its own
// and a unit, listed or stored.
func (s *Store) checkImport(ctx context.Context, l duban.Ledger) error {
	listed := map[string]bool{}
	for _, u := range l.Units {
		listed[u.Code] = true
	}
	var problems []string
	seen := make(map[string]bool, len(l.Tasks))
	err := s.view(ctx, func(txn *badger.Txn) error {
		for i, t := range l.Tasks {
			id := duban.CanonicalID(t.ID)
			switch {
			case id == "":
				problems = append(problems, fmt.Sprintf("第 %d 项任务没有编号", i+1))
			case seen[id]:
				problems = append(problems, fmt.Sprintf("任务编号 %s 重复", id))
			}
			seen[id] = true
			if listed[t.Unit] {
				continue
			}
			_, err := txn.Get(unitKey(t.Unit))
			switch {
			case errors.Is(err, badger.ErrKeyNotFound):
				problems = append(problems, fmt.Sprintf("任务 %s 的单位 %s 既不在清单中，也不在台账中", id, t.Unit))
			case err != nil:
				return fmt.Errorf("read unit %s: %w", t.Unit, err)
			default:
				listed[t.Unit] = true
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(problems) == 0 {
		return nil
	}
	const shown = 20
	msg := fmt.Sprintf("任务清单有 %d 处问题，未导入任何数据：", len(problems))
	for i, p := range problems {
		if i == shown {
			msg += fmt.Sprintf("；…另有 %d 处", len(problems)-shown)
			break
		}
		if i > 0 {
			msg += "；"
		}
		msg += p
	}
	return duban.Errorf(duban.EINVALID, "%s", msg)
}

// stageImport computes the import's writes from one read of the ledger and
// stages them under gen. It returns the ids of the tasks written and the
// number of writes staged.
func (s *Store) stageImport(ctx context.Context, gen uint64, l duban.Ledger, by string, at time.Time, progress func(ImportProgress)) (ImportStats, []string, uint64, error) {
	st := ImportStats{Units: len(l.Units), People: len(l.People)}
	var written []string
	sg := &stager{wb: s.db.NewWriteBatch(), prefix: stagePrefix(gen)}
	defer sg.wb.Cancel()
	p := ImportProgress{TotalRows: len(l.Units) + len(l.People) + len(l.Tasks)}
	row := func() error {
		p.Rows++
		if p.Rows%progressEvery == 0 || p.Rows == p.TotalRows {
			progress(p)
		}
		return ctx.Err()
	}
	err := s.view(ctx, func(txn *badger.Txn) error {
		// The group of every unit once imported: the list's, else the stored one.
		groups := map[string]string{}
		for _, u := range l.Units {
			groups[u.Code] = u.Group
		}
		groupOf := func(code string) (string, error) {
			if g, ok := groups[code]; ok {
				return g, nil
			}
			var u duban.Unit
			if err := getJSON(txn, unitKey(code), &u); err != nil && !errors.Is(err, ErrNotFound) {
				return "", err
			}
			groups[code] = u.Group
			return u.Group, nil
		}
		for _, u := range l.Units {
			if err := sg.moveUnitTasks(txn, u); err != nil {
				return err
			}
			if err := sg.setJSON(unitKey(u.Code), u); err != nil {
				return err
			}
			if err := row(); err != nil {
				return err
			}
		}
		for _, p := range l.People {
			var old duban.Person
			if err := getJSON(txn, personKey(p.UserID), &old); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			for _, k := range postKeys(old) {
				if err := sg.del(k); err != nil {
					return err
				}
			}
			for _, k := range postKeys(p) {
				if err := sg.set(k, nil); err != nil {
					return err
				}
			}
			if err := sg.setJSON(personKey(p.UserID), p); err != nil {
				return err
			}
			if err := row(); err != nil {
				return err
			}
		}
		for _, in := range l.Tasks {
			if err := row(); err != nil {
				return err
			}
			in.ID = duban.CanonicalID(in.ID)
			var old duban.Task
			err := getJSON(txn, taskKey(in.ID), &old)
			var prev *duban.Task
			switch {
			case errors.Is(err, ErrNotFound):
				if in.Status == "" {
					in.Status = duban.StatusNotStarted
				}
			case err != nil:
				return err
			default:
				prev = &old
				next := old
				next.Unit, next.Title, next.Deadline, next.Note = in.Unit, in.Title, in.Deadline, in.Note
				if in.Status != "" {
					next.Status = in.Status
				}
				if in.Progress != "" {
					next.Progress = in.Progress
				}
				if next.Unit == old.Unit && next.Title == old.Title && next.Deadline == old.Deadline &&
					next.Note == old.Note && next.Status == old.Status && next.Progress == old.Progress {
					st.TasksUnchanged++
					continue
				}
				in = next
			}
			in.UpdatedAt, in.UpdatedBy = at, by
			c := duban.Change{TaskID: in.ID, At: at, By: by, Action: duban.ActImport,
				ToStatus: in.Status, ToDeadline: in.Deadline, Note: "导入任务清单"}
			if prev != nil {
				oldGroup, err := groupOf(prev.Unit)
				if err != nil {
					return err
				}
				for _, k := range taskIndexKeys(*prev, oldGroup) {
					if err := sg.del(k); err != nil {
						return err
					}
				}
				c.FromStatus, c.FromDeadline, c.Before = prev.Status, prev.Deadline, prev
				st.TasksChanged++
			} else {
				st.TasksAdded++
			}
			group, err := groupOf(in.Unit)
			if err != nil {
				return err
			}
			if err := sg.writeTask(txn, in, group, c); err != nil {
				return err
			}
			written = append(written, in.ID)
		}
		return nil
	})
	if err == nil {
		err = sg.wb.Flush()
	}
	if err != nil {
		return ImportStats{}, nil, 0, fmt.Errorf("stage: %w", err)
	}
	return st, written, sg.n, nil
}

// stager writes an import's writes, numbered in order, under its generation.
type stager struct {
	wb     *badger.WriteBatch
	prefix []byte
	n      uint64
}

func (sg *stager) put(op byte, key, val []byte) error {
	sg.n++
	v := make([]byte, 0, 1+binary.MaxVarintLen64+len(key)+len(val))
	v = append(v, op)
	v = binary.AppendUvarint(v, uint64(len(key)))
	v = append(append(v, key...), val...)
	if err := sg.wb.Set(fmt.Appendf(bytes.Clone(sg.prefix), "%020d", sg.n), v); err != nil {
		return fmt.Errorf("stage %s: %w", key, err)
	}
	return nil
}

func (sg *stager) set(key, val []byte) error { return sg.put(opSet, key, val) }
func (sg *stager) del(key []byte) error      { return sg.put(opDelete, key, nil) }

func (sg *stager) setJSON(key []byte, v any) error {
	b, err := jsonBytes(v)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return sg.set(key, b)
}

// writeTask stages task t, its index entries and its history entry c (the
// staged form of writeTask and appendChange; the old index entries are
// already deleted).
func (sg *stager) writeTask(txn *badger.Txn, t duban.Task, group string, c duban.Change) error {
	for _, k := range taskIndexKeys(t, group) {
		if err := sg.set(k, nil); err != nil {
			return err
		}
	}
	if err := sg.setJSON(taskKey(t.ID), t); err != nil {
		return err
	}
	seq, err := readCounter(txn, histSeqKey(t.ID))
	if err != nil {
		return err
	}
	c.Seq = seq + 1
	counter := binary.BigEndian.AppendUint64(nil, c.Seq)
	if err := sg.set(histSeqKey(t.ID), counter); err != nil {
		return err
	}
	if err := sg.setJSON(histKey(t.ID, c.Seq), c); err != nil {
		return err
	}
	return sg.set(lastModKey(t.ID), counter)
}

// moveUnitTasks stages the re-filing of a unit's tasks under its new group
// when the import moves the unit to another 督办组.
func (sg *stager) moveUnitTasks(txn *badger.Txn, u duban.Unit) error {
	var old duban.Unit
	err := getJSON(txn, unitKey(u.Code), &old)
	if errors.Is(err, ErrNotFound) || err == nil && old.Group == u.Group {
		return nil
	}
	if err != nil {
		return err
	}
	prefix := unitIndex(u.Code)
	return scanPrefix(txn, prefix, true, func(key, _ []byte) error {
		id := key[len(prefix):] // escaped
		if err := sg.del(append(groupIndex(old.Group), id...)); err != nil {
			return err
		}
		return sg.set(append(groupIndex(u.Group), id...), nil)
	})
}

// rollForward applies a committed import's staged writes in order, then
// deletes its mark and its stage. Run again after a crash it ends the same.
func (s *Store) rollForward(ctx context.Context, mark importMark, progress func(ImportProgress)) error {
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	p := ImportProgress{Writes: int(mark.Writes)}
	err := s.view(ctx, func(txn *badger.Txn) error {
		return scanPrefix(txn, stagePrefix(mark.Gen), false, func(key, val []byte) error {
			op, target, v, err := decodeOp(val)
			if err != nil {
				return fmt.Errorf("staged write %s: %w", key, err)
			}
			if op == opSet {
				err = wb.Set(target, v)
			} else {
				err = wb.Delete(target)
			}
			if err != nil {
				return fmt.Errorf("write %s: %w", target, err)
			}
			if p.Applied++; p.Applied%progressEvery == 0 || p.Applied == p.Writes {
				progress(p)
			}
			return nil
		})
	})
	if err == nil {
		err = wb.Flush()
	}
	if err != nil {
		return fmt.Errorf("apply import %d: %w", mark.Gen, err)
	}
	if err := s.update(ctx, func(txn *badger.Txn) error { return txn.Delete(keyImport) }); err != nil {
		return fmt.Errorf("finish import %d: %w", mark.Gen, err)
	}
	return s.dropStage(mark.Writes >= dropWhole)
}

// decodeOp splits a staged write. val is a fresh copy, so the slices
// returned may be kept.
func decodeOp(val []byte) (op byte, key, v []byte, err error) {
	if len(val) == 0 || val[0] != opSet && val[0] != opDelete {
		return 0, nil, nil, errors.New("unknown operation")
	}
	n, w := binary.Uvarint(val[1:])
	if w <= 0 || uint64(len(val)-1-w) < n {
		return 0, nil, nil, errors.New("bad key length")
	}
	rest := val[1+w:]
	return val[0], rest[:n], rest[n:], nil
}

// discardImport deletes an import that was not committed: its mark and its
// stage.
func (s *Store) discardImport() error {
	err := s.update(context.Background(), func(txn *badger.Txn) error {
		var m importMark
		if err := getJSON(txn, keyImport, &m); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			return err
		}
		if m.Committed { // the switch went through after all
			return errors.New("the import was committed: the next start of duban applies it")
		}
		return txn.Delete(keyImport)
	})
	if err != nil {
		return err
	}
	return s.dropStage(true) // its size is not known; this is rare
}

// dropWhole is the size of stage (in writes) from which dropStage drops it
// whole rather than key by key.
const dropWhole = 50_000

// dropStage deletes everything under stage/. A large stage is dropped whole:
// Badger flushes the memtables without it and rewrites the tables holding
// it, with no tombstone per key (a third less CPU for a 100,000-task
// import); a small one is deleted key by key, cheaper than that flush.
func (s *Store) dropStage(large bool) error {
	if large {
		found := false
		err := s.view(context.Background(), func(txn *badger.Txn) error {
			opts := badger.DefaultIteratorOptions
			opts.Prefix, opts.PrefetchValues = prefixStage, false
			it := txn.NewIterator(opts)
			defer it.Close()
			it.Rewind()
			found = it.Valid()
			return nil
		})
		if err == nil && found {
			err = s.db.DropPrefix(prefixStage)
		}
		if err != nil {
			return fmt.Errorf("delete staged import: %w", err)
		}
		return nil
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	n := 0
	err := s.view(context.Background(), func(txn *badger.Txn) error {
		return scanPrefix(txn, prefixStage, true, func(key, _ []byte) error {
			n++
			return wb.Delete(bytes.Clone(key))
		})
	})
	if err == nil && n > 0 {
		err = wb.Flush()
	}
	if err != nil {
		return fmt.Errorf("delete staged import: %w", err)
	}
	return nil
}

// settleImport is run by Open: it finishes an import committed before a
// crash and deletes the stage of one that was not.
func (s *Store) settleImport(log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var m importMark
	err := s.view(context.Background(), func(txn *badger.Txn) error { return getJSON(txn, keyImport, &m) })
	switch {
	case errors.Is(err, ErrNotFound): // a stage left by a crash while it was dropped
		err = s.dropStage(true)
	case err != nil:
	case m.Committed:
		log.Info("finishing an import committed before the last stop", "store", s.dir, "gen", m.Gen, "writes", m.Writes, "by", m.By)
		err = s.rollForward(context.Background(), m, func(ImportProgress) {})
	default:
		log.Warn("discarding an import interrupted before it was committed; the ledger is as it was before it", "store", s.dir, "gen", m.Gen, "by", m.By, "started", m.Started)
		err = s.discardImport()
	}
	if err != nil {
		return fmt.Errorf("open store %s: settle an interrupted import: %w", s.dir, err)
	}
	return nil
}
