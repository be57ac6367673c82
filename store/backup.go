package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"google.golang.org/protobuf/proto"
)

// A backup file is Badger's portable backup stream (frames of a
// little-endian uint64 length and a protobuf KVList) between two frames of
// duban's own: a header naming the format, and a trailer with the length
// and SHA-256 of the frames between. Badger's stream has no checksum and no
// end mark, so without them a flipped byte or a cut at a frame boundary
// would load as a smaller, healthy store. Both marks are KVLists too, so
// Badger's own tools can still read the file.
const backupFormat = "duban-backup/1"

var keyBackupMark = []byte("meta/backup")

// keyRestored records where a restored store came from; it also marks the
// store as not new, so `duban chat` never loads the sample ledger into it.
var keyRestored = []byte("meta/restored")

type backupMark struct {
	Format  string    `json:"format"`
	Part    string    `json:"part"` // "begin" or "end"
	Schema  uint64    `json:"schema,omitempty"`
	Written time.Time `json:"written,omitzero"`
	Bytes   int64     `json:"bytes,omitempty"` // end: length of the frames between
	SHA256  string    `json:"sha256,omitempty"`
}

// credentialKeys are left out of every backup: a cached WeCom access token
// is a live credential for the corp's API for up to two hours, and the web
// pages' session key would let whoever holds the file forge a signed-in
// session. Both are made afresh by a restored store (a gettoken call; new
// sign-ins through WeCom).
var credentialKeys = [][]byte{[]byte(prefixWeComToken), keyWebSessionKey}

func isCredential(key []byte) bool {
	return slices.ContainsFunc(credentialKeys, func(p []byte) bool { return bytes.HasPrefix(key, p) })
}

// BackupInfo describes a backup file that passed VerifyBackup.
type BackupInfo struct {
	Written time.Time // when it was written (zero for a legacy backup)
	Legacy  bool      // written before backups carried a checksum
	Schema  uint64    // the store layout version inside
	Keys    int       // live keys without a TTL (TTL'd ones may expire meanwhile)
	Units   int
	Tasks   int
	Size    int64 // bytes of the file

	body io.SectionReader // Badger's stream, without duban's marks
}

// BackupError is a backup file refused by VerifyBackup or RestoreBackup. Its
// message is Chinese: it is shown to the person running the command.
type BackupError struct {
	File    string
	Problem string
}

func (e *BackupError) Error() string { return fmt.Sprintf("备份文件 %s %s", e.File, e.Problem) }

