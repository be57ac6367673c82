package store

// Layout migrations, run by Open (and Restore) on a store written by an
// older layout, before anything else reads it.
//
// Layout 1 → 2: key components are escaped (keys.go). Keys of ids without
// '%' or '/' are unchanged; the rest are re-filed under their escaped
// form, found from the values (a task's id, a unit's code), since their old
// keys are ambiguous. The index of unacknowledged notices per person
// (notice.go) is built.
//
// Layout 2 → 3: the index of people by post is built. Layout 3 may also hold
// a staged import (import.go) that an older duban would read half applied,
// so it must refuse the store.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// migration is a set of key moves and additions gathered from one
// consistent read.
type migration struct {
	sets    []*badger.Entry
	deletes [][]byte
}

// move re-files the entry (key, val) under to, keeping its expiry.
func (m *migration) move(key, to, val []byte, expiresAt uint64) {
	if bytes.Equal(key, to) {
		return
	}
	e := badger.NewEntry(bytes.Clone(to), bytes.Clone(val))
	e.ExpiresAt = expiresAt
	m.sets = append(m.sets, e)
	m.deletes = append(m.deletes, bytes.Clone(key))
}

// ErrNewerSchema is returned (wrapped) by Open for a store written by a
// newer duban: reading it with this one could misread or damage it.
var ErrNewerSchema = errors.New("store written by a newer duban")

// newerSchemaError is ErrNewerSchema in words for the operator, Chinese
// then English.
type newerSchemaError struct {
	dir     string
	version uint64
}

func (e newerSchemaError) Error() string {
	return fmt.Sprintf("存储 %s 由较新版本的 duban 写入（格式版本 %d，本程序只能读取 %d 及以下），为免损坏未打开：请安装较新版本的 duban，或从升级前的备份恢复。\n"+
		"store %s has layout version %d, newer than this duban's %d; not opened, to keep it intact: install the newer duban, or restore the backup taken before the upgrade",
		e.dir, e.version, SchemaVersion, e.dir, e.version, SchemaVersion)
}

func (e newerSchemaError) Is(target error) bool { return target == ErrNewerSchema }

