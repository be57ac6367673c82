package docx

import (
	"archive/zip"
	"bytes"
	"fmt"
	"text/template"
	"time"
)

// stamp is every zip entry's time, so the same document gives the same bytes.
var stamp = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// font is one entry of word/fontTable.xml: what Word and LibreOffice need to
// pick a substitute when the named font is missing.
type font struct {
	Name, Alt, Panose, Family, Pitch string
	Charset                          string
}

var fonts = []font{
	{FontTitle, "宋体", "02000000000000000000", "script", "variable", "86"},
	{FontBody, "仿宋", "02010609030101010101", "modern", "fixed", "86"},
	{FontHeading1, "SimHei", "02010609060101010101", "modern", "fixed", "86"},
	{FontHeading2, "楷体", "02010609030101010101", "modern", "fixed", "86"},
	{FontSong, "SimSun", "02010600030101010101", "auto", "variable", "86"},
	{FontLatin, "", "02020603050405020304", "roman", "variable", "00"},
}

var parts = template.Must(template.New("").Funcs(template.FuncMap{"esc": escape, "inc": func(i int) int { return i + 1 }}).Parse(`
{{define "content-types"}}<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/word/footer2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>{{end}}

{{define "rels"}}<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>{{end}}

{{define "core"}}<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{{esc .Title}}</dc:title><dc:creator>{{esc .Creator}}</dc:creator><dc:language>zh-CN</dc:language></cp:coreProperties>{{end}}

{{define "app"}}<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>duban</Application></Properties>{{end}}

{{define "document-rels"}}<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rIdSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rIdFonts" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/><Relationship Id="rIdFooterOdd" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/><Relationship Id="rIdFooterEven" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml"/>{{range $i, $_ := .Images}}<Relationship Id="rIdImage{{inc $i}}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image{{inc $i}}.png"/>{{end}}</Relationships>{{end}}

{{define "document"}}<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><w:body>{{.Body}}<w:sectPr><w:footerReference w:type="default" r:id="rIdFooterOdd"/><w:footerReference w:type="even" r:id="rIdFooterEven"/><w:pgSz w:w="{{.G.PageWidth}}" w:h="{{.G.PageHeight}}"/><w:pgMar w:top="{{.G.MarginTop}}" w:right="{{.G.MarginRight}}" w:bottom="{{.G.MarginBot}}" w:left="{{.G.MarginLeft}}" w:header="851" w:footer="{{.G.FooterDistance}}" w:gutter="0"/><w:pgNumType w:fmt="decimal" w:start="1"/><w:cols w:space="425"/><w:docGrid w:type="linesAndChars" w:linePitch="{{.G.LinePitch}}" w:charSpace="{{.G.CharSpace}}"/></w:sectPr></w:body></w:document>{{end}}

{{define "styles"}}<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="{{.Latin}}" w:hAnsi="{{.Latin}}" w:eastAsia="{{.Body}}" w:cs="{{.Latin}}"/><w:kern w:val="2"/><w:sz w:val="{{.Size}}"/><w:szCs w:val="{{.Size}}"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:widowControl w:val="0"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:rPr><w:rFonts w:ascii="{{.Latin}}" w:hAnsi="{{.Latin}}" w:eastAsia="{{.Body}}" w:cs="{{.Latin}}"/><w:sz w:val="{{.Size}}"/><w:szCs w:val="{{.Size}}"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/><w:pPr><w:snapToGrid w:val="0"/></w:pPr><w:rPr><w:sz w:val="18"/></w:rPr></w:style><w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style></w:styles>{{end}}

{{define "settings"}}<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:defaultTabStop w:val="420"/><w:evenAndOddHeaders/><w:drawingGridVerticalSpacing w:val="{{.G.LinePitch}}"/><w:displayHorizontalDrawingGridEvery w:val="0"/><w:characterSpacingControl w:val="doNotCompress"/><w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/><w:doNotLeaveBackslashAlone/><w:ulTrailSpace/><w:doNotExpandShiftReturn/><w:adjustLineHeightInTable/><w:useFELayout/><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat><w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/></w:settings>{{end}}

{{define "fonts"}}<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">{{range .}}<w:font w:name="{{esc .Name}}">{{if .Alt}}<w:altName w:val="{{esc .Alt}}"/>{{end}}<w:panose1 w:val="{{.Panose}}"/><w:charset w:val="{{.Charset}}"/><w:family w:val="{{.Family}}"/><w:pitch w:val="{{.Pitch}}"/></w:font>{{end}}</w:fonts>{{end}}

{{define "footer"}}<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:p><w:pPr><w:pStyle w:val="Footer"/><w:ind w:{{.Side}}="{{.Indent}}"/><w:jc w:val="{{.Align}}"/></w:pPr><w:r>{{.RPr}}<w:t xml:space="preserve">— </w:t></w:r><w:r>{{.RPr}}<w:fldChar w:fldCharType="begin"/></w:r><w:r>{{.RPr}}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r>{{.RPr}}<w:fldChar w:fldCharType="separate"/></w:r><w:r>{{.RPr}}<w:t>1</w:t></w:r><w:r>{{.RPr}}<w:fldChar w:fldCharType="end"/></w:r><w:r>{{.RPr}}<w:t xml:space="preserve"> —</w:t></w:r></w:p></w:ftr>{{end}}
`))

type geometry struct {
	PageWidth, PageHeight, MarginTop, MarginRight, MarginBot, MarginLeft, FooterDistance, LinePitch, CharSpace int
}

// Bytes writes the document as a .docx file.
func (d *Document) Bytes() ([]byte, error) {
	g := geometry{PageWidth, PageHeight, MarginTop, MarginRight, MarginBot, MarginLeft, FooterDistance, LinePitch, CharSpace}
	pageNo := rPr(Run{Font: FontSong, Size: Size4})
	// 单页码居右空一字，双页码居左空一字: one 4号 character is 280 twips.
	odd := map[string]any{"Align": "right", "Side": "right", "Indent": Size4 * 10, "RPr": pageNo}
	even := map[string]any{"Align": "left", "Side": "left", "Indent": Size4 * 10, "RPr": pageNo}
	files := []struct {
		name, tmpl string
		data       any
	}{
		{"[Content_Types].xml", "content-types", nil},
		{"_rels/.rels", "rels", nil},
		{"docProps/core.xml", "core", d},
		{"docProps/app.xml", "app", nil},
		{"word/document.xml", "document", map[string]any{"Body": d.body.String(), "G": g}},
		{"word/_rels/document.xml.rels", "document-rels", map[string]any{"Images": d.images}},
		{"word/styles.xml", "styles", map[string]any{"Latin": FontLatin, "Body": FontBody, "Size": Size3}},
		{"word/settings.xml", "settings", map[string]any{"G": g}},
		{"word/fontTable.xml", "fonts", fonts},
		{"word/footer1.xml", "footer", odd},
		{"word/footer2.xml", "footer", even},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: stamp})
		if err != nil {
			return nil, fmt.Errorf("docx: %s: %w", f.name, err)
		}
		if err := parts.ExecuteTemplate(w, f.tmpl, f.data); err != nil {
			return nil, fmt.Errorf("docx: %s: %w", f.name, err)
		}
	}
	for i, img := range d.images {
		name := fmt.Sprintf("word/media/image%d.png", i+1)
		// PNG is compressed already.
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: stamp})
		if err != nil {
			return nil, fmt.Errorf("docx: %s: %w", name, err)
		}
		if _, err := w.Write(img); err != nil {
			return nil, fmt.Errorf("docx: %s: %w", name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("docx: %w", err)
	}
	return buf.Bytes(), nil
}
