package handlers

import (
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
