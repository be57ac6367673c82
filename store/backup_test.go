package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/dgraph-io/badger/v4"
)

// backupFile writes a backup of a store holding the sample ledger and
// returns the file.
func backupFile(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	src := openTemp(t)
	if _, err := src.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "good.bak")
	var buf bytes.Buffer
	if err := src.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

func verifyFile(t testing.TB, name string) (BackupInfo, error) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return VerifyBackup(f)
}

func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	file := backupFile(t)
	info, err := verifyFile(t, file)
	if err != nil || info.Legacy || info.Units != 2 || info.Tasks != 3 || info.Written.IsZero() || info.Schema != SchemaVersion {
		t.Fatalf("verify: %+v %v", info, err)
	}
	dir := filepath.Join(t.TempDir(), "restored")
	if _, err := RestoreBackup(ctx, file, dir, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	dst, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if dst.Fresh() {
		t.Error("a restored store reports itself fresh")
	}
	l, err := dst.Snapshot(ctx)
	if err != nil || len(l.Tasks) != 3 {
		t.Fatalf("restored: %+v %v", l, err)
	}
	if h, _ := dst.History(ctx, "T001"); len(h) != 1 {
		t.Errorf("history not restored: %v", h)
	}
	// The restored store backs up again, the same ledger.
	var again bytes.Buffer
	if err := dst.Backup(ctx, &again); err != nil {
		t.Fatal(err)
	}
	if _, err := RestoreBackup(ctx, file, dir, RestoreOptions{}); err == nil || !strings.Contains(err.Error(), "已有内容") {
		t.Errorf("restore over a store: %v", err)
	}
}

func TestOpenReportsFresh(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Fresh() {
		t.Error("a new store is not fresh")
	}
	s.Close()
	if s, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Fresh() {
		t.Error("a reopened store is fresh")
	}
}

// Every bad file is refused with a Chinese message naming the file and the
// problem, never a panic, and leaves no directory behind.
func TestRestoreRefusesBadFiles(t *testing.T) {
	ctx := context.Background()
	good, err := os.ReadFile(backupFile(t))
	if err != nil {
		t.Fatal(err)
	}
	frames := frameEnds(t, good)
	if len(frames) < 3 {
		t.Fatalf("frames %v", frames)
	}
	flipped := bytes.Clone(good)
	mid := (frames[0] + frames[len(frames)-2]) / 2
	for i := mid; i < mid+8; i++ {
		flipped[i] ^= 0xff
	}
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	legacy := legacyBackup(t)
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"empty", "空的", nil},
		{"random bytes", "不是 duban 备份", random},
		{"a text file", "不是 duban 备份", []byte("单位编码,单位名称,督办组\nDQ01,市委办公室,党群组\n")},
		{"an xlsx", "不是 duban 备份", append([]byte("PK\x03\x04"), random[:200]...)},
		{"cut in the header", "截断", good[:5]},
		{"cut after the header", "截断", good[:frames[0]]},
		{"cut mid-frame", "截断", good[:mid]},
		{"cut before the end mark", "截断", good[:frames[len(frames)-2]]},
		{"cut one byte short", "截断", good[:len(good)-1]},
		{"flipped bytes", "已损坏", flipped},
		{"a changed value", "校验和", bytes.Replace(good, []byte("制定方案"), []byte("制定方法"), 1)},
		{"trailing junk", "多余", append(bytes.Clone(good), "junk"...)},
		{"two backups", "多余", append(bytes.Clone(good), good...)},
		{"legacy", "--legacy", legacy},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parent := t.TempDir()
			file := filepath.Join(parent, "in.bak")
			if err := os.WriteFile(file, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(parent, "data")
			_, err := RestoreBackup(ctx, file, dir, RestoreOptions{})
			var be *BackupError
			if !errors.As(err, &be) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), file) || !hasHan(err.Error()) {
				t.Fatalf("err = %v, want a BackupError saying %q", err, c.want)
			}
			entries, _ := os.ReadDir(parent)
			if len(entries) != 1 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
	t.Run("legacy accepted on request", func(t *testing.T) {
		parent := t.TempDir()
		file := filepath.Join(parent, "old.bak")
		if err := os.WriteFile(file, legacy, 0o600); err != nil {
			t.Fatal(err)
		}
		info, err := RestoreBackup(ctx, file, filepath.Join(parent, "data"), RestoreOptions{Legacy: true})
		if err != nil || !info.Legacy || info.Tasks != 3 {
			t.Fatalf("%+v %v", info, err)
		}
	})
	t.Run("a backup of something else", func(t *testing.T) {
		parent := t.TempDir()
		file := filepath.Join(parent, "other.bak")
		var buf bytes.Buffer
		writeFrame(&buf, markList(backupMark{Format: backupFormat, Part: "begin"}))
		h := &hashingWriter{w: &buf, h: sha256.New()}
		writeFrame(h, markList(backupMark{Format: "x"})) // any KVList without meta/schema
		writeFrame(&buf, markList(backupMark{Format: backupFormat, Part: "end", Bytes: h.n, SHA256: fmt.Sprintf("%x", h.h.Sum(nil))}))
		os.WriteFile(file, buf.Bytes(), 0o600)
		if _, err := RestoreBackup(ctx, file, filepath.Join(parent, "data"), RestoreOptions{}); err == nil || !strings.Contains(err.Error(), "meta/schema") {
			t.Fatalf("err %v", err)
		}
	})
}

