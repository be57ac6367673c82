package policy

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/duban-org/duban"
)

// ErrUnsupported is returned (wrapped) for a file type the loader cannot read.
var ErrUnsupported = errors.New("unsupported document type")

// maxDocBytes bounds a document file and the XML inside a .docx, so a hostile
// file (or zip bomb) cannot exhaust memory.
const maxDocBytes = 32 << 20

// Supported reports whether a file name has an extension the loader reads.
func Supported(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf":
		return true
	}
	return false
}

// Document is a cleaned document ready for chunking.
type Document struct {
	Title      string
	Date       string   // as found, e.g. "2018-03-14"
	Paragraphs []string // cleaned paragraphs in order; headings are paragraphs of their own
}

// Parse reads a document from its bytes, choosing the reader by the name's
// extension, and cleans it. fallbackTitle is used when no headline is found.
func Parse(name string, data []byte) (Document, error) {
	if len(data) > maxDocBytes {
		return Document{}, fmt.Errorf("%s: larger than %d MB", name, maxDocBytes>>20)
	}
	var lines []string
	var titleHint string
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".txt":
		lines = textLines(decodeText(data))
	case ".md", ".markdown":
		lines, titleHint = markdownLines(decodeText(data))
	case ".html", ".htm":
		var err error
		if lines, titleHint, err = htmlLines(data); err != nil {
			return Document{}, fmt.Errorf("%s: %w", name, err)
		}
	case ".docx":
		var err error
		if lines, titleHint, err = docxLines(data); err != nil {
			return Document{}, fmt.Errorf("%s: %w", name, err)
		}
	case ".pdf":
		pl, err := pdfLines(data)
		if err != nil {
			return Document{}, fmt.Errorf("%s: %w", name, err)
		}
		lines = pl
	case ".doc", ".wps":
		return Document{}, fmt.Errorf("%s: 旧版 %s 文件不能直接读取，请用 Word 或 WPS 另存为 .docx（或导出为 PDF）后再导入: %w", name, ext, ErrUnsupported)
	default:
		return Document{}, fmt.Errorf("%s: extension %q: %w", name, ext, ErrUnsupported)
	}
	// Any of them may carry text wrapped by hand or by a page: a county
	// annal typed line by line, a page of <br>-ended lines, a PDF, text
	// copied out of a PDF viewer with the page breaks in it.
	doc := clean(unwrap(dropPageBreaks(lines)), titleHint)
	if doc.Title == "" {
		// No headline: the first heading (a 章 or a marked heading, not
		// an article or an item) names the document; the file name only
		// when there is none.
		for _, p := range doc.Paragraphs {
			if level, label, _, ok := parseHeading(p); ok && label != "" && (level <= 1 || strings.HasPrefix(p, headingMark)) {
				doc.Title = tidyTitle(label)
				break
			}
		}
	}
	if doc.Title == "" {
		doc.Title = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	}
	return doc, nil
}

