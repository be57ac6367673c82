package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/duban-org/duban"
)

// realStore builds a closed store on disk with tables in it and returns
// its directory and how many tasks it holds.
func realStore(t *testing.T) (string, int) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := sampleLedger()
	for i := range 400 {
		l.Tasks = append(l.Tasks, duban.Task{ID: fmt.Sprintf("X%04d", i), Unit: "U01",
			Title: fmt.Sprintf("第 %d 项：内设机构调整到位，每科室平均不少于3名", i), Deadline: duban.NewDate(2027, 1, 5)})
	}
	if _, err := s.Import(ctx, l, "import", at); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, len(l.Tasks)
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func tablesIn(t *testing.T, dir string) []string {
	t.Helper()
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(tables) == 0 {
		t.Fatalf("no tables in %s", dir)
	}
	return tables
}

// Each way of damaging a copy of a real store stops Open with a message
// naming the file and `duban restore`, in Chinese and English; the
// undamaged store opens with all its tasks.
func TestOpenRefusesDamage(t *testing.T) {
	ctx := context.Background()
	src, tasks := realStore(t)
	type damage struct {
		name string
		do   func(t *testing.T, dir string) string // returns the file to be named
	}
	cases := []damage{
		{"MANIFEST deleted", func(t *testing.T, dir string) string {
			os.Remove(filepath.Join(dir, "MANIFEST"))
			return "MANIFEST"
		}},
		{"MANIFEST emptied", func(t *testing.T, dir string) string {
			os.WriteFile(filepath.Join(dir, "MANIFEST"), nil, 0o600)
			return "MANIFEST"
		}},
		{"key registry damaged", func(t *testing.T, dir string) string {
			os.WriteFile(filepath.Join(dir, "KEYREGISTRY"), []byte("garbage garbage garbage garbage"), 0o600)
			return filepath.Base(dir)
		}},
		{"table deleted", func(t *testing.T, dir string) string {
			sst := tablesIn(t, dir)[0]
			os.Remove(sst)
			return filepath.Base(sst)
		}},
	}
	// 64 flipped bytes at many places of a table, and truncation at many
	// lengths.
	srcSize := func() int64 {
		fi, err := os.Stat(tablesIn(t, src)[0])
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}()
	for i := range 16 {
		at := srcSize * int64(i) / 16
		cases = append(cases, damage{fmt.Sprintf("64 bytes flipped at %d of %d", at, srcSize), func(t *testing.T, dir string) string {
			sst := tablesIn(t, dir)[0]
			b, _ := os.ReadFile(sst)
			for j := at; j < min(at+64, int64(len(b))); j++ {
				b[j] ^= 0x5a
			}
			os.WriteFile(sst, b, 0o600)
			return filepath.Base(sst)
		}})
	}
	for _, keep := range []int64{0, 3, 100, srcSize / 2, srcSize - 64, srcSize - 5, srcSize - 1} {
		cases = append(cases, damage{fmt.Sprintf("table truncated to %d of %d", keep, srcSize), func(t *testing.T, dir string) string {
			sst := tablesIn(t, dir)[0]
			os.Truncate(sst, keep)
			return filepath.Base(sst)
		}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDir(t, src)
			file := c.do(t, dir)
			s, err := Open(dir, Options{})
			if err == nil {
				n := 0
				if l, err := s.Snapshot(ctx); err == nil {
					n = len(l.Tasks)
				}
				s.Close()
				t.Fatalf("opened a damaged store (%d of %d tasks)", n, tasks)
			}
			msg := err.Error()
			if !errors.Is(err, ErrDamaged) || !strings.Contains(msg, file) || !strings.Contains(msg, "duban restore") ||
				!strings.Contains(msg, "存储已损坏") || !strings.Contains(msg, "store damaged") {
				t.Fatalf("err = %v", err)
			}
			// Nothing was changed: the damaged files are still there.
			if _, err := os.Stat(filepath.Join(dir, file)); err != nil && !strings.Contains(c.name, "deleted") && file != filepath.Base(dir) {
				t.Errorf("%s: %v", file, err)
			}
			if c.name != "table deleted" && len(tablesIn(t, dir)) == 0 {
				t.Error("tables deleted")
			}
		})
	}
	t.Run("undamaged", func(t *testing.T) {
		s, err := Open(copyDir(t, src), Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		l, err := s.Snapshot(ctx)
		if err != nil || len(l.Tasks) != tasks {
			t.Fatalf("%d tasks, want %d: %v", len(l.Tasks), tasks, err)
		}
	})
}

// A process killed just as Badger created a write-ahead log leaves it
// empty; the store opens with everything it held.
func TestOpenAfterAKillLeftAnEmptyWriteAheadLog(t *testing.T) {
	dir, n := realStore(t)
	if err := os.WriteFile(filepath.Join(dir, "00042.mem"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("open after the kill: %v", err)
	}
	defer s.Close()
	tasks, err := s.Tasks(context.Background(), TaskFilter{})
	if err != nil || len(tasks) != n {
		t.Fatalf("%d tasks (%v), want %d", len(tasks), err, n)
	}
}

func TestOpenRefusesASecondProcess(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
}
