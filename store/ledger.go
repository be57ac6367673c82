package store

// The ledger: units, people, tasks, their indexes and the append-only history.
// Every <code>, <id>, <group>, <userid> and <msg key> is escaped (keys.go).
//
//	unit/<code>                         Unit
//	person/<userid, lower case>         Person
//	task/<id>                           Task
//	idx/unit/<unit>/<id>                (empty)   tasks of a unit
//	idx/group/<group>/<id>              (empty)   tasks of a group
//	idx/deadline/<YYYY-MM-DD>/<id>      (empty)   tasks by deadline
//	idx/post/<role>/<scope>/<userid>    (empty)   holders of a post (scope "" for 编办)
//	hist/<id>/<seq:020>                 Change    append-only history of a task
//	histseq/<id>                        uint64    last history seq of a task (binary)
//	lastmod/<id>                        uint64    seq of the task's latest change that altered it (binary)
//	last/<userid>                       lastChange the user's most recent change (for 撤销)
//	applied/<msg key>/<id>              uint64    history seq a message produced (TTL 7 days)

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// appliedTTL bounds how long a message's effect is remembered for replay:
// far longer than any crash-and-restart, short enough to keep the keys few.
const appliedTTL = 7 * 24 * time.Hour

type lastChange struct {
	Task string `json:"task"`
	Seq  uint64 `json:"seq"`
}

// Unit returns the unit with the given code.
func (s *Store) Unit(ctx context.Context, code string) (duban.Unit, error) {
	if v := s.lv.Load(); v != nil { // units are fixed until the next build
		if i, ok := v.unitAt[code]; ok {
			return v.units[i], nil
		}
		return duban.Unit{}, fmt.Errorf("unit %s: %w", code, ErrNotFound)
	}
	var u duban.Unit
	err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, unitKey(code), &u) })
	if err != nil {
		return u, fmt.Errorf("unit %s: %w", code, err)
	}
	return u, nil
}

// Units returns every unit, ordered by code.
func (s *Store) Units(ctx context.Context) ([]duban.Unit, error) {
	if v := s.lv.Load(); v != nil {
		return slices.Clone(v.units), nil
	}
	return listJSON[duban.Unit](ctx, s, []byte("unit/"))
}

// Person returns the person with the given WeCom userid (case-insensitive).
func (s *Store) Person(ctx context.Context, userid string) (duban.Person, error) {
	if v := s.lv.Load(); v != nil { // people are fixed until the next build
		if i, ok := v.personAt[duban.CanonicalUserID(userid)]; ok {
			return copyPerson(v.people[i]), nil
		}
		return duban.Person{}, fmt.Errorf("person %s: %w", userid, ErrNotFound)
	}
	var p duban.Person
	err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, personKey(userid), &p) })
	if err != nil {
		return p, fmt.Errorf("person %s: %w", userid, err)
	}
	return p, nil
}

// People returns every person, ordered by userid.
func (s *Store) People(ctx context.Context) ([]duban.Person, error) {
	if v := s.lv.Load(); v != nil {
		return v.copyPeople(), nil
	}
	return listJSON[duban.Person](ctx, s, []byte("person/"))
}

