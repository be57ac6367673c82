package policy

import (
	"context"
	"strings"
	"testing"
)

// TestAskedKinds: what a question asks, read from its question words as
// people type them (no question mark, spoken words, words out of order).
func TestAskedKinds(t *testing.T) {
	for _, tc := range []struct {
		q                            string
		kind                         answerKind
		measure, thing, owner, deed  string
		who, yesNo, sanction, method bool
		isSo                         bool
	}{
		// A number or an amount, and what it counts.
		{q: "一个科室最多能配几个副科长", kind: kindNumber, thing: "副科长"},
		{q: "咸宁市直单位一共有多少个行政编制", kind: kindNumber, thing: "行政编制"},
		{q: "支队核定了多少编制", kind: kindNumber, thing: "编制"},
		{q: "纳入改革的单位有多少家", kind: kindNumber},
		{q: "印发了几期工作通报", kind: kindNumber},              // 期 says what is counted
		{q: "对几个进展滞后的单位发了专函", kind: kindNumber},         // a modifier, not the thing
		{q: "证书工本费多少钱", kind: kindNumber, measure: "钱"}, // money
		{q: "每个科室起码得几个人", kind: kindNumber, measure: "个人"},
		// A time limit or a date.
		{q: "多长时间能拿到证书", kind: kindNumber, measure: "时长"},
		{q: "复核要多久", kind: kindNumber, measure: "时长"},
		{q: "几个工作日办完", kind: kindNumber, measure: "个工作日"},
		{q: "多少天内给答复", kind: kindNumber, measure: "天"},
		{q: "年报啥时候交", kind: kindDate},
		{q: "条例哪天开始施行的", kind: kindDate},
		// A body, and what it does.
		{q: "科室负责人由谁任命", kind: kindBody, who: true, deed: "任命"},
		{q: "内设机构撤并谁来批", kind: kindBody, who: true, deed: "批"},
		{q: "大数据局归哪个部门管", kind: kindBody, who: true, deed: "主管"},
		{q: "编制总额由哪个部门提出", kind: kindBody, who: true, deed: "提出"},
		{q: "督查组对谁负责", kind: kindBody, who: true, deed: "负责"},
		{q: "营商环境评价由哪家第三方机构来做", kind: kindBody, who: true, thing: "第三方", deed: "来做"},
		{q: "综合执法还有哪些部门要配合", kind: kindBody}, // a list of bodies
		// A penalty or consequence; how a matter is handled is no penalty.
		{q: "擅自超职数配领导有啥后果", kind: kindRule, sanction: true},
		{q: "不公开资费标准的会怎么样", kind: kindRule, sanction: true},
		{q: "乱收费会受什么处分", kind: kindRule, sanction: true},
		{q: "不合规定的方案怎么处理", kind: kindRule},
		// Whether.
		{q: "议事协调机构能不能单设办事机构", kind: kindRule, yesNo: true, deed: "单设办事机构"},
		{q: "行政编制可不可以挪用", kind: kindRule, yesNo: true, deed: "挪用"},
		{q: "事业单位招聘要考试吗", kind: kindRule, yesNo: true, deed: "考试"},
		{q: "改革在全省推广了没有", yesNo: true, isSo: true, deed: "改革在全省推广"},
		{q: "开银行账户凭什么", kind: kindRule},
		// A thing asked for by name.
		{q: "法定代表人要具备什么条件", kind: kindRule, thing: "条件", owner: "法定代表人"},
		{q: "专函要盖啥章", kind: kindRule, thing: "章", owner: "专函"},
		{q: "申请登记要交哪些材料", thing: "材料", owner: "申请登记"},
		// How a figure is worked out.
		{q: "科室合并后领导职数怎么算", kind: kindRule, method: true, deed: "领导职数"},
		{q: "加班费咋算", kind: kindRule, method: true, deed: "加班费"},
	} {
		in := readIntent(plainQuestion(normalize(tc.q)))
		want := intent{kind: tc.kind, measure: tc.measure, asked: asked{who: tc.who, deed: tc.deed, thing: tc.thing, owner: tc.owner, yesNo: tc.yesNo, isSo: tc.isSo, sanction: tc.sanction, method: tc.method}}
		got := intent{kind: in.kind, measure: in.measure, asked: in.asked}
		if got != want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.q, got, want)
		}
	}
}

// askedRules is a 规定 written for these tests: each subject it treats is
// given with some kinds of answer and not others.
const askedRules = `某县机构编制管理规定

第一条 为了加强机构编制管理，制定本规定。

第二条 县委机构编制委员会办公室负责全县机构编制的日常管理工作。

第三条 县直单位内设机构的设立、撤销、合并，由本单位提出方案，经县委机构编制委员会办公室审核后，报县人民政府批准。

第四条 每个内设机构的编制一般不少于3名。

第五条 内设机构领导职数按照内设机构数量核定，每个内设机构配备负责人1名。

第六条 各单位应当于每年1月31日前报送上一年度机构编制执行情况报告。

第七条 机构编制实名制信息发生变化的，单位应当及时办理变更手续。

第八条 超编进人的，由县委机构编制委员会办公室责令限期纠正；情节严重的，依法给予处分。

第九条 编外聘用人员实行总量控制，严格履行审批程序。

第十条 机构编制评估工作定期开展，评估结果作为调整机构编制的依据。

第十一条 编制核查工作每年开展一次。核查发现问题的，由县委机构编制委员会办公室责令整改。

第十二条 本规定自2025年1月1日起施行。
`

