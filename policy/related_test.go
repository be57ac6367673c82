package policy

import (
	"context"
	"strings"
	"testing"
)

// TestWhoIsInChargeFindsTheArticle: questions that ask which body is in
// charge say 主管, 负责, 牵头 or 归…管, while the article that answers says
// 履行管理职责, 组织实施, 指导 or 统筹协调 — it shares no word of the asking
// with the question and was not retrieved.
func TestWhoIsInChargeFindsTheArticle(t *testing.T) {
	e := regulationsEngine(t)
	ctx := context.Background()
	for _, tc := range []struct{ q, title, article, fact string }{
		{"地方机构编制管理工作由哪个部门主管", "地方各级人民政府机构设置和编制管理条例", "第五条", "履行管理职责"},
		{"地方各级政府机构编制归哪个部门管", "地方各级人民政府机构设置和编制管理条例", "第五条", "履行管理职责"},
		{"事业单位登记管理工作由哪个部门主管", "事业单位登记管理暂行条例", "第五条", "负责实施事业单位的登记管理工作"},
		{"政府督查工作由谁牵头", "政府督查工作条例", "第六条", "组织实施"},
		{"县里的政府督查由哪个机构负责", "政府督查工作条例", "第六条", "县级以上地方人民政府督查机构组织实施本级人民政府督查工作"},
		{"浙江综合行政执法由哪个部门主管", "浙江省综合行政执法条例", "第四条", "综合行政执法指导机构"},
		{"优化营商环境工作谁牵头", "优化营商环境条例", "第七条", "优化营商环境工作"},
	} {
		a, err := e.Ask(ctx, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		got := FormatAnswer(a)
		if a.Declined || len(a.Citations) == 0 || a.Citations[0].Title != tc.title || !strings.HasPrefix(a.Citations[0].Section, tc.article) || !strings.Contains(a.Text, tc.fact) {
			t.Errorf("%s: want 《%s》%s with %q, got %s", tc.q, tc.title, tc.article, tc.fact, got)
		}
	}
	// Who is in charge of what the documents never mention: still declined.
	for _, q := range []string{"档案工作由哪个部门主管", "招商引资由哪个部门牵头", "公务用车归哪个部门管", "消防安全由谁负责", "退休人员的养老金归哪个部门管", "政务服务中心归谁管"} {
		if a, _ := e.Ask(ctx, q); !a.Declined {
			t.Errorf("%s: answered %s", q, FormatAnswer(a))
		}
	}
}

// TestWhoLeadsTheReform: the shipped article says who leads as 挂帅 and
// 总指挥, which a question asks as 负责 or 谁来抓.
func TestWhoLeadsTheReform(t *testing.T) {
	e := defaultEngine(t, Options{})
	for _, q := range []string{"督办组由谁负责", "改革工作谁来抓"} {
		a, err := e.Ask(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if a.Declined || !strings.Contains(a.Text, "总指挥") {
			t.Errorf("%s: %s", q, FormatAnswer(a))
		}
	}
}

// TestMaterialsAreDocuments: 材料 to hand in is written 文件 and 证明.
func TestMaterialsAreDocuments(t *testing.T) {
	e := regulationsEngine(t)
	a, err := e.Ask(context.Background(), "事业单位法人登记要交哪些材料")
	if err != nil {
		t.Fatal(err)
	}
	if got := FormatAnswer(a); a.Declined || !strings.Contains(got, "第七条") || !strings.Contains(a.Text, "提交下列文件") {
		t.Errorf("materials: %s", got)
	}
}

// TestAnAnswerIsADecision: 答复 to an application is written 作出…决定.
func TestAnAnswerIsADecision(t *testing.T) {
	e := regulationsEngine(t)
	a, err := e.Ask(context.Background(), "事业单位登记 多少天内给答复")
	if err != nil {
		t.Fatal(err)
	}
	if got := FormatAnswer(a); a.Declined || !strings.Contains(a.Text, "30日内") || !strings.Contains(got, "事业单位登记管理暂行条例") {
		t.Errorf("answer: %s", got)
	}
}

// spokenRules is a 规定 written for the test in the documents' register:
// what people ask in spoken words (不配合, 插手, 收红包, 公章, 改名) it
// writes as 阻挠, 干预, 廉洁, 印章, 变更名称.
const spokenRules = `某市机关效能建设规定

第一条 为了加强机关效能建设，制定本规定。

第二条 效能监察机构开展检查时，被检查单位应当如实提供情况，不得阻挠、妨碍检查。阻挠检查的，由效能监察机构责令改正，并予以通报批评。

第三条 领导干部不得违反规定干预项目审批。违反规定干预项目审批的，依法给予处分。

第四条 机关工作人员应当清正廉洁，违反廉洁纪律的，依照有关规定给予处分。

第五条 单位印章由办公室统一保管，不得出借。

第六条 单位需要变更名称的，应当报市机构编制委员会办公室审核。

第七条 本规定自2025年3月1日起施行。
`

// TestSpokenWordsFindTheArticle: questions in the words people say, which
// a document never uses, find the article that writes the same thing in
// its own words; spoken words of things it does not treat are still declined.
func TestSpokenWordsFindTheArticle(t *testing.T) {
	e := New(openStore(t), Options{})
	ctx := context.Background()
	if _, err := e.IngestBytes(ctx, "spoken-rules.txt", []byte(spokenRules)); err != nil {
		t.Fatal(err)
	}
	for q, fact := range map[string]string{
		"被检查单位不配合检查会怎样": "责令改正",
		"领导插手项目审批怎么处理":  "依法给予处分",
		"机关干部收红包会受什么处分": "给予处分",
		"单位的公章能不能借给别人用": "不得出借",
		"单位要改名字报谁审核":    "市机构编制委员会办公室审核",
	} {
		a, err := e.Ask(ctx, q)
		if err != nil || a.Declined || !strings.Contains(a.Text, fact) {
			t.Errorf("%s: %s (%v), want %s", q, FormatAnswer(a), err, fact)
		}
	}
	// A report praising the units for their 配合 does not answer a question
	// about a unit that does not 配合: it asks the opposite.
	if _, err := e.IngestBytes(ctx, "report.txt", []byte("某市效能检查工作总结\n\n在各相关单位通力配合下，效能检查工作顺利完成，各单位积极配合检查。\n")); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"有单位不配合检查怎么处理", "不配合检查的单位怎么处理"} {
		if a, err := e.Ask(ctx, q); err != nil || strings.Contains(FormatAnswer(a), "工作总结") {
			t.Errorf("%s: answered from the report praising 配合: %s (%v)", q, FormatAnswer(a), err)
		}
	}
	for _, q := range []string{"单位公章丢了怎么补刻", "收红包的钱上缴到哪个账户", "领导干部插手项目审批要罚款多少钱"} {
		if a, err := e.Ask(ctx, q); err != nil || !a.Declined {
			t.Errorf("%s: answered %s (%v)", q, FormatAnswer(a), err)
		}
	}
}
