package policy

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// relation is a thing people ask about in their words (asked) that
// government documents write in others (written): "谁牵头" is answered by
// "…组织实施…", "由哪个部门主管" by "…履行管理职责". A question holding an
// asked word also looks for the written ones: they rank passages (less than
// the question's own words) and cover the asked word when the engine
// judges whether a passage answers at all. Only the ones that name the same
// thing in the documents' register, never a near topic, belong here: each
// written word widens what a question can be answered with.
type relation struct {
	asked []string
	// written words of two characters are index terms; a longer one is a
	// phrase a sentence must hold whole (管理职责, not 管理 alone)
	written []string
}

var relations = []relation{
	// Which body is in charge.
	{
		asked:   []string{"主管", "负责", "牵头", "归口", "分管", "主抓", "抓总", "管"},
		written: []string{"主管", "负责", "牵头", "归口", "职责", "指导", "统筹", "承担", "挂帅", "管理职责", "组织实施", "统一领导", "组织领导", "总指挥", "负总责", "第一责任人"},
	},
	// An answer to an application: documents say the body 作出…决定.
	{
		asked:   []string{"答复", "回复", "批复"},
		written: []string{"决定", "作出决定"},
	},
	// What must be handed in: documents list 文件 and 证明, people ask for 材料.
	{
		asked:   []string{"材料", "资料"},
		written: []string{"文件", "证明", "申请书", "证明文件"},
	},
}

// askedWords are words of spoken questions that are not their subject
// (besides the ones queryParts cuts at): a document that lacks them may
// still answer, so they never count as key words the documents lack.
var askedWords = []string{
	"怎么", "什么", "可以", "哪些", "需要", "要求", "一下", "请问", "是否", "多久", "谁来", "应该",
	"多长时间", "多长", "啥", "咋", "干嘛", "回事", "意思", "有用", "好处", "作用", "情况", "效果", "主要", "一般", "具体", "规定",
	// What is asked for, named in general: a document's number, a way.
	"文号", "号令", "方法", "手段",
	"处理", "最后", "最终", "以后", "之前", "以前", "原来", "差不多", "东西", "平时",
	// Verbs of doing anything: 搞 is read as the documents' 开展.
	"开展", "搞", "弄",
}

// speechChars are characters that, standing alone in a spoken question,
// are its grammar rather than its subject (能报, 要写, 里说): next to an
// unseen character they would make a word no document holds. 天 is the
// day people count in where documents write 日.
const speechChars = "能要会里得去来用跟给时后前也还就再先把被让点说做办写弄搞干找交这那些不别又对和与为在到有天"

// relatedWeight is the weight of a written word found through a relation,
// against 1 for the question's own words.
const relatedWeight = 0.4

// askedWeight scales an asked word's units in the coverage.
const askedWeight = 0.5

// relatedShare is the share of an asked word's weight that a passage
// holding only one of its written words covers.
const relatedShare = 0.5

// askedInCharge reads the spoken ways of asking who is in charge (归谁管,
// 谁来管, 归哪个部门管) as written ones (由谁主管): the lone 归 and 管 left
// between question words would count against every passage.
var askedInCharge = regexp.MustCompile(`归(谁|哪个部门|哪个单位|哪个机构|哪个机关|哪一级|哪级)(来)?管(理)?|(谁|哪个部门|哪个单位|哪个机构|哪个机关)来?管(理)?($|[，,。？?!！吗呢啊])`)

// byWhichBody: 由 before the question word is part of it (由谁 is a
// question word); left on the subject it would glue to its last word ("工作由").
var byWhichBody = regexp.MustCompile(`由(哪个|哪些|什么|哪一个|哪家)(部门|单位|机构|机关)`)

func plainInCharge(norm string) string {
	norm = byWhichBody.ReplaceAllString(norm, "由谁")
	return askedInCharge.ReplaceAllStringFunc(norm, func(m string) string {
		sm := askedInCharge.FindStringSubmatch(m)
		who := sm[1] + sm[4] // one of them is empty
		return who + "主管" + sm[6]
	})
}

// relate adds the written words of the relations whose asked words a
// question segment holds, and lets them cover the units of the asked word.
func (q *query) relate(part string, units []qunit, termIndex func(string, float64) int) {
	for _, r := range relations {
		for _, a := range r.asked {
			if !strings.Contains(part, a) {
				continue
			}
			var of []int // the units of the asked word
			for i := range units {
				if unitOf(units[i], q.terms, a) {
					of = append(of, i)
				}
			}
			if len(of) == 0 {
				continue // 管 of 管理 is not the asked 管
			}
			if utf8.RuneCountInString(a) > 1 { // 管 is in every 管理
				q.relatedWords = appendWords(q.relatedWords, a)
			}
			q.relatedWords = appendWords(q.relatedWords, r.written...)
			var extra []int
			for _, w := range r.written {
				n := len(q.terms)
				i := termIndex(w, relatedWeight)
				if i == n {
					q.terms[i].related = true
				}
				extra = append(extra, i)
			}
			for _, i := range of {
				units[i].terms = appendNew(units[i].terms, extra...)
				// The asked word says what kind of answer is wanted, like a
				// question word; the question's subject decides whether the
				// documents speak of it.
				units[i].weight *= askedWeight
			}
		}
	}
}

// unitOf reports whether unit u stands for a character of word: one of its
// terms lies within the word (a bigram of it, or the word itself).
func unitOf(u qunit, terms []qterm, word string) bool {
	for _, ti := range u.terms {
		t := terms[ti].text
		if (utf8.RuneCountInString(t) >= 2 || t == word) && strings.Contains(word, t) {
			return true
		}
	}
	return false
}

func appendNew(list []int, xs ...int) []int {
	for _, x := range xs {
		found := false
		for _, y := range list {
			found = found || x == y
		}
		if !found {
			list = append(list, x)
		}
	}
	return list
}

func appendWords(list []string, ws ...string) []string {
	for _, w := range ws {
		if !slices.Contains(list, w) {
			list = append(list, w)
		}
	}
	return list
}

// saysRelated reports whether a sentence holds one of the words, asked or
// written, of the relations the question asks by: "由哪个部门主管" is
// answered by a sentence that says who is in charge, not by one that only
// shares its subject.
func (q query) saysRelated(norm string) bool {
	if len(q.relatedWords) == 0 {
		return true
	}
	for _, w := range q.relatedWords {
		if strings.Contains(norm, w) {
			return true
		}
	}
	return false
}
