package policy

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// officeRules is a 办法 written for these tests: a body in charge, a list
// longer than an answer may quote, a list of materials, a penalty list, a
// penalty clause, a reform only mentioned, a time limit in days, a sentence
// of two clauses and a definition.
const officeRules = `某市机关事务管理办法

第一条 为了规范机关事务管理，降低行政运行成本，制定本办法。

第二条 市机关事务管理局主管全市机关事务工作，各区机关事务管理部门负责本区机关事务工作。

第三条 机关事务管理应当遵循节约、规范、高效的原则。

第四条 公务用车管理包括下列事项：

（一）公务用车编制的核定和调整，按照车辆使用单位的职能和人员规模测算；

（二）公务用车购置计划的审核，包括车型、排量、价格和购置资金来源；

（三）公务用车的登记、年检、保险和维修保养的统一安排，由定点单位按照规定承担并定期报告；

（四）公务用车使用情况的登记、统计和定期公示；

（五）公务用车运行费用的核算、审核和年度报告，运行费用按照单车核算并纳入部门预算管理；

（六）公务用车驾驶人员的培训、考核和安全教育；

（七）公务用车标识的喷涂、更换和管理；

（八）公务用车停放场所的规划、建设和管理；

（九）公务用车的处置、报废和残值回收，处置收入按照政府非税收入管理规定上缴国库；

（十）公务用车信息系统的建设和数据维护；

（十一）公务用车违规使用问题的调查和处理；

（十二）市人民政府交办的其他公务用车事项。

第五条 会议费报销应当提交下列材料：

（一）会议审批文件；

（二）会议通知；

（三）参会人员签到表。

第六条 有下列行为之一的，由市机关事务管理局责令改正，给予通报批评：

（一）超标准配备公务用车的；

（二）擅自改变办公用房用途的；

（三）未经批准出租出借办公用房的。

第七条 机关事务管理工作人员滥用职权、玩忽职守的，依法给予处分。

第八条 国家持续推进公务用车制度改革，提高公务用车使用效率。

第九条 办公用房维修的报批，由使用单位向市机关事务管理局提出，市机关事务管理局应当在30日内作出决定。

第十条 本办法自2024年1月1日起施行。

第十一条 办公用房有使用标准的，按照标准配置；没有标准的，由市机关事务管理局按照节约的原则核定。

第十二条 本办法所称机关事务，是指保障机关运行的经费、资产、服务等事务。各单位应当按照本办法做好机关事务管理。
`

func officeRulesEngine(t *testing.T) *Engine {
	t.Helper()
	e := New(openStore(t), Options{})
	if _, err := e.IngestBytes(context.Background(), "office-rules.txt", []byte(officeRules)); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestListsAreAnsweredWithTheirItems(t *testing.T) {
	e := officeRulesEngine(t)
	ctx := context.Background()
	// A question for a list gets the lead-in and the items.
	a, err := e.Ask(ctx, "会议费报销要交哪些材料")
	if err != nil || a.Declined {
		t.Fatalf("%+v, %v", a, err)
	}
	for _, want := range []string{"应当提交下列材料：", "（一）会议审批文件；", "（三）参会人员签到表。"} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("list answer lacks %q: %s", want, a.Text)
		}
	}
	if got := FormatAnswer(a); !strings.HasSuffix(got, "第五条") {
		t.Errorf("citation: %s", got)
	}
	// A list too long to quote is cut after a whole item, and says so.
	a, _ = e.Ask(ctx, "公务用车管理都包括哪些事项")
	if a.Declined || !strings.Contains(a.Text, "（一）") || !strings.Contains(a.Text, "（共12项，以上为前") {
		t.Errorf("long list: %s", a.Text)
	}
	if n := utf8.RuneCountInString(a.Text); n > maxList+30 {
		t.Errorf("long list quoted in %d characters", n)
	}
	if strings.Contains(a.Text, "（十二）") {
		t.Errorf("the list was not cut: %s", a.Text)
	}
	// One item answers a question about it — with its lead-in, which says
	// what the item is about.
	a, _ = e.Ask(ctx, "擅自改变办公用房用途的会怎么处理")
	if a.Declined || !strings.Contains(a.Text, "责令改正") || !strings.Contains(a.Text, "擅自改变办公用房用途") || strings.Contains(a.Text, "超标准配备") {
		t.Errorf("item with its lead-in: %s", a.Text)
	}
}

func TestPenaltyClausesAnswerOnlyQuestionsAboutBreaches(t *testing.T) {
	e := officeRulesEngine(t)
	ctx := context.Background()
	a, _ := e.Ask(ctx, "机关事务管理工作由哪个部门主管")
	got := FormatAnswer(a)
	if a.Declined || len(a.Citations) != 1 || !strings.Contains(got, "第二条") {
		t.Errorf("who is in charge: %s", got)
	}
	a, _ = e.Ask(ctx, "机关事务管理工作人员滥用职权怎么处理")
	if got := FormatAnswer(a); a.Declined || !strings.Contains(got, "依法给予处分") {
		t.Errorf("a question about a breach: %s", got)
	}
	// What follows a breach: the penalty list's item, not the article that
	// sets the rule.
	a, _ = e.Ask(ctx, "超标准配备公务用车的会怎样")
	if got := FormatAnswer(a); a.Declined || !strings.Contains(got, "责令改正") || !strings.HasSuffix(got, "第六条") {
		t.Errorf("consequence: %s", got)
	}
	// A breach named in a question about something else does not call
	// for a penalty.
	r := regulationsEngine(t)
	a, _ = r.Ask(ctx, "谁可以举报违反机构编制管理规定的行为")
	if got := FormatAnswer(a); a.Declined || !strings.Contains(got, "任何组织和个人") {
		t.Errorf("who may report: %s", got)
	}
}