// decodeText returns a text file's content as UTF-8 with \n line ends.
func decodeText(data []byte) string {
	s := toUTF8(data, false)
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// toUTF8 reads a document's bytes in the encoding they were saved in: as a
// UTF-8 or UTF-16 byte order mark says (Notepad's "Unicode" is UTF-16LE),
// as they are when they are valid UTF-8, otherwise as GB18030 (a superset of
// GBK and GB2312, which Notepad on Chinese Windows and many government sites
// still use) or, for a page, as its <meta> declares. Bytes no encoding
// explains become replacement characters rather than corrupting the index.
func toUTF8(data []byte, page bool) string {
	var enc encoding.Encoding
	switch {
	case bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		enc = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		enc = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	case utf8.Valid(data):
	case page:
		// A page without a declaration is taken for GB18030, not for
		// windows-1252 as a browser in the West would.
		var name string
		if enc, name, _ = charset.DetermineEncoding(data, ""); name == "windows-1252" {
			enc = simplifiedchinese.GB18030
		}
	default:
		enc = simplifiedchinese.GB18030
	}
	if enc != nil {
		if out, err := enc.NewDecoder().Bytes(data); err == nil {
			data = out
		}
	}
	return strings.ToValidUTF8(string(data), "\uFFFD")
}

func textLines(s string) []string { return strings.Split(s, "\n") }

// unwrap joins hard-wrapped lines (county annals typed to a fixed width,
// text pulled out of a PDF) back into paragraphs: a line that runs to the
// text's usual width and does not end a sentence continues on the next line,
// unless that one is indented, blank or a heading. Text with one paragraph
// per line is left alone.
func unwrap(lines []string) []string {
	var widths []int
	for _, l := range lines {
		if n := cells(strings.TrimSpace(l)); n >= 20 {
			widths = append(widths, n)
		}
	}
	if len(widths) < 4 {
		return lines
	}
	slices.Sort(widths)
	full := widths[len(widths)*4/5] * 3 / 4 // a line this long reached the margin
	open := func(l string) bool {
		t := strings.TrimSpace(l)
		if n := cells(t); n < full || n > 2*full {
			return false
		}
		last, _ := utf8.DecodeLastRuneInString(t)
		return !strings.ContainsRune("。！？!?；;：:…”’」』", last)
	}
	// Only text where many lines stop mid-sentence is hard-wrapped.
	wrapped := 0
	for _, l := range lines {
		if open(l) {
			wrapped++
		}
	}
	if wrapped < 3 || wrapped*5 < len(widths) {
		return lines
	}
	var out []string
	joining := false
	for _, l := range lines {
		t := strings.TrimSpace(l)
		indented := strings.HasPrefix(l, "　") || strings.HasPrefix(l, "  ") || strings.HasPrefix(l, "\t")
		_, _, _, heading := parseHeading(t)
		if joining && t != "" && !indented && (!heading || articleReference.MatchString(strings.Join(strings.Fields(t), ""))) {
			out[len(out)-1] = joinWrapped(out[len(out)-1], t)
		} else {
			out = append(out, l)
		}
		joining = open(l)
	}
	return out
}

// cells is a line's width on the page (duban.DisplayWidth). Counted in
// characters, a centred "2007 年 2 月 14 日 国务院第 169 次常务会议通过" would
// pass for a line that ran to the margin.
func cells(s string) int { return duban.DisplayWidth(s) }

// dropPageBreaks removes what a PDF viewer's copy leaves where a page ends
// in pasted text: the page number ("- 3 -", "第3页"), the blank lines around
// it and a running header or footer beside it (a line that stands next to
// most of the page numbers), so that a sentence broken by the page is one
// again. Text with fewer than two page numbers is left alone.
func dropPageBreaks(lines []string) []string {
	blank := func(i int) bool { return strings.TrimSpace(lines[i]) == "" }
	var marks []int
	for i, l := range lines {
		if !blank(i) && pageNumber.MatchString(strings.TrimSpace(l)) {
			marks = append(marks, i)
		}
	}
	if len(marks) < 2 {
		return lines
	}
	// beside returns the nearest non-blank line from i in direction step.
	beside := func(i, step int) int {
		for j := i + step; j >= 0 && j < len(lines); j += step {
			if !blank(j) {
				return j
			}
		}
		return -1
	}
	running := map[string]int{}
	for _, m := range marks {
		for _, step := range []int{-1, 1} {
			if j := beside(m, step); j >= 0 {
				running[runningKey(strings.TrimSpace(lines[j]))]++
			}
		}
	}
	drop := make([]bool, len(lines))
	for _, m := range marks {
		drop[m] = true
		for _, step := range []int{-1, 1} {
			j := m + step
			for ; j >= 0 && j < len(lines) && blank(j); j += step {
				drop[j] = true
			}
			if j < 0 || j >= len(lines) {
				continue
			}
			if k := running[runningKey(strings.TrimSpace(lines[j]))]; k >= 2 && 2*k >= len(marks) {
				for drop[j] = true; j+step >= 0 && j+step < len(lines) && blank(j+step); j += step {
					drop[j+step] = true
				}
			}
		}
	}
	out := make([]string, 0, len(lines))
	for i, l := range lines {
		if !drop[i] {
			out = append(out, l)
		}
	}
	return out
}

// articleReference is a line that starts with an article's number where a
// sentence refers to it ("第十二条规定的……" after "……依照本条例"), which
// a line break put first; an article itself follows its number with its text.
var articleReference = regexp.MustCompile(`^第[一二三四五六七八九十百零〇两\d]+条(的|规定|、|和|及|或者|至|第|中|所|之|[，。；])`)

// joinWrapped joins two pieces of a wrapped line; a space survives only
// between two ASCII words.
func joinWrapped(a, b string) string {
	a = strings.TrimRight(a, " \t")
	last, _ := utf8.DecodeLastRuneInString(a)
	first, _ := utf8.DecodeRuneInString(b)
	if last < 0x80 && first < 0x80 && last != '-' {
		return a + " " + b
	}
	return a + b
}

var (
	mdHeading = regexp.MustCompile(`^#{1,6}\s+`)
	mdLink    = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	mdEmph    = regexp.MustCompile(`(\*\*|__|\*|` + "`" + `)`)
	mdList    = regexp.MustCompile(`^\s*([-*+]|>)\s+`)
)

// markdownLines strips Markdown markup; the first level-one heading is the title.
func markdownLines(s string) (lines []string, title string) {
	inFence := false
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inFence = !inFence
			continue
		}
		if !inFence {
			if title == "" && strings.HasPrefix(l, "# ") {
				title = strings.TrimSpace(mdEmph.ReplaceAllString(l[2:], ""))
				continue
			}
			if m := mdHeading.FindString(l); m != "" {
				level := strings.Count(m, "#")
				l = headingMark + strconv.Itoa(level) + mdEmph.ReplaceAllString(l[len(m):], "")
			}
			l = mdList.ReplaceAllString(l, "")
			l = mdLink.ReplaceAllString(l, "$1")
			l = mdEmph.ReplaceAllString(l, "")
			if strings.Trim(l, "-=*_| ") == "" {
				l = ""
			}
		}
		lines = append(lines, l)
	}
	return lines, title
}

