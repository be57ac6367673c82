package policy

import (
	"archive/zip"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
)

// docxNumbering is Word's automatic numbering: a 条例 kept by a
// legislative office numbers its 第X条 and items （X） by a list, so the
// numbers are in word/numbering.xml (and the list a paragraph style
// carries, in word/styles.xml), not in the paragraphs' text. Without them
// no article is found.
type docxNumbering struct {
	levels map[string]map[int]numLevel // by numId, then level
	styles map[string]numRef           // a paragraph style's list
	counts map[string]map[int]int      // by numId, then level
}

type numLevel struct {
	format, text string
	start        int
}

type numRef struct {
	numID string
	level int
}

type xmlLevel struct {
	Level  int      `xml:"ilvl,attr"`
	Start  xmlValue `xml:"start"`
	Format xmlValue `xml:"numFmt"`
	Text   xmlValue `xml:"lvlText"`
}

type xmlValue struct {
	Val string `xml:"val,attr"`
}

type xmlNumPr struct {
	Level xmlValue `xml:"ilvl"`
	NumID xmlValue `xml:"numId"`
}

// readDocxNumbering reads the lists of a .docx; a package without them,
// or with parts it cannot read, numbers nothing.
func readDocxNumbering(zr *zip.Reader) *docxNumbering {
	n := &docxNumbering{levels: map[string]map[int]numLevel{}, styles: map[string]numRef{}, counts: map[string]map[int]int{}}
	var numbering struct {
		Abstract []struct {
			ID     string     `xml:"abstractNumId,attr"`
			Levels []xmlLevel `xml:"lvl"`
		} `xml:"abstractNum"`
		Nums []struct {
			ID        string   `xml:"numId,attr"`
			Abstract  xmlValue `xml:"abstractNumId"`
			Overrides []struct {
				Level int        `xml:"ilvl,attr"`
				Start xmlValue   `xml:"startOverride"`
				Lvl   []xmlLevel `xml:"lvl"`
			} `xml:"lvlOverride"`
		} `xml:"num"`
	}
	if !readZipXML(zr, "word/numbering.xml", &numbering) {
		return n
	}
	abstract := map[string]map[int]numLevel{}
	for _, a := range numbering.Abstract {
		abstract[a.ID] = levelsOf(a.Levels)
	}
	for _, num := range numbering.Nums {
		levels := map[int]numLevel{}
		for k, v := range abstract[num.Abstract.Val] {
			levels[k] = v
		}
		for _, o := range num.Overrides {
			for k, v := range levelsOf(o.Lvl) {
				levels[k] = v
			}
			if s, err := strconv.Atoi(o.Start.Val); err == nil {
				l := levels[o.Level]
				l.start = s
				levels[o.Level] = l
			}
		}
		n.levels[num.ID] = levels
	}
	var styles struct {
		Styles []struct {
			ID    string   `xml:"styleId,attr"`
			NumPr xmlNumPr `xml:"pPr>numPr"`
		} `xml:"style"`
	}
	if readZipXML(zr, "word/styles.xml", &styles) {
		for _, s := range styles.Styles {
			if s.NumPr.NumID.Val != "" {
				lv, _ := strconv.Atoi(s.NumPr.Level.Val)
				n.styles[s.ID] = numRef{numID: s.NumPr.NumID.Val, level: lv}
			}
		}
	}
	return n
}

func levelsOf(xs []xmlLevel) map[int]numLevel {
	levels := map[int]numLevel{}
	for _, l := range xs {
		start, err := strconv.Atoi(l.Start.Val)
		if err != nil {
			start = 1
		}
		levels[l.Level] = numLevel{format: l.Format.Val, text: l.Text.Val, start: start}
	}
	return levels
}

func readZipXML(zr *zip.Reader, name string, v any) bool {
	for _, f := range zr.File {
		if f.Name != name {
			continue
		}
		r, err := f.Open()
		if err != nil {
			return false
		}
		defer r.Close()
		return xml.NewDecoder(io.LimitReader(r, maxDocBytes)).Decode(v) == nil
	}
	return false
}

// label counts a numbered paragraph and returns its number as Word shows
// it ("第十二条", "（三）"); a deeper level starts again under each new
// number of a higher one. Bullets and lists it cannot number give "".
func (n *docxNumbering) label(ref numRef) string {
	levels := n.levels[ref.numID]
	lvl, ok := levels[ref.level]
	if !ok || ref.numID == "0" || ref.level < 0 || ref.level > 8 {
		return ""
	}
	counts := n.counts[ref.numID]
	if counts == nil {
		counts = map[int]int{}
		n.counts[ref.numID] = counts
	}
	if c, ok := counts[ref.level]; ok {
		counts[ref.level] = c + 1
	} else {
		counts[ref.level] = lvl.start
	}
	for k := range counts {
		if k > ref.level {
			delete(counts, k)
		}
	}
	if lvl.format == "bullet" || lvl.format == "none" {
		return ""
	}
	var b strings.Builder
	text := lvl.text
	for i := 0; i < len(text); i++ {
		if text[i] == '%' && i+1 < len(text) && text[i+1] >= '1' && text[i+1] <= '9' {
			k := int(text[i+1] - '1')
			c, ok := counts[k]
			if !ok {
				c = levels[k].start
			}
			b.WriteString(formatNumber(c, levels[k].format))
			i++
			continue
		}
		b.WriteByte(text[i])
	}
	return strings.TrimSpace(b.String())
}

// formatNumber writes a list number in one of Word's formats.
func formatNumber(c int, format string) string {
	switch format {
	case "chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting", "ideographDigital":
		if c > 0 && c < 10000 {
			return chineseNumber(c)
		}
	case "ideographTraditional":
		if c >= 1 && c <= 10 {
			return string([]rune("甲乙丙丁戊己庚辛壬癸")[c-1])
		}
	case "decimalEnclosedCircle", "decimalEnclosedCircleChinese":
		if c >= 1 && c <= 20 {
			return string(rune('①' + c - 1))
		}
	case "decimalFullWidth", "decimalFullWidth2":
		return strings.Map(func(r rune) rune { return r - '0' + '０' }, strconv.Itoa(c))
	case "lowerLetter", "upperLetter":
		if c >= 1 && c <= 26 {
			s := string(rune('a' + c - 1))
			if format == "upperLetter" {
				s = strings.ToUpper(s)
			}
			return s
		}
	}
	return strconv.Itoa(c)
}

// chineseNumber writes 1 to 9999 as 一, 十二, 二十, 一百零五, 一千零一十.
func chineseNumber(c int) string {
	const digits = "零一二三四五六七八九"
	d := []rune(digits)
	units := []string{"千", "百", "十", ""}
	parts := []int{c / 1000, c / 100 % 10, c / 10 % 10, c % 10}
	var b strings.Builder
	zero := false
	for i, p := range parts {
		if p == 0 {
			zero = b.Len() > 0
			continue
		}
		if zero {
			b.WriteRune(d[0])
			zero = false
		}
		if !(i == 2 && p == 1 && b.Len() == 0) { // 十二, not 一十二
			b.WriteRune(d[p])
		}
		b.WriteString(units[i])
	}
	return b.String()
}