func TestDurationsInTheAskedUnit(t *testing.T) {
	e := officeRulesEngine(t)
	ctx := context.Background()
	if a, _ := e.Ask(ctx, "办公用房维修报批多少天内作出决定"); a.Declined || !strings.Contains(a.Text, "30日内") {
		t.Errorf("days: %s", FormatAnswer(a))
	}
	// 30 days does not answer "how many years", nor "how much".
	for _, q := range []string{"办公用房维修报批的有效期几年", "办公用房维修报批要交多少钱"} {
		if a, _ := e.Ask(ctx, q); !a.Declined {
			t.Errorf("%s answered with days: %s", q, FormatAnswer(a))
		}
	}
}

func TestHowToIsAnsweredByWhatToDo(t *testing.T) {
	e := officeRulesEngine(t)
	ctx := context.Background()
	if a, _ := e.Ask(ctx, "办公用房维修怎么报批"); a.Declined || !strings.Contains(a.Text, "由使用单位向市机关事务管理局提出") {
		t.Errorf("a procedure the rules give: %s", FormatAnswer(a))
	}
	// The reform is named, how to apply is not said.
	if a, _ := e.Ask(ctx, "如何申请公务用车"); !a.Declined {
		t.Errorf("a procedure the rules only name: %s", FormatAnswer(a))
	}
}

// TestKnownMissesOnRegulations holds the misses a QA pass found on the six
// 条例: the article that answers, list answers, and a concept no document
// is about.
func TestKnownMissesOnRegulations(t *testing.T) {
	e := regulationsEngine(t)
	ctx := context.Background()
	// The reform of patent applications is named (优化营商环境条例第十五条);
	// how to apply, with what, where, is said nowhere.
	for _, q := range []string{"如何申请专利", "专利申请怎么办理", "申请专利需要什么材料", "申请专利找哪个部门", "事业单位登记证书有效期几年"} {
		if a, _ := e.Ask(ctx, q); !a.Declined {
			t.Errorf("%s: answered %s", q, FormatAnswer(a))
		}
	}
	// Procedures the documents do give are still answered.
	for q, fact := range map[string]string{"如何申请事业单位法人登记": "提交下列文件", "事业单位怎么办理注销登记": "办理注销登记", "怎么申请复核": "申请复核"} {
		if a, _ := e.Ask(ctx, q); a.Declined || !strings.Contains(a.Text, fact) {
			t.Errorf("%s: %s", q, FormatAnswer(a))
		}
	}
	a, _ := e.Ask(ctx, "地方机构编制管理工作由哪个部门主管")
	if got := FormatAnswer(a); strings.Contains(got, "第二十七条") || strings.Contains(got, "追究刑事责任") {
		t.Errorf("a penalty clause answers who is in charge: %s", got)
	}
	for _, tc := range []struct{ q, cite, last string }{
		{"政府督查可以采取哪些方式", "第十二条", "（八）运用现代信息技术手段"},
		{"政府督查内容包括哪些", "第四条", "（四）本级人民政府所属部门"},
		{"政府督查对象包括哪些", "第五条", "（四）受行政机关委托"},
		{"申请事业单位法人登记应当具备哪些条件", "第六条", "(五)能够独立承担民事责任"},
	} {
		a, _ := e.Ask(ctx, tc.q)
		got := FormatAnswer(a)
		if a.Declined || !strings.Contains(got, tc.cite) || !strings.Contains(got, tc.last) {
			t.Errorf("%s: %s", tc.q, got)
		}
	}
}

func TestAnswersQuoteWholeSentencesAndDefinitions(t *testing.T) {
	e := officeRulesEngine(t)
	ctx := context.Background()
	// The clause after "；" is quoted with the one it continues.
	a, _ := e.Ask(ctx, "办公用房没有使用标准的由谁核定")
	if a.Declined || !strings.Contains(a.Text, "办公用房有使用标准的，按照标准配置；没有标准的，由市机关事务管理局") {
		t.Errorf("clause: %s", FormatAnswer(a))
	}
	// What a term means: the sentence that defines it, not one that uses it
	// (spoken: 啥 is 什么).
	a, _ = e.Ask(ctx, "机关事务指的是啥")
	if a.Declined || !strings.Contains(a.Text, "是指保障机关运行的经费、资产、服务等事务") {
		t.Errorf("definition: %s", FormatAnswer(a))
	}
}

// TestSpokenQuestions: questions as people type them in chat, with spoken
// words the documents write otherwise.
func TestSpokenQuestions(t *testing.T) {
	for spoken, written := range map[string]string{
		"内设机构要撤掉的话找谁批": "内设机构要撤销由谁审批",
		"没经过批准能开展吗":    "未经过批准能开展吗",
		"罚没收入和没收的财物":   "罚没收入和没收的财物", // 没 of 罚没, 没收 is not 未
	} {
		if got := plainQuestion(spoken); got != written {
			t.Errorf("plainQuestion(%s) = %q", spoken, got)
		}
	}
	e := regulationsEngine(t)
	ctx := context.Background()
	for q, fact := range map[string]string{
		"内设机构要撤掉的话找谁批":    "本级人民政府机构编制管理机关审批",
		"没政府指定 部门能自己搞督查吗": "不得开展政府督查",
		"督查条例啥时候施行的":      "2021年2月1日",
	} {
		if a, _ := e.Ask(ctx, q); a.Declined || !strings.Contains(a.Text, fact) {
			t.Errorf("%s: %s", q, FormatAnswer(a))
		}
	}
}
