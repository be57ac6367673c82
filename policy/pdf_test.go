package policy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// The PDFs in testdata/pdf: see testdata/pdf/README.md for how each was made.

func TestPDFFromOfficeTool(t *testing.T) {
	e := New(openStore(t), Options{})
	ctx := context.Background()
	rep, err := e.Ingest(ctx, "testdata/pdf/libreoffice-ducha.pdf", "testdata/pdf/libreoffice-banfa.pdf")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files {
		if f.Status != StatusAdded {
			t.Fatalf("%s: %s %v", f.Name, f.Status, f.Err)
		}
	}
	if rep.Files[0].Title != "政府督查工作条例" || rep.Files[1].Title != "某市机构编制管理办法" {
		t.Errorf("titles %q, %q", rep.Files[0].Title, rep.Files[1].Title)
	}
	for _, tc := range []struct{ q, fact, cite string }{
		// Lines wrapped by the page are joined: the fact spans a line break of the PDF.
		{"政府督查可以派出督查组吗", "可以派出督查组", "《政府督查工作条例》第八条"},
		{"督查对象对督查结论有异议的，多长时间内可以申请复核", "30日内", "《政府督查工作条例》第十七条"},
		{"政府督查工作条例什么时候施行", "2021年2月1日", "《政府督查工作条例》第二十八条"},
		// The promulgation line of a PDF is answerable.
		{"某市机构编制管理办法是市政府令第几号", "令第12号", "《某市机构编制管理办法》"},
		{"某市内设机构的人员编制原则上不少于几名", "不少于3名", "《某市机构编制管理办法》第三条"},
	} {
		a, err := e.Ask(ctx, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		reply := FormatAnswer(a)
		if a.Declined || !strings.Contains(reply, tc.fact) || !strings.Contains(reply, tc.cite) {
			t.Errorf("%s →\n%s\nwant %q from %s", tc.q, reply, tc.fact, tc.cite)
		}
	}
}

func TestPDFChineseEncodings(t *testing.T) {
	// Type0 fonts that are not embedded: only the encoding says what the
	// text is — UCS-2 and GBK codes through Adobe-GB1's predefined CMaps,
	// and Identity-H codes through the font's ToUnicode map.
	for _, name := range []string{"gb1-ucs2.pdf", "gbk-euc.pdf", "identity-h.pdf"} {
		path := filepath.Join("testdata/pdf", name)
		doc, err := Parse(path, readFile(t, path))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		all := strings.Join(doc.Paragraphs, "\n")
		if doc.Title != "某县事业单位编制管理办法" || !strings.Contains(all, "新设事业单位的编制原则上不少于5名。") || !strings.Contains(all, "某县人民政府令第8号公布") {
			t.Errorf("%s: title %q, text:\n%s", name, doc.Title, all)
		}
	}
}

func TestPDFRefused(t *testing.T) {
	for name, want := range map[string]error{
		"scanned.pdf":   ErrPDFNoText,
		"encrypted.pdf": ErrPDFEncrypted,
		"corrupt.pdf":   ErrPDFCorrupt,
		"empty.pdf":     ErrPDFCorrupt,
	} {
		path := filepath.Join("testdata/pdf", name)
		_, err := Parse(path, readFile(t, path))
		if !errors.Is(err, want) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v, want %v naming the file", name, err, want)
		}
	}
	if ErrPDFNoText.Error() != "该PDF没有文字层（可能是扫描件），请提供文字版" {
		t.Errorf("scanned-PDF message = %q", ErrPDFNoText)
	}
}

// TestIngestRefusesBadFilesAlone: each bad file of an ingest call is refused
// with its name and reason and leaves nothing in the store; the good files
// of the same call are ingested.
func TestIngestRefusesBadFilesAlone(t *testing.T) {
	e := New(openStore(t), Options{})
	ctx := context.Background()
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"empty.html":  []byte("<html><body><nav>首页</nav></body></html>"),
		"broken.docx": []byte("PK\x03\x04 not really a zip"),
		"old.doc":     []byte("\xd0\xcf\x11\xe0 an OLE file"),
		"old.wps":     []byte("\xd0\xcf\x11\xe0 an OLE file"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"scanned.pdf", "encrypted.pdf", "corrupt.pdf", "gbk-euc.pdf"} {
		if err := os.WriteFile(filepath.Join(dir, name), readFile(t, filepath.Join("testdata/pdf", name)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := e.Ingest(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 8 {
		t.Fatalf("files: %+v", rep.Files)
	}
	for _, f := range rep.Files {
		base := filepath.Base(f.Name)
		if base == "gbk-euc.pdf" {
			if f.Status != StatusAdded {
				t.Errorf("%s: %s %v", base, f.Status, f.Err)
			}
			continue
		}
		if f.Status != StatusFailed || f.Err == nil || !strings.Contains(f.Err.Error(), base) {
			t.Errorf("%s: %s %v, want failed naming the file", base, f.Status, f.Err)
		}
		if strings.HasPrefix(base, "old.") && !strings.Contains(f.Err.Error(), "另存为 .docx") {
			t.Errorf("%s: %v, want how to convert it", base, f.Err)
		}
	}
	docs, err := e.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].Title != "某县事业单位编制管理办法" {
		t.Errorf("stored: %+v", docs)
	}
}

func TestDropRunningLines(t *testing.T) {
	page := func(n string, body ...string) []string {
		return append(append([]string{"某市人民政府文件"}, body...), "- "+n+" -", "第"+n+"页 共3页")
	}
	got := dropRunningLines([][]string{
		page("1", "第一条 为了规范管理，", "制定本办法。"),
		page("2", "第二条 本办法适用于全市。"),
		page("3", "第三条 本办法自公布之日起施行。"),
	})
	want := "第一条 为了规范管理，|制定本办法。|第二条 本办法适用于全市。|第三条 本办法自公布之日起施行。"
	if strings.Join(got, "|") != want {
		t.Errorf("got %q", got)
	}
	// The running header is the document's name, above its headline on
	// the first page: the header goes, the headline stays.
	got = dropRunningLines([][]string{
		{"政府督查工作条例", "政府督查工作条例", "第一条 为了规范管理，", "- 1 -"},
		{"政府督查工作条例", "第二条 本条例适用于全国。", "- 2 -"},
		{"政府督查工作条例", "第三条 本条例自公布之日起施行。", "- 3 -"},
	})
	want = "政府督查工作条例|第一条 为了规范管理，|第二条 本条例适用于全国。|第三条 本条例自公布之日起施行。"
	if strings.Join(got, "|") != want {
		t.Errorf("a header repeating the headline: got %q", got)
	}
}

// BenchmarkPDFEngineStart is the cost of the first PDF in a process on a
// machine without the compilation cache: compiling PDFium's WebAssembly to
// machine code and instantiating it.
func BenchmarkPDFEngineStart(b *testing.B) {
	for b.Loop() {
		rc := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling)
		pool, err := webassembly.Init(webassembly.Config{MaxIdle: 1, MaxTotal: 1, RuntimeConfig: rc, FSConfig: wazero.NewFSConfig()})
		if err != nil {
			b.Fatal(err)
		}
		inst, err := pool.GetInstance(time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		inst.Close()
		pool.Close()
	}
}

// BenchmarkPDFText extracts the text of a three-page PDF, engine started.
func BenchmarkPDFText(b *testing.B) {
	data := readFile(b, "testdata/pdf/libreoffice-ducha.pdf")
	if _, err := pdfLines(data); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := pdfLines(data); err != nil {
			b.Fatal(err)
		}
	}
}
