package docx_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"strings"
	"testing"

	"github.com/duban-org/duban/docx"
	"github.com/duban-org/duban/docx/docxtest"
)

func sample(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	img.Set(1, 1, color.Black)
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		t.Fatal(err)
	}
	d := &docx.Document{Title: "测试 <&>", Creator: "编办"}
	d.Masthead("工作通报", "2026年第3期", "机构编制委员会办公室", "2026年11月26日")
	d.TitleText("关于改革任务推进情况的通报")
	d.Heading1("一、总体进展")
	d.Heading2("（一）党群组")
	d.Body("正文 & <特殊> \"字符\"\x01 与控制字符")
	d.Table([]int{4, 4}, []string{"单位", "任务"}, [][]string{{"市财政局", "T1 任务"}})
	d.Image(pngBuf.Bytes(), 150, 75, "图")
	d.Signature("编办", "2026年11月26日")
	d.Colophon("市委办公室，市政府办公室", "编办", "2026年11月26日")
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPartsAreWellFormedAndDeterministic(t *testing.T) {
	b := sample(t)
	parts := docxtest.Parts(t, b)
	for _, name := range []string{"word/styles.xml", "word/settings.xml", "word/fontTable.xml", "word/footer1.xml",
		"word/footer2.xml", "word/_rels/document.xml.rels", "docProps/core.xml", "word/media/image1.png"} {
		if parts[name] == nil {
			t.Errorf("no part %s", name)
		}
	}
	if !bytes.Equal(b, sample(t)) {
		t.Error("the same document gave different bytes")
	}
	text := docxtest.Text(t, parts["word/document.xml"])
	if !strings.Contains(text, `正文 & <特殊> "字符" 与控制字符`) {
		t.Errorf("escaped text lost: %q", text)
	}
}

func TestPageSetupGBT9704(t *testing.T) {
	doc := docxtest.Parts(t, sample(t))["word/document.xml"]
	twips := func(local, name string) int {
		v, err := strconv.Atoi(docxtest.Attr(doc, local, name))
		if err != nil {
			t.Fatalf("%s %s: %v", local, name, err)
		}
		return v
	}
	mm := func(tw int) float64 { return float64(tw) / 1440 * 25.4 }
	near := func(what string, got, want float64) {
		t.Helper()
		if got < want-0.5 || got > want+0.5 {
			t.Errorf("%s = %.1f mm, want %.0f mm", what, got, want)
		}
	}
	near("page width", mm(twips("pgSz", "w")), 210)
	near("page height", mm(twips("pgSz", "h")), 297)
	near("top margin", mm(twips("pgMar", "top")), 37)
	near("left margin", mm(twips("pgMar", "left")), 28)
	near("text width", mm(twips("pgSz", "w")-twips("pgMar", "left")-twips("pgMar", "right")), 156)
	textH := twips("pgSz", "h") - twips("pgMar", "top") - twips("pgMar", "bottom")
	near("text height", mm(textH), 225)
	if g := docxtest.Attr(doc, "docGrid", "type"); g != "linesAndChars" {
		t.Errorf("docGrid type %q", g)
	}
	if lines := textH / twips("docGrid", "linePitch"); lines != 22 {
		t.Errorf("%d lines a page, want 22", lines)
	}
	// Character pitch: 16 pt plus charSpace/4096 pt; 28 of them fill the block.
	pitch := 16 + float64(twips("docGrid", "charSpace"))/4096
	if chars := float64(docx.TextWidth) / 20 / pitch; chars < 28 || chars >= 28.1 {
		t.Errorf("%.2f characters a line, want 28", chars)
	}
}

func TestFontsAndSizes(t *testing.T) {
	parts := docxtest.Parts(t, sample(t))
	runs := docxtest.Runs(t, parts["word/document.xml"])
	for _, c := range []struct{ text, font, size string }{
		{"关于改革任务推进情况的通报", "方正小标宋简体", "44"}, // 2号
		{"一、总体进展", "黑体", "32"},             // 3号
		{"（一）党群组", "楷体_GB2312", "32"},
		{"正文", "仿宋_GB2312", "32"},
		{"工作通报", "方正小标宋简体", ""},
		{"抄送：", "仿宋_GB2312", "28"}, // 版记 4号
	} {
		r, err := docxtest.Find(runs, c.text)
		if err != nil {
			t.Error(err)
			continue
		}
		if r.Font != c.font || (c.size != "" && r.Size != c.size) {
			t.Errorf("%q in %s %s, want %s %s", c.text, r.Font, r.Size, c.font, c.size)
		}
	}
	fonts := string(parts["word/fontTable.xml"])
	for _, f := range []string{"方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"} {
		i := strings.Index(fonts, `w:name="`+f+`"`)
		if i < 0 {
			t.Errorf("font table lacks %s", f)
			continue
		}
		entry := fonts[i:]
		entry = entry[:strings.Index(entry, "</w:font>")]
		for _, need := range []string{"<w:altName", "<w:panose1", `<w:charset w:val="86"`, "<w:family"} {
			if !strings.Contains(entry, need) {
				t.Errorf("font %s has no %s", f, need)
			}
		}
	}
	if !strings.Contains(string(parts["word/settings.xml"]), "<w:evenAndOddHeaders/>") {
		t.Error("settings lack evenAndOddHeaders")
	}
}

func TestPageNumbersAtTheOuterEdge(t *testing.T) {
	parts := docxtest.Parts(t, sample(t))
	for _, c := range []struct{ part, align string }{{"word/footer1.xml", "right"}, {"word/footer2.xml", "left"}} {
		f := parts[c.part]
		if got := docxtest.Attr(f, "jc", "val"); got != c.align {
			t.Errorf("%s aligned %q, want %q", c.part, got, c.align)
		}
		if !strings.Contains(string(f), "PAGE") {
			t.Errorf("%s has no PAGE field", c.part)
		}
		runs := docxtest.Runs(t, f)
		if r, err := docxtest.Find(runs, "— "); err != nil || r.Font != "宋体" || r.Size != "28" {
			t.Errorf("%s: page number dash %+v %v, want 宋体 4号 (28)", c.part, r, err)
		}
		if text := docxtest.Text(t, f); strings.TrimSpace(text) != "— 1 —" {
			t.Errorf("%s reads %q", c.part, text)
		}
	}
	doc := string(parts["word/document.xml"])
	if !strings.Contains(doc, `w:type="default" r:id="rIdFooterOdd"`) || !strings.Contains(doc, `w:type="even" r:id="rIdFooterEven"`) {
		t.Error("section does not reference odd and even footers")
	}
}
