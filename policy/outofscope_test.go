package policy

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// officeEngine is an engine over what an office would load: the six 条例
// of testdata/heldout and the shipped article.
func officeEngine(t testing.TB) *Engine {
	t.Helper()
	e := regulationsEngine(t)
	data, err := defaultCorpus.ReadFile("corpus/000_7d365537069838e8.txt")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := e.IngestBytes(context.Background(), "embedded:corpus/000_7d365537069838e8.txt", data); err != nil || res.Status == StatusFailed {
		t.Fatalf("ingest the shipped article: %v %v", err, res.Err)
	}
	return e
}

// TestEvaluateOutOfScope runs testdata/outofscope.jsonl: questions the
// documents do not answer though they share their words. Before the key-word
// check 23 of 50 were declined, 36 with it, 38 once words no document holds
// counted, 46 with the asked-kind check (asked.go); the floor is what it
// declines now (docs/benchmarks.md), not all of them.
func TestEvaluateOutOfScope(t *testing.T) {
	rep := evaluateFile(t, officeEngine(t), "testdata/outofscope.jsonl")
	if rep.OutOfCorpus < 40 || rep.Answerable > 0 {
		t.Fatalf("question set: %d out of corpus, %d answerable", rep.OutOfCorpus, rep.Answerable)
	}
	if rep.Declined < 46 {
		t.Errorf("declined %d of %d questions the documents do not answer, want ≥ 46", rep.Declined, rep.OutOfCorpus)
	}
}

// TestTrialFalseAnswersDeclined: a trial found the engine quoting an
// unrelated sentence for questions the documents do not answer.
func TestTrialFalseAnswersDeclined(t *testing.T) {
	e := officeEngine(t)
	ctx := context.Background()
	for _, q := range []string{"公务员工资怎么调整", "事业单位可以收费吗", "行政审批局由谁主管", "大数据局归哪个部门管", "大科室改革一共分流了多少人", "咸宁市编办主任叫什么名字"} {
		if a, err := e.Ask(ctx, q); err != nil || !a.Declined {
			t.Errorf("%s: answered %s (%v)", q, FormatAnswer(a), err)
		}
	}
	// Who leads the reform is said, as 总指挥; 编办 is a body it names.
	for q, fact := range map[string]string{"改革由谁牵头": "总指挥", "咸宁市编办召开了几次主任会": "5次"} {
		if a, err := e.Ask(ctx, q); err != nil || a.Declined || !strings.Contains(a.Text, fact) {
			t.Errorf("%s: %s (%v)", q, FormatAnswer(a), err)
		}
	}
}

// TestWhatIsItAsked: 怎么回事 and 啥意思 ask what a thing named is, as 是什么
// does; 回事 was counted as a word no document holds, and the question declined.
func TestWhatIsItAsked(t *testing.T) {
	e := defaultEngine(t, Options{})
	for _, q := range []string{"任务清单制是怎么回事", "任务清单制啥意思", "任务清单制是什么意思"} {
		if a, err := e.Ask(context.Background(), q); err != nil || a.Declined || !strings.Contains(a.Text, "照单催收") {
			t.Errorf("%s: %s (%v)", q, FormatAnswer(a), err)
		}
	}
}

func TestKeyWordsAndTheirCoverage(t *testing.T) {
	e := regulationsEngine(t)
	idx, err := e.index(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	q := idx.analyse("公务员工资怎么调整")
	words := idx.keyWords(q)
	for _, w := range []string{"公务", "工资", "调整"} {
		if !slices.Contains(words, w) {
			t.Errorf("key words %v lack %s", words, w)
		}
	}
	// 员工 straddles 公务员|工资: rarer than both, no word of the question.
	if slices.Contains(words, "员工") {
		t.Errorf("key words %v hold the straddling 员工", words)
	}
	budget := normalize("县级以上各级人民政府应当建立机构编制、人员工资与财政预算相互制约的机制，在设置机构、核定编制时，应当充分考虑财政的供养能力。")
	if c := idx.wordCoverage(q, words, budget); c > 0.5 {
		t.Errorf("an article on budgets covers %.2f of 公务员工资怎么调整", c)
	}
	if c := idx.wordCoverage(q, words, normalize("公务员工资调整办法由人力资源社会保障部门制定。")); c != 1 {
		t.Errorf("a sentence with every key word covers %.2f", c)
	}
	// Written words for asked ones: 部门 is written 单位; 主管, 履行管理职责.
	q = idx.analyse("事业单位登记由哪个部门主管")
	if c := idx.wordCoverage(q, idx.keyWords(q), normalize("县级以上各级人民政府机构编制管理机关所属的事业单位登记管理机构负责实施事业单位的登记管理工作。")); c != 1 {
		t.Errorf("负责 for 主管 covers %.2f", c)
	}
}

func TestUnknownBodies(t *testing.T) {
	e := officeEngine(t)
	idx, err := e.index(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"行政审批局由谁主管":         "行政审批局", // 审批局 stands only in 多头审批局面
		"大数据局归哪个部门管":        "大数据局",
		"市农业局精简了多少机构":       "",
		"农业综合执法支队承担了哪些职能":   "",
		"政务大厅的窗口怎么设":        "", // a hall, not an office
		"县里撤并一个局要报谁批":       "", // a bureau counted, not named
		"上级能不能要求设对口的局":      "",
		"找农业局办事要带什么":        "",
		"县级以上地方人民政府督查机构是啥":  "",
		"想问下我们局的内设机构能自己调整吗": "", // 想问下 is an opener, not 下我们局
		"请问下市里的审批局归谁管":      "",
	} {
		got := idx.unknownBodies(plainQuestion(normalize(q)))
		if want == "" && len(got) > 0 || want != "" && (len(got) != 1 || got[0] != want) {
			t.Errorf("%s: unknown bodies %v, want %q", q, got, want)
		}
	}
}

// TestWordsNoDocumentHolds: on the shipped article alone, a question whose
// subject the article never writes (工资, 加班费, 搬家) is declined rather than
// answered with a sentence that shares its other words, while spoken
// questions about the article, in words it does not use, are answered.
func TestWordsNoDocumentHolds(t *testing.T) {
	e := defaultEngine(t, Options{})
	ctx := context.Background()
	for _, q := range []string{"公务员工资怎么调整", "加班费怎么算", "单位搬家要报批吗", "领导出差住宿标准是多少"} {
		if a, err := e.Ask(ctx, q); err != nil || !a.Declined {
			t.Errorf("%s: answered %s (%v)", q, FormatAnswer(a), err)
		}
	}
	for _, q := range []string{"这个改革是哪个市搞的", "改革后科室少了多少个", "审批科是干啥的"} {
		if a, err := e.Ask(ctx, q); err != nil || a.Declined || len(a.Citations) == 0 {
			t.Errorf("%s: %s (%v)", q, FormatAnswer(a), err)
		}
	}
}