// Backup writes a full, consistent backup of the store to w, credentials
// (credentialKeys) and the stored policy index (derived, isPolicyIndex)
// left out. It can run while the store is in use. Check the
// written file with VerifyBackup.
func (s *Store) Backup(ctx context.Context, w io.Writer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := writeFrame(bw, markList(backupMark{Format: backupFormat, Part: "begin", Schema: SchemaVersion, Written: time.Now().UTC()})); err != nil {
		return fmt.Errorf("back up store %s: %w", s.dir, err)
	}
	body := &hashingWriter{w: bw, h: sha256.New()}
	// The backup reads the whole store once: the pages it maps in are
	// given back as it goes (a frame's worth at a time) and at the end, so
	// they are not left in the process's RSS (releaseFilePages).
	err := s.db.View(func(txn *badger.Txn) error { return writeBackupFrames(ctx, txn, body, s.releaseFilePages) })
	s.releaseFilePages()
	if err != nil {
		return fmt.Errorf("back up store %s: %w", s.dir, err)
	}
	end := backupMark{Format: backupFormat, Part: "end", Bytes: body.n, SHA256: hex.EncodeToString(body.h.Sum(nil))}
	if err := writeFrame(bw, markList(end)); err != nil {
		return fmt.Errorf("back up store %s: %w", s.dir, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("back up store %s: %w", s.dir, err)
	}
	return nil
}

// backupFrameBytes is about how much of the store one frame of a backup
// holds: with the encoded frame, the memory a backup takes (or the largest
// value, when one is larger), whatever the store's size.
const backupFrameBytes = 1 << 20

// releaseEveryFrames frames (a few MB of the store's pages) are read between
// two calls of releaseFilePages during a backup.
const releaseEveryFrames = 4

// writeBackupFrames writes every live key the read transaction txn sees,
// in key order, as frames of Badger's backup format (what DB.Load reads):
// one version per key, with its value, user meta, version and expiry.
//
// Badger's own Stream.Backup was used before. It reads with several
// goroutines into 16 MB buffers, queues up to 32 of them, gathers them into
// batches of up to 100 MB and decodes each batch whole before encoding it
// again, so a backup took about three times the store's size in memory
// (serve's RSS went from 174 to 344 MB during the daily backup with a
// 10,000-passage corpus). Its goroutines also each opened their own read
// transaction; here one transaction is one snapshot. Deleted and expired
// entries and older versions are left out: a backup is loaded into an
// empty store, where they would only be dropped again.
//
// release is called every releaseEveryFrames frames (it gives back the
// store's pages read so far).
func writeBackupFrames(ctx context.Context, txn *badger.Txn, w io.Writer, release func()) error {
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false // values are read one at a time, below
	it := txn.NewIterator(opts)
	defer it.Close()
	var (
		list   pb.KVList
		arena  = make([]byte, 0, backupFrameBytes+64<<10) // the frame's keys and values
		out    []byte                                     // the frame, encoded
		frames int
	)
	flush := func() error {
		if len(list.Kv) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		if out, err = (proto.MarshalOptions{}).MarshalAppend(out[:0], &list); err != nil {
			return err
		}
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(out)))
		if _, err := w.Write(n[:]); err != nil {
			return err
		}
		if _, err := w.Write(out); err != nil {
			return err
		}
		clear(list.Kv)
		list.Kv, arena = list.Kv[:0], arena[:0]
		if frames++; frames%releaseEveryFrames == 0 {
			release()
		}
		return nil
	}
	for it.Rewind(); it.Valid(); {
		item := it.Item()
		key := item.Key()
		switch {
		case isPolicyIndex(key):
			it.Seek(policyIndexEnd)
			continue
		case isCredential(key):
			it.Next()
			continue
		}
		start := len(arena)
		arena = append(arena, key...)
		k := arena[start:len(arena):len(arena)]
		start = len(arena)
		if err := item.Value(func(v []byte) error {
			arena = append(arena, v...)
			return nil
		}); err != nil {
			return fmt.Errorf("read %q: %w", key, err)
		}
		list.Kv = append(list.Kv, &pb.KV{Key: k, Value: arena[start:len(arena):len(arena)], UserMeta: []byte{item.UserMeta()},
			Version: item.Version(), ExpiresAt: item.ExpiresAt()})
		if len(arena) >= backupFrameBytes {
			if err := flush(); err != nil {
				return err
			}
		}
		it.Next()
	}
	return flush()
}

type hashingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (w *hashingWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	return n, err
}

func markList(m backupMark) *pb.KVList {
	v, _ := json.Marshal(m) // a plain struct: cannot fail
	return &pb.KVList{Kv: []*pb.KV{{Key: keyBackupMark, Value: v, Version: 1}}}
}

