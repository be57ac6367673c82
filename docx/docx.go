// Package docx writes Word documents (.docx, OOXML) in the layout of Chinese
// official documents, GB/T 9704-2012 (党政机关公文格式): A4, 37 mm top and
// 28 mm left margins around a 156 × 225 mm text block of 22 lines of 28
// characters, title in 2号 方正小标宋简体, body in 3号 仿宋_GB2312, headings
// 一、 in 黑体 and （一） in 楷体_GB2312, page numbers "— N —" in 4号 宋体 at
// the outer edge (odd pages right, even pages left).
//
// The parts are written directly (text/template and archive/zip): the .docx
// libraries at hand are AGPL or cannot write footers. Every named font is
// declared in the font table with its panose, family and an alternative name
// (仿宋_GB2312 → 仿宋), so a machine without the official fonts substitutes a
// close one.
package docx

import (
	"fmt"
	"strings"
)

// Page geometry in twips (1/1440 inch, 1 mm = 56.693 twips).
const (
	PageWidth   = 11906 // A4 210 mm
	PageHeight  = 16838 // A4 297 mm
	MarginTop   = 2098  // 天头 37 mm
	MarginLeft  = 1587  // 订口 28 mm
	TextWidth   = 8844  // 版心 156 mm
	TextHeight  = 12756 // 版心 225 mm
	MarginRight = PageWidth - MarginLeft - TextWidth
	MarginBot   = PageHeight - MarginTop - TextHeight
	// LinePitch is 225 mm / 22 lines; body lines are set exactly to it.
	LinePitch = 579
	// CharSpace tightens the 16 pt default pitch to 156 mm / 28 characters,
	// in 1/4096 pt as docGrid wants it: (8844/28/20 − 16) × 4096 ≈ −849.
	CharSpace = -849
	// FooterDistance puts the page number's line about 7 mm under the text block.
	FooterDistance = 1304
)

// Font sizes in half-points (w:sz): the Chinese 号 scale.
const (
	SizeChuhao = 84 // 初号 42 pt
	SizeYihao  = 52 // 一号 26 pt
	Size2      = 44 // 二号 22 pt
	Size3      = 32 // 三号 16 pt
	Size4      = 28 // 四号 14 pt
	SizeXiao4  = 24 // 小四 12 pt
)

// The named fonts of GB/T 9704 (and the page number's 宋体).
const (
	FontTitle    = "方正小标宋简体"
	FontBody     = "仿宋_GB2312"
	FontHeading1 = "黑体"
	FontHeading2 = "楷体_GB2312"
	FontSong     = "宋体"
	FontLatin    = "Times New Roman"
)

// Red is the red of a 版头 and its rule.
const Red = "FF0000"

// Document is a document being built, block by block, top to bottom.
type Document struct {
	Title   string // docProps title
	Creator string // docProps creator
	body    strings.Builder
	images  [][]byte
}

// Align is a paragraph's alignment.
type Align string

const (
	Left    Align = "left"
	Center  Align = "center"
	Right   Align = "right"
	Justify Align = "both"
)

// Run is text in one font and size.
type Run struct {
	Text  string
	Font  string // East Asian font; Latin text uses FontLatin
	Size  int    // half-points
	Bold  bool
	Color string // hex RGB, "" for black
}

// Para is one paragraph.
type Para struct {
	Runs  []Run
	Align Align
	// Indent is the first-line indent in characters (2 for body text),
	// Left and Right the paragraph's indents in characters.
	Indent, LeftChars, RightChars int
	// Exact sets the line height to the grid's pitch (body text); off, the
	// line fits its font (titles, tables).
	Exact bool
	// Border draws a rule under (or over) the paragraph: its width in
	// eighths of a point and colour; 0 for none.
	BorderBottom, BorderTop int
	BorderColor             string
	// SpaceBefore and SpaceAfter are in twips.
	SpaceBefore, SpaceAfter int
	// RightTab, when set, puts a right-aligned tab stop at the text block's
	// right edge less RightChars; a '\t' in a run jumps to it.
	RightTab  bool
	KeepNext  bool
	PageBreak bool // start on a new page
}

// Add appends a paragraph.
func (d *Document) Add(p Para) { d.body.WriteString(paraXML(p)) }

// TitleText adds a centred title in 2号 方正小标宋简体; a title holding a
// newline is set on several lines.
func (d *Document) TitleText(text string) {
	for _, line := range strings.Split(text, "\n") {
		d.Add(Para{Runs: []Run{{Text: line, Font: FontTitle, Size: Size2}}, Align: Center, Exact: true})
	}
}

// Blank adds an empty body line.
func (d *Document) Blank() { d.Add(Para{Runs: []Run{{Font: FontBody, Size: Size3}}, Exact: true}) }

