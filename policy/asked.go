package policy

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// asked is what a question asks for besides the kind of its answer: the
// deed it asks whether or by whom (要考试吗, 由谁任命), the thing it counts
// or asks by name (多少编制, 什么条件), how a figure is set (怎么算). An
// answer must say it: a sentence on the question's subject that does not is
// no answer, and the engine declines rather than quote it.
type asked struct {
	// yesNo: the question asks whether (能不能, 要…吗, …了没有); deed is
	// then what it asks whether of (能不能单设办事机构 → 单设办事机构);
	// isSo, that it asks whether something is so (是不是, 有没有), which a
	// plain statement decides, not whether it may or must be done.
	yesNo, isSo bool
	// who: the question asks which body (由谁, 哪个部门); deed is what the
	// body does (由谁审核 → 审核), "" when it names nothing.
	who  bool
	deed string
	// thing is what a count is of (多少编制, 几个副科长) or the kind of thing
	// asked for by name (什么条件, 哪些材料, 盖什么章); "" when none.
	thing string
	// owner is what a thing asked by name is of (法定代表人 of 法定代表人
	// 要具备什么条件).
	owner string
	// sanction: the question asks what follows a breach (会怎样, 有啥后果,
	// 受什么处分), not how a matter is handled (怎么处理).
	sanction bool
	// method: the question asks how a figure is worked out (怎么算); deed
	// is then the figure (领导职数).
	method bool
}

var (
	// Ways to ask whether: A-not-A (能不能, 要不要), 是否, …吗, …了没有.
	askedWhether = regexp.MustCompile(`能不能|可不可以|可以不可以|要不要|需不需要|需要不需要|用不用|是不是|有没有|会不会|行不行|算不算|该不该|准不准|让不让|能否|可否|是否|吗$|[^什怎那这多]么$|了(没有|未)$`)
	// Who does it: the deed follows the question word (由谁审核, 谁来批,
	// 哪个部门负责, 对谁负责).
	// A list of bodies (哪些部门) is asked for itself, not for who does
	// something.
	whoDoes = regexp.MustCompile(`(由谁|谁来|谁去|谁|哪个部门|什么部门|哪个单位|哪个机构|哪个机关|什么机关|哪家机构|哪家单位)(来|去)?(\p{Han}*)$`)
	// A body of a kind: 哪家第三方机构, 哪个中介机构; the answer names the kind.
	bodyOfKind = regexp.MustCompile(`(哪家|哪个|哪一家|什么)(\p{Han}{2,4}?)(机构|单位|公司|部门)`)
	// What a count is of, when the measure word does not say it: 多少个行政
	// 编制, 多少编制 (多少天, 几名, 几期 say it themselves).
	countOf = regexp.MustCompile(`(几|多少)个?([^` + measureWords + `]\p{Han}+)$`)
	// Things asked for by name that an answer names too.
	// Before it, a modal and a verb (要具备什么条件); before them, whose
	// the thing is (法定代表人).
	thingAsked = regexp.MustCompile(`(要|需要|应当|应该|得|须|必须)?\p{Han}{0,2}?(什么|哪些|哪几种|哪种|哪类)(条件|材料|资格|标准|证件|证明|章|费用|补偿|待遇)`)
	// What follows a breach, asked.
	sanctionCue = regexp.MustCompile(`会怎|会咋|后果|什么处罚|什么处分|什么处理|受什么|怎么罚|如何处罚|怎么处罚|罚多少|罚款多少|追究什么|会被`)
	// 怎么算: how a figure is worked out.
	methodCue = regexp.MustCompile(`(\p{Han}{0,4}?)(怎么|如何|怎样|按什么)(算|计算|核算|折算)`)
)

// whetherModal: the modal a …吗 question asks by; the deed follows it
// (事业单位可以用行政编制吗 → 用行政编制).
var whetherModal = regexp.MustCompile(`(能|可以|可|要|需要|需|得|必须|应当|应该|会|该|准|允许)`)

