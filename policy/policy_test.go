package policy

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/duban-org/duban/store"
)

const corpusFile = "corpus/000_7d365537069838e8.txt"

const articleTitle = "精兵简政 提质增效——咸宁市直机关单位大科室制改革释放活力"

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCleanScrapedPage(t *testing.T) {
	doc, err := Parse(corpusFile, readFile(t, corpusFile))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != articleTitle {
		t.Errorf("title = %q", doc.Title)
	}
	if doc.Date != "2018-03-14" {
		t.Errorf("date = %q", doc.Date)
	}
	if !strings.HasPrefix(doc.Paragraphs[0], "习总书记指出") {
		t.Errorf("first paragraph = %.30q", doc.Paragraphs[0])
	}
	all := strings.Join(doc.Paragraphs, "\n")
	for _, chrome := range []string{"无标题文档", "欢迎您", "站内搜索", "您现在的位置", "ICP", "027-87235482", "联系地址", "主办", "供稿", "时间:"} {
		if strings.Contains(all, chrome) {
			t.Errorf("cleaned text still holds %q", chrome)
		}
	}
	if !strings.Contains(all, "纳入市直“大科室”制改革的84家单位") {
		t.Error("stray space inside the text was not removed")
	}
	if !strings.HasSuffix(doc.Paragraphs[len(doc.Paragraphs)-1], "坚强体制机制保障。") {
		t.Errorf("last paragraph ends %q", string([]rune(doc.Paragraphs[len(doc.Paragraphs)-1])[len([]rune(doc.Paragraphs[len(doc.Paragraphs)-1]))-10:]))
	}
}

const samplePage = `<!DOCTYPE html><html><head><title>无标题文档</title>
<style>p{color:red}</style><script>var x = "站内搜索";</script></head>
<body><div class="top">湖北机构编制网欢迎您!</div>
<nav><a href="/">首页</a> &gt; <a>市县动态</a></nav>
<div>您现在的位置: 首页 &gt; 市县动态</div>
<h1>某市推进大科室制改革</h1>
<p>时间：2019-05-06</p>
<h2>一、总体要求</h2>
<p>各单位要把每个科室平均不少于3名落实到位。<br>行政审批职能向行政审批科集中。</p>
<h2>二、保障措施</h2>
<p>加强督办，照单催收、对账销号。</p>
<footer>联系地址：某市某路1号 电话：027-12345678</footer>
<div>中共某省委机构编制委员会办公室主办 | 鄂ICP备 13009157号</div>
</body></html>`

func TestParseHTML(t *testing.T) {
	doc, err := Parse("page.html", []byte(samplePage))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "某市推进大科室制改革" || doc.Date != "2019-05-06" {
		t.Errorf("title %q date %q", doc.Title, doc.Date)
	}
	all := strings.Join(doc.Paragraphs, "\n")
	for _, chrome := range []string{"欢迎您", "站内搜索", "首页", "ICP", "电话", "color", "无标题文档"} {
		if strings.Contains(all, chrome) {
			t.Errorf("HTML text holds %q:\n%s", chrome, all)
		}
	}
	chunks := chunkDocument(doc)
	if len(chunks) != 2 || chunks[0].Heading != "一、总体要求" || chunks[1].Heading != "二、保障措施" {
		t.Fatalf("chunks = %+v", chunks)
	}
	if chunks[0].Text != "各单位要把每个科室平均不少于3名落实到位。\n行政审批职能向行政审批科集中。" {
		t.Errorf("first chunk = %q", chunks[0].Text)
	}
}