func (s *Store) migrate(from uint64) error {
	path, err := s.backupBeforeMigrate(from)
	if err != nil {
		return fmt.Errorf("migrate store %s from layout %d: nothing changed: %w", s.dir, from, err)
	}
	if path != "" && s.opts.Logger != nil {
		s.opts.Logger.Info("store backed up before migrating its layout", "from", from, "to", SchemaVersion, "backup", path)
	}
	var m migration
	err = s.view(context.Background(), func(txn *badger.Txn) error {
		if from < 2 {
			if err := m.escapeKeys(txn); err != nil {
				return err
			}
			if err := m.indexUnacked(txn); err != nil {
				return err
			}
		}
		if from < 3 {
			return m.indexPosts(txn)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate store %s from layout %d: %w", s.dir, from, err)
	}
	if err := s.apply(m); err != nil {
		return fmt.Errorf("migrate store %s from layout %d: %w", s.dir, from, err)
	}
	err = s.update(context.Background(), func(txn *badger.Txn) error { return putJSON(txn, keySchema, SchemaVersion) })
	if err != nil {
		return fmt.Errorf("migrate store %s from layout %d: %w", s.dir, from, err)
	}
	return nil
}

// backupBeforeMigrate writes a full backup of the store, still at layout
// from, into Options.BackupDir or beside the store's directory, and returns
// its path ("" for a store in memory). The file gets its name only once it
// is complete and synced.
func (s *Store) backupBeforeMigrate(from uint64) (string, error) {
	if s.dir == "" || s.opts.InMemory || s.opts.FromBackup {
		return "", nil
	}
	abs, err := filepath.Abs(s.dir)
	if err != nil {
		return "", fmt.Errorf("back up before migrating: %w", err)
	}
	dir := s.opts.BackupDir
	if dir == "" {
		dir = filepath.Dir(abs)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("back up before migrating: %w", err)
	}
	name := fmt.Sprintf("%s.before-upgrade-layout%d-%s.bak", filepath.Base(abs), from, time.Now().UTC().Format("20060102T150405Z"))
	path := filepath.Join(dir, name)
	tmp, err := os.CreateTemp(dir, "."+name+"-*")
	if err != nil {
		return "", fmt.Errorf("back up before migrating: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = s.Backup(context.Background(), tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return "", fmt.Errorf("back up before migrating to %s: %w", path, err)
	}
	return path, nil
}

// apply writes m in batches (a large store exceeds one transaction): every
// new key first, then the deletions of old keys not rewritten, so a crash
// half way loses nothing and the next Open, still at the old layout, runs the
// migration again to the same end.
func (s *Store) apply(m migration) error {
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	written := map[string]bool{}
	for _, e := range m.sets {
		written[string(e.Key)] = true
		if err := wb.SetEntry(e); err != nil {
			return fmt.Errorf("write %s: %w", e.Key, err)
		}
	}
	if err := wb.Flush(); err != nil {
		return err
	}
	wb = s.db.NewWriteBatch()
	for _, k := range m.deletes {
		if written[string(k)] {
			continue
		}
		if err := wb.Delete(k); err != nil {
			return fmt.Errorf("delete %s: %w", k, err)
		}
	}
	return wb.Flush()
}

// escapeKeys gathers the moves of every key built from an id holding '%' or
// '/' (layout 1 wrote the id as it was).
func (m *migration) escapeKeys(txn *badger.Txn) error {
	groups := map[string]string{} // unit code → group
	err := scanEntries(txn, []byte("unit/"), func(it *badger.Item, val []byte) error {
		var u duban.Unit
		if err := jsonUnmarshal(it.Key(), val, &u); err != nil {
			return err
		}
		groups[u.Code] = u.Group
		m.move(it.Key(), unitKey(u.Code), val, 0)
		return nil
	})
	if err != nil {
		return err
	}
	err = scanEntries(txn, []byte("person/"), func(it *badger.Item, val []byte) error {
		var p duban.Person
		if err := jsonUnmarshal(it.Key(), val, &p); err != nil {
			return err
		}
		m.move(it.Key(), personKey(p.UserID), val, 0)
		return nil
	})
	if err != nil {
		return err
	}
	tasks := map[string]bool{}
	var moved []duban.Task
	err = scanEntries(txn, []byte("task/"), func(it *badger.Item, val []byte) error {
		var t duban.Task
		if err := jsonUnmarshal(it.Key(), val, &t); err != nil {
			return err
		}
		tasks[t.ID] = true
		m.move(it.Key(), taskKey(t.ID), val, 0)
		moved = append(moved, t)
		return nil
	})
	if err != nil {
		return err
	}
	for _, t := range moved {
		if err := m.escapeTaskKeys(txn, t, groups[t.Unit]); err != nil {
			return err
		}
	}
	// Keys named by a userid alone.
	for _, prefix := range []string{"last/", "proposal/"} {
		err := scanEntries(txn, []byte(prefix), func(it *badger.Item, val []byte) error {
			user := string(it.Key()[len(prefix):])
			m.move(it.Key(), keyPath(prefix, user), val, it.ExpiresAt())
			return nil
		})
		if err != nil {
			return err
		}
	}
	// Markers named <msg key>/<task id>: the task id is the shortest
	// '/'-suffix naming a task. Markers naming none expire on their own.
	for _, prefix := range []string{"applied/", "recorded/"} {
		err := scanEntries(txn, []byte(prefix), func(it *badger.Item, val []byte) error {
			rest := string(it.Key()[len(prefix):])
			for i := len(rest) - 1; i >= 0; i-- {
				if rest[i] == '/' && tasks[rest[i+1:]] {
					m.move(it.Key(), keyPath(prefix, rest[:i], rest[i+1:]), val, it.ExpiresAt())
					break
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// escapeTaskKeys gathers the moves of task t's index entries, history and
// counters.
func (m *migration) escapeTaskKeys(txn *badger.Txn, t duban.Task, group string) error {
	raw := [][]byte{
		[]byte("idx/unit/" + t.Unit + "/" + t.ID),
		[]byte("idx/group/" + group + "/" + t.ID),
		[]byte("idx/deadline/" + t.Deadline.String() + "/" + t.ID),
	}
	for i, k := range taskIndexKeys(t, group) {
		if _, err := txn.Get(raw[i]); err == nil {
			m.move(raw[i], k, nil, 0)
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("read %s: %w", raw[i], err)
		}
	}
	if keyPart(t.ID) == t.ID {
		return nil
	}
	for _, k := range [][]byte{histSeqKey(t.ID), lastModKey(t.ID)} {
		old := append(bytes.Clone(k[:bytes.IndexByte(k, '/')+1]), t.ID...)
		item, err := txn.Get(old)
		if errors.Is(err, badger.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", old, err)
		}
		val, err := item.ValueCopy(nil)
		if err != nil {
			return fmt.Errorf("read %s: %w", old, err)
		}
		m.move(old, k, val, 0)
	}
	prefix := []byte("hist/" + t.ID + "/")
	return scanEntries(txn, prefix, func(it *badger.Item, val []byte) error {
		seq := it.Key()[len(prefix):]
		if len(seq) != 20 || bytes.ContainsFunc(seq, func(r rune) bool { return r < '0' || r > '9' }) {
			return nil // another task's history ("hist/T1/" also lists "hist/T1/2/…")
		}
		var c duban.Change
		if err := json.Unmarshal(val, &c); err != nil || c.TaskID != t.ID {
			return nil
		}
		m.move(it.Key(), histKey(t.ID, c.Seq), val, 0)
		return nil
	})
}

// scanEntries calls fn with every item under prefix and a copy of its value.
func scanEntries(txn *badger.Txn, prefix []byte, fn func(it *badger.Item, val []byte) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = prefix
	it := txn.NewIterator(opts)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		val, err := item.ValueCopy(nil)
		if err != nil {
			return fmt.Errorf("read %s: %w", item.Key(), err)
		}
		if err := fn(item, val); err != nil {
			return err
		}
	}
	return nil
}

// indexUnacked gathers the unacked/ entry of every notice not acknowledged.
func (m *migration) indexUnacked(txn *badger.Txn) error {
	return scanEntries(txn, []byte(prefixNotice), func(it *badger.Item, val []byte) error {
		var r NoticeRecord
		if err := jsonUnmarshal(it.Key(), val, &r); err != nil {
			return err
		}
		if r.AckedAt.IsZero() {
			m.sets = append(m.sets, badger.NewEntry(unackedKey(r), nil))
		}
		return nil
	})
}

// indexPosts gathers the post index entries of every person.
func (m *migration) indexPosts(txn *badger.Txn) error {
	return scanEntries(txn, []byte("person/"), func(it *badger.Item, val []byte) error {
		var p duban.Person
		if err := jsonUnmarshal(it.Key(), val, &p); err != nil {
			return err
		}
		for _, k := range postKeys(p) {
			m.sets = append(m.sets, badger.NewEntry(k, nil))
		}
		return nil
	})
}
