package policy

import (
	"regexp"
	"strings"
)

// answerKind is what a question asks for. A sentence answers a question of
// a strict kind (a number, a date, a document number, a person) only if it
// holds an answer of that kind; for the loose kinds (a body, a rule) such a
// sentence is merely preferred.
type answerKind int

const (
	kindAny    answerKind = iota
	kindNumber            // 几, 多少, 多长时间: a count, amount or duration
	kindDate              // 什么时候, 何时, 哪天: a date
	kindDocNo             // 文号, 第几号令: 〔2019〕7号, 国务院令第486号
	kindPerson            // 叫什么名字: a person
	kindBody              // 谁, 哪个部门: a body or post
	kindRule              // 原则, 要求, 能否: what must, may or must not be done
)

func (k answerKind) strict() bool {
	return k == kindNumber || k == kindDate || k == kindDocNo || k == kindPerson
}

// kindCues are the question words of each kind, tried in this order: 第几号
// asks for a document number, not a count; 哪一天 a date, not a body.
var kindCues = []struct {
	kind answerKind
	re   *regexp.Regexp
}{
	{kindDocNo, regexp.MustCompile(`文号|字号|第几号|几号令|令第几|号令是|令是第几`)},
	{kindDate, regexp.MustCompile(`什么时候|何时|哪天|哪一天|哪日|哪年|哪一年|哪个月|几月|什么时间|几时|什么日期|哪个日期|截止时间|截至什么`)},
	{kindPerson, regexp.MustCompile(`叫什么|名字|姓名|是谁$|是哪位|哪位`)},
	{kindNumber, regexp.MustCompile(`几|多少|多长|多久|多大|比例|比重|百分之`)},
	{kindBody, regexp.MustCompile(`谁|哪个部门|哪些部门|什么部门|哪个机构|哪些机构|什么机构|哪个单位|哪些单位|哪个机关|什么机关|哪一级|哪级|什么名义|哪里|哪儿|何处|哪个会议|什么会议`)},
	{kindRule, regexp.MustCompile(`原则|要求|规定|制度|条件|程序|吗$|能否|是否|可否|能不能|可不可以|可以不|怎么|如何|怎样|什么`)},
}

// questionKind recognises what a normalized question asks for.
func questionKind(norm string) answerKind {
	for _, c := range kindCues {
		if c.re.MatchString(norm) {
			return c.kind
		}
	}
	return kindAny
}

// Answers of each kind as they appear in a (normalized) sentence.
var kindAnswer = map[answerKind]*regexp.Regexp{
	kindNumber: regexp.MustCompile(`\d+(\.\d+)?\s*(%|‰|[个名家项日天次期年月人条倍万亿元类级批周岁户所座件份种位部层轮])|([二三四五六七八九十百千两]|一[十百千])[一二三四五六七八九十百千]*\s*(个|名|家|项|日|天|次|期|年|人|条|倍|类|级|批|周|岁|种|位|轮)|半年|半数|过半`),
	kindDate:   regexp.MustCompile(`\d{4}\s*年(\s*\d{1,2}\s*月(\s*\d{1,2}\s*日|底|末|中旬|上旬|下旬)?)?|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{1,2}\s*月(份|底|末|初|中旬|上旬|下旬|以来)?|(今年|去年|前年|当年|同年|次年|年内|年底|年初)|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|(发布|公布|印发|通过)之日起`),
	kindDocNo:  regexp.MustCompile(`[〔\[［(【]\d{4}[〕\]］)】]\s*\d+\s*号|令\s*第\s*\d+\s*号|第\s*\d+\s*号\s*令`),
	kindPerson: regexp.MustCompile(`\p{Han}{2,3}(同志|主任|书记|市长|县长|区长|局长|部长|厅长|处长|科长|主席|总理)|(主任|书记|市长|县长|区长|局长|部长|厅长|处长|科长|主席|负责人|组长)\s*[\p{Han}]{2,3}(表示|说|介绍|指出|强调)`),
	kindBody:   regexp.MustCompile(`国务院|政府|委员会|办公厅|办公室|编办|机关|机构|部门|单位|人大|常委会|监察|法院|检察院|党委|小组|中心|负责|领导|组长|队伍|会议`),
	kindRule:   regexp.MustCompile(`应当|不得|必须|禁止|可以|原则|有权|不再|严禁|要求|不单独|实行|负责|规定|制度|条件`),
}

// kindHint lists characters of which an answer of the kind holds at least
// one: a cheap test before the regular expression.
var kindHint = map[answerKind]string{
	kindNumber: "0123456789二三四五六七八九十百千两半",
	kindDate:   "年月日",
	kindDocNo:  "号",
}

// holdsKind reports whether a normalized sentence holds an answer of kind k.
func holdsKind(k answerKind, norm string) bool {
	if h, ok := kindHint[k]; ok && !strings.ContainsAny(norm, h) {
		return false
	}
	return kindSpans(k, norm) != nil
}

// kindSpans returns where answers of kind k stand in a normalized sentence
// (rune offsets); nil when it holds none, or when the kind is kindAny.
func kindSpans(k answerKind, norm string) [][2]int {
	re := kindAnswer[k]
	if re == nil {
		return nil
	}
	var out [][2]int
	for _, loc := range re.FindAllStringIndex(norm, -1) {
		// A year or a part of a date is not a count.
		if k == kindNumber && datePart.MatchString(norm[max(0, loc[0]-4):loc[1]]) {
			continue
		}
		out = append(out, [2]int{runeOffset(norm, loc[0]), runeOffset(norm, loc[1])})
	}
	return out
}

// datePart matches the end of "2019年", "2019年5月", "5月20日".
var datePart = regexp.MustCompile(`(^|\D)\d{4}\s*年$|年\s*\d{1,2}\s*月$|月\s*\d{1,2}\s*日$`)

// fullDate matches a date with its year.
var fullDate = regexp.MustCompile(`\d{4}\s*年\s*\d{1,2}\s*月|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}`)

func runeOffset(s string, byteOff int) int {
	return len([]rune(s[:byteOff]))
}

// yearsIn returns the years a question names ("2015年", "2015"), which the
// passage that answers it must name too.
var yearRe = regexp.MustCompile(`(19|20)\d{2}`)

func yearsIn(norm string) []string {
	var out []string
	for _, y := range yearRe.FindAllString(norm, -1) {
		if !strings.Contains(strings.Join(out, " "), y) {
			out = append(out, y)
		}
	}
	return out
}

// hanYear writes a year as official documents date themselves: 二〇一九.
func hanYear(y string) string {
	return strings.Map(func(r rune) rune {
		if isDigit(r) {
			return []rune("〇一二三四五六七八九")[r-'0']
		}
		return r
	}, y)
}
