package store

// Damage in Badger's write-ahead logs (*.mem: the writes not yet in a
// table). Badger replays a log entry by entry and stops at the first entry
// that is cut short or fails its checksum, truncating the file there. After
// a crash that is right: the last write was torn, and nothing was
// acknowledged after it (writes are synced in order). But a bad entry with
// intact entries after it is damage to what was already on disk, and the
// writes after it — acknowledged ones — would be dropped without a word.
// Badger's reader of these files is unexported, so checkWAL reads them
// itself: the entry layout (Badger's value-log format, v4) is a header of
// two bytes and three uvarints, key, value and a CRC-32 (Castagnoli) of
// all that; TestWALDecoderReadsBadgersLog fails if a Badger upgrade
// changes it.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/dgraph-io/badger/v4/y"
)

const (
	walHeaderSize = 20      // the key id (8 bytes) and IV (12) at the start of a log
	walMaxKey     = 1 << 16 // Badger's bound on a key's length
	walFinTxn     = 1 << 7  // the meta bit of the entry ending a transaction
)

// walEntry decodes the entry at b's start and returns its length, or 0
// when none is there: cut short, failing its checksum, or empty (the
// zeroed space after the last write).
func walEntry(b []byte) (n int, meta byte) {
	if len(b) < 2 {
		return 0, 0
	}
	n = 2
	var lens [3]uint64 // key, value, expiry
	for i := range lens {
		v, k := binary.Uvarint(b[n:])
		if k <= 0 {
			return 0, 0
		}
		lens[i], n = v, n+k
	}
	klen, vlen := lens[0], lens[1]
	if klen == 0 || klen > walMaxKey || vlen > uint64(len(b)) || uint64(n)+klen+vlen+4 > uint64(len(b)) {
		return 0, 0
	}
	end := n + int(klen+vlen)
	if crc32.Checksum(b[:end], y.CastagnoliCrcTable) != binary.BigEndian.Uint32(b[end:]) {
		return 0, 0
	}
	return end + 4, b[0]
}

// walBreak is damage found in a write-ahead log: the first entry that
// does not decode, followed by intact entries.
type walBreak struct {
	File   string
	At     int // offset of the first bad entry
	Intact int // intact entries after it
	Txns   int // transactions they end
}

// scanWAL reads a write-ahead log's entries and returns the damage in it,
// nil when every entry decodes up to the end of what was written or a torn
// tail. Intact entries after a bad one are looked for at every offset;
// two in a row are needed (a chance match of one checksum is 1 in 2³²).
func scanWAL(name string, b []byte) *walBreak {
	if len(b) < walHeaderSize || binary.BigEndian.Uint64(b) != 0 {
		return nil // Badger starts it again; or encrypted, which duban never is
	}
	off := walHeaderSize
	for {
		n, _ := walEntry(b[off:])
		if n == 0 {
			break
		}
		off += n
	}
	brk := &walBreak{File: name, At: off}
	for p := off + 1; p < len(b); p++ {
		// No entry starts with zero meta, user meta and key length, which
		// is most of a log: the space Badger allotted and has not used.
		if p+8 <= len(b) && binary.LittleEndian.Uint64(b[p:]) == 0 {
			p += 5
			continue
		}
		if b[p] == 0 && p+2 < len(b) && b[p+1] == 0 && b[p+2] == 0 {
			continue
		}
		n, meta := walEntry(b[p:])
		if n == 0 {
			continue
		}
		if m, _ := walEntry(b[p+n:]); m == 0 {
			continue
		}
		for n > 0 {
			brk.Intact++
			if meta&walFinTxn != 0 {
				brk.Txns++
			}
			p += n
			n, meta = walEntry(b[p:])
		}
		p-- // the loop's p++ lands on the first byte after them
	}
	if brk.Intact == 0 {
		return nil
	}
	return brk
}

// checkWALs looks for damage in the store's write-ahead logs before Badger
// replays them. A damaged log is copied to <name>.damaged-<UTC time>
// beside it, since Badger's replay truncates it at the first bad entry;
// the damage is returned to be reported, with the copy's name.
func checkWALs(dir string) ([]walBreak, []string, error) {
	logs, err := filepath.Glob(filepath.Join(dir, "*.mem"))
	if err != nil {
		return nil, nil, fmt.Errorf("list write-ahead logs in %s: %w", dir, err)
	}
	var breaks []walBreak
	var copies []string
	for _, name := range logs {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, nil, fmt.Errorf("read write-ahead log %s: %w", name, err)
		}
		brk := scanWAL(name, b)
		if brk == nil {
			continue
		}
		cp := name + ".damaged-" + time.Now().UTC().Format("20060102T150405Z")
		if err := copyFile(name, cp); err != nil {
			return nil, nil, fmt.Errorf("keep a copy of the damaged write-ahead log %s: %w", name, err)
		}
		breaks, copies = append(breaks, *brk), append(copies, cp)
	}
	return breaks, copies, nil
}

func copyFile(from, to string) (err error) {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, out.Close()) }()
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	return out.Sync()
}
