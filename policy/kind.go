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
	kindAny     answerKind = iota
	kindNumber             // 几, 多少, 多长时间: a count, amount or duration
	kindDate               // 什么时候, 何时, 哪天: a date
	kindDocNo              // 文号, 第几号令: 〔2019〕7号, 国务院令第486号
	kindPerson             // 叫什么名字: a person
	kindBody               // 谁, 哪个部门: a body or post
	kindRule               // 原则, 要求, 能否: what must, may or must not be done
	kindMeaning            // 是什么意思, 指的是: what a term means
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
	{kindPerson, regexp.MustCompile(`叫什么|([^改换更起]|^)名字|姓名|是谁$|是哪位|哪位`)},
	{kindNumber, regexp.MustCompile(`几|多少|多长|多久|多大|比例|比重|百分之`)},
	{kindBody, regexp.MustCompile(`谁|哪家|哪一家|哪个部门|哪些部门|什么部门|哪个机构|哪些机构|什么机构|哪个单位|哪些单位|哪个机关|什么机关|哪一级|哪级|什么名义|哪里|哪儿|何处|哪个会议|什么会议`)},
	{kindMeaning, regexp.MustCompile(`什么意思|啥意思|指的是|指什么|是指|什么叫|何为|何谓|含义|定义|什么样的(组织|机构|单位)`)},
	{kindRule, regexp.MustCompile(`原则|要求|规定|制度|条件|程序|吗$|能否|是否|可否|能不能|可不可以|可以不|怎么|如何|怎样|什么`)},
}

// questionKind recognises what a normalized question asks for. 哪几种
// asks for a list (哪几种督查), not a count; 哪几个 often for both (三个关口).
func questionKind(norm string) answerKind {
	norm = whichKinds.ReplaceAllString(norm, "哪些")
	for _, c := range kindCues {
		if c.re.MatchString(norm) {
			return c.kind
		}
	}
	return kindAny
}

var whichKinds = regexp.MustCompile(`哪几(种|类|项|方面)`)

// intent is what a question wants besides the kind of its answer.
type intent struct {
	kind answerKind
	// list: the question asks for the items of a list (哪些, 包括什么):
	// an enumeration's lead-in is quoted with its items.
	list bool
	// consequence: the question asks what follows a breach (怎么处理,
	// 会怎样): a penalty clause answers it best. breach: it names one (擅自,
	// 违反, 处分); only then may a penalty clause answer it at all.
	consequence, breach bool
	// procedure: the question asks about applying or filing (如何申请,
	// 申请…需要什么材料): the answer must say what is to be done.
	procedure bool
	// measure is the unit of time a count is asked in (几年 → 年; 多久 →
	// 时长, any unit of time), "" for any.
	measure string
	asked
}

var (
	listCue = regexp.MustCompile(`哪些|哪几|包括什么|包括哪|包含哪|都有什么|都有谁|都有哪|什么方式|(什么|哪些)(条件|材料|文件|事项|情形|手续|内容)`)
	// What follows a breach is asked (会怎样, 怎么处理) or a breach is named.
	consequenceCue = regexp.MustCompile(`会怎|会咋|会被|怎么处理|如何处理|怎样处理|怎么处置|如何处置|怎么处罚|如何处罚|什么处罚|什么处理|什么处分|受什么|后果|怎么罚|罚多少|追究什么`)
	breachCue      = regexp.MustCompile(`罚|处分|处理|处置|责任|追究|后果|会怎|会咋|会被|违反|违规|违法|擅自|滥用|犯罪|警告|批评|撤销登记|不按|未按|没按|拒不|弄虚作假|怎么办([^理公]|$)`)
	// An application or filing, asked about in any way but for a figure or
	// a date: how, with what, where, to whom.
	procedureCue = regexp.MustCompile(`(如何|怎么|怎样|咋)(才能|去|来)?(办|报批|报送|提交|缴|开具|取得|获得|获取|认定|备案|登记)|申请|办理|申报|注册|领取|缴纳`)
	// Only units of time, money and people are held to: a count of 家 may
	// be given in 个.
	measureCue = regexp.MustCompile(`(几|多少)\s*(个月|个工作日|个小时|个人|年|月|日|天|周|小时|工作日|钱|人)`)
	// A length of time asked without its unit.
	durationCue = regexp.MustCompile(`多久|多长时间|多长|多少时间|什么期限|期限是多少`)
)

// sameMeasure: the characters of the units a duration may be given in when
// the question asks in one.
var sameMeasure = map[string]string{"年": "年", "个月": "月", "月": "月", "日": "日天", "天": "日天", "工作日": "日天", "个工作日": "日天", "周": "周", "小时": "时", "个小时": "时", "钱": "元", "人": "人名", "个人": "人名", "时长": "年月日天周时"}

func readIntent(norm string) intent {
	in := intent{
		kind:        questionKind(norm),
		list:        listCue.MatchString(norm),
		consequence: consequenceCue.MatchString(norm),
		breach:      breachCue.MatchString(norm),
	}
	in.procedure = !in.kind.strict() && !in.breach && procedureCue.MatchString(norm)
	if in.kind == kindNumber {
		if m := measureCue.FindStringSubmatch(norm); m != nil {
			in.measure = m[2]
		} else if durationCue.MatchString(norm) {
			in.measure = "时长"
		}
	}
	in.asked = readAsked(norm, in.kind)
	return in
}

