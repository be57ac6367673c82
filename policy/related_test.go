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