// TestAnswersSayWhatWasAsked: a question is answered by a sentence that
// says the kind of thing it asks, or declined — never answered with a
// sentence that only shares its subject.
func TestAnswersSayWhatWasAsked(t *testing.T) {
	e := New(openStore(t), Options{})
	ctx := context.Background()
	if _, err := e.IngestBytes(ctx, "asked-rules.txt", []byte(askedRules)); err != nil {
		t.Fatal(err)
	}
	for q, fact := range map[string]string{
		"内设机构撤销合并最后谁来批":   "报县人民政府批准",
		"内设机构撤销合并由哪个部门审核": "县委机构编制委员会办公室审核",
		"一个内设机构起码几个编制":    "不少于3名",
		"执行情况报告啥时候交":      "每年1月31日前",
		"超编进人有啥后果":        "责令限期纠正",
		"内设机构领导职数怎么算":     "按照内设机构数量核定",
		"实名制信息变了要不要办变更手续": "办理变更手续",
		"编制核查多久搞一次":       "每年开展一次",
		"编制核查发现问题会怎么样":    "责令整改", // the passage's other sentence
		"规定哪天开始施行的":       "2025年1月1日",
	} {
		a, err := e.Ask(ctx, q)
		if err != nil || a.Declined || !strings.Contains(a.Text, fact) {
			t.Errorf("%s: %s (%v), want %s", q, FormatAnswer(a), err, fact)
		}
	}
	for _, q := range []string{
		"实名制信息变更要在几天内办完",   // no time limit is set
		"编外聘用人员最多能招多少人",    // no number
		"编外聘用人员由哪个部门审批",    // no body
		"机构编制评估多久搞一次",      // 定期 is no length of time
		"编外聘用人员总量怎么算",      // no rule for the figure
		"实名制信息没及时变更会受什么处分", // no penalty for it
		"评估结果由谁公布",         // 公布 is said of no body
	} {
		if a, err := e.Ask(ctx, q); err != nil || !a.Declined {
			t.Errorf("%s: answered %s (%v)", q, FormatAnswer(a), err)
		}
	}
}

func TestSaysAsked(t *testing.T) {
	e := officeEngine(t)
	idx, err := e.index(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q, sentence string
		want        bool
	}{
		{"领导职数怎么算", "地方各级人民政府行政机构的领导职数，按照地方各级人民代表大会和地方各级人民政府组织法的有关规定确定。", true},
		{"领导职数怎么算", "既创新了体制机制的管理模式，又压缩减少了一大批内设机构和领导职数。", false},
		{"支队核定了多少编制", "农业综合执法支队承担了原分散在14个单位的农业执法职能。", false},
		{"擅自增加编制有啥后果", "由机构编制管理机关给予通报批评，并责令限期改正。", true},
		{"擅自增加编制有啥后果", "机构实有人员不得突破规定的编制。", false},
		{"行政编制总额谁来审核", "由省、自治区、直辖市人民政府提出，经国务院机构编制管理机关审核后，报国务院批准。", true},
		// The only body named is the question's own.
		{"事业单位分类改革由哪个部门牵头", "要结合正在推进的事业单位分类改革，做到统筹考虑。", false},
		// The body stands far from what the question asks it does.
		{"事业单位分类改革由哪个部门牵头", "推进法治政府建设、综合执法改革、行政审批制度改革和事业单位分类改革等，要从便民、为民、利民的角度分析，做到统筹考虑。", false},
		{"法定代表人要具备什么条件", "事业单位法人登记事项包括：名称、住所、宗旨和业务范围、法定代表人等情况。", false},
	} {
		q := idx.analyse(tc.q)
		if got := idx.saysAsked(q, normalize(tc.sentence)); got != tc.want {
			t.Errorf("%s / %s: %v, want %v", tc.q, tc.sentence, got, tc.want)
		}
	}
}

// TestEvaluateAskedKindSet runs testdata/asked-kind.jsonl, written and
// labelled from the six 条例 before the asked-kind check and scored once
// after it (docs/benchmarks.md): 14 of 16 answered with the fact, 14 of 16
// declined (13 before the check); 15 of 16 answered since the fourth round
// (撤并一个局 names no body, 撤并 is written 撤销、合并).
func TestEvaluateAskedKindSet(t *testing.T) {
	rep := evaluateFile(t, regulationsEngine(t), "testdata/asked-kind.jsonl")
	if rep.Answerable < 15 || rep.OutOfCorpus < 15 {
		t.Fatalf("question set: %d answerable, %d to decline", rep.Answerable, rep.OutOfCorpus)
	}
	if rep.FactShare < 0.93 {
		t.Errorf("fact in reply %.3f, want ≥ 0.93", rep.FactShare)
	}
	if rep.Declined < 14 {
		t.Errorf("declined %d of %d, want ≥ 14", rep.Declined, rep.OutOfCorpus)
	}
}