// measured keeps the answer spans (of a count) given in the unit the
// question asks in; all of them but how often (每年) when it names none.
func (in intent) measured(norm string, spans [][2]int) [][2]int {
	units := sameMeasure[in.measure]
	rs := []rune(norm)
	var out [][2]int
	for _, sp := range spans {
		// 每年 says how often: an answer to 多久…一次 only.
		if rs[sp[0]] == '每' {
			if in.measure == "时长" {
				out = append(out, sp)
			}
			continue
		}
		if in.measure == "" {
			out = append(out, sp)
			continue
		}
		// "3个月", "十五个工作日": the unit may follow the span's
		// measure word.
		end := sp[1] + 1
		if sp[1] > 0 && rs[sp[1]-1] == '个' {
			end = sp[1] + 3
		}
		if strings.ContainsAny(string(rs[sp[0]:min(end, len(rs))]), units) {
			out = append(out, sp)
		}
	}
	return out
}

// penaltyClause matches the sanctions of a 罚则 or 法律责任 clause.
var penaltyClause = regexp.MustCompile(`追究刑事责任|追究法律责任|追究责任|给予处分|给予行政处分|纪律处分|通报批评|责令限期改正|责令改正|责令限期纠正|罚款|给予警告|给予处理|撤销登记|法律责任|罚则`)

// isPenalty reports whether a normalized sentence or heading is a penalty
// clause; the characters test first, as the expression is slow.
func isPenalty(norm string) bool {
	return strings.ContainsAny(norm, "责罚处批警撤") && penaltyClause.MatchString(norm)
}

// answersProcedure matches what a sentence says must or may be done.
var answersProcedure = regexp.MustCompile(`应当|可以|必须|须|向|由|经|凭|提交|按照|依照|办理|报送|程序|手续|材料|包括|下列|是指|不得|不再|负责`)

// Answers of each kind as they appear in a (normalized) sentence.
var kindAnswer = map[answerKind]*regexp.Regexp{
	kindNumber: regexp.MustCompile(`\d+(\.\d+)?\s*(%|‰|[个名家项日天次期年月人条倍万亿元类级批周岁户所座件份种位部层轮])|([二三四五六七八九十百千两]|一[十百千])[一二三四五六七八九十百千]*\s*(个|名|家|项|日|天|次|期|年|人|条|倍|类|级|批|周|岁|种|位|轮)|半年|半数|过半`),
	kindDate:   regexp.MustCompile(`\d{4}\s*年(\s*\d{1,2}\s*月(\s*\d{1,2}\s*日|底|末|中旬|上旬|下旬)?)?|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{1,2}\s*月(份|底|末|初|中旬|上旬|下旬|以来)?|(今年|去年|前年|当年|同年|次年|年内|年底|年初)|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|(发布|公布|印发|通过)之日起`),
	kindDocNo:  regexp.MustCompile(`[〔\[［(【]\d{4}[〕\]］)】]\s*\d+\s*号|令\s*第\s*\d+\s*号|第\s*\d+\s*号\s*令`),
	// A person is a name — a common surname and one or two characters —
	// beside a post: 召开主任会 and 编办主任 name nobody.
	kindPerson:  regexp.MustCompile(`[` + surnames + `]\p{Han}{1,2}(同志|主任|书记|市长|县长|区长|局长|部长|厅长|处长|科长|主席|总理)|(主任|书记|市长|县长|区长|局长|部长|厅长|处长|科长|主席|负责人|组长)\s*[` + surnames + `]\p{Han}{1,2}(表示|说|介绍|指出|强调)`),
	kindBody:    regexp.MustCompile(`国务院|政府|委员会|办公厅|办公室|编办|机关|机构|部门|单位|人大|常委会|监察|法院|检察院|党委|小组|中心|负责|领导|组长|队伍|会议`),
	kindRule:    regexp.MustCompile(`应当|不得|必须|禁止|可以|原则|有权|不再|严禁|要求|不单独|实行|负责|规定|制度|条件`),
	kindMeaning: regexp.MustCompile(`是指|所称|指的是|统称|称为|简称`),
}

// surnames are the most common Chinese family names, which begin a person's
// name in a text.
const surnames = "王李张刘陈杨黄赵周吴徐孙马胡朱郭何罗高林郑梁谢唐许冯宋韩邓彭曹曾田于萧肖潘袁董叶杜丁蒋程余吕魏蔡苏任卢沈姜姚钟崔陆谭汪石付傅贾范金方韦夏廖侯白孟邹秦尹江熊薛邱阎闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文施洪辛柳牛聂温章鲁葛伍祝殷左申单安路齐关岳蒙柯"

// kindHint lists characters of which an answer of the kind holds at least
// one: a cheap test before the regular expression.
var kindHint = map[answerKind]string{
	kindNumber: "0123456789二三四五六七八九十百千两半",
	kindDate:   "年月日",
	kindDocNo:  "号",
}

// howOften matches how often something is done (每年), a count of time
// only for 多久…一次 (intent.measured).
var howOften = regexp.MustCompile(`每(半年|季度|年|月|周|日|天)`)

// holdsKind reports whether a normalized sentence holds an answer of kind k.
func holdsKind(k answerKind, norm string) bool {
	if h, ok := kindHint[k]; ok && !strings.ContainsAny(norm, h) && !(k == kindNumber && strings.Contains(norm, "每")) {
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
	if k == kindNumber && strings.Contains(norm, "每") {
		for _, loc := range howOften.FindAllStringIndex(norm, -1) {
			out = append(out, [2]int{runeOffset(norm, loc[0]), runeOffset(norm, loc[1])})
		}
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