// htmlLines extracts the visible text of a page, one line per block element.
// Scripts, styles, navigation, headers and footers are dropped; the first h1
// (or else the <title>, unless it is a placeholder) is the title hint.
func htmlLines(data []byte) (lines []string, title string, err error) {
	root, err := html.Parse(strings.NewReader(toUTF8(data, true)))
	if err != nil {
		return nil, "", fmt.Errorf("parse HTML: %w", err)
	}
	var cur strings.Builder
	var pageTitle, h1 string
	// linked counts the line's characters inside links: a line made of
	// links (a menu, a list of related articles) is navigation.
	inLink, linked := 0, 0
	flush := func() {
		s := strings.TrimSpace(cur.String())
		if s != "" && !(strings.HasPrefix(s, headingMark) && len(strings.TrimSpace(s[len(headingMark)+1:])) == 0) && !isLinkLine(s, linked) {
			lines = append(lines, s)
		}
		cur.Reset()
		linked = 0
	}
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > 512 {
			return
		}
		switch n.Type {
		case html.TextNode:
			text := strings.Join(strings.Fields(n.Data), " ")
			cur.WriteString(text)
			if inLink > 0 {
				linked += utf8.RuneCountInString(text)
			}
			return
		case html.ElementNode:
			switch n.Data {
			case "script", "style", "noscript", "template", "nav", "footer", "header", "iframe", "svg", "select", "button", "form":
				return
			case "title":
				if n.FirstChild != nil && pageTitle == "" {
					pageTitle = strings.TrimSpace(textOf(n))
				}
				return
			case "h1":
				if h1 == "" {
					h1 = strings.TrimSpace(strings.Join(strings.Fields(textOf(n)), " "))
				}
			}
		}
		block := n.Type == html.ElementNode && isBlock(n.Data)
		if block {
			flush()
			if lv := headingLevel(n.Data); lv >= 2 {
				cur.WriteString(headingMark + strconv.Itoa(lv))
			}
		}
		if n.Type == html.ElementNode && n.Data == "br" {
			flush()
		}
		link := n.Type == html.ElementNode && n.Data == "a"
		if link {
			inLink++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
		if link {
			inLink--
		}
		if block {
			flush()
		}
	}
	walk(root, 0)
	flush()
	title = strings.ToValidUTF8(h1, "\uFFFD")
	if title == "" && !isPlaceholderTitle(pageTitle) {
		title = strings.ToValidUTF8(pageHeadline(pageTitle, lines), "\uFFFD")
	}
	return lines, title, nil
}

// isLinkLine reports a line that is mostly link text and says nothing in
// sentences: a menu item, a breadcrumb, a related article with its date.
func isLinkLine(line string, linked int) bool {
	n := utf8.RuneCountInString(line)
	return linked > 0 && 10*linked >= 6*n && !strings.ContainsAny(line, "。；;")
}

// titleSeparator splits a page's <title> into the headline and the column
// and site names that sites add to it.
var titleSeparator = regexp.MustCompile(`\s*[_|｜]\s*|\s+[-—–]+\s+`)

