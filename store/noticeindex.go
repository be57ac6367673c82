package store

// The notice index: which notice keys are recorded, held in memory so that
// a reminder pass learns which of its planned notices (a quarter of a
// million at a province: every escalation and 专函 is planned again each
// day, and is recorded) were sent before without a Badger read each — one
// read costs microseconds, as the records' blocks are read and checked.
//
//   - Badger stays the only source of truth. The index is built by one
//     read of the notice ledger's keys, by Warm (serve and chat call it at
//     start); until then Recorded reads Badger, so a one-shot command does
//     not pay for the whole ledger.
//   - Kept write-through, under the index's lock: RecordNotices holds it
//     from before each message's commit to the index's update after it, so
//     the index changes in commit order; a notice released after its
//     message failed for good (outbox.go), and a commit that failed or
//     found a notice taken, are read back from Badger under the lock. The
//     build holds the lock from its read to its last insert, so a commit
//     either precedes the build's read (and is in it) or reaches the index
//     after it. A read that fails there drops the index: Recorded then
//     reads Badger again until the next Warm.
//   - Bounded by the ledger, not by its history. Most recorded notices are
//     the overdue ladder's steps (task|overdue-N|to|deadline), one more for
//     every working day a task stays overdue, and each is planned on the
//     one working day it is N days overdue. Of those the index keeps, for
//     each task, recipient and deadline, the highest N recorded: a step
//     above it is not recorded, the step itself is; one below it (planned
//     again only when the calendar changed, or by a dry run back in time)
//     is read from Badger. Every other key — before-N, due, escalate,
//     letter, verify, a calendar notice — is kept, as a 64-bit hash of its
//     part after the task, in its task's list: those are planned again
//     day after day, and there are a few per task, recipient and deadline.
//     Two keys of one task share a hash with a chance of about k²/2⁶⁵ for
//     k keys; summed over a province's tasks about 10⁻¹², far below the
//     disk's own error rate.
//   - A task's lists are never changed in place once built (a changed list
//     is a new array), so a copy of them read under the lock stays as it
//     was: the planner reads a task's lists once (NoticeLookup).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"

	"github.com/dgraph-io/badger/v4"
)

type noticeIndex struct {
	mu    sync.Mutex
	built bool
	seed  maphash.Seed
	tasks taskMap
}

// taskNotices is what the index holds of one task's recorded notices.
type taskNotices struct {
	task string      // the task part of the keys
	keys []uint64    // the rest of each key (stage|to|deadline) but the overdue steps', hashed
	tops []ladderTop // the highest overdue step recorded, per recipient and deadline
}

// taskMap holds each task's notices by the hash of its id (a map read
// with no string to follow), the task's id checked; the rare task whose
// hash another holds already goes to more, by its id.
type taskMap struct {
	seed maphash.Seed
	mask uint64 // of the hash's bits; tests clear some to make tasks share
	byID map[uint64]taskNotices
	more map[string]taskNotices
}

func newTaskMap(seed maphash.Seed) taskMap {
	return taskMap{seed: seed, mask: ^uint64(0), byID: map[uint64]taskNotices{}, more: map[string]taskNotices{}}
}

func (m taskMap) hash(task string) uint64 { return maphash.String(m.seed, task) & m.mask }

func (m taskMap) get(task []byte) (taskNotices, bool) {
	e, ok := m.byID[maphash.Bytes(m.seed, task)&m.mask]
	if ok && e.task == string(task) {
		return e, true
	}
	if !ok || len(m.more) == 0 {
		return taskNotices{}, false
	}
	e, ok = m.more[string(task)]
	return e, ok
}

// put stores e (e.task set), or drops the task when e holds nothing.
func (m taskMap) put(e taskNotices) {
	h := m.hash(e.task)
	empty := len(e.keys) == 0 && len(e.tops) == 0
	switch old, ok := m.byID[h]; {
	case ok && old.task != e.task && empty:
		delete(m.more, e.task)
	case ok && old.task != e.task:
		m.more[e.task] = e
	case !empty:
		m.byID[h] = e
	case !ok:
	default:
		delete(m.byID, h)
		for t, o := range m.more { // one sharing the hash moves up
			if m.hash(t) == h {
				m.byID[h] = o
				delete(m.more, t)
				break
			}
		}
	}
}