// PeopleConcerned returns the people a change to a task of unit u concerns,
// ordered by userid, each once: the unit's 一把手 and 联络员, its group's
// 督办组长 and every 编办 staff member. It reads the post index, not every
// person.
func (s *Store) PeopleConcerned(ctx context.Context, u duban.Unit) ([]duban.Person, error) {
	var people []duban.Person
	if v := s.lv.Load(); v != nil {
		seen := map[int]bool{}
		for _, post := range []duban.Post{{Role: duban.RoleHead, Scope: u.Code}, {Role: duban.RoleContact, Scope: u.Code},
			{Role: duban.RoleLeader, Scope: u.Group}, {Role: duban.RoleAdmin}} {
			for _, i := range v.holders[post] {
				if !seen[i] {
					seen[i] = true
					people = append(people, copyPerson(v.people[i]))
				}
			}
		}
		sortPeople(people)
		return people, nil
	}
	err := s.view(ctx, func(txn *badger.Txn) error {
		seen := map[string]bool{}
		for _, prefix := range [][]byte{postIndex(duban.RoleHead, u.Code), postIndex(duban.RoleContact, u.Code),
			postIndex(duban.RoleLeader, u.Group), postIndex(duban.RoleAdmin, "")} {
			err := scanPrefix(txn, prefix, true, func(key, _ []byte) error {
				userid, err := parsePart(key[len(prefix):])
				if err != nil || seen[userid] {
					return err
				}
				seen[userid] = true
				var p duban.Person
				if err := getJSON(txn, personKey(userid), &p); err != nil {
					return err
				}
				people = append(people, p)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("people of unit %s: %w", u.Code, err)
	}
	sortPeople(people)
	return people, nil
}

func sortPeople(people []duban.Person) {
	slices.SortFunc(people, func(a, b duban.Person) int {
		return strings.Compare(duban.CanonicalUserID(a.UserID), duban.CanonicalUserID(b.UserID))
	})
}

// Task returns the task with the given id (as typed; it is canonicalised).
func (s *Store) Task(ctx context.Context, id string) (duban.Task, error) {
	var t duban.Task
	id = duban.CanonicalID(id)
	if v := s.lv.Load(); v != nil {
		v.mu.RLock()
		e := v.tasks[id]
		v.mu.RUnlock()
		if e == nil {
			return t, fmt.Errorf("task %s: %w", id, ErrNotFound)
		}
		return e.copyTask(), nil
	}
	err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, taskKey(id), &t) })
	if err != nil {
		return t, fmt.Errorf("task %s: %w", id, err)
	}
	return t, nil
}

// TaskFilter selects tasks. Unit and Group use their indexes; Status filters
// the result. The zero filter selects every task.
type TaskFilter struct {
	Unit   string
	Group  string
	Status duban.Status
}

// Tasks returns the tasks matching f, ordered by deadline then id.
func (s *Store) Tasks(ctx context.Context, f TaskFilter) ([]duban.Task, error) {
	if v := s.lv.Load(); v != nil {
		return tasksOf(v.list(f), f.Status), nil
	}
	var tasks []duban.Task
	err := s.view(ctx, func(txn *badger.Txn) error {
		var err error
		switch {
		case f.Unit != "":
			tasks, err = tasksByIndex(txn, unitIndex(f.Unit))
		case f.Group != "":
			tasks, err = tasksByIndex(txn, groupIndex(f.Group))
		default:
			tasks, err = tasksByIndex(txn, []byte("idx/deadline/"))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	tasks = slices.DeleteFunc(tasks, func(t duban.Task) bool {
		return f.Status != "" && t.Status != f.Status
	})
	if f.Unit != "" && f.Group != "" && len(tasks) > 0 {
		u, err := s.Unit(ctx, f.Unit)
		if err != nil {
			return nil, err
		}
		if u.Group != f.Group {
			return nil, nil
		}
	}
	sortTasks(tasks)
	return tasks, nil
}

// FindTasks returns copies of the tasks matching f for which match is
// true, ordered by deadline then id. match sees each task where it is held
// and must neither keep nor change it: a search of the whole ledger copies
// only what it finds.
func (s *Store) FindTasks(ctx context.Context, f TaskFilter, match func(*duban.Task) bool) ([]duban.Task, error) {
	if v := s.lv.Load(); v != nil {
		var found taskList
		for _, e := range v.list(f) {
			if (f.Status == "" || e.t.Status == f.Status) && match(&e.t) {
				found = append(found, e)
			}
		}
		return tasksOf(found, ""), nil
	}
	var found []duban.Task
	err := s.EachTask(ctx, f, func(t duban.Task) error {
		if match(&t) {
			found = append(found, t)
		}
		return nil
	})
	return found, err
}

// TaskPage returns how many tasks the units of groups have (every task
// when no group is given) and copies of n of them from the from-th, in the
// order of Tasks: a page of a list of any length, read from the ledger view
// (built first when it is not) without copying the rest.
func (s *Store) TaskPage(ctx context.Context, groups []string, from, n int) (total int, page []duban.Task, err error) {
	v, err := s.ledgerView(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("read a page of tasks: %w", err)
	}
	total, entries := v.page(groups, from, n)
	return total, tasksOf(entries, ""), nil
}

// EachTask calls fn with every task matching f, ordered by deadline then id.
// From the ledger view, they are the tasks matching when the walk began;
// from Badger, they are read one at a time from one consistent read (a
// listing of any size holds one task in memory, plus the ids of f's unit or
// group). An error from fn stops the walk and is returned.
func (s *Store) EachTask(ctx context.Context, f TaskFilter, fn func(duban.Task) error) error {
	return s.EachTaskFrom(ctx, f, 0, fn)
}

// EachTaskFrom is EachTask passing over the first from tasks matching f:
// without a Status they are passed over on the index alone, reading no
// task, so a page deep in a long listing reads only its own tasks.
func (s *Store) EachTaskFrom(ctx context.Context, f TaskFilter, from int, fn func(duban.Task) error) error {
	if v := s.lv.Load(); v != nil {
		return v.each(f, from, fn)
	}
	skipped := 0
	return s.view(ctx, func(txn *badger.Txn) error {
		var only map[string]bool // escaped ids of f's unit or group; nil: all
		if f.Unit != "" || f.Group != "" {
			if f.Unit != "" && f.Group != "" {
				var u duban.Unit
				if err := getJSON(txn, unitKey(f.Unit), &u); err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
				if u.Group != f.Group {
					return nil
				}
			}
			prefix := groupIndex(f.Group)
			if f.Unit != "" {
				prefix = unitIndex(f.Unit)
			}
			only = map[string]bool{}
			if err := scanPrefix(txn, prefix, true, func(key, _ []byte) error {
				only[string(key[len(prefix):])] = true
				return nil
			}); err != nil {
				return err
			}
			if len(only) == 0 {
				return nil
			}
		}
		return scanPrefix(txn, []byte("idx/deadline/"), true, func(key, _ []byte) error {
			escaped := key[bytes.LastIndexByte(key, '/')+1:]
			if only != nil && !only[string(escaped)] {
				return nil
			}
			if f.Status == "" && skipped < from {
				skipped++
				return nil
			}
			id, err := parsePart(escaped)
			if err != nil {
				return err
			}
			var t duban.Task
			if err := getJSON(txn, taskKey(id), &t); err != nil {
				return err
			}
			if f.Status != "" && t.Status != f.Status {
				return nil
			}
			if skipped < from {
				skipped++
				return nil
			}
			return fn(t)
		})
	})
}

// CountTasks returns how many tasks match f. Without a Status it counts
// index entries alone, reading no task.
func (s *Store) CountTasks(ctx context.Context, f TaskFilter) (int, error) {
	if v := s.lv.Load(); v != nil {
		return v.count(f), nil
	}
	n := 0
	if f.Status != "" || f.Unit != "" && f.Group != "" {
		err := s.EachTask(ctx, f, func(duban.Task) error { n++; return nil })
		return n, err
	}
	prefix := []byte("idx/deadline/")
	switch {
	case f.Unit != "":
		prefix = unitIndex(f.Unit)
	case f.Group != "":
		prefix = groupIndex(f.Group)
	}
	err := s.view(ctx, func(txn *badger.Txn) error {
		return scanPrefix(txn, prefix, true, func([]byte, []byte) error { n++; return nil })
	})
	if err != nil {
		return 0, fmt.Errorf("count tasks: %w", err)
	}
	return n, nil
}

// TasksDue returns the tasks whose deadline falls in [from, to], by deadline.
func (s *Store) TasksDue(ctx context.Context, from, to duban.Date) ([]duban.Task, error) {
	if v := s.lv.Load(); v != nil {
		return v.due(from, to), nil
	}
	var tasks []duban.Task
	err := s.view(ctx, func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte("idx/deadline/")
		opts.PrefetchValues = false
		it := txn.NewIterator(opts)
		defer it.Close()
		end := append(deadlineIndex(to), 0xff)
		for it.Seek(deadlineIndex(from)); it.Valid(); it.Next() {
			k := it.Item().Key()
			if bytes.Compare(k, end) > 0 {
				break
			}
			id, err := lastPart(k)
			if err != nil {
				return err
			}
			var t duban.Task
			if err := getJSON(txn, taskKey(id), &t); err != nil {
				return err
			}
			tasks = append(tasks, t)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list tasks due %s..%s: %w", from, to, err)
	}
	return tasks, nil
}

func tasksByIndex(txn *badger.Txn, prefix []byte) ([]duban.Task, error) {
	var tasks []duban.Task
	err := scanPrefix(txn, prefix, true, func(key, _ []byte) error {
		id, err := lastPart(key)
		if err != nil {
			return err
		}
		var t duban.Task
		if err := getJSON(txn, taskKey(id), &t); err != nil {
			return err
		}
		tasks = append(tasks, t)
		return nil
	})
	return tasks, err
}

func sortTasks(tasks []duban.Task) {
	slices.SortFunc(tasks, func(a, b duban.Task) int { return compareTasks(&a, &b) })
}

// Snapshot returns the whole ledger as of one consistent read.
func (s *Store) Snapshot(ctx context.Context) (duban.Ledger, error) {
	if v := s.lv.Load(); v != nil {
		l, _ := v.snapshot(nil)
		return l, nil
	}
	var l duban.Ledger
	err := s.view(ctx, func(txn *badger.Txn) error {
		var err error
		if l.Units, err = listIn[duban.Unit](txn, []byte("unit/")); err != nil {
			return err
		}
		if l.People, err = listIn[duban.Person](txn, []byte("person/")); err != nil {
			return err
		}
		l.Tasks, err = listIn[duban.Task](txn, []byte("task/"))
		return err
	})
	if err != nil {
		return l, fmt.Errorf("read ledger: %w", err)
	}
	sortTasks(l.Tasks)
	return l, nil
}

// History returns the history of a task, oldest first.
func (s *Store) History(ctx context.Context, id string) ([]duban.Change, error) {
	id = duban.CanonicalID(id)
	return listJSON[duban.Change](ctx, s, histPrefix(id))
}

// AllHistory calls fn with every history entry of every task, ordered by task
// id then sequence. It is what an export's audit sheet is made of.
func (s *Store) AllHistory(ctx context.Context, fn func(duban.Change) error) error {
	return s.view(ctx, func(txn *badger.Txn) error {
		return scanPrefix(txn, []byte("hist/"), false, func(_, val []byte) error {
			var c duban.Change
			if err := json.Unmarshal(val, &c); err != nil {
				return fmt.Errorf("decode history: %w", err)
			}
			return fn(c)
		})
	})
}

// ApplyFunc computes a task's next state from its current one and its unit.
type ApplyFunc func(t duban.Task, u duban.Unit) (duban.Task, duban.Change, error)

// Applied is the outcome of Apply.
type Applied struct {
	Task   duban.Task
	Change duban.Change
	// Replayed is true when msgKey had already been applied to this task:
	// nothing changed now, and Change is the one recorded then. This makes
	// reprocessing a message after a crash harmless.
	Replayed bool
}

// Apply reads task id and its unit, lets fn decide the change, and writes the
// task, its indexes, the history entry and the sender's last-change pointer in
// one transaction. msgKey names the message that asked for it ("" for none).
func (s *Store) Apply(ctx context.Context, id, msgKey string, fn ApplyFunc) (Applied, error) {
	id = duban.CanonicalID(id)
	var out Applied
	err := s.updateLedgerThen(ctx, func(txn *badger.Txn) error {
		var err error
		out, err = applyIn(txn, id, msgKey, fn)
		return err
	}, func() { s.putApplied(out) })
	if err != nil {
		return out, fmt.Errorf("apply to task %s: %w", id, err)
	}
	if !out.Replayed {
		s.taskWatch.tell([]string{id})
	}
	return out, nil
}

// WatchTasks calls fn (which must not block) with the ids of tasks whose
// change (Apply, Undo, Import) has committed, until stop is called.
func (s *Store) WatchTasks(fn func(ids []string)) (stop func()) { return s.taskWatch.add(fn) }

// UndoFunc computes the task restored from last, the change being undone.
type UndoFunc func(t duban.Task, last duban.Change) (duban.Task, duban.Change, error)

// Undo reverts userid's most recent change with fn, in one transaction that
// also checks nobody has changed the task since (history-only entries such
// as refusals and proposals do not count).
func (s *Store) Undo(ctx context.Context, userid, msgKey string, fn UndoFunc) (Applied, error) {
	var out Applied
	err := s.updateLedgerThen(ctx, func(txn *badger.Txn) error {
		var lc lastChange
		if err := getJSON(txn, lastKey(userid), &lc); err != nil {
			if errors.Is(err, ErrNotFound) {
				return duban.Errorf(duban.ECONFLICT, "您还没有可撤销的变更。") // understood, nothing to do: not a miss
			}
			return err
		}
		var err error
		out, err = applyIn(txn, lc.Task, msgKey, func(t duban.Task, _ duban.Unit) (duban.Task, duban.Change, error) {
			mod, err := readCounter(txn, lastModKey(lc.Task))
			if err != nil {
				return t, duban.Change{}, err
			}
			if mod != lc.Seq {
				return t, duban.Change{}, duban.Errorf(duban.ECONFLICT, "任务 %s 在您的变更之后又有新的变更，不能撤销。发送「记录 %s」查看。", lc.Task, lc.Task)
			}
			var last duban.Change
			if err := getJSON(txn, histKey(lc.Task, lc.Seq), &last); err != nil {
				return t, duban.Change{}, err
			}
			return fn(t, last)
		})
		return err
	}, func() { s.putApplied(out) })
	if err != nil {
		return out, fmt.Errorf("undo the last change of %s: %w", userid, err)
	}
	if !out.Replayed {
		s.taskWatch.tell([]string{out.Task.ID})
	}
	return out, nil
}

// applyIn is Apply inside txn.
func applyIn(txn *badger.Txn, id, msgKey string, fn ApplyFunc) (Applied, error) {
	if msgKey != "" {
		var seq uint64
		err := getJSON(txn, appliedKey(msgKey, id), &seq)
		if err == nil {
			out := Applied{Replayed: true}
			if err := getJSON(txn, taskKey(id), &out.Task); err != nil {
				return out, err
			}
			return out, getJSON(txn, histKey(id, seq), &out.Change)
		}
		if !errors.Is(err, ErrNotFound) {
			return Applied{}, err
		}
	}
	var t duban.Task
	if err := getJSON(txn, taskKey(id), &t); err != nil {
		if errors.Is(err, ErrNotFound) {
			return Applied{}, duban.Errorf(duban.ENOTFOUND, "没有编号为 %s 的任务。", id)
		}
		return Applied{}, err
	}
	var u duban.Unit
	if err := getJSON(txn, unitKey(t.Unit), &u); err != nil {
		return Applied{}, err
	}
	next, c, err := fn(t, u)
	if err != nil {
		return Applied{}, err
	}
	if err := writeTask(txn, &t, next, u.Group); err != nil {
		return Applied{}, err
	}
	if c, err = appendChange(txn, c); err != nil {
		return Applied{}, err
	}
	if err := putJSON(txn, lastKey(c.By), lastChange{Task: id, Seq: c.Seq}); err != nil {
		return Applied{}, err
	}
	if err := markApplied(txn, msgKey, id, c.Seq); err != nil {
		return Applied{}, err
	}
	return Applied{Task: next, Change: c}, nil
}

// markApplied remembers that msgKey produced history entry seq of task id,
// so reprocessing the message replays instead of repeating it.
func markApplied(txn *badger.Txn, msgKey, id string, seq uint64) error {
	if msgKey == "" {
		return nil
	}
	b, _ := json.Marshal(seq)
	if err := txn.SetEntry(badger.NewEntry(appliedKey(msgKey, id), b).WithTTL(appliedTTL)); err != nil {
		return fmt.Errorf("write applied marker: %w", err)
	}
	return nil
}

// writeTask stores next, moving its index entries when unit or deadline
// changed. old is nil for a new task.
func writeTask(txn *badger.Txn, old *duban.Task, next duban.Task, group string) error {
	if old != nil {
		var oldUnit duban.Unit
		if err := getJSON(txn, unitKey(old.Unit), &oldUnit); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		for _, k := range taskIndexKeys(*old, oldUnit.Group) {
			if err := txn.Delete(k); err != nil {
				return fmt.Errorf("delete index %s: %w", k, err)
			}
		}
	}
	for _, k := range taskIndexKeys(next, group) {
		if err := txn.Set(k, nil); err != nil {
			return fmt.Errorf("write index %s: %w", k, err)
		}
	}
	return putJSON(txn, taskKey(next.ID), next)
}

// appendChange appends the history entry of a change that altered the task
// and makes it the task's latest change (what 撤销 checks against).
func appendChange(txn *badger.Txn, c duban.Change) (duban.Change, error) {
	c, err := appendHistory(txn, c)
	if err != nil {
		return c, err
	}
	if err := txn.Set(lastModKey(c.TaskID), binary.BigEndian.AppendUint64(nil, c.Seq)); err != nil {
		return c, fmt.Errorf("write %s: %w", lastModKey(c.TaskID), err)
	}
	return c, nil
}

// appendHistory appends an entry to a task's history; on its own it is for
// entries that record without altering (refusals, proposals).
func appendHistory(txn *badger.Txn, c duban.Change) (duban.Change, error) {
	seq, err := nextSeq(txn, histSeqKey(c.TaskID))
	if err != nil {
		return c, err
	}
	c.Seq = seq
	return c, putJSON(txn, histKey(c.TaskID, seq), c)
}

func listJSON[T any](ctx context.Context, s *Store, prefix []byte) ([]T, error) {
	var out []T
	err := s.view(ctx, func(txn *badger.Txn) error {
		var err error
		out, err = listIn[T](txn, prefix)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	return out, nil
}

// listIn decodes every value under prefix, in key order. The values are
// gathered in chunks and copied once into a slice of their
// number: appending to one slice reallocated it at every quarter's growth,
// five times the list's size in garbage (about 110 MB for the ledger view
// of 100,000 tasks, when serve starts).
func listIn[T any](txn *badger.Txn, prefix []byte) ([]T, error) {
	const chunk = 1024
	var full [][]T
	var cur []T
	var v T // one variable decoded into, zeroed each time
	err := scanPrefix(txn, prefix, false, func(key, val []byte) error {
		var zero T
		v = zero
		if err := json.Unmarshal(val, &v); err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		if len(cur) == chunk {
			full, cur = append(full, cur), make([]T, 0, chunk)
		}
		cur = append(cur, v) // the first chunk grows from nothing: small lists stay small
		return nil
	})
	if len(full) == 0 {
		return cur, err
	}
	out := make([]T, 0, len(full)*chunk+len(cur))
	for _, c := range full {
		out = append(out, c...)
	}
	return append(out, cur...), err
}