func writeFrame(w io.Writer, l *pb.KVList) error {
	b, err := proto.Marshal(l)
	if err != nil {
		return err
	}
	if err := binary.Write(w, binary.LittleEndian, uint64(len(b))); err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// VerifyBackup reads the whole backup file f and checks it: its frames, its
// checksum, its end mark and that it holds a duban store. A legacy backup
// (no marks, written by an older duban) is reported as such, not refused.
// It never panics, whatever the bytes.
func VerifyBackup(f *os.File) (BackupInfo, error) {
	st, err := f.Stat()
	if err != nil {
		return BackupInfo{}, fmt.Errorf("读取备份文件 %s：%w", f.Name(), err)
	}
	if st.IsDir() {
		return BackupInfo{}, &BackupError{File: f.Name(), Problem: "是一个目录，不是备份文件"}
	}
	return verifyBackup(f, st.Size(), f.Name())
}

func verifyBackup(f io.ReaderAt, size int64, name string) (BackupInfo, error) {
	fail := func(format string, a ...any) (BackupInfo, error) {
		return BackupInfo{}, &BackupError{File: name, Problem: fmt.Sprintf(format, a...)}
	}
	if size == 0 {
		return fail("是空的（0 字节），不是 duban 备份；可能是备份没有写成，请换一个备份文件")
	}
	info := BackupInfo{Size: size}
	r := bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 64<<10)
	var (
		off       int64
		frame     int
		bodyStart int64 = -1
		sum             = sha256.New()
		end       *backupMark
		lastKey   []byte
		schema    bool // a live meta/schema was seen
		buf       []byte
	)
	for off < size {
		frame++
		if end != nil {
			return fail("在结束标记之后还有 %d 字节多余的数据（第 %d 字节起），文件已损坏", size-off, off)
		}
		if size-off < 8 {
			return fail("不完整：在第 %d 字节处被截断（文件共 %d 字节），请换一个完整的备份", off, size)
		}
		var head [8]byte
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return fail("无法读取（第 %d 字节）：%v", off, err)
		}
		n := binary.LittleEndian.Uint64(head[:])
		if n > uint64(size-off-8) {
			if frame == 1 {
				return fail("不是 duban 备份（开头不是备份格式）；请确认选对了文件")
			}
			return fail("不完整：第 %d 段从第 %d 字节起需要 %d 字节，文件只剩 %d 字节，可能在复制时被截断；请换一个完整的备份", frame, off, n, size-off-8)
		}
		if uint64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(r, buf); err != nil {
			return fail("无法读取（第 %d 字节）：%v", off+8, err)
		}
		var list pb.KVList
		if err := proto.Unmarshal(buf, &list); err != nil {
			if frame == 1 {
				return fail("不是 duban 备份（开头不是备份格式）；请确认选对了文件")
			}
			return fail("已损坏：第 %d 段（第 %d 字节起）无法解析", frame, off)
		}
		if m, ok := markOf(&list); ok {
			switch {
			case m.Part == "begin" && frame == 1:
				info.Written = m.Written
				bodyStart = off + 8 + int64(n)
			case m.Part == "end" && bodyStart >= 0:
				end = &m
				if got := off - bodyStart; got != m.Bytes || hex.EncodeToString(sum.Sum(nil)) != m.SHA256 {
					return fail("已损坏：内容的校验和与备份时记录的不符（第 %d 至 %d 字节），请换一个备份", bodyStart, off)
				}
				info.body = *io.NewSectionReader(f, bodyStart, off-bodyStart)
			default:
				return fail("已损坏：第 %d 段（第 %d 字节起）有位置不对的备份标记", frame, off)
			}
		} else {
			if frame == 1 {
				info.Legacy, bodyStart = true, 0
			}
			if bodyStart > 0 {
				sum.Write(head[:])
				sum.Write(buf)
			}
			for _, kv := range list.Kv {
				// A key's versions come together, newest first (Badger's
				// stream and writeBackupFrames both write them so): the
				// newest decides, and the key is counted there.
				if bytes.Equal(kv.Key, lastKey) {
					continue
				}
				lastKey = append(lastKey[:0], kv.Key...)
				if deletedOrExpired(kv) {
					continue
				}
				if kv.ExpiresAt == 0 {
					info.Keys++
				}
				switch k := string(kv.Key); {
				case strings.HasPrefix(k, "unit/"):
					info.Units++
				case strings.HasPrefix(k, "task/"):
					info.Tasks++
				case k == string(keySchema):
					if json.Unmarshal(kv.Value, &info.Schema) != nil {
						return fail("已损坏：存储版本标记 meta/schema 无法读取")
					}
					schema = true
				}
			}
		}
		off += 8 + int64(n)
	}
	if bodyStart > 0 && end == nil {
		return fail("不完整：没有结束标记，文件在第 %d 字节处被截断；请换一个完整的备份", size)
	}
	if info.Legacy {
		info.body = *io.NewSectionReader(f, 0, size)
	}
	if !schema {
		return fail("不含 duban 存储（没有版本标记 meta/schema），不是 duban 备份")
	}
	if info.Schema > SchemaVersion {
		return fail("来自更新版本的 duban（存储版本 %d，本程序 %d），请先升级 duban", info.Schema, SchemaVersion)
	}
	return info, nil
}

func markOf(l *pb.KVList) (backupMark, bool) {
	var m backupMark
	if len(l.Kv) != 1 || string(l.Kv[0].Key) != string(keyBackupMark) {
		return m, false
	}
	if json.Unmarshal(l.Kv[0].Value, &m) != nil || m.Format != backupFormat {
		return m, false
	}
	return m, true
}

// deletedOrExpired mirrors Badger's reading of an entry's meta byte (bit 0
// is a delete) and its TTL.
func deletedOrExpired(kv *pb.KV) bool {
	if len(kv.Meta) > 0 && kv.Meta[0]&1 != 0 {
		return true
	}
	return kv.ExpiresAt != 0 && kv.ExpiresAt <= uint64(time.Now().Unix())
}