func (m taskMap) all(fn func(taskNotices)) {
	for _, e := range m.byID {
		fn(e)
	}
	for _, e := range m.more {
		fn(e)
	}
}

// ladderTop is the highest overdue step recorded to one recipient about
// one deadline of a task.
type ladderTop struct {
	at   uint64 // to|deadline, hashed
	step int32
}

// noticeParts is a notice key task|stage|to|deadline split from the right
// (a task id may hold a '|'). A key of another shape is all task, with an
// empty rest. step is N for an overdue-N stage, else 0.
type noticeParts struct {
	task, rest, at []byte // rest: stage|to|deadline; at: to|deadline
	step           int32
}

func splitNoticeKey(k []byte) noticeParts {
	d := bytes.LastIndexByte(k, '|')
	if d < 0 {
		return noticeParts{task: k}
	}
	t := bytes.LastIndexByte(k[:d], '|')
	if t < 0 {
		return noticeParts{task: k}
	}
	s := bytes.LastIndexByte(k[:t], '|')
	if s < 0 {
		return noticeParts{task: k}
	}
	p := noticeParts{task: k[:s], rest: k[s+1:], at: k[t+1:]}
	p.step = overdueStep(k[s+1 : t])
	return p
}

// overdueStep returns N of a stage overdue-N written as the planner writes
// it (decimal, no leading zero, below a billion), else 0.
func overdueStep(stage []byte) int32 {
	digits, ok := bytes.CutPrefix(stage, []byte("overdue-"))
	if !ok || len(digits) == 0 || len(digits) > 9 || digits[0] == '0' {
		return 0
	}
	n := int32(0)
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int32(c-'0')
	}
	return n
}

func (x *noticeIndex) hash(b []byte) uint64 { return maphash.Bytes(x.seed, b) }

// answer is what the index knows of a key.
type answer int8

const (
	notRecorded answer = iota
	isRecorded
	askBadger // an overdue step below the highest recorded: read Badger
)

// lookup answers for key p of a task whose lists are e.
func (x *noticeIndex) lookup(e taskNotices, p noticeParts) answer {
	if p.step == 0 {
		if slices.Contains(e.keys, x.hash(p.rest)) {
			return isRecorded
		}
		return notRecorded
	}
	at := x.hash(p.at)
	for _, t := range e.tops {
		if t.at == at {
			switch {
			case p.step == t.step:
				return isRecorded
			case p.step < t.step:
				return askBadger
			}
			return notRecorded
		}
	}
	return notRecorded
}

// add returns e with key p recorded. When fresh, e's arrays are the
// build's own and are appended to in place; otherwise every changed list
// is a new array.
func (x *noticeIndex) add(e taskNotices, p noticeParts, fresh bool) taskNotices {
	if p.step == 0 {
		h := x.hash(p.rest)
		if slices.Contains(e.keys, h) {
			return e
		}
		if !fresh {
			e.keys = slices.Clip(e.keys)
		}
		e.keys = append(e.keys, h)
		return e
	}
	at := x.hash(p.at)
	i := slices.IndexFunc(e.tops, func(t ladderTop) bool { return t.at == at })
	switch {
	case i < 0:
		if !fresh {
			e.tops = slices.Clip(e.tops)
		}
		e.tops = append(e.tops, ladderTop{at: at, step: p.step})
	case e.tops[i].step < p.step:
		if !fresh {
			e.tops = slices.Clone(e.tops)
		}
		e.tops[i].step = p.step
	}
	return e
}

