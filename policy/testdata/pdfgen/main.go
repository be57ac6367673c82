// Command pdfgen writes the hand-built PDF fixtures of package policy: text
// set in the CID encodings that Chinese PDFs use, with no embedded font, so
// only the encoding tells what the text says.
//
//	go run ./policy/testdata/pdfgen policy/testdata/pdf
//
// The other fixtures there come from real tools; see README.md beside them.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// The text of every fixture: a short 办法 with a promulgation line.
var lines = []string{
	"某县事业单位编制管理办法",
	"2022年6月1日 某县人民政府令第8号公布",
	"第一条 为了加强事业单位编制管理，制定本办法。",
	"第二条 事业单位的编制由县机构编制委员会办公室统一管理。",
	"第三条 新设事业单位的编制原则上不少于5名。",
	"第四条 本办法自2022年7月1日起施行。",
}

func main() {
	dir := "."
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	write := func(name string, pdf []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pdf, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	write("gb1-ucs2.pdf", build("UniGB-UCS2-H", "", ucs2))
	write("gbk-euc.pdf", build("GBK-EUC-H", "", gbk))
	cids, tounicode := identity()
	write("identity-h.pdf", build("Identity-H", tounicode, cids))
}

// ucs2 encodes a line as UniGB-UCS2-H wants: UCS-2 big-endian.
func ucs2(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>8), byte(r))
	}
	return b
}

// gbk encodes a line in GBK, as GBK-EUC-H wants (ASCII stays one byte).
func gbk(s string) []byte {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

// identity numbers the characters of the text as CIDs 1, 2, … and returns
// the encoder and the ToUnicode CMap that maps them back.
func identity() (func(string) []byte, string) {
	cid := map[rune]int{}
	var order []rune
	for _, l := range lines {
		for _, r := range l {
			if _, ok := cid[r]; !ok {
				order = append(order, r)
				cid[r] = len(order)
			}
		}
	}
	var m strings.Builder
	m.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for i := 0; i < len(order); i += 100 {
		chunk := order[i:min(i+100, len(order))]
		fmt.Fprintf(&m, "%d beginbfchar\n", len(chunk))
		for _, r := range chunk {
			fmt.Fprintf(&m, "<%04X> <%04X>\n", cid[r], r)
		}
		m.WriteString("endbfchar\n")
	}
	m.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	enc := func(s string) []byte {
		var b []byte
		for _, r := range s {
			b = append(b, byte(cid[r]>>8), byte(cid[r]))
		}
		return b
	}
	return enc, m.String()
}

// build writes a one-page PDF showing the lines in a Type0 font with the
// given CMap encoding; the font is not embedded (STSong-Light, one of the
// standard Chinese fonts a reader provides). tounicode, if not empty, is
// the font's ToUnicode stream.
func build(encoding, tounicode string, enc func(string) []byte) []byte {
	var content bytes.Buffer
	content.WriteString("BT\n/F1 14 Tf\n")
	y := 780
	for _, l := range lines {
		fmt.Fprintf(&content, "1 0 0 1 50 %d Tm\n<", y)
		for _, c := range enc(l) {
			fmt.Fprintf(&content, "%02X", c)
		}
		content.WriteString("> Tj\n")
		y -= 28
	}
	content.WriteString("ET\n")

	ordering := "GB1"
	if encoding == "Identity-H" {
		ordering = "Identity"
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"", // the font, below
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (%s) /Supplement 2 >> /FontDescriptor 7 0 R /DW 1000 >>", ordering),
		"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
	}
	font := fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light-%s /Encoding /%s /DescendantFonts [6 0 R]", encoding, encoding)
	if tounicode != "" {
		objs = append(objs, fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", len(tounicode), tounicode))
		font += fmt.Sprintf(" /ToUnicode %d 0 R", len(objs))
	}
	objs[3] = font + " >>"

	var out bytes.Buffer
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return out.Bytes()
}
