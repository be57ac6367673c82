package store

// Key components. Keys are paths of components joined by '/'; a component
// that comes from outside (a unit code, a task id, a group name, a userid, a
// message key) is escaped by keyPart so it never holds a '/': a prefix scan
// of one id ("idx/unit/A/") can then never reach another's ("idx/unit/A/B/…").
// Only '%' and '/' are escaped, so every id without them (all ids of a
// store written before escaping, except the ones it misfiled) keeps its key.

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"

	"github.com/duban-org/duban"
)

// keyPart escapes one key component: '%' → "%25", '/' → "%2F".
func keyPart(s string) string {
	if !strings.ContainsAny(s, "%/") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%':
			b.WriteString("%25")
		case '/':
			b.WriteString("%2F")
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// parsePart undoes keyPart.
func parsePart(p []byte) (string, error) {
	if bytes.IndexByte(p, '%') < 0 {
		return string(p), nil
	}
	s, err := url.PathUnescape(string(p))
	if err != nil {
		return "", fmt.Errorf("key component %q: %w", p, err)
	}
	return s, nil
}

// lastPart returns the unescaped last component of key.
func lastPart(key []byte) (string, error) {
	return parsePart(key[bytes.LastIndexByte(key, '/')+1:])
}

// keyPath joins prefix and the escaped components, each followed by '/'
// except the last.
func keyPath(prefix string, parts ...string) []byte {
	b := []byte(prefix)
	for i, p := range parts {
		if i > 0 {
			b = append(b, '/')
		}
		b = append(b, keyPart(p)...)
	}
	return b
}

// keyDir is keyPath with a trailing '/': the prefix of the keys under the components.
func keyDir(prefix string, parts ...string) []byte { return append(keyPath(prefix, parts...), '/') }

func unitKey(code string) []byte     { return keyPath("unit/", code) }
func personKey(userid string) []byte { return keyPath("person/", duban.CanonicalUserID(userid)) }
func taskKey(id string) []byte       { return keyPath("task/", id) }
func histPrefix(id string) []byte    { return keyDir("hist/", id) }
func histKey(id string, seq uint64) []byte {
	return seqKey(string(histPrefix(id)), seq)
}
func histSeqKey(id string) []byte  { return keyPath("histseq/", id) }
func lastModKey(id string) []byte  { return keyPath("lastmod/", id) }
func lastKey(userid string) []byte { return keyPath("last/", duban.CanonicalUserID(userid)) }
func appliedKey(msg, id string) []byte {
	return keyPath("applied/", msg, id)
}
func recordedKey(msg, id string) []byte { return keyPath("recorded/", msg, id) }
func proposalKey(userid string) []byte {
	return keyPath("proposal/", duban.CanonicalUserID(userid))
}

func unitIndex(unit string) []byte   { return keyDir("idx/unit/", unit) }
func groupIndex(group string) []byte { return keyDir("idx/group/", group) }
func deadlineIndex(d duban.Date) []byte {
	return keyDir("idx/deadline/", d.String())
}

// postIndex is the prefix of the holders of role in scope (a unit code, a
// group name, "" for 编办); postKeys are the entries of a person's posts.
func postIndex(role duban.Role, scope string) []byte {
	return keyDir("idx/post/", string(role), scope)
}

func postKeys(p duban.Person) [][]byte {
	keys := make([][]byte, 0, len(p.Posts))
	for _, post := range p.Posts {
		keys = append(keys, append(postIndex(post.Role, post.Scope), keyPart(duban.CanonicalUserID(p.UserID))...))
	}
	return keys
}

func taskIndexKeys(t duban.Task, group string) [][]byte {
	return [][]byte{
		append(unitIndex(t.Unit), keyPart(t.ID)...),
		append(groupIndex(group), keyPart(t.ID)...),
		append(deadlineIndex(t.Deadline), keyPart(t.ID)...),
	}
}