// buildNoticeIndex reads every recorded notice key into the index, once.
func (s *Store) buildNoticeIndex(ctx context.Context) error {
	x := &s.noticeIx
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.built {
		return nil
	}
	x.seed = maphash.MakeSeed()
	tasks := newTaskMap(maphash.MakeSeed())
	// Keys come sorted, a task's together: its lists are filled in place
	// and stored when the next task starts.
	var e taskNotices
	started := false
	err := s.view(ctx, func(txn *badger.Txn) error {
		return scanPrefix(txn, []byte(prefixNotice), true, func(key, _ []byte) error {
			p := splitNoticeKey(key[len(prefixNotice):])
			if !started || e.task != string(p.task) {
				if started {
					tasks.put(e)
				}
				started = true
				var ok bool
				if e, ok = tasks.get(p.task); !ok {
					e.task = string(p.task)
				}
			}
			e = x.add(e, p, true)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("read notice keys: %w", err)
	}
	s.releaseFilePages() // every notice key was read; the index holds what is needed
	if started {
		tasks.put(e)
	}
	x.tasks, x.built = tasks, true
	return nil
}

// recorded reports, for each of n keys (see Store.Recorded), whether it is
// recorded, and lists the keys the index is unsure of; ok is false until
// the index is built.
func (x *noticeIndex) recorded(n int, key func(buf []byte, i int) []byte) (out []bool, unsure []int, ok bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.built {
		return nil, nil, false
	}
	out = make([]bool, n)
	var buf, task []byte
	var e taskNotices
	for i := range out {
		buf = key(buf[:0], i)
		p := splitNoticeKey(buf)
		// A plan's notices come task by task: one map read each.
		if i == 0 || !bytes.Equal(p.task, task) {
			task = append(task[:0], p.task...)
			e, _ = x.tasks.get(p.task)
		}
		switch x.lookup(e, p) {
		case isRecorded:
			out[i] = true
		case askBadger:
			unsure = append(unsure, i)
		}
	}
	return out, unsure, true
}

// record records keys in the index; the caller holds x.mu and has just
// committed them.
func (x *noticeIndex) record(keys []string) {
	if !x.built {
		return
	}
	for _, k := range keys {
		p := splitNoticeKey([]byte(k))
		e, ok := x.tasks.get(p.task)
		if !ok {
			e.task = string(p.task)
		}
		x.tasks.put(x.add(e, p, false))
	}
}

// rereadNotices sets keys in the index as Badger holds them now; the caller
// holds the index's lock. On a failed read the index is dropped.
func (s *Store) rereadNotices(keys []string) {
	x := &s.noticeIx
	if !x.built || len(keys) == 0 {
		return
	}
	err := s.db.View(func(txn *badger.Txn) error {
		for _, k := range keys {
			p := splitNoticeKey([]byte(k))
			e, ok := x.tasks.get(p.task)
			if !ok {
				e.task = string(p.task)
			}
			switch _, err := txn.Get(noticeKey(k)); {
			case err == nil:
				e = x.add(e, p, false)
			case !errors.Is(err, badger.ErrKeyNotFound):
				return err
			case p.step == 0:
				h := x.hash(p.rest)
				e.keys = slices.DeleteFunc(slices.Clone(e.keys), func(k uint64) bool { return k == h })
			default:
				var err error
				if e, err = x.rereadTop(txn, e, p); err != nil {
					return err
				}
			}
			x.tasks.put(e)
		}
		return nil
	})
	if err != nil {
		x.built, x.tasks = false, taskMap{}
	}
}

// rereadTop sets the highest overdue step of p's recipient and deadline as
// Badger holds it, after p's own record was found gone.
func (x *noticeIndex) rereadTop(txn *badger.Txn, e taskNotices, p noticeParts) (taskNotices, error) {
	at := x.hash(p.at)
	i := slices.IndexFunc(e.tops, func(t ladderTop) bool { return t.at == at })
	if i < 0 || e.tops[i].step != p.step {
		return e, nil // it was not the highest: the top stands
	}
	top := int32(0)
	prefix := noticeKey(string(p.task) + "|overdue-")
	err := scanPrefix(txn, prefix, true, func(key, _ []byte) error {
		q := splitNoticeKey(key[len(prefixNotice):])
		if q.step > top && bytes.Equal(q.task, p.task) && bytes.Equal(q.at, p.at) {
			top = q.step
		}
		return nil
	})
	if err != nil {
		return e, err
	}
	e.tops = slices.Clone(e.tops)
	if top == 0 {
		e.tops = slices.Delete(e.tops, i, i+1)
	} else {
		e.tops[i].step = top
	}
	return e, nil
}

// size counts the entries the index holds: a task's listed keys and its
// ladder tops.
func (x *noticeIndex) size() (keys, tops int) {
	x.tasks.all(func(e taskNotices) {
		keys += len(e.keys)
		tops += len(e.tops)
	})
	return keys, tops
}

// NoticeLookup answers, from the notice index, whether notices are
// recorded, reading each task's lists once under the index's lock. It
// serves one reminder pass's planning, one goroutine at a time; a notice
// recorded or released after its task was read is seen by a later lookup.
type NoticeLookup struct {
	x       *noticeIndex
	read    bool // task's lists are in e (ok: the index held them)
	task    []byte
	e       taskNotices
	ok      bool // the index held lists of the task
	dropped bool // the index was dropped (a failed read): nothing is known
}

// NoticeLookup returns a lookup over the notice index, or nil while the
// index is not built.
func (s *Store) NoticeLookup() *NoticeLookup {
	x := &s.noticeIx
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.built {
		return nil
	}
	return &NoticeLookup{x: x}
}

// Any positions the lookup on task and reports whether the index holds
// any notice of it; one without is known to have none recorded unless
// Dropped.
func (l *NoticeLookup) Any(task string) bool {
	if !l.read || string(l.task) != task {
		l.fetch(append(l.task[:0], task...))
	}
	return l.ok
}

// Recorded reports whether the notice key is known to be recorded: false
// when it is not, or when the index cannot tell without Badger (an
// overdue step below the highest recorded) or was dropped meanwhile.
func (l *NoticeLookup) Recorded(key []byte) bool {
	recorded, known := l.Lookup(key)
	return recorded && known
}

// RecordedRest is Recorded for the key of the task positioned on (by Any)
// whose part after the task is rest (stage|to|deadline).
func (l *NoticeLookup) RecordedRest(rest []byte) bool {
	if !l.ok {
		return false
	}
	p := noticeParts{task: l.task, rest: rest}
	if s := bytes.IndexByte(rest, '|'); s >= 0 {
		p.at, p.step = rest[s+1:], overdueStep(rest[:s])
	}
	return l.x.lookup(l.e, p) == isRecorded
}

// Lookup reports whether the notice key is recorded; known is false when
// the index cannot tell without Badger (Store.Recorded reads it then).
func (l *NoticeLookup) Lookup(key []byte) (recorded, known bool) {
	p := splitNoticeKey(key)
	if !l.read || !bytes.Equal(p.task, l.task) {
		l.fetch(append(l.task[:0], p.task...))
	}
	if !l.ok {
		return false, l.built()
	}
	switch l.x.lookup(l.e, p) {
	case isRecorded:
		return true, true
	case askBadger:
		return false, false
	}
	return false, true
}

// fetch reads task's lists from the index.
func (l *NoticeLookup) fetch(task []byte) {
	l.read, l.task = true, task
	l.x.mu.Lock()
	l.e, l.ok = l.x.tasks.get(task)
	l.dropped = !l.x.built
	l.ok = l.ok && !l.dropped
	l.x.mu.Unlock()
}

// built reports whether the index was still built when the task was read:
// a task it held nothing of then has nothing recorded.
func (l *NoticeLookup) built() bool { return !l.dropped }

// Dropped reports whether the index was found dropped (a failed read) when
// the task positioned on was read: then nothing it says is known.
func (l *NoticeLookup) Dropped() bool { return l.dropped }