// Body adds a paragraph of body text (3号 仿宋_GB2312, first line indented
// two characters, justified).
func (d *Document) Body(text string) {
	d.Add(Para{Runs: []Run{{Text: text, Font: FontBody, Size: Size3}}, Align: Justify, Indent: 2, Exact: true})
}

// BodyRuns adds a body paragraph made of several runs (a heading run-in).
func (d *Document) BodyRuns(runs ...Run) {
	for i := range runs {
		if runs[i].Font == "" {
			runs[i].Font = FontBody
		}
		if runs[i].Size == 0 {
			runs[i].Size = Size3
		}
	}
	d.Add(Para{Runs: runs, Align: Justify, Indent: 2, Exact: true})
}

// Heading1 adds a first-level heading (一、…) in 3号 黑体.
func (d *Document) Heading1(text string) {
	d.Add(Para{Runs: []Run{{Text: text, Font: FontHeading1, Size: Size3}}, Align: Justify, Indent: 2, Exact: true, KeepNext: true})
}

// Heading2 adds a second-level heading (（一）…) in 3号 楷体_GB2312.
func (d *Document) Heading2(text string) {
	d.Add(Para{Runs: []Run{{Text: text, Font: FontHeading2, Size: Size3}}, Align: Justify, Indent: 2, Exact: true, KeepNext: true})
}

// Table adds a table of text: a header row in 黑体 and body rows in
// 仿宋_GB2312, both 小四, with column widths in characters of the 28 the
// text block holds (scaled to fit when they add up to more).
func (d *Document) Table(widths []int, header []string, rows [][]string) {
	total := 0
	for _, w := range widths {
		total += w
	}
	tw := make([]int, len(widths))
	for i, w := range widths {
		tw[i] = TextWidth * w / max(total, 1)
	}
	var b strings.Builder
	b.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="` + fmt.Sprint(TextWidth) + `" w:type="dxa"/><w:jc w:val="center"/>`)
	b.WriteString(`<w:tblBorders>`)
	for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		b.WriteString(`<w:` + side + ` w:val="single" w:sz="4" w:space="0" w:color="000000"/>`)
	}
	b.WriteString(`</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>`)
	for _, w := range tw {
		fmt.Fprintf(&b, `<w:gridCol w:w="%d"/>`, w)
	}
	b.WriteString(`</w:tblGrid>`)
	row := func(cells []string, font string, head bool) {
		b.WriteString(`<w:tr>`)
		if head {
			b.WriteString(`<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>`)
		} else {
			b.WriteString(`<w:trPr><w:cantSplit/></w:trPr>`)
		}
		for i := range tw {
			text := ""
			if i < len(cells) {
				text = cells[i]
			}
			fmt.Fprintf(&b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>`, tw[i])
			align := Left
			if head {
				align = Center
			}
			b.WriteString(paraXML(Para{Runs: []Run{{Text: text, Font: font, Size: SizeXiao4}}, Align: align}))
			b.WriteString(`</w:tc>`)
		}
		b.WriteString(`</w:tr>`)
	}
	row(header, FontHeading1, true)
	for _, r := range rows {
		row(r, FontBody, false)
	}
	b.WriteString(`</w:tbl>`)
	d.body.WriteString(b.String())
}

// Image adds a PNG centred on its own line, widthMM wide and heightMM high,
// described by alt for readers that cannot show it.
func (d *Document) Image(png []byte, widthMM, heightMM float64, alt string) {
	d.images = append(d.images, png)
	n := len(d.images)
	cx, cy := int64(widthMM*36000), int64(heightMM*36000)
	var b strings.Builder
	b.WriteString(`<w:p><w:pPr><w:jc w:val="center"/><w:snapToGrid w:val="0"/><w:spacing w:before="120" w:after="120" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:drawing>`)
	fmt.Fprintf(&b, `<wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="%d" cy="%d"/><wp:docPr id="%d" name="图%d" descr="%s"/>`, cx, cy, n, n, escape(alt))
	b.WriteString(`<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>`)
	b.WriteString(`<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>`)
	fmt.Fprintf(&b, `<pic:nvPicPr><pic:cNvPr id="%d" name="image%d.png"/><pic:cNvPicPr/></pic:nvPicPr>`, n, n)
	fmt.Fprintf(&b, `<pic:blipFill><a:blip r:embed="rIdImage%d"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>`, n)
	fmt.Fprintf(&b, `<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="%d" cy="%d"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>`, cx, cy)
	b.WriteString(`</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>`)
	d.body.WriteString(b.String())
}