// whetherDeed is what a yes-or-no question asks whether of: the words after
// its A-not-A (能不能, 纳不纳入), 是否 or the modal of …吗; before 了没有; the
// whole question when no modal says where it starts. isSo: it asks whether
// something is so (是不是, 有没有, 是否, …了没有, a …吗 without a modal),
// not whether it may or must be done.
func whetherDeed(norm string) (deed string, isSo bool) {
	rs := []rune(strings.TrimRight(norm, trailing))
	for i := 1; i+1 < len(rs); i++ {
		if rs[i] == '不' && rs[i-1] == rs[i+1] && isHan(rs[i-1]) {
			isSo = strings.ContainsRune("是有算属", rs[i-1])
			// 能不能单设 → 单设; 纳不纳入预算 → 纳入预算
			if strings.ContainsRune("能要会用行算该准让是有可需受给应允", rs[i-1]) {
				rest := rs[i+2:]
				// 可不可以, 需不需要: the modal's second character
				if len(rest) > 0 && strings.Contains("可以需要应该应当允许", string([]rune{rs[i-1], rest[0]})) {
					rest = rest[1:]
				}
				return string(rest), isSo
			}
			return string(rs[i+1:]), isSo
		}
	}
	s := string(rs)
	for _, cue := range []string{"是否", "能否", "可否"} {
		if i := strings.Index(s, cue); i >= 0 {
			return s[i+len(cue):], cue == "是否" && !whetherModal.MatchString(s[i+len(cue):])
		}
	}
	if i := strings.LastIndex(norm, "了没有"); i >= 0 {
		return norm[:i], true
	}
	if locs := whetherModal.FindAllStringIndex(s, -1); len(locs) > 0 {
		return s[locs[len(locs)-1][1]:], false
	}
	return s, true
}

// measureWords say what a count is of by themselves (几期, 多少家, 几名).
const measureWords = "期次名家项条种类位级批只件份轮届人天年月日周元倍"

// deedRunes: a body this close to the deed is the one that does it.
const deedRunes = 30

// trailing are the particles after a question's last word (办变更呢).
const trailing = "呢啊呀吧吗么了的"

func readAsked(norm string, k answerKind) asked {
	norm = strings.TrimRight(norm, "?？!！。. ")
	a := asked{
		yesNo:    askedWhether.MatchString(norm),
		sanction: sanctionCue.MatchString(norm),
	}
	if a.yesNo {
		a.deed, a.isSo = whetherDeed(norm)
	}
	if m := methodCue.FindStringSubmatch(norm); m != nil {
		a.method, a.deed = true, m[1]
	}
	if k == kindBody && !a.yesNo {
		if m := whoDoes.FindStringSubmatch(norm); m != nil {
			a.who = true
			a.deed = strings.TrimRight(m[3], trailing)
		}
	}
	if k == kindNumber {
		// 几个进展滞后的单位: a thing the count is of ends the question.
		if m := countOf.FindStringSubmatch(strings.TrimRight(norm, trailing)); m != nil && utf8.RuneCountInString(m[2]) >= 2 && !measureCue.MatchString(m[0]) && !strings.ContainsAny(m[2], "的几") {
			a.thing = m[2]
		}
	}
	if loc := thingAsked.FindStringSubmatchIndex(norm); loc != nil {
		a.thing, a.owner = norm[loc[6]:loc[7]], norm[:loc[0]]
	}
	if m := bodyOfKind.FindStringSubmatch(norm); m != nil && k == kindBody {
		a.who, a.thing = true, m[2]
		a.deed = strings.TrimRight(norm[strings.Index(norm, m[0])+len(m[0]):], trailing)
	}
	return a
}

// penaltyWords are what an answer to "what follows" says: a sanction or an
// order (责令改正), besides the clauses isPenalty knows.
var penaltyWords = regexp.MustCompile(`处分|处罚|责令|追究|罚款|通报批评|警告|撤销登记|吊销|取缔|纠正|依法处理|调查处理|给予处理|不得核拨|收缴`)