// loneDash splits a <title> at any dash ("条例-某市人民政府门户网站"); a part
// is taken from that split only where the page repeats it, since a headline
// may hold a dash itself ("2021-2025年").
var loneDash = regexp.MustCompile(`\s*[_|｜]\s*|\s*[-—–]+\s*`)

// pageHeadline is the headline in a page's <title>, which sites follow with
// their column and name ("优化营商环境条例_政策法规_中国政府网", "… - 某市人民政府"):
// the part the page's text repeats as a line of its own, or else the first.
func pageHeadline(pageTitle string, lines []string) string {
	pageTitle = strings.TrimSpace(pageTitle)
	parts := titleSeparator.Split(pageTitle, -1)
	for _, p := range append(loneDash.Split(pageTitle, -1), parts...) {
		bare := strings.Join(strings.Fields(p), "")
		for _, l := range lines {
			if bare != "" && strings.Join(strings.Fields(l), "") == bare {
				return p
			}
		}
	}
	return parts[0]
}

func headingLevel(tag string) int {
	if len(tag) == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6' {
		return int(tag[1] - '0')
	}
	return 0
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var f func(*html.Node, int)
	f = func(n *html.Node, depth int) {
		if depth > 512 {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f(c, depth+1)
		}
	}
	f(n, 0)
	return b.String()
}

func isBlock(tag string) bool {
	switch tag {
	case "p", "div", "section", "article", "main", "aside", "li", "ul", "ol", "table", "tr", "td", "th",
		"h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dl", "dt", "dd", "center", "body":
		return true
	}
	return false
}

func isPlaceholderTitle(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || s == "无标题文档" || strings.EqualFold(s, "untitled") || strings.EqualFold(s, "untitled document")
}

// docxLines reads the paragraphs of word/document.xml: one line per w:p, text
// from w:t, tabs and breaks kept. A paragraph styled Title is the title hint.
func docxLines(data []byte) (lines []string, title string, err error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, "", fmt.Errorf("open docx (zip): %w", err)
	}
	var body io.ReadCloser
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			if body, err = f.Open(); err != nil {
				return nil, "", fmt.Errorf("open word/document.xml: %w", err)
			}
			break
		}
	}
	if body == nil {
		return nil, "", errors.New("docx without word/document.xml")
	}
	defer body.Close()
	numbering := readDocxNumbering(zr)
	dec := xml.NewDecoder(io.LimitReader(body, maxDocBytes))
	dec.Strict = false
	var (
		cur       strings.Builder
		inText    bool
		isTitle   bool
		inPara    bool
		paraStart int     // the paragraph's first line, where a manual break split it
		style     string  // the paragraph's style
		num       *numRef // the paragraph's own list
	)
	const w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", fmt.Errorf("read word/document.xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != w && t.Name.Space != "w" {
				continue
			}
			switch t.Name.Local {
			case "p":
				inPara = true
				cur.Reset()
				isTitle = false
				paraStart, style, num = len(lines), "", nil
			case "t":
				inText = true
			case "tab":
				cur.WriteByte('\t')
			case "br", "cr":
				if inPara {
					lines = append(lines, cur.String())
					cur.Reset()
				}
			case "pStyle":
				for _, a := range t.Attr {
					if a.Name.Local == "val" {
						style = a.Value
						isTitle = isTitle || strings.EqualFold(a.Value, "title")
					}
				}
			case "numPr":
				if inPara {
					var pr xmlNumPr
					if dec.DecodeElement(&pr, &t) == nil {
						lv, _ := strconv.Atoi(pr.Level.Val)
						num = &numRef{numID: pr.NumID.Val, level: lv}
					}
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				ref, ok := numbering.styles[style]
				if num != nil {
					ref, ok = *num, true
				}
				if label := numbering.label(ref); ok && label != "" {
					if paraStart < len(lines) {
						lines[paraStart] = label + " " + lines[paraStart]
					} else {
						text := cur.String()
						cur.Reset()
						cur.WriteString(label + " " + text)
					}
				}
				if isTitle && title == "" {
					title = strings.TrimSpace(cur.String())
				} else {
					lines = append(lines, cur.String())
				}
				cur.Reset()
				inPara = false
			}
		case xml.CharData:
			if inText {
				cur.Write(t)
			}
		}
	}
	return lines, title, nil
}