// frameEnds returns the offset after each frame of a backup.
func frameEnds(t *testing.T, b []byte) []int {
	var ends []int
	for off := 0; off < len(b); {
		n := int(uint64(b[off]) | uint64(b[off+1])<<8 | uint64(b[off+2])<<16 | uint64(b[off+3])<<24)
		off += 8 + n
		ends = append(ends, off)
	}
	return ends
}

// legacyBackup is a backup as duban wrote it before the marks: Badger's
// stream alone.
func legacyBackup(t testing.TB) []byte {
	s := openTemp(t)
	if _, err := s.Import(context.Background(), sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := s.db.Backup(&buf, 0); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// FuzzVerifyBackup: whatever the bytes, VerifyBackup answers without
// panicking, and every refusal is a BackupError (a message for people).
func FuzzVerifyBackup(f *testing.F) {
	good, err := os.ReadFile(backupFile(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(legacyBackup(f))
	f.Add([]byte{})
	f.Add([]byte("\x08\x00\x00\x00\x00\x00\x00\x00garbage!"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := verifyBackup(bytes.NewReader(data), int64(len(data)), "f.bak"); err != nil {
			var be *BackupError
			if !errors.As(err, &be) {
				t.Fatalf("not a BackupError: %v", err)
			}
		}
	})
}

// A backup of a layout-1 store restores migrated: the backup's own
// meta/schema is what the restored store starts from.
func TestRestoreMigratesAnOlderLayout(t *testing.T) {
	ctx := context.Background()
	src := openTemp(t)
	if _, err := src.Import(ctx, slashLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Apply(ctx, "T1/2", "msg:1", reportDone("c", "A/B")); err != nil {
		t.Fatal(err)
	}
	downgradeToLayout1(t, src)
	file := filepath.Join(t.TempDir(), "layout1.bak")
	var buf bytes.Buffer
	if err := src.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(file, buf.Bytes(), 0o600)
	if info, err := verifyFile(t, file); err != nil || info.Schema != 1 {
		t.Fatalf("verify: %+v %v", info, err)
	}
	dir := filepath.Join(t.TempDir(), "data")
	if _, err := RestoreBackup(ctx, file, dir, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkSlashLedger(t, s)
}

// A backup leaves the credentials out: the cached access token and the web
// session key are in the live store but not in the file, and the restored
// store makes a new session key instead of reusing the old one.
func TestBackupLeavesCredentialsOut(t *testing.T) {
	ctx := context.Background()
	src := openTemp(t)
	if _, err := src.Import(ctx, sampleLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	const token = "ACCESS-TOKEN-a1b2c3d4e5f6-do-not-back-up"
	if err := src.SaveAccessToken(ctx, "corp/1000002", AccessToken{Token: token, Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	key, err := src.WebSessionKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := src.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte(token)) || bytes.Contains(buf.Bytes(), []byte(prefixWeComToken)) {
		t.Error("the backup holds the cached access token")
	}
	if bytes.Contains(buf.Bytes(), key) || bytes.Contains(buf.Bytes(), keyWebSessionKey) {
		t.Error("the backup holds the web session key")
	}
	file := filepath.Join(t.TempDir(), "b.bak")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "restored")
	if _, err := RestoreBackup(ctx, file, dir, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	dst, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if _, err := dst.AccessToken(ctx, "corp/1000002"); !errors.Is(err, ErrNotFound) {
		t.Errorf("restored store has a cached token: %v", err)
	}
	if again, err := dst.WebSessionKey(ctx); err != nil || bytes.Equal(again, key) {
		t.Errorf("restored store's session key: %x (was %x), %v", again, key, err)
	}
	if l, err := dst.Snapshot(ctx); err != nil || len(l.Tasks) != 3 {
		t.Errorf("restored ledger: %d tasks, %v", len(l.Tasks), err)
	}
}

// A backup is written in frames of about backupFrameBytes, whatever the
// store's size, and restores every live key with its value, user meta and
// expiry: values far larger than a frame (kept in Badger's value log)
// included; deleted keys, older versions, expired keys, credentials and
// the stored policy index left out.
func TestBackupFramesBoundedAndRestoreLiveKeys(t *testing.T) {
	ctx := context.Background()
	src, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	r := rand.New(rand.NewPCG(7, 8))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return b
	}
	want := map[string][]byte{}
	put := func(key string, val []byte, ttl time.Duration) {
		t.Helper()
		err := src.update(ctx, func(txn *badger.Txn) error {
			e := badger.NewEntry([]byte(key), val).WithMeta(3)
			if ttl != 0 {
				e = e.WithTTL(ttl)
			}
			return txn.SetEntry(e)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3000 { // about 3 MB in small values, in several transactions
		key := fmt.Sprintf("test/small/%05d", i)
		want[key] = random(200 + r.IntN(1600))
		put(key, want[key], 0)
	}
	want["test/big"] = random(3 << 20) // past Badger's value threshold, and past a frame
	put("test/big", want["test/big"], 0)
	put("test/overwritten", []byte("old"), 0)
	want["test/overwritten"] = []byte("new")
	put("test/overwritten", want["test/overwritten"], 0)
	want["test/ttl"] = []byte("lives an hour")
	put("test/ttl", want["test/ttl"], time.Hour)
	put("test/deleted", []byte("gone"), 0)
	if err := src.update(ctx, func(txn *badger.Txn) error { return txn.Delete([]byte("test/deleted")) }); err != nil {
		t.Fatal(err)
	}
	put("pidx/test", []byte("derived"), 0)
	put(prefixWeComToken+"test", []byte("credential"), 0)

	var buf bytes.Buffer
	if err := src.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	frames, largest := 0, 0
	for b := buf.Bytes(); len(b) >= 8; frames++ {
		n := int(binary.LittleEndian.Uint64(b))
		largest = max(largest, n)
		b = b[8+n:]
	}
	if frames < 5 || largest > 3<<20+backupFrameBytes {
		t.Errorf("%d frames, the largest %d bytes: want the store in frames of about %d bytes", frames, largest, backupFrameBytes)
	}
	for _, leftOut := range []string{"pidx/test", "derived", "credential", "test/deleted"} {
		if bytes.Contains(buf.Bytes(), []byte(leftOut)) {
			t.Errorf("the backup holds %q", leftOut)
		}
	}
	file := filepath.Join(t.TempDir(), "b.bak")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "restored")
	if _, err := RestoreBackup(ctx, file, dir, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	dst, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	got := map[string][]byte{}
	err = dst.view(ctx, func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("test/"), AllVersions: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			key := string(item.Key())
			if _, twice := got[key]; twice {
				t.Errorf("%s: more than one version restored", key)
			}
			if item.UserMeta() != 3 {
				t.Errorf("%s: user meta %d, want 3", key, item.UserMeta())
			}
			if (key == "test/ttl") != (item.ExpiresAt() != 0) {
				t.Errorf("%s: expires at %d", key, item.ExpiresAt())
			}
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			got[key] = v
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("restored %d keys, want %d", len(got), len(want))
	}
	for k, v := range want {
		if !bytes.Equal(got[k], v) {
			t.Errorf("%s: restored %d bytes, want %d", k, len(got[k]), len(v))
		}
	}
	for _, k := range []string{"pidx/test", prefixWeComToken + "test"} {
		err := dst.view(ctx, func(txn *badger.Txn) error { _, err := txn.Get([]byte(k)); return err })
		if !errors.Is(err, badger.ErrKeyNotFound) {
			t.Errorf("%s restored: %v", k, err)
		}
	}
}