// RestoreOptions tune RestoreBackup.
type RestoreOptions struct {
	// Legacy accepts a backup without duban's checksum and end mark
	// (written by an older duban); such a file cut at a frame boundary
	// cannot be told from a whole one.
	Legacy bool
	// Logger receives Badger's warnings; nil discards them.
	Logger *slog.Logger
}

// RestoreBackup checks the backup file, loads it into a new store built in a
// fresh directory beside dir, checks that store, and only then renames it
// to dir, which must not exist or be an empty directory. On any failure
// nothing is left behind.
func RestoreBackup(ctx context.Context, file, dir string, o RestoreOptions) (info BackupInfo, err error) {
	if err := mustBeNew(dir); err != nil {
		return info, err
	}
	f, err := OpenBackup(file)
	if err != nil {
		return info, err
	}
	defer f.Close()
	if info, err = VerifyBackup(f); err != nil {
		return info, err
	}
	if info.Legacy && !o.Legacy {
		return info, &BackupError{File: file, Problem: "没有 duban 备份的校验和与结束标记：它是旧版本 duban 写的备份，或者不完整。确认是旧版本的完整备份后，可加 --legacy 恢复"}
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o750); err != nil {
		return info, fmt.Errorf("创建目录 %s：%w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".restore-")
	if err != nil {
		return info, fmt.Errorf("创建临时目录：%w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := loadInto(ctx, tmp, file, &info, o.Logger); err != nil {
		return info, err
	}
	if err := mustBeNew(dir); err != nil {
		return info, err
	}
	os.Remove(dir) // empty, or absent
	if err := os.Rename(tmp, dir); err != nil {
		return info, fmt.Errorf("把恢复好的存储移到 %s：%w", dir, err)
	}
	syncDir(parent)
	return info, nil
}

// loadInto loads the verified backup into Badger in the empty directory
// dir and checks it holds every key the backup does; then opens it as a
// store, which migrates an older layout, and marks it restored.
func loadInto(ctx context.Context, dir, file string, info *BackupInfo, logger *slog.Logger) error {
	// Straight into Badger: Open would write this duban's meta/schema
	// first, and it could shadow the backup's older one.
	db, err := openBadger(badgerOptions(dir, Options{Logger: logger}))
	if err != nil {
		return fmt.Errorf("open store %s: %w", dir, err)
	}
	err = loadChecked(ctx, db, file, info)
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close store %s: %w", dir, cerr)
	}
	if err != nil {
		return err
	}
	s, err := Open(dir, Options{Logger: logger, FromBackup: true})
	if err != nil {
		return err
	}
	err = s.update(ctx, func(txn *badger.Txn) error {
		return putJSON(txn, keyRestored, map[string]any{"from": filepath.Base(file), "written": info.Written, "at": time.Now().UTC()})
	})
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return err
}

func loadChecked(ctx context.Context, db *badger.DB, file string, info *BackupInfo) (err error) {
	defer func() {
		// Badger's loader trusts its input; the file was verified, but a
		// panic must still end as an error, not a stack trace.
		if r := recover(); r != nil {
			err = &BackupError{File: file, Problem: fmt.Sprintf("无法载入：%v", r)}
		}
	}()
	body := info.body
	if err := db.Load(&body, 64); err != nil {
		return &BackupError{File: file, Problem: fmt.Sprintf("无法载入：%v", err)}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	keys := 0
	err = db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			if k := string(item.Key()); item.ExpiresAt() == 0 && k != string(keyBackupMark) && k != string(keyRestored) {
				keys++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if keys != info.Keys {
		return &BackupError{File: file, Problem: fmt.Sprintf("载入后有 %d 条记录，备份中有 %d 条；没有恢复", keys, info.Keys)}
	}
	return nil
}

// mustBeNew refuses a restore target that holds anything.
func mustBeNew(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("读取目标目录 %s：%w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("目标目录 %s 已有内容，没有恢复：备份只恢复到新的空目录（在配置的 [store] dir 中写一个新目录）", dir)
	}
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// OpenBackup opens a backup file, saying in plain words why it cannot (the
// operating system's own text is English).
func OpenBackup(file string) (*os.File, error) {
	f, err := os.Open(file)
	switch {
	case err == nil:
		return f, nil
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("备份文件 %s 不存在，请检查文件名和路径", file)
	case errors.Is(err, os.ErrPermission):
		return nil, fmt.Errorf("没有权限读取备份文件 %s", file)
	}
	return nil, fmt.Errorf("打开备份文件 %s：%w", file, err)
}
