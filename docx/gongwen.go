package docx

import "unicode/utf8"

// Masthead adds a bulletin's 版头: the title in red 方正小标宋简体 (as large
// as fits one line, up to 初号), the issue line (2026年第3期) under it, then
// the issuing office at the left and the date at the right over a red rule.
func (d *Document) Masthead(title, issue, office, date string) {
	size := SizeChuhao
	// The text block is 442 pt wide; leave some air around the title.
	for _, s := range []int{SizeChuhao, 72, SizeYihao, Size2} {
		size = s
		if utf8.RuneCountInString(title)*s/2 <= 400 {
			break
		}
	}
	d.Add(Para{Runs: []Run{{Text: title, Font: FontTitle, Size: size, Color: Red}}, Align: Center, SpaceBefore: 240, SpaceAfter: 240})
	d.Add(Para{Runs: []Run{{Text: issue, Font: FontBody, Size: Size3}}, Align: Center, Exact: true})
	// Office at the left and date at the right, each one character in,
	// on one line: drop the indents, then the size, when they do not fit
	// (the date takes about 12 grid cells).
	need, indent, size := utf8.RuneCountInString(office)+12, 1, Size3
	switch {
	case need+2 <= 28:
	case need <= 28:
		indent = 0
	default:
		indent, size = 0, Size4
	}
	d.Add(Para{Runs: []Run{{Text: office + "\t" + date, Font: FontBody, Size: size}}, RightTab: true, LeftChars: indent, RightChars: indent,
		Exact: true, BorderBottom: 18, BorderColor: Red, SpaceAfter: LinePitch})
}

// LetterHead adds a letter's 版头 (信函格式): the office's name in red
// 方正小标宋简体, a red double rule, and the 文号 at the right.
func (d *Document) LetterHead(office, number string) {
	size := Size2 + 8
	if utf8.RuneCountInString(office)*size/2 > 430 {
		size = Size2
	}
	d.Add(Para{Runs: []Run{{Text: office, Font: FontTitle, Size: size, Color: Red}}, Align: Center, SpaceBefore: 120, SpaceAfter: 120,
		BorderBottom: 24, BorderColor: Red})
	d.Add(Para{Runs: []Run{{Text: number, Font: FontBody, Size: Size3}}, Align: Right, RightChars: 1, Exact: true, SpaceAfter: LinePitch})
}

// Signature adds the 落款: the signer and the date, right-aligned with
// four characters to spare, as GB/T 9704 sets a signature without a seal.
func (d *Document) Signature(signer, date string) {
	d.Blank()
	d.Add(Para{Runs: []Run{{Text: signer, Font: FontBody, Size: Size3}}, Align: Right, RightChars: 4, Exact: true})
	d.Add(Para{Runs: []Run{{Text: date, Font: FontBody, Size: Size3}}, Align: Right, RightChars: 4, Exact: true})
}

// Colophon adds the 版记: 抄送 (when cc is not empty) and the 印发 line
// (the office at the left, the date at the right), between rules — thick
// first and last, thin between — in 4号 仿宋_GB2312.
func (d *Document) Colophon(cc, printer, date string) {
	d.Blank()
	if cc != "" {
		d.Add(Para{Runs: []Run{{Text: "抄送：" + cc + "。", Font: FontBody, Size: Size4}}, LeftChars: 1, RightChars: 1,
			Exact: true, BorderTop: 8, BorderBottom: 4, KeepNext: true})
		d.Add(Para{Runs: []Run{{Text: printer + "\t" + date + "印发", Font: FontBody, Size: Size4}}, RightTab: true, LeftChars: 1, RightChars: 1,
			Exact: true, BorderBottom: 8})
		return
	}
	d.Add(Para{Runs: []Run{{Text: printer + "\t" + date + "印发", Font: FontBody, Size: Size4}}, RightTab: true, LeftChars: 1, RightChars: 1,
		Exact: true, BorderTop: 8, BorderBottom: 8})
}
