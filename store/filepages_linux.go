package store

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// releaseFilePages asks the kernel to reclaim the pages of the store's
// tables (*.sst) and value logs (*.vlog) mapped into this process. Badger
// v4 reads both through shared, file-backed memory maps, with no option to
// read them otherwise, so a read over the whole store (the ledger view, the
// policy index, a backup) leaves the store's size resident in the process,
// counted in its RSS and its cgroup until the kernel wants the memory.
//
// madvise(MADV_PAGEOUT) (Linux 5.4) reclaims the given pages now. It is
// advice: the mappings' contents stay what they were, a page touched again
// is read back from the file, and a page the kernel cannot reclaim (dirty,
// anonymous without swap, shared with another process) is left alone. That
// makes it safe although the mappings are Badger's and may be unmapped
// and the addresses reused between reading /proc/self/maps and the call:
// whatever lies there then loses no data. Errors are ignored (an older
// kernel answers EINVAL); the pages then stay until the kernel needs them.
func (s *Store) releaseFilePages() {
	if s.mapsDir == "" {
		return
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return
	}
	for _, r := range storeMappings(maps, s.mapsDir) {
		unix.Syscall(unix.SYS_MADVISE, r.start, r.end-r.start, unix.MADV_PAGEOUT)
	}
}

type addrRange struct{ start, end uintptr }

// storeMappings reads /proc/self/maps (maps) for the address ranges of the
// tables and value logs in dir (an absolute path without symbolic links, as
// the kernel names mapped files).
func storeMappings(maps []byte, dir string) []addrRange {
	var out []addrRange
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		// start-end perms offset dev inode path
		f := strings.Fields(sc.Text())
		if len(f) != 6 || filepath.Dir(f[5]) != dir {
			continue
		}
		if ext := filepath.Ext(f[5]); ext != ".sst" && ext != ".vlog" {
			continue
		}
		from, to, ok := strings.Cut(f[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(from, 16, 64)
		end, err2 := strconv.ParseUint(to, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		out = append(out, addrRange{uintptr(start), uintptr(end)})
	}
	return out
}

// mappedDir is dir as /proc/self/maps names the files in it ("" when it
// cannot be resolved: nothing is released then).
func mappedDir(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return ""
	}
	return abs
}
