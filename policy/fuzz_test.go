package policy

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkParsed asserts what every parse of outside input must give: valid
// UTF-8, and chunks within the size limit.
func checkParsed(t *testing.T, doc Document) {
	t.Helper()
	if !utf8.ValidString(doc.Title) {
		t.Errorf("invalid UTF-8 title %q", doc.Title)
	}
	for _, p := range doc.Paragraphs {
		if !utf8.ValidString(p) {
			t.Errorf("invalid UTF-8 paragraph %q", p)
		}
	}
	for _, c := range chunkDocument(doc) {
		if n := utf8.RuneCountInString(c.Text); n > maxChunk || n == 0 {
			t.Errorf("chunk of %d runes", n)
		}
		tokenize(normalize(c.Heading + c.Text))
	}
}

func FuzzParseHTML(f *testing.F) {
	f.Add([]byte(samplePage))
	f.Add([]byte("<p>一、<b>总体</b>要求<br>第一条 内容。"))
	f.Add([]byte("<h2></h2><h3>  </h3><div><div><div>文本"))
	f.Add([]byte("<html><title>无标题文档</title><body>\xff\xfe 您现在的位置: 首页"))
	f.Add(readFile(f, "testdata/forms/html/04-zhengfu-ducha-tiaoli.html"))
	f.Add(readFile(f, "testdata/forms/table/03-shiye-danwei-dengji-tiaoli.html"))
	f.Add([]byte("<title>_|-- - |</title><td>标题：</td><td>索引号：</td><a>【第一条】</a>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse("f.html", data)
		if err != nil {
			return
		}
		checkParsed(t, doc)
	})
}

func FuzzParseDocx(f *testing.F) {
	f.Add(makeDocx(f, "标题", "第一条 内容。", "一、要求", "（一）细则。正文"))
	f.Add(makeDocx(f, "<", "&amp;"))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Add(readFile(f, "testdata/forms/docx/04-zhengfu-ducha-tiaoli.docx"))
	f.Add(readFile(f, "testdata/forms/docxnum/04-zhengfu-ducha-tiaoli.docx"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse("f.docx", data)
		if err != nil {
			return
		}
		checkParsed(t, doc)
	})
}

func FuzzParseText(f *testing.F) {
	f.Add(string(readFile(f, corpusFile)))
	f.Add(string(readFile(f, "testdata/heldout/08-county-annals.txt")))
	f.Add("# 标题\n## 一、\n- [x](y)\n```\ncode\n```")
	f.Add("一、\n（一）\n1.\n第一条\n第一章\n" + strings.Repeat("很长的句子没有标点", 200))
	f.Add("时间:2018-13-99\n鄂ICP备\n电话:027-1\n。。。；；；”””")
	f.Add(string(readFile(f, "testdata/forms/txt/04-zhengfu-ducha-tiaoli.txt")))
	f.Add(string(readFile(f, "testdata/forms/paste/03-shiye-danwei-dengji-tiaoli.txt")))
	f.Add("- 1 -\n- 2 -\n\n\n- 3 -\n页眉\n- 4 -\n页眉\n**第一条**\n【第 二 条】")
	f.Fuzz(func(t *testing.T, s string) {
		for _, name := range []string{"f.txt", "f.md"} {
			doc, err := Parse(name, []byte(s))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			checkParsed(t, doc)
		}
		for _, p := range queryParts(normalize(s)) {
			if p == "" {
				t.Error("empty query part")
			}
		}
		placeNames(normalize(s))
	})
}

func FuzzParsePDF(f *testing.F) {
	for _, name := range []string{"gb1-ucs2.pdf", "identity-h.pdf", "corrupt.pdf", "empty.pdf"} {
		f.Add(readFile(f, "testdata/pdf/"+name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse("f.pdf", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.pdf: ") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		checkParsed(t, doc)
	})
}

func FuzzReadQuestions(f *testing.F) {
	f.Add([]byte(`{"question":"每个科室最少要有几个人","fact":"3名"}` + "\n# comment\n\n" + `{"question":"x","fact":""}`))
	f.Add([]byte(`{"question":""}`))
	f.Add([]byte("not json"))
	f.Fuzz(func(t *testing.T, data []byte) {
		qs, err := ReadQuestions(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, q := range qs {
			if strings.TrimSpace(q.Question) == "" {
				t.Error("empty question accepted")
			}
		}
	})
}

// FuzzAsk asks the engine anything over the six 条例 and a 办法 with long
// lists: it never fails, a reply fits one WeCom message, and an answer
// names its source.
func FuzzAsk(f *testing.F) {
	for _, q := range []string{"政府督查可以采取哪些方式", "如何申请专利", "事业单位登记证书有效期几年", "擅自改变办公用房用途的会怎么处理",
		"公务用车管理都包括哪些事项", "机关事务指的是啥", "哪几", "：（一）", "", "？？？", "几年几天多少钱"} {
		f.Add(q)
	}
	e := regulationsEngine(f)
	if _, err := e.IngestBytes(context.Background(), "office-rules.txt", []byte(officeRules)); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		a, err := e.Ask(context.Background(), q)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		reply := FormatAnswer(a)
		if len(reply) > maxReplyBytes {
			t.Errorf("%q: reply of %d bytes", q, len(reply))
		}
		if !a.Declined && len(a.Citations) == 0 {
			t.Errorf("%q: answer without a source: %s", q, reply)
		}
	})
}
