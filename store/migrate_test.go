package store

import (
	"bytes"
	"context"
	"encoding/json"
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