func paraXML(p Para) string {
	var b strings.Builder
	b.WriteString(`<w:p><w:pPr>`)
	if p.KeepNext {
		b.WriteString(`<w:keepNext/>`)
	}
	if p.PageBreak {
		b.WriteString(`<w:pageBreakBefore/>`)
	}
	if p.BorderBottom > 0 || p.BorderTop > 0 {
		color := p.BorderColor
		if color == "" {
			color = "000000"
		}
		b.WriteString(`<w:pBdr>`)
		if p.BorderTop > 0 {
			fmt.Fprintf(&b, `<w:top w:val="single" w:sz="%d" w:space="1" w:color="%s"/>`, p.BorderTop, color)
		}
		if p.BorderBottom > 0 {
			fmt.Fprintf(&b, `<w:bottom w:val="single" w:sz="%d" w:space="1" w:color="%s"/>`, p.BorderBottom, color)
		}
		b.WriteString(`</w:pBdr>`)
	}
	if p.RightTab {
		fmt.Fprintf(&b, `<w:tabs><w:tab w:val="right" w:pos="%d"/></w:tabs>`, TextWidth-p.RightChars*charTwips(p))
	}
	// Text is set by its own advance, not snapped to the section's grid:
	// a grid that cannot compress (LibreOffice) would spread a line holding
	// Latin digits; 3号 text is condensed to 28 a line instead (rPr).
	b.WriteString(`<w:snapToGrid w:val="0"/>`)
	spacing := fmt.Sprintf(`w:before="%d" w:after="%d"`, p.SpaceBefore, p.SpaceAfter)
	if p.Exact {
		fmt.Fprintf(&b, `<w:spacing %s w:line="%d" w:lineRule="exact"/>`, spacing, LinePitch)
	} else {
		fmt.Fprintf(&b, `<w:spacing %s w:line="240" w:lineRule="auto"/>`, spacing)
	}
	if p.Indent != 0 || p.LeftChars != 0 || (p.RightChars != 0 && !p.RightTab) {
		b.WriteString(`<w:ind`)
		if p.LeftChars != 0 {
			fmt.Fprintf(&b, ` w:leftChars="%d" w:left="%d"`, p.LeftChars*100, p.LeftChars*charTwips(p))
		}
		if p.RightChars != 0 && !p.RightTab {
			fmt.Fprintf(&b, ` w:rightChars="%d" w:right="%d"`, p.RightChars*100, p.RightChars*charTwips(p))
		}
		if p.Indent != 0 {
			fmt.Fprintf(&b, ` w:firstLineChars="%d" w:firstLine="%d"`, p.Indent*100, p.Indent*charTwips(p))
		}
		b.WriteString(`/>`)
	}
	if p.Align != "" {
		fmt.Fprintf(&b, `<w:jc w:val="%s"/>`, p.Align)
	}
	b.WriteString(`</w:pPr>`)
	for _, r := range p.Runs {
		b.WriteString(runXML(r))
	}
	b.WriteString(`</w:p>`)
	return b.String()
}

// charTwips is the width of one character of the paragraph's first run.
func charTwips(p Para) int {
	size := Size3
	if len(p.Runs) > 0 && p.Runs[0].Size > 0 {
		size = p.Runs[0].Size
	}
	return size * 10 // half-points × 10 = twips
}

func runXML(r Run) string {
	var b strings.Builder
	b.WriteString(`<w:r>`)
	b.WriteString(rPr(r))
	for i, part := range strings.Split(r.Text, "\t") {
		if i > 0 {
			b.WriteString(`<w:tab/>`)
		}
		if part != "" {
			b.WriteString(`<w:t xml:space="preserve">` + escape(part) + `</w:t>`)
		}
	}
	b.WriteString(`</w:r>`)
	return b.String()
}

func rPr(r Run) string {
	font := r.Font
	if font == "" {
		font = FontBody
	}
	size := r.Size
	if size == 0 {
		size = Size3
	}
	latin := FontLatin
	if font == FontSong {
		latin = FontSong // 半角宋体: the page number's digits in 宋体 too
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<w:rPr><w:rFonts w:ascii="%s" w:hAnsi="%s" w:eastAsia="%s" w:cs="%s"/>`, latin, latin, font, latin)
	if r.Bold {
		b.WriteString(`<w:b/><w:bCs/>`)
	}
	if r.Color != "" {
		fmt.Fprintf(&b, `<w:color w:val="%s"/>`, r.Color)
	}
	if size == Size3 {
		// 28 characters of 16 pt are 448 pt, the block is 442: condensing
		// by 0.25 pt puts each in one grid cell where the grid does not
		// compress (LibreOffice) and changes nothing where it does (Word).
		b.WriteString(`<w:spacing w:val="-5"/>`)
	}
	fmt.Fprintf(&b, `<w:sz w:val="%d"/><w:szCs w:val="%d"/></w:rPr>`, size, size)
	return b.String()
}

// escape makes text safe inside an XML element or attribute, dropping the
// control characters XML 1.0 forbids.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 && r != '\t', r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			// not allowed in XML 1.0
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
