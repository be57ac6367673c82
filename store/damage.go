package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"
)

// DamageError is a store directory Open refused because a file is missing
// or damaged. Badger would otherwise hide the damage: without MANIFEST it
// deletes every table and opens empty; it skips a table that fails its
// checksum; it panics or exits on a truncated one. The message is in
// Chinese and English and names the way back (`duban restore`).
type DamageError struct {
	File   string
	Zh, En string // what is wrong, in each language
}

func (e *DamageError) Error() string {
	return fmt.Sprintf("存储已损坏：%s %s。duban 没有打开它，也没有改动任何文件。"+
		"请用 `duban restore 备份文件` 把最近的备份恢复到一个新目录，再把 [store] dir 指向它。\n"+
		"store damaged: %s: %s; nothing was opened or changed. "+
		"Restore the latest backup into a new directory with `duban restore FILE` and point [store] dir at it.",
		e.File, e.Zh, e.File, e.En)
}

// ErrDamaged matches every DamageError (errors.Is).
var ErrDamaged = errors.New("store damaged")

func (e *DamageError) Is(target error) bool { return target == ErrDamaged }

// checkFiles checks a store directory before Badger opens it: a MANIFEST
// when there are data files, every table the MANIFEST lists present and
// passing its checksums. It reports whether the directory holds no store
// yet.
func checkFiles(dir string) (fresh bool, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("read store directory %s: %w", dir, err)
	}
	var data, tables []string
	hasManifest, hasWAL := false, false
	for _, e := range entries {
		n := e.Name()
		switch {
		case n == badger.ManifestFilename:
			hasManifest = true
		case strings.HasSuffix(n, ".sst"):
			tables = append(tables, n)
			data = append(data, n)
		case strings.HasSuffix(n, ".mem"):
			// A process killed as Badger created a write-ahead log leaves
			// it empty, without even its header: it holds nothing, and
			// Badger refuses to open the store once because of it
			// (dgraph-io/badger#2207), so it goes.
			if info, err := e.Info(); err == nil && info.Size() == 0 {
				if err := os.Remove(filepath.Join(dir, n)); err != nil {
					return false, fmt.Errorf("remove the empty write-ahead log %s: %w", n, err)
				}
				continue
			}
			hasWAL = true
			data = append(data, n)
		case strings.HasSuffix(n, ".vlog"):
			data = append(data, n)
		}
	}
	if !hasManifest {
		if len(data) > 0 {
			return false, &DamageError{File: filepath.Join(dir, badger.ManifestFilename),
				Zh: fmt.Sprintf("缺失，但目录里还有 %d 个数据文件（如 %s）；缺少它，打开时这些数据会被当作无用文件删除", len(data), data[0]),
				En: fmt.Sprintf("is missing while the directory holds %d data files (e.g. %s); opening would delete them and start empty", len(data), data[0])}
		}
		return true, nil
	}
	m, err := readManifest(dir)
	if err != nil {
		return false, err
	}
	// A crash during the first flush leaves a table MANIFEST does not list
	// yet, and the write-ahead log (*.mem) still holding its data.
	if len(m.Tables) == 0 && len(tables) > 0 && !hasWAL {
		return false, &DamageError{File: filepath.Join(dir, badger.ManifestFilename),
			Zh: fmt.Sprintf("没有登记任何表文件，但目录里有 %d 个（如 %s）；打开会把它们删除", len(tables), tables[0]),
			En: fmt.Sprintf("lists no tables while the directory holds %d (e.g. %s); opening would delete them", len(tables), tables[0])}
	}
	for id, tm := range m.Tables {
		if err := checkTable(table.NewFilename(id, dir), tm.Compression); err != nil {
			return false, err
		}
	}
	return false, nil
}

func readManifest(dir string) (m badger.Manifest, err error) {
	name := filepath.Join(dir, badger.ManifestFilename)
	f, err := os.Open(name)
	if err != nil {
		return m, fmt.Errorf("read %s: %w", name, err)
	}
	defer f.Close()
	defer func() {
		if r := recover(); r != nil {
			err = &DamageError{File: name, Zh: "无法读取，内容已损坏", En: fmt.Sprintf("cannot be read (%v)", firstLine(r))}
		}
	}()
	m, _, err = badger.ReplayManifestFile(f, 0, badger.DefaultOptions(dir))
	if err != nil {
		return m, &DamageError{File: name, Zh: "无法读取，内容已损坏", En: fmt.Sprintf("cannot be read: %v", err)}
	}
	return m, nil
}

// checkTable verifies one table file: its footer lies inside the file (so
// Badger's reader, which exits the process on a read past the end, never
// runs off it), then every block's checksum, through Badger's own reader.
func checkTable(name string, compression options.CompressionType) (err error) {
	damaged := func(zh, en string) error { return &DamageError{File: name, Zh: zh, En: en} }
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return damaged("缺失（MANIFEST 中登记了它）", "is missing (MANIFEST lists it)")
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("read %s: %w", name, err)
	}
	size := fi.Size()
	footerOK := func() bool {
		var b [4]byte
		if size < 8 {
			return false
		}
		if _, err := f.ReadAt(b[:], size-4); err != nil {
			return false
		}
		chk := int64(binary.BigEndian.Uint32(b[:]))
		if chk > size-8 {
			return false
		}
		if _, err := f.ReadAt(b[:], size-8-chk); err != nil {
			return false
		}
		return int64(binary.BigEndian.Uint32(b[:])) <= size-8-chk
	}()
	f.Close()
	if !footerOK {
		return damaged(fmt.Sprintf("被截断或尾部已损坏（%d 字节）", size), fmt.Sprintf("is truncated or its footer is damaged (%d bytes)", size))
	}
	mf, err := z.OpenMmapFile(name, os.O_RDONLY, 0)
	if err != nil && !errors.Is(err, z.NewFile) {
		return fmt.Errorf("read %s: %w", name, err)
	}
	defer func() {
		if r := recover(); r != nil {
			// mf stays mapped: Badger may have unmapped it before panicking.
			err = damaged("无法读取，内容已损坏", fmt.Sprintf("cannot be read (%v)", firstLine(r)))
		}
	}()
	t, err := table.OpenTable(mf, table.Options{ChkMode: options.OnTableRead, Compression: compression, BlockSize: 4 << 10})
	if err != nil {
		return damaged("校验和不符，内容已损坏", fmt.Sprintf("fails its checksum: %v", err))
	}
	return t.Close(-1)
}

func firstLine(v any) string {
	s := strings.TrimSpace(fmt.Sprint(v))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
