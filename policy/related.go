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
	// names: the asked word names the question's subject in spoken words
	// (公章 for 印章, 插手 for 干预), rather than the kind of answer wanted
	// (主管): it keeps its weight, and the answer need not hold one of
	// the relation's words.
	names bool
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

// spokenWords are the words of government work as people say them, with
// the words regulations and notices write for the same thing: the
// paraphrases a question in an office is typed with. They are read like the
// relations above (names: true), in groups by subject. Each written word is
// the documents' name of what the spoken ones mean, or of the rule that
// treats it (收礼 is treated as a breach of 廉政 rules); never a neighbour.
var spokenWords = []relation{
	// Interfering, obstructing, cooperating.
	{asked: []string{"插手", "干涉", "过问", "横加干预"}, written: []string{"干预", "干扰"}},
	{asked: []string{"不配合", "不予配合", "不让查", "刁难", "设卡", "对抗检查"}, written: []string{"阻碍", "阻挠", "妨碍", "拒不", "拒绝"}},
	{asked: []string{"帮忙", "搭把手", "帮着"}, written: []string{"协助", "配合", "支持"}},
	// The one supervised or inspected: 条例 write 督查对象, 检查对象.
	{asked: []string{"被督查单位", "被督查的单位", "被督查对象"}, written: []string{"督查对象"}},
	{asked: []string{"被检查单位", "被检查的单位"}, written: []string{"检查对象", "被检查单位"}},
	{asked: []string{"打招呼", "说情"}, written: []string{"干预", "插手"}},
	// Integrity: gifts, favours, secrets, falsehoods.
	{asked: []string{"收礼", "送礼", "收红包", "吃请", "受贿", "行贿", "拿好处", "吃拿卡要", "收钱"}, written: []string{"廉政", "贿赂", "清正廉洁", "廉洁"}},
	{asked: []string{"走后门", "开后门", "以权谋私", "谋私利", "假公济私"}, written: []string{"徇私舞弊", "滥用职权", "谋取利益"}},
	{asked: []string{"不作为", "懒政", "失职", "不管不问"}, written: []string{"玩忽职守", "不依法履行", "失职渎职", "不履行"}},
	{asked: []string{"泄密", "说出去", "透露"}, written: []string{"泄露", "保守秘密"}},
	{asked: []string{"造假", "作假", "做假", "糊弄", "编数据", "假数据"}, written: []string{"弄虚作假", "伪造", "虚报"}},
	{asked: []string{"少报", "漏报", "不报", "瞒着", "隐瞒不报", "多报"}, written: []string{"虚报", "瞒报", "隐瞒"}},
	{asked: []string{"报复", "穿小鞋", "整人"}, written: []string{"打击报复", "打击", "报复", "陷害"}},
	// Posts and people.
	{asked: []string{"干部", "公务人员", "机关人员"}, written: []string{"工作人员", "公职人员"}},
	{asked: []string{"老板", "企业主", "老总", "业主"}, written: []string{"企业经营者", "经营者"}},
	{asked: []string{"法人代表", "法人"}, written: []string{"法定代表人"}},
	{asked: []string{"领导班子", "班子成员"}, written: []string{"领导成员", "领导职数"}},
	{asked: []string{"人手", "人力"}, written: []string{"人员", "力量"}},
	{asked: []string{"老百姓", "群众", "普通人", "市民"}, written: []string{"社会", "公民", "个人", "公众"}},
	{asked: []string{"上班", "干活", "日常工作"}, written: []string{"正常工作", "工作"}},
	{asked: []string{"临时工", "协管员", "辅警"}, written: []string{"辅助人员"}},
	// Bodies and their changes.
	{asked: []string{"撤并", "并掉", "合并撤销", "撤合"}, written: []string{"撤销", "合并"}},
	{asked: []string{"合成一个", "并成一个", "合为一个", "合到一起"}, written: []string{"合并", "由一个"}},
	{asked: []string{"改名", "改名字", "换名字", "更名"}, written: []string{"变更名称", "名称"}},
	{asked: []string{"换人", "换了", "变动", "调整人选"}, written: []string{"变更"}},
	{asked: []string{"挂牌", "新设", "成立"}, written: []string{"设立"}},
	{asked: []string{"扩编", "加编制", "增编"}, written: []string{"增加编制"}},
	{asked: []string{"超编"}, written: []string{"突破规定的编制", "超出编制"}},
	// Seals, papers, copies.
	{asked: []string{"公章", "章子", "图章", "盖章"}, written: []string{"印章"}},
	{asked: []string{"复印", "拷贝", "影印"}, written: []string{"复制"}},
	{asked: []string{"借给", "借用", "外借", "租给"}, written: []string{"出借", "出租"}},
	{asked: []string{"调材料", "查材料", "调档案", "翻材料"}, written: []string{"调阅"}},
	{asked: []string{"红头文件", "文件规定"}, written: []string{"规范性文件"}},
	{asked: []string{"批文"}, written: []string{"批准文件"}},
	{asked: []string{"出台", "发文"}, written: []string{"制定", "公布", "印发"}},
	{asked: []string{"网上办", "在网上办", "线上办"}, written: []string{"网上办理", "在线", "一网通办"}},
	{asked: []string{"走网上", "去大厅", "跑窗口"}, written: []string{"办理渠道"}},
	{asked: []string{"证件"}, written: []string{"证书", "证照"}},
	{asked: []string{"执法证"}, written: []string{"执法证件"}},
	{asked: []string{"拿到", "领到", "拿了", "到手"}, written: []string{"取得", "领取", "获取"}},
	{asked: []string{"交回", "上交", "交上去", "收回", "收走"}, written: []string{"收缴", "交回"}},
	{asked: []string{"看到", "碰到", "遇到", "查到"}, written: []string{"发现"}},
	// Money.
	{asked: []string{"捐款", "捐钱", "捐物", "捐的钱"}, written: []string{"捐赠"}},
	{asked: []string{"赞助"}, written: []string{"资助"}},
	{asked: []string{"花钱", "乱花"}, written: []string{"使用"}},
	{asked: []string{"乱收费", "多收钱", "乱收钱"}, written: []string{"不合理费用", "收费"}},
	{asked: []string{"罚钱"}, written: []string{"罚款"}},
	{asked: []string{"欠款", "欠账", "欠钱", "赖账"}, written: []string{"拖欠", "账款"}},
	{asked: []string{"乱摊派", "摊钱", "拉赞助"}, written: []string{"摊派"}},
	// Doing: joining up, mixing, deciding, paying.
	{asked: []string{"打通", "连通", "联通", "接上"}, written: []string{"互联互通", "对接", "融合"}},
	{asked: []string{"混着用", "串用", "混在一起用"}, written: []string{"混用", "挤占"}},
	{asked: []string{"定下来", "敲定", "拍板"}, written: []string{"议定", "确定", "决定"}},
	{asked: []string{"出钱", "掏钱", "买单"}, written: []string{"经费", "费用", "承担"}},
	{asked: []string{"少查", "少点", "少一些"}, written: []string{"减少", "压减"}},
	{asked: []string{"多查", "严查", "重点查"}, written: []string{"加大", "重点监管"}},
	// Validity and repetition.
	{asked: []string{"作废", "不管用", "还能用", "过期"}, written: []string{"废止", "失效", "有效"}},
	{asked: []string{"重新办", "再办一次", "重办"}, written: []string{"重复办理", "重复"}},
	// Manner: at will, on one's own, all at once.
	{asked: []string{"自行", "私自", "自作主张"}, written: []string{"擅自"}},
	{asked: []string{"一刀切", "一禁了之"}, written: []string{"简单化", "普遍停产"}},
	{asked: []string{"关停", "停工"}, written: []string{"停产", "停业"}},
	{asked: []string{"一次查完", "一起查", "合并检查"}, written: []string{"一次性开展", "联合检查", "合并"}},
	// Complaints and opinions.
	{asked: []string{"提意见", "听意见", "征求意见", "听取意见"}, written: []string{"意见"}},
	{asked: []string{"告状", "投诉", "反映问题"}, written: []string{"投诉", "举报", "反映"}},
	{asked: []string{"不服", "不满意", "有意见"}, written: []string{"异议", "复核", "申请复核"}},
	{asked: []string{"告诉", "通知到"}, written: []string{"反馈", "告知"}},
}

func init() {
	for i := range spokenWords {
		spokenWords[i].names = true
	}
	relations = append(relations, spokenWords...)
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
			if !r.names {
				if utf8.RuneCountInString(a) > 1 { // 管 is in every 管理
					q.relatedWords = appendWords(q.relatedWords, a)
				}
				q.relatedWords = appendWords(q.relatedWords, r.written...)
			}
			if r.names && negated(a) {
				// 不配合 asks the opposite of the 配合 it holds: a passage
				// praising 通力配合 is no answer; the written words decide.
				for _, i := range of {
					for _, ti := range units[i].terms {
						if t := q.terms[ti].text; !negated(t) && strings.Contains(a, t) {
							q.terms[ti].weight = min(q.terms[ti].weight, relatedWeight)
						}
					}
				}
			}
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
				if !r.names {
					units[i].weight *= askedWeight
				}
			}
		}
	}
}

// negations are the characters that open a negated word (不配合, 没考, 未经).
const negations = "未没不非无别"

// negated reports whether a spoken word says the opposite of the words
// after its negation (不配合, 没上报).
func negated(word string) bool {
	r, _ := utf8.DecodeRuneInString(word)
	return r != utf8.RuneError && strings.ContainsRune(negations, r)
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
