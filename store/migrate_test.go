package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// downgradeToLayout1 rewrites the store as layout 1 wrote it: every key
// component as it was (unescaped), no unacked/ index, schema 1.
func downgradeToLayout1(t *testing.T, s *Store) {
	t.Helper()
	type kv struct {
		key, val  []byte
		expiresAt uint64
	}
	var all []kv
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			all = append(all, kv{it.Item().KeyCopy(nil), v, it.Item().ExpiresAt()})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	unescape := func(k []byte) []byte {
		k = bytes.ReplaceAll(k, []byte("%2F"), []byte("/"))
		return bytes.ReplaceAll(k, []byte("%25"), []byte("%"))
	}
	err = s.db.Update(func(txn *badger.Txn) error {
		for _, e := range all {
			if err := txn.Delete(e.key); err != nil {
				return err
			}
		}
		for _, e := range all {
			if bytes.HasPrefix(e.key, []byte("unacked/")) {
				continue
			}
			ne := badger.NewEntry(unescape(e.key), e.val)
			ne.ExpiresAt = e.expiresAt
			if err := txn.SetEntry(ne); err != nil {
				return err
			}
		}
		b, _ := json.Marshal(1)
		return txn.Set(keySchema, b)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A store written by layout 1 with ids holding '/' and '%' opens with every
// key re-filed: each unit lists its own tasks, each task its own history, a
// message already applied still replays, 收到 finds the open notices.
func TestMigrateLayout1(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, slashLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	const evt = "evt:c:1700000000:template_card_event:done/card-1"
	if _, err := s.Apply(ctx, "T1/2", evt, reportDone("c", "A/B")); err != nil {
		t.Fatal(err)
	}
	recordOne(t, s, "T1/2", "c0", "T1/2|overdue-1|c0|2026-12-01", at)
	downgradeToLayout1(t, s)
	s.Close()

	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkSlashLedger(t, s)
	if got := countKeys(t, s, "hist/T1/"); got != 1 {
		t.Errorf("hist/T1/ holds %d entries, want T1's one", got)
	}
	again, err := s.Apply(ctx, "T1/2", evt, reportDone("c", "A/B"))
	if err != nil || !again.Replayed {
		t.Errorf("the applied marker was lost: %+v, %v", again, err)
	}
	if n, err := s.AckAll(ctx, "c0", at.Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("AckAll after migration = %d, %v", n, err)
	}
	var v uint64
	s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, keySchema, &v) })
	if v != SchemaVersion {
		t.Errorf("schema %d after migration", v)
	}
	// Migrating again moves nothing.
	var m migration
	s.view(ctx, func(txn *badger.Txn) error { return m.escapeKeys(txn) })
	if len(m.sets) != 0 || len(m.deletes) != 0 {
		t.Errorf("a migrated store would move again: %d sets, %d deletes", len(m.sets), len(m.deletes))
	}
	tk, _ := s.Task(ctx, "T1/2")
	if tk.Status != duban.StatusReported {
		t.Errorf("T1/2 = %+v", tk)
	}
}

// writeLayout1Store leaves in dir a closed store as layout 1 wrote it.
func writeLayout1Store(t *testing.T, dir string) {
	t.Helper()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(context.Background(), slashLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(context.Background(), "T1/2", "msg:1", reportDone("c", "A/B")); err != nil {
		t.Fatal(err)
	}
	downgradeToLayout1(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// loadBackup loads a backup file into a bare in-memory Badger and returns
// its layout version and whether it holds key.
func loadBackup(t *testing.T, path string, key string) (schema uint64, has bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Load(f, 16); err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	db.View(func(txn *badger.Txn) error {
		getJSON(txn, keySchema, &schema)
		_, err := txn.Get([]byte(key))
		has = err == nil
		return nil
	})
	return schema, has
}

// An older store is backed up, as it was, before its layout is migrated:
// into [store] backup_dir when set, else beside the store's directory.
func TestMigrateBacksUpFirst(t *testing.T) {
	for _, tc := range []struct {
		name      string
		backupDir bool
	}{{"backup_dir", true}, {"beside the store", false}} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "data")
			writeLayout1Store(t, dir)
			want := root
			if tc.backupDir {
				want = filepath.Join(root, "backups") // created by Open
			}
			o := Options{}
			if tc.backupDir {
				o.BackupDir = want
			}
			s, err := Open(dir, o)
			if err != nil {
				t.Fatal(err)
			}
			checkSlashLedger(t, s)
			s.Close()

			files, _ := filepath.Glob(filepath.Join(want, "data.before-upgrade-layout1-*.bak"))
			if len(files) != 1 {
				entries, _ := os.ReadDir(want)
				t.Fatalf("backups in %s: %v (directory holds %v)", want, files, entries)
			}
			// The backup holds the store as it was: layout 1, the
			// unescaped key of task T1/2.
			if v, has := loadBackup(t, files[0], "task/T1/2"); v != 1 || !has {
				t.Errorf("backup has layout %d, task/T1/2 present %v; want the layout 1 store", v, has)
			}
			// Opening again migrates nothing and writes no second backup.
			s, err = Open(dir, o)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			if again, _ := filepath.Glob(filepath.Join(want, "*.bak")); len(again) != 1 {
				t.Errorf("backups after a second open: %v", again)
			}
			// The backup restores (and migrates) into a new store, and
			// the restore writes no backup of its own.
			restored := filepath.Join(root, "restored")
			if _, err := RestoreBackup(context.Background(), files[0], restored, RestoreOptions{}); err != nil {
				t.Fatal(err)
			}
			s, err = Open(restored, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkSlashLedger(t, s)
			s.Close()
			beside, _ := filepath.Glob(filepath.Join(root, "*.bak"))
			inDir, _ := filepath.Glob(filepath.Join(root, "backups", "*.bak"))
			if all := append(beside, inDir...); len(all) != 1 {
				t.Errorf("backups after the restore: %v, want only the one before the upgrade", all)
			}
		})
	}
}

// When the backup cannot be written the store is not migrated.
func TestMigrateWithoutBackupChangesNothing(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	writeLayout1Store(t, dir)
	blocker := filepath.Join(root, "file")
	os.WriteFile(blocker, nil, 0o600)
	if _, err := Open(dir, Options{BackupDir: filepath.Join(blocker, "sub")}); err == nil || !strings.Contains(err.Error(), "nothing changed") {
		t.Fatalf("Open with an unwritable backup_dir = %v", err)
	}
	s, err := Open(dir, Options{BackupDir: filepath.Join(root, "ok")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkSlashLedger(t, s)
}

// A store written by a newer layout is refused, in Chinese and English,
// and left as it was.
func TestOpenRefusesNewerLayout(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(txn *badger.Txn) error { return putJSON(txn, keySchema, SchemaVersion+1) })
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for range 2 {
		_, err = Open(dir, Options{})
		if !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("Open of a newer store = %v", err)
		}
	}
	for _, want := range []string{"较新版本", "请安装较新版本的 duban", "newer than this duban", dir} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%v", want, err)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(root, "*.bak")); len(files) != 0 {
		t.Errorf("a refused store was backed up: %v", files)
	}
}