// makeDocx builds a minimal .docx holding paragraphs; the first is styled Title.
func makeDocx(t testing.TB, title string, paragraphs ...string) []byte {
	t.Helper()
	var body strings.Builder
	body.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	fmt.Fprintf(&body, `<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>%s</w:t></w:r></w:p>`, title)
	for _, p := range paragraphs {
		// Split each paragraph over two runs, as Word does.
		rs := []rune(p)
		half := len(rs) / 2
		fmt.Fprintf(&body, `<w:p><w:r><w:t>%s</w:t></w:r><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>`, string(rs[:half]), string(rs[half:]))
	}
	body.WriteString(`<w:sectPr/></w:body></w:document>`)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"word/document.xml":   body.String(),
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseDocx(t *testing.T) {
	data := makeDocx(t, "关于深化大科室制改革的实施意见",
		"第一章 总则",
		"第一条 为推进机构扁平化，制定本意见。",
		"第二条 每个科室平均不少于3名工作人员。",
		"第二章 附则",
		"第三条 本意见自印发之日起施行。",
	)
	doc, err := Parse("意见.docx", data)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "关于深化大科室制改革的实施意见" {
		t.Errorf("title = %q", doc.Title)
	}
	chunks := chunkDocument(doc)
	want := []textChunk{
		{"第一章 总则 第一条", "为推进机构扁平化，制定本意见。"},
		{"第一章 总则 第二条", "每个科室平均不少于3名工作人员。"},
		{"第二章 附则 第三条", "本意见自印发之日起施行。"},
	}
	if fmt.Sprint(chunks) != fmt.Sprint(want) {
		t.Errorf("chunks =\n%v\nwant\n%v", chunks, want)
	}
	if _, err := Parse("bad.docx", []byte("not a zip")); err == nil {
		t.Error("garbage .docx parsed without error")
	}
}

func TestParseMarkdownAndUnsupported(t *testing.T) {
	md := "# 改革方案\n\n## 一、目标\n\n- **精简** [机构](http://x)，提高效能。\n\n## 二、步骤\n\n分三步推进。\n"
	doc, err := Parse("plan.md", []byte(md))
	if err != nil {
		t.Fatal(err)
	}
	chunks := chunkDocument(doc)
	if doc.Title != "改革方案" || len(chunks) != 2 || chunks[0].Heading != "一、目标" || chunks[0].Text != "精简机构，提高效能。" {
		t.Errorf("title %q chunks %+v", doc.Title, chunks)
	}
	if _, err := Parse("a.pdf", []byte("%PDF-1.4")); !errors.Is(err, ErrPDFCorrupt) {
		t.Errorf("pdf: err = %v, want ErrPDFCorrupt", err)
	}
	if _, err := Parse("a.doc", []byte("\xd0\xcf\x11\xe0")); !errors.Is(err, ErrUnsupported) {
		t.Errorf("doc: err = %v, want ErrUnsupported", err)
	}
	if _, err := Parse("a.xls", nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("xls: err = %v, want ErrUnsupported", err)
	}
}

func TestChunkingKeepsHeadings(t *testing.T) {
	doc, err := Parse(corpusFile, readFile(t, corpusFile))
	if err != nil {
		t.Fatal(err)
	}
	chunks := chunkDocument(doc)
	headings := map[string]bool{}
	for _, c := range chunks {
		headings[c.Heading] = true
		if n := utf8.RuneCountInString(c.Text); n > maxChunk {
			t.Errorf("chunk of %d runes under %q", n, c.Heading)
		}
	}
	for _, h := range []string{"", "一、领导挂帅强推进", "二、率先示范严把关", "三、“三化”同步出实招", "四、推陈出新显成效"} {
		if !headings[h] {
			t.Errorf("no chunk under heading %q (have %v)", h, headings)
		}
	}
	// 一、 is one paragraph of ~700 characters: it is cut at a sentence end.
	for _, c := range chunks {
		if c.Heading == "一、领导挂帅强推进" && !strings.HasSuffix(c.Text, "。") {
			t.Errorf("chunk not cut at a sentence end: …%s", string([]rune(c.Text)[utf8.RuneCountInString(c.Text)-10:]))
		}
	}
}

func TestNestedHeadingsAndLongParagraphs(t *testing.T) {
	long := strings.Repeat("各单位要严格落实改革任务，按期完成。", 80) // 1,440 runes
	doc := Document{Paragraphs: []string{
		"一、总体要求",
		"（一）工作目标",
		"到年底全部完成。",
		"（二）基本原则。坚持精简、统一、效能。",
		"1. 精简机构",
		long,
		"二、组织保障",
		"加强领导。",
	}}
	chunks := chunkDocument(doc)
	var got []string
	for _, c := range chunks {
		got = append(got, c.Heading)
		n := utf8.RuneCountInString(c.Text)
		if n > maxChunk {
			t.Errorf("chunk of %d runes", n)
		}
	}
	want := []string{"一、总体要求 （一）工作目标", "一、总体要求 （二）基本原则", "一、总体要求 （二）基本原则 1. 精简机构", "一、总体要求 （二）基本原则 1. 精简机构", "一、总体要求 （二）基本原则 1. 精简机构", "二、组织保障"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("headings =\n%q\nwant\n%q", got, want)
	}
	if chunks[1].Text != "坚持精简、统一、效能。" {
		t.Errorf("run-in heading body = %q", chunks[1].Text)
	}
	// The 1,440-rune paragraph is cut into balanced parts at sentence ends.
	for _, c := range chunks[2:5] {
		n := utf8.RuneCountInString(c.Text)
		if n < minChunk || !strings.HasSuffix(c.Text, "。") {
			t.Errorf("long paragraph part of %d runes ending %q", n, lastRune(c.Text))
		}
	}
}

func TestTokenize(t *testing.T) {
	terms := tokenize(normalize("“大科室” 制改革的８４家单位，ＱＱ对接，精简52.6%"))
	have := map[string]bool{}
	for _, tm := range terms {
		have[tm] = true
	}
	for _, want := range []string{"大科", "科室", "室制", "制改", "84", "84家", "家单", "qq", "52.6%"} {
		if !have[want] {
			t.Errorf("missing term %q in %q", want, terms)
		}
	}
}

func newEngine(t testing.TB, o Options) (*Engine, *store.Store) {
	t.Helper()
	st := openStore(t)
	return New(st, o), st
}

func ingestText(t testing.TB, e *Engine, name, text string) {
	t.Helper()
	res, err := e.IngestBytes(context.Background(), name, []byte(text))
	if err != nil || res.Status == StatusFailed {
		t.Fatalf("ingest %s: %v %v", name, err, res.Err)
	}
}

func TestBM25Ranking(t *testing.T) {
	e, _ := newEngine(t, Options{})
	ingestText(t, e, "a.txt", "人事制度\n一、编制管理\n编制总数由编办核定，分解到内设机构和具体岗位。")
	ingestText(t, e, "b.txt", "审批改革\n一、审批集中\n行政审批职能向行政审批科集中，实现一个窗口对外。")
	ingestText(t, e, "c.txt", "执法改革\n一、执法集中\n行政执法职能向执法机构集中，审批另行规定。")
	ctx := context.Background()
	hits, err := e.Search(ctx, "行政审批职能集中到哪个科室", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) < 2 || hits[0].Citation.Title != "审批改革" {
		t.Fatalf("hits = %+v", hits)
	}
	if hits[0].Score <= hits[1].Score {
		t.Errorf("scores not decreasing: %v, %v", hits[0].Score, hits[1].Score)
	}
	// Figures match only with their measure word.
	ingestText(t, e, "d.txt", "科室人数\n一、配备\n每个科室平均不少于3个岗位。")
	ingestText(t, e, "e.txt", "科室人员\n一、配备\n每个科室平均不少于3名工作人员。")
	hits, _ = e.Search(ctx, "每个科室不少于3名", 2)
	if hits[0].Citation.Title != "科室人员" {
		t.Errorf("3名 ranked %q first", hits[0].Citation.Title)
	}
	// A longer exact run of the question wins over the same words scattered.
	ingestText(t, e, "f.txt", "散乱的督办办法\n一、甲\n对账要及时，销号要规范，照单办理，催收到位。")
	ingestText(t, e, "g.txt", "连贯的督办办法\n一、乙\n督办组照单催收、对账销号，及时规范。")
	hits, _ = e.Search(ctx, "照单催收对账销号", 2)
	if hits[0].Citation.Title != "连贯的督办办法" {
		t.Errorf("exact run ranked %q first", hits[0].Citation.Title)
	}
}

func TestRequiredQuestions(t *testing.T) {
	e := defaultEngine(t, Options{})
	for q, fact := range map[string]string{
		"纳入大科室制改革的市直单位有多少家": "84家",
		"每个科室最少要有几个人":       "3名",
		"行政审批职能要集中到哪里":      "行政审批科",
	} {
		a, err := e.Ask(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		reply := FormatAnswer(a)
		if a.Declined || !strings.Contains(reply, fact) || !strings.Contains(reply, "《"+articleTitle+"》") {
			t.Errorf("%s →\n%s", q, reply)
		}
	}
}

func TestCitations(t *testing.T) {
	e := defaultEngine(t, Options{})
	a, err := e.Ask(context.Background(), "纳入大科室制改革的市直单位有多少家")
	if err != nil {
		t.Fatal(err)
	}
	want := Citation{Title: articleTitle, Section: "一、领导挂帅强推进", Document: "embedded:" + corpusFile}
	if len(a.Citations) != 1 || a.Citations[0] != want {
		t.Fatalf("citations = %+v", a.Citations)
	}
	reply := FormatAnswer(a)
	if !strings.HasSuffix(reply, "\n——《"+articleTitle+"》一、领导挂帅强推进") {
		t.Errorf("reply = %q", reply)
	}
	if n := utf8.RuneCountInString(reply); n >= 300 {
		t.Errorf("reply of %d characters", n)
	}
}

func TestDecline(t *testing.T) {
	e, _ := newEngine(t, Options{})
	a, err := e.Ask(context.Background(), "住房公积金怎么提取")
	if err != nil || !a.Declined || !strings.Contains(a.Text, "尚未收录") {
		t.Errorf("empty corpus: %+v, %v", a, err)
	}
	e = defaultEngine(t, Options{})
	for _, q := range []string{"住房公积金怎么提取", "出差住宿费报销标准是多少", "2026年国庆节放假几天"} {
		a, err := e.Ask(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Declined || !strings.Contains(a.Text, "没有涉及") || len(a.Citations) != 0 {
			t.Errorf("%s: %+v", q, a)
		}
	}
	a, _ = e.Ask(context.Background(), "武汉市纳入大科室制改革的单位有多少家")
	if !a.Declined || !strings.Contains(a.Text, "武汉") {
		t.Errorf("unknown place: %+v", a)
	}
	// A stricter threshold declines what the default answers.
	strict := New(e.st, Options{Threshold: 0.99})
	if a, _ := strict.Ask(context.Background(), "一个科室起码得配几名工作人员"); !a.Declined {
		t.Errorf("threshold 0.99 answered: %s", a.Text)
	}
}

func TestLookalikeCities(t *testing.T) {
	e := defaultEngine(t, Options{})
	ctx := context.Background()
	if _, err := e.Ingest(ctx, "testdata/lookalike_xiaogan.txt"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ q, fact, city string }{
		{"孝感纳入大科室制改革的市直单位有多少家", "62家", "孝感"},
		{"咸宁纳入大科室制改革的市直单位有多少家", "84家", "咸宁"},
		{"孝感市一共核减了多少个内设机构", "97个", "孝感"},
		{"孝感市核减了多少个内设机构", "97个", "孝感"}, // "感市" is the place, not a word to match
		{"咸宁市一共核减了多少个内设机构", "113个", "咸宁"},
		{"咸宁市编办印发了几期工作通报", "3期", "咸宁"},
		{"孝感市编办印发了几期工作通报", "4期", "孝感"},
	} {
		a, err := e.Ask(ctx, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if a.Declined || !strings.Contains(a.Text, tc.fact) || len(a.Citations) == 0 || !strings.Contains(a.Citations[0].Title, tc.city) {
			t.Errorf("%s →\n%s", tc.q, FormatAnswer(a))
		}
		for _, c := range a.Citations {
			if !strings.Contains(c.Title, tc.city) {
				t.Errorf("%s cites the other city: %s", tc.q, c)
			}
		}
	}
}

func TestReingest(t *testing.T) {
	e, st := newEngine(t, Options{})
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.txt")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("试点方案\n一、范围\n首批纳入试点的单位共12家。")
	os.WriteFile(filepath.Join(dir, "scan.pdf"), []byte("%PDF"), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.xls"), []byte("x"), 0o600) // not picked from a directory
	rep, err := e.Ingest(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(StatusAdded) != 1 || rep.Count(StatusFailed) != 1 || len(rep.Files) != 2 {
		t.Fatalf("first ingest: %+v", rep)
	}
	a, _ := e.Ask(ctx, "纳入试点的单位有多少家")
	if !strings.Contains(a.Text, "12家") {
		t.Fatalf("answer before change: %+v", a)
	}
	rep, _ = e.Ingest(ctx, path)
	if rep.Count(StatusUnchanged) != 1 {
		t.Errorf("unchanged file: %+v", rep)
	}
	write("试点方案\n一、范围\n首批纳入试点的单位共15家。\n二、时间\n年底前完成。")
	rep, _ = e.Ingest(ctx, path)
	if rep.Count(StatusReplaced) != 1 || rep.Files[0].Chunks != 2 {
		t.Errorf("changed file: %+v", rep)
	}
	a, _ = e.Ask(ctx, "纳入试点的单位有多少家")
	if !strings.Contains(a.Text, "15家") || strings.Contains(a.Text, "12家") {
		t.Errorf("answer after change: %+v", a)
	}
	hits, _ := e.Search(ctx, "12家", 10)
	for _, h := range hits {
		if strings.Contains(h.Text, "12家") {
			t.Errorf("old chunk still indexed: %q", h.Text)
		}
	}
	docs, err := e.List(ctx)
	if err != nil || len(docs) != 1 || docs[0].Chunks != 2 || docs[0].Title != "试点方案" {
		t.Fatalf("list = %+v, %v", docs, err)
	}
	n := 0
	st.ScanPolicyChunks(ctx, func(store.PolicyDoc, store.PolicyChunk) error { n++; return nil })
	if n != 2 {
		t.Errorf("store holds %d chunks, want 2", n)
	}
	if _, err := e.Remove(ctx, "plan.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Remove(ctx, "plan.txt"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
	if a, _ := e.Ask(ctx, "纳入试点的单位有多少家"); !a.Declined {
		t.Errorf("answer after removal: %+v", a)
	}
	if ok, err := e.EnsureDefaultCorpus(ctx); !ok || err != nil {
		t.Errorf("EnsureDefaultCorpus on emptied store = %v, %v", ok, err)
	}
	if ok, _ := e.EnsureDefaultCorpus(ctx); ok {
		t.Error("EnsureDefaultCorpus ingested twice")
	}
}

// fakeEmbedder maps a text to counts of a few marker words, so similarity is
// predictable; it counts the texts it was asked to embed.
type fakeEmbedder struct {
	mu    sync.Mutex
	texts int
	fail  bool
}

var markers = []string{"苹果", "香蕉", "葡萄", "水果"}

func (f *fakeEmbedder) Embed(_ context.Context, model string, texts []string) ([][]float32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return nil, errors.New("embedding service down")
	}
	if model != "fake-model" {
		return nil, fmt.Errorf("model %q", model)
	}
	f.texts += len(texts)
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, len(markers)+1)
		for k, m := range markers {
			v[k] = float32(strings.Count(t, m))
		}
		v[len(markers)] = 0.01
		out[i] = v
	}
	return out, nil
}

func TestFuse(t *testing.T) {
	lex := []scored{{chunk: 1, coverage: 0.9}, {chunk: 2, coverage: 0.5}, {chunk: 3}}
	vec := []scored{{chunk: 3}, {chunk: 2}, {chunk: 4}}
	got := fuse(lex, vec)
	// 2: 1/62+1/62; 3: 1/63+1/61; 1: 1/61; 4: 1/63.
	order := []int32{}
	for _, s := range got {
		order = append(order, s.chunk)
	}
	if fmt.Sprint(order) != "[3 2 1 4]" && fmt.Sprint(order) != "[2 3 1 4]" {
		t.Fatalf("order = %v", order)
	}
	want3 := 1.0/63 + 1.0/61
	if got[0].chunk == 3 && (got[0].score-want3) > 1e-12 {
		t.Errorf("score of 3 = %v, want %v", got[0].score, want3)
	}
	for _, s := range got {
		if s.chunk == 1 && s.coverage != 0.9 {
			t.Errorf("lexical coverage lost in fusion: %+v", s)
		}
	}
}

func TestEmbeddingFusionAndCache(t *testing.T) {
	emb := &fakeEmbedder{}
	e, st := newEngine(t, Options{Embedder: emb, EmbeddingModel: "fake-model"})
	ctx := context.Background()
	ingestText(t, e, "a.txt", "采购管理办法\n一、范围\n单位采购苹果香蕉，按规定执行。")
	ingestText(t, e, "b.txt", "采购管理办法\n一、范围\n单位采购办公用品，按规定执行。")
	// Lexically the question matches both equally; the vector prefers a.txt.
	hits, err := e.Search(ctx, "单位采购的规定 苹果", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || !strings.Contains(hits[0].Text, "苹果") {
		t.Fatalf("hits = %+v", hits)
	}
	if emb.texts != 3 {
		t.Errorf("embedded %d texts, want 2 chunks + 1 question", emb.texts)
	}
	// A new engine over the same store reuses cached vectors.
	e2 := New(st, Options{Embedder: emb, EmbeddingModel: "fake-model"})
	if _, err := e2.Search(ctx, "单位采购的规定 苹果", 2); err != nil {
		t.Fatal(err)
	}
	if emb.texts != 3 {
		t.Errorf("cache missed: embedded %d texts", emb.texts)
	}
	// Another model never sees these vectors.
	got, _ := st.PolicyVectors(ctx, "other-model", [][32]byte{chunkHash(e2.idx.chunks[0].heading, e2.idx.chunks[0].text)})
	if len(got) != 0 {
		t.Error("vectors leaked across models")
	}
	// A failing embedder degrades to BM25.
	e3 := New(st, Options{Embedder: &fakeEmbedder{fail: true}, EmbeddingModel: "new-model"})
	hits, err = e3.Search(ctx, "办公用品", 1)
	if err != nil || len(hits) != 1 || !strings.Contains(hits[0].Text, "办公用品") {
		t.Errorf("with failing embedder: %+v, %v", hits, err)
	}
}

type fakeWriter struct {
	got  []Passage
	err  error
	text string
}

func (w *fakeWriter) Write(_ context.Context, question string, passages []Passage) (string, error) {
	w.got = passages
	return w.text, w.err
}

func TestWriterAndFallback(t *testing.T) {
	w := &fakeWriter{text: "共84家单位纳入改革。"}
	e := defaultEngine(t, Options{Writer: w})
	ctx := context.Background()
	a, err := e.Ask(ctx, "纳入大科室制改革的市直单位有多少家")
	if err != nil {
		t.Fatal(err)
	}
	if a.Text != w.text || len(a.Citations) == 0 || len(w.got) == 0 || !strings.Contains(w.got[0].Text, "84家") {
		t.Errorf("answer %+v, passages %+v", a, w.got)
	}
	w.err, w.got = errors.New("llm down"), nil
	a, _ = e.Ask(ctx, "纳入大科室制改革的市直单位有多少家")
	if a.Declined || a.Text == w.text || !strings.Contains(a.Text, "84家") {
		t.Errorf("fallback answer %+v", a)
	}
	// The writer is not consulted when the documents do not cover the question.
	w.got = nil
	if a, _ := e.Ask(ctx, "住房公积金怎么提取"); !a.Declined || w.got != nil {
		t.Errorf("declined question reached the writer: %+v", a)
	}
}

func TestFormatAnswerLimit(t *testing.T) {
	a := Answer{Text: strings.Repeat("改革要落实到位。", 400), Citations: []Citation{{Title: "标题", Section: "一、"}, {Title: "标题", Section: "二、"}, {Title: "另一篇"}}}
	reply := FormatAnswer(a)
	if len(reply) > maxReplyBytes || !utf8.ValidString(reply) {
		t.Errorf("reply of %d bytes, valid %v", len(reply), utf8.ValidString(reply))
	}
	if !strings.HasSuffix(reply, "…\n——《标题》一、、二、；《另一篇》") {
		t.Errorf("reply ends %q", reply[len(reply)-60:])
	}
	if got := FormatAnswer(Answer{Text: "不涉及", Declined: true}); got != "不涉及" {
		t.Errorf("declined reply = %q", got)
	}
}

// A question's vector is cached; once serve's upkeep has pruned it for want
// of use, the question asked again is embedded again, and the passages'
// vectors are not.
func TestQuestionVectorPrunedIsEmbeddedAgain(t *testing.T) {
	emb := &fakeEmbedder{}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	e, st := newEngine(t, Options{Embedder: emb, EmbeddingModel: "fake-model", Now: func() time.Time { return now }})
	ctx := context.Background()
	ingestText(t, e, "a.txt", "采购管理办法\n一、范围\n单位采购苹果香蕉，按规定执行。")
	ask := func() {
		t.Helper()
		if hits, err := e.Search(ctx, "单位采购苹果有什么规定", 1); err != nil || len(hits) != 1 {
			t.Fatalf("Search = %+v, %v", hits, err)
		}
	}
	ask()
	ask()
	if emb.texts != 2 {
		t.Fatalf("embedded %d texts, want the chunk and the question once", emb.texts)
	}
	now = now.AddDate(0, 0, 100)
	if n, err := st.PruneQuestionVectors(ctx, now.AddDate(0, 0, -90)); err != nil || n != 1 {
		t.Fatalf("PruneQuestionVectors = %d, %v", n, err)
	}
	ask()
	if emb.texts != 3 {
		t.Errorf("embedded %d texts after the prune, want the question again (3)", emb.texts)
	}
	ask()
	if emb.texts != 3 {
		t.Errorf("the question embedded again was not cached: %d texts", emb.texts)
	}
}
