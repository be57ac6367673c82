package policy

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

// A 条例 numbered by Word: 第X条 and its items from a multi-level list
// (items start again under each article), 第X章 from a paragraph style
// that carries its own list, a bullet list, a manual break inside an
// article. The numbers are not in the text; they are read back.
func TestDocxNumbering(t *testing.T) {
	const ns = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	p := func(numID, level, text string) string {
		return `<w:p><w:pPr><w:numPr><w:ilvl w:val="` + level + `"/><w:numId w:val="` + numID + `"/></w:numPr></w:pPr><w:r><w:t>` + text + `</w:t></w:r></w:p>`
	}
	document := `<?xml version="1.0" encoding="UTF-8"?><w:document ` + ns + `><w:body>` +
		`<w:p><w:pPr><w:pStyle w:val="ChapterHeading"/></w:pPr><w:r><w:t>总则</w:t></w:r></w:p>` +
		p("1", "0", "为了规范管理，制定本办法。") +
		p("1", "0", "本办法所称机构包括：") +
		p("1", "1", "行政机构；") + p("1", "1", "事业单位。") +
		`<w:p><w:pPr><w:pStyle w:val="ChapterHeading"/></w:pPr><w:r><w:t>管理</w:t></w:r></w:p>` +
		p("1", "0", "机构的设立：") + p("1", "1", "由本级政府提出方案；") +
		`<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>编制由编办核定。</w:t><w:br/><w:t>不得擅自增加编制。</w:t></w:r></w:p>` +
		p("3", "0", "要点一") + p("0", "0", "没有编号的段落。") +
		`</w:body></w:document>`
	numbering := `<?xml version="1.0" encoding="UTF-8"?><w:numbering ` + ns + `>` +
		`<w:abstractNum w:abstractNumId="7"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="第%1条"/></w:lvl>` +
		`<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl></w:abstractNum>` +
		`<w:abstractNum w:abstractNumId="8"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCountingThousand"/><w:lvlText w:val="第%1章"/></w:lvl></w:abstractNum>` +
		`<w:abstractNum w:abstractNumId="9"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl></w:abstractNum>` +
		`<w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="8"/></w:num><w:num w:numId="3"><w:abstractNumId w:val="9"/></w:num></w:numbering>`
	styles := `<?xml version="1.0" encoding="UTF-8"?><w:styles ` + ns + `><w:style w:type="paragraph" w:styleId="ChapterHeading"><w:pPr><w:numPr><w:numId w:val="2"/></w:numPr></w:pPr></w:style></w:styles>`
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range map[string]string{"word/document.xml": document, "word/numbering.xml": numbering, "word/styles.xml": styles} {
		f, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	lines, _, err := docxLines(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"第一章 总则", "第一条 为了规范管理，制定本办法。", "第二条 本办法所称机构包括：", "（一） 行政机构；", "（二） 事业单位。",
		"第二章 管理", "第三条 机构的设立：", "（一） 由本级政府提出方案；", "第四条 编制由编办核定。", "不得擅自增加编制。",
		"要点一", "没有编号的段落。",
	}
	if got := strings.Join(lines, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s", got)
	}
}

func TestChineseNumber(t *testing.T) {
	for n, want := range map[int]string{1: "一", 10: "十", 12: "十二", 20: "二十", 99: "九十九", 100: "一百", 105: "一百零五", 110: "一百一十", 1010: "一千零一十", 2024: "二千零二十四"} {
		if got := chineseNumber(n); got != want {
			t.Errorf("chineseNumber(%d) = %q, want %q", n, got, want)
		}
	}
}
