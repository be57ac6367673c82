package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"golang.org/x/sys/unix"
)

func TestStoreMappings(t *testing.T) {
	maps := `00400000-00c00000 r-xp 00000000 08:01 123 /usr/bin/duban
7f0000000000-7f0000400000 rw-s 00000000 08:01 200 /var/lib/duban/data/000003.sst
7f0000400000-7f0000800000 r--s 00000000 08:01 201 /var/lib/duban/data/000001.vlog
7f0000800000-7f0002800000 rw-s 00000000 08:01 202 /var/lib/duban/data/00001.mem
7f0002800000-7f0002900000 rw-s 00000000 08:01 203 /var/lib/duban/data/000002.sst (deleted)
7f0002900000-7f0002a00000 rw-s 00000000 08:01 204 /var/lib/duban/data2/000004.sst
7f0002a00000-7f0002b00000 rw-p 00000000 00:00 0
7f0002b00000-7f0002c00000 rw-s 00000000 08:01 205 /var/lib/duban/data/sub/000005.sst
garbage line
`
	got := storeMappings([]byte(maps), "/var/lib/duban/data")
	want := []addrRange{{0x7f0000000000, 0x7f0000400000}, {0x7f0000400000, 0x7f0000800000}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("storeMappings = %x, want %x (the tables and value logs of that directory only)", got, want)
	}
}

// storeRSS is how much of the store's mapped tables and value logs is
// resident in this process (KB), from /proc/self/smaps.
func storeRSS(t *testing.T, dir string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	var kb int64
	in := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 0 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			in = len(storeMappings([]byte(sc.Text()), dir)) == 1
			continue
		}
		if in && len(f) == 3 && f[0] == "Rss:" {
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			kb += n
		}
	}
	return kb
}

// A read over the whole store leaves its table pages resident; released,
// they leave the process's RSS, and the store reads the same afterwards.
func TestReleaseFilePagesGivesBackTheStorePages(t *testing.T) {
	anon, _ := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err := unix.Madvise(anon, unix.MADV_PAGEOUT); errors.Is(err, unix.EINVAL) {
		t.Skip("this kernel has no MADV_PAGEOUT (Linux 5.4)")
	}
	unix.Munmap(anon)

	ctx := context.Background()
	dir := t.TempDir()
	st, err := Open(dir, Options{Unsynced: true})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	val := make([]byte, 2048)
	for batch := range 8 {
		err := st.update(ctx, func(txn *badger.Txn) error {
			for i := range 500 {
				for j := range val {
					val[j] = byte('a' + r.IntN(26))
				}
				if err := txn.Set(fmt.Appendf(nil, "test/%03d/%04d", batch, i), val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dirAbs, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	readAll := func() (sum [32]byte) {
		h := sha256.New()
		err := st.view(ctx, func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("test/")})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				h.Write(it.Item().Key())
				if err := it.Item().Value(func(v []byte) error { h.Write(v); return nil }); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		copy(sum[:], h.Sum(nil))
		return sum
	}
	first := readAll()
	read := storeRSS(t, dirAbs)
	if read < 4<<10 {
		t.Fatalf("after reading the whole store %d KB of it is resident: expected its tables (about 8 MB compressed)", read)
	}
	st.releaseFilePages()
	released := storeRSS(t, dirAbs)
	if released > read/10 {
		t.Errorf("after releaseFilePages %d KB of the store's pages are resident, %d KB before: want under a tenth", released, read)
	}
	if again := readAll(); again != first {
		t.Error("the store reads otherwise after its pages were released")
	}
	// A backup reads every table, and gives the pages back.
	if err := st.Backup(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	backedUp := storeRSS(t, dirAbs)
	if backedUp > read/10 {
		t.Errorf("after a backup %d KB of the store's pages are resident, %d KB after a read: want under a tenth", backedUp, read)
	}
	t.Logf("store pages resident: %d KB after reading it, %d KB after releasing them, %d KB after a backup", read, released, backedUp)
}
