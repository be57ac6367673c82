package policy

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// bodyName matches a body a question names by its own name: two or more
// characters before the suffix of an office (审批局, 大数据局, 执法大队); not
// 厅, which is as often a hall (政务大厅).
var bodyName = regexp.MustCompile(`\p{Han}{2}(局|署|委员会|办公室|中心|支队|大队|中队)`)

// unknownBodies returns the bodies the question names that no document
// mentions: a question about 行政审批局 is not answered by an article on
// 行政审批, however many words they share.
func (x *index) unknownBodies(norm string) []string {
	var out []string
	for _, loc := range bodyName.FindAllStringIndex(norm, -1) {
		// 一个局, 这个中心, 对口的局, 部委的司局: a body of a kind, not
		// one by name.
		if m := bodyName.FindStringSubmatchIndex(norm[loc[0]:]); m != nil && strings.ContainsAny(norm[loc[0]:loc[0]+m[2]], countsBodies) {
			continue
		}
		// The name with the characters before that belong to it (up to
		// four before the suffix): 审批局 stands in 多头审批局面, and a
		// reply names 行政审批局. Three characters decide.
		start, check := loc[0], ""
		for n := 2; n < 4; n++ {
			r, size := utf8.DecodeLastRuneInString(norm[:start])
			if size == 0 || !isHan(r) || strings.ContainsRune(notInName, r) {
				break
			}
			start -= size
			if check == "" {
				check = norm[start:loc[1]]
			}
		}
		if check == "" {
			check = norm[loc[0]:loc[1]]
		}
		if !x.mentioned(check) {
			out = append(out, norm[start:loc[1]])
		}
	}
	return out
}

// countsBodies stand just before the suffix of a body that is counted,
// pointed at, described or owned rather than named (一个局, 这个中心, 对口的局,
// 我们局, 本局).
const countsBodies = "个些该各每这那哪此的们我本"

// notInName are characters that stand before a body's name, not in it
// (找农业局, 由编办).
const notInName = "的在找到向由对和与及是把被给让去归从跟同"

// mentioned reports whether a title or a passage holds s (of two or more
// Han characters) whole.
func (x *index) mentioned(s string) bool {
	for _, t := range x.docTitles {
		if strings.Contains(t, s) {
			return true
		}
	}
	for _, p := range x.postings(string([]rune(s)[:2])) {
		if strings.Contains(x.chunks[p.chunk].norm, s) {
			return true
		}
	}
	return false
}
