package handlers

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/duban-org/duban"
)

// Task ids as people type them: ASCII letters, digits, - _ and /, in any
// case, with or without separators and leading zeros.

// sameID returns the tasks whose id reads as ref when separators and
// leading zeros are ignored: T3 for T003, RW3 for RW-3. Only an id-like
// ref is compared so; a word is matched against titles instead.
func sameID(tasks []duban.Task, ref string) []duban.Task {
	if !isTaskID(ref) {
		return nil
	}
	want := looseID(ref)
	var out []duban.Task
	for _, t := range tasks {
		if looseID(t.ID) == want {
			out = append(out, t)
		}
	}
	return out
}

// looseID is an id upper-cased, without - _ / and without the zeros that
// lead a run of digits.
func looseID(id string) string {
	var b strings.Builder
	id = strings.ToUpper(id)
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c == '-' || c == '_' || c == '/':
			continue
		case c == '0' && (i == 0 || id[i-1] < '0' || id[i-1] > '9') && i+1 < len(id) && id[i+1] >= '0' && id[i+1] <= '9':
			// a leading zero of a number: T003 → T3 (but T0 stays)
			for i+1 < len(id) && id[i] == '0' && id[i+1] >= '0' && id[i+1] <= '9' {
				i++
			}
			b.WriteByte(id[i])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isIDByte(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '-' || b == '_' || b == '/'
}

// isTaskID reports whether s looks like a task id: ASCII letters, digits,
// - and _, with at least one digit.
func isTaskID(s string) bool {
	return s != "" && isID(s) && hasDigit(s)
}

func isID(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isIDByte(s[i]) {
			return false
		}
	}
	return true
}

func hasLetter(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < utf8.RuneSelf && unicode.IsLetter(r) }) >= 0
}

func hasDigit(s string) bool { return strings.ContainsAny(s, "0123456789") }

// containsID reports whether text holds id as a whole token (T003 but not
// T0031).
func containsID(text, id string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], id)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(id)
		if (start == 0 || !isIDByte(text[start-1])) && (end == len(text) || !isIDByte(text[end])) {
			return true
		}
		i = end
	}
}

// Ids the grammar cannot see: a task list may number its tasks in Chinese
// (任务三, 教育-3). Such an id glued to its verb (教育-3完成了), or starting
// with a verb word (任务三 完成了), is read by standing an ASCII alias in for
// it and parsing again. It is tried only when the message did not parse to
// a task, so it costs nothing on the common path.

// aliasPrefix starts the stand-in ids; no task list writes ids like it.
const aliasPrefix = "QQZXID"

// needsOwnIDs reports whether c is a reading that may have missed a task id
// the grammar cannot see.
func needsOwnIDs(c Command) bool {
	// 任务 X is tried as a unit or group first (任务三 is tried in
	// namedScope): reading every task the sender sees for 任务 江城组 would
	// cost 编办 the whole ledger.
	return !c.Question && (c.Verb == "" || c.Need == NeedTask || c.Need == NeedVerb)
}

// parseOwnIDs parses s again with the sender's non-ASCII task ids found in
// it replaced by aliases; ok is false when that names no task either.
func (h *Handler) parseOwnIDs(ctx context.Context, t *turn, s string) (Command, bool) {
	if !t.known || isID(s) {
		return Command{}, false
	}
	named, err := h.visibleMatching(ctx, t.person, func(task *duban.Task) bool {
		return !isID(task.ID) && strings.Contains(s, task.ID)
	})
	if err != nil {
		return Command{}, false
	}
	var ids []string
	for _, task := range named {
		ids = append(ids, task.ID)
	}
	if len(ids) == 0 {
		return Command{}, false
	}
	slices.SortFunc(ids, func(a, b string) int { return len(b) - len(a) }) // 教育-31 before 教育-3
	real := map[string]string{}
	for i, id := range ids {
		alias := fmt.Sprintf("%s%d", aliasPrefix, i+1)
		real[alias] = id
		s = strings.ReplaceAll(s, id, alias)
	}
	c := Parse(s, t.today)
	id, ok := real[c.Task]
	if !ok {
		return Command{}, false
	}
	c.Task = id
	for i, m := range c.More {
		if r, ok := real[m]; ok {
			c.More[i] = r
		}
	}
	for alias, id := range real {
		c.Rest = strings.ReplaceAll(c.Rest, alias, id)
	}
	return c, true
}

// An id typed with a space inside (t 003, S 2): the letters and the number
// are joined when that names one of the sender's tasks, so that a word
// followed by a count (完成 3 项) is left alone.
var reSplitID = regexp.MustCompile(`(^|[^A-Za-z0-9])([A-Za-z]{1,4}) +(\d{1,6})($|[^0-9A-Za-z])`)

// joinSplitIDs returns s with each split id that names a task the sender
// sees written whole.
func (h *Handler) joinSplitIDs(ctx context.Context, t *turn, s string) string {
	if !t.known || !reSplitID.MatchString(s) {
		return s
	}
	for _, m := range reSplitID.FindAllStringSubmatchIndex(s, -1) {
		id := s[m[4]:m[5]] + s[m[6]:m[7]]
		want := looseID(id)
		found, err := h.visibleMatching(ctx, t.person, func(task *duban.Task) bool { return looseID(task.ID) == want })
		if err != nil || len(found) != 1 {
			continue
		}
		return h.joinSplitIDs(ctx, t, s[:m[4]]+found[0].ID+s[m[7]:])
	}
	return s
}