// methodWords say by what a figure is set: 按照…确定, 根据…核定.
var methodWords = regexp.MustCompile(`按照|依照|根据|参照|按|核定|确定|计算|为准|折算`)

// saysAsked reports whether a normalized sentence says what the question
// asks: the thing it counts or names, a sanction when it asks what follows
// a breach, a rule when it asks how a figure is worked out, a body of its
// own beside the deed when it asks who does something.
func (x *index) saysAsked(q query, norm string) bool {
	if q.thing != "" && !x.holdsWord(q, q.thing, norm) {
		return false
	}
	// Whose the thing is: 法定代表人要具备什么条件 is not answered by the
	// conditions of a registration.
	if q.ownerKey != "" && !x.holdsWord(q, q.ownerKey, norm) {
		return false
	}
	if q.sanction && !penaltyWords.MatchString(norm) {
		return false
	}
	// Whether: a provision that decides it — what must, may or must not be
	// done — about the deed asked, not a sentence that only shares the
	// question's subject.
	if q.yesNo && !q.sanction && !decides(q, norm) {
		return false
	}
	if q.who || q.method {
		if q.deedUnsaid {
			return false // 由谁任命: no document says who does it
		}
		if q.method {
			return nearWords(norm, q.deedKeys, spansOf(methodWords, norm))
		}
		return x.namesBody(q, norm, q.deedKeys)
	}
	return true
}

// decidingWords say what must, may or must not be done, or what is so —
// the words of a provision, which in a regulation is often a plain
// statement (由…审批, 报…备案, 推广…, 实行…).
var decidingWords = regexp.MustCompile(`应当|应|不得|不能|不可|必须|须|禁止|严禁|可以|可|有权|无权|不再|一律|不单独|不另|具有|不予|予以|负责|受法律保护|有效|废止|失效|包括|属于|追究|给予|责令|原则上|由|经|报|按|实行|推行|推广|鼓励|支持|允许|建立|凭|依照|依法`)

// decides reports whether a normalized sentence decides the yes-or-no
// question q: a clause of it that holds a word of the deed asked (or a word
// written for it), a clause before it (应当…，…，适当减少抽查) or the next
// one (X的，应当…) says what must, may or must not be done; for an item of
// a list, its lead-in may say it (政府督查可以采取以下方式：). A deed with no word the documents hold
// is judged by the provision alone. The lead-in follows the sentence after
// a line break.
func decides(q query, norm string) bool {
	if len(q.deedKeys) == 0 {
		return q.isSo || decidingWords.MatchString(norm)
	}
	body, lead, _ := strings.Cut(norm, "\n")
	clauses := strings.FieldsFunc(body, func(r rune) bool { return strings.ContainsRune(",;:。!?", r) })
	said := false // a clause so far says what must or may be done
	for i, c := range clauses {
		said = said || decidingWords.MatchString(c)
		if len(wordSpansAny(q.deedKeys, []rune(c))) == 0 {
			continue
		}
		if q.isSo || said || i+1 < len(clauses) && decidingWords.MatchString(clauses[i+1]) || decidingWords.MatchString(lead) {
			return true
		}
	}
	return false
}

// wordSpansAny returns where any of words, or a word written for one,
// stands in rs.
func wordSpansAny(words []string, rs []rune) [][2]int {
	var out [][2]int
	for _, w := range words {
		out = append(out, wordSpans(w, rs)...)
	}
	return out
}

func spansOf(re *regexp.Regexp, norm string) [][2]int {
	var out [][2]int
	for _, loc := range re.FindAllStringIndex(norm, -1) {
		out = append(out, [2]int{runeOffset(norm, loc[0]), runeOffset(norm, loc[1])})
	}
	return out
}

// ownerWord is the rarest key word of what a thing asked by name is of; ""
// when the question asks no thing by name, or names no owner.
func (x *index) ownerWord(q query) string {
	if q.owner == "" {
		return ""
	}
	best, bestDF := "", 0
	for _, w := range x.keyWords(q) {
		if !strings.Contains(q.owner, w) {
			continue
		}
		if n := x.chunkFreq(w); best == "" || n < bestDF {
			best, bestDF = w, n
		}
	}
	return best
}

// deedWords are the words of the question's deed that can be looked for:
// its bigrams, less question words. said is false when the deed is too
// short to judge by (谁来批, 钱谁出); when no document holds any of its
// words (由谁任命), said is true and words is empty: nothing says it.
func (x *index) deedWords(q query) (words []string, said bool) {
	rs := []rune(q.deed)
	var keys []string // a yes-or-no deed's words are key words: not 配使 of 调配使用
	if q.yesNo {
		keys = x.keyWords(q)
	}
	for i := 0; i+1 < len(rs); i++ {
		if !isHan(rs[i]) || !isHan(rs[i+1]) {
			continue
		}
		w := string(rs[i : i+2])
		if isAskedWord(w) {
			continue
		}
		said = true
		if isRelationAsked(w) || x.chunkFreq(w) > 0 && (!q.yesNo || slices.Contains(keys, w)) {
			words = appendWords(words, w)
		}
	}
	return words, said
}

func isAskedWord(w string) bool {
	for _, a := range askedWords {
		if strings.Contains(a, w) {
			return true
		}
	}
	return false
}

// isRelationAsked reports whether w is an asked word of a relation (主管,
// 牵头), which the documents write otherwise.
func isRelationAsked(w string) bool {
	for _, r := range relations {
		for _, a := range r.asked {
			if a == w {
				return true
			}
		}
	}
	return false
}

func (x *index) holdsAny(q query, words []string, norm string) bool {
	for _, w := range words {
		if x.holdsWord(q, w, norm) {
			return true
		}
	}
	return false
}

// namesBody reports whether the sentence names a body of its own — not one
// of the question's words (事业单位 of 事业单位分类改革由谁牵头) — and, when
// the question says what the body does, near a word of that deed: "由谁牵头"
// is answered by "…编办主要领导担任总指挥", not by a sentence that names a
// government somewhere and 统筹 somewhere else.
func (x *index) namesBody(q query, norm string, deed []string) bool {
	rs := []rune(norm)
	var bodies [][2]int
	for _, sp := range kindSpans(kindBody, norm) {
		around := string(rs[max(0, sp[0]-1):min(len(rs), sp[1]+1)])
		if !strings.Contains(q.question, around) {
			bodies = append(bodies, sp)
		}
	}
	if len(bodies) == 0 {
		return false
	}
	return len(deed) == 0 || nearWords(norm, deed, bodies)
}

// nearWords reports whether one of words (or a word written for it) stands
// within deedRunes of one of spans in norm.
func nearWords(norm string, words []string, spans [][2]int) bool {
	rs := []rune(norm)
	for _, w := range words {
		for _, at := range wordSpans(w, rs) {
			for _, b := range spans {
				if at[0]-b[1] <= deedRunes && b[0]-at[1] <= deedRunes {
					return true
				}
			}
		}
	}
	return false
}

// wordSpans returns where w, or a word written for it (a synonym, a
// relation's written word), stands in rs.
func wordSpans(w string, rs []rune) [][2]int {
	forms := []string{w}
	for from, to := range synonyms {
		if strings.Contains(to, w) {
			forms = append(forms, from)
		}
		if strings.Contains(from, w) {
			forms = append(forms, to)
		}
	}
	for _, r := range relations {
		for _, a := range r.asked {
			if strings.Contains(a, w) {
				forms = append(forms, r.written...)
			}
		}
	}
	var out [][2]int
	for _, f := range forms {
		fr := []rune(f)
		for i := 0; i+len(fr) <= len(rs); i++ {
			if string(rs[i:i+len(fr)]) == f {
				out = append(out, [2]int{i, i + len(fr)})
			}
		}
	}
	return out
}
