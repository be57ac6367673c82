// Package chart draws the bulletin's charts as PNG in pure Go, with an
// embedded CJK font (a GB2312 subset of Noto Sans Hans, OFL; see
// font/README.md), so it needs no fonts on the server.
package chart

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

//go:embed font/DubanChartSans-GB2312.otf
var fontData []byte

var loadFont = sync.OnceValues(func() (*sfnt.Font, error) {
	f, err := opentype.Parse(fontData)
	if err != nil {
		return nil, fmt.Errorf("chart font: %w", err)
	}
	return f, nil
})

// Bar is one labelled value in percent (0–100), with an optional second
// value stacked after it (待销号 after 已销号).
type Bar struct {
	Label   string
	Value   float64
	Pending float64
}

// Layout of a bar chart, in pixels.
const (
	Width     = 1200
	rowHeight = 72
	top       = 96
	bottom    = 110
	labelW    = 260
	valueW    = 150
)

// Height is the height in pixels of a chart of n bars.
func Height(n int) int { return top + n*rowHeight + bottom }

var (
	ink     = color.RGBA{0x26, 0x26, 0x26, 0xff}
	grid    = color.RGBA{0xd9, 0xd9, 0xd9, 0xff}
	done    = color.RGBA{0xc0, 0x00, 0x00, 0xff} // the 版头's red, darker
	pending = color.RGBA{0xf4, 0xb1, 0x83, 0xff}
)

// Bars draws a horizontal bar chart, one bar per item, Width × Height(n)
// pixels, titled title, with the pending share stacked after each bar and
// a legend naming both.
func Bars(title, valueName, pendingName string, bars []Bar) ([]byte, error) {
	f, err := loadFont()
	if err != nil {
		return nil, err
	}
	face := func(size float64) (font.Face, error) {
		return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	}
	titleFace, err := face(34)
	if err != nil {
		return nil, fmt.Errorf("chart font: %w", err)
	}
	textFace, err := face(26)
	if err != nil {
		return nil, fmt.Errorf("chart font: %w", err)
	}
	small, err := face(22)
	if err != nil {
		return nil, fmt.Errorf("chart font: %w", err)
	}
	h := Height(len(bars))
	img := image.NewRGBA(image.Rect(0, 0, Width, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)

	text := func(face font.Face, s string, x, y int, align int, c color.Color) {
		d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face}
		w := d.MeasureString(s).Round()
		switch align {
		case 0: // centre
			x -= w / 2
		case 1: // right
			x -= w
		}
		d.Dot = fixed.P(x, y)
		d.DrawString(s)
	}
	text(titleFace, title, Width/2, 52, 0, ink)

	x0, x1 := labelW, Width-valueW
	scale := func(v float64) int { return x0 + int(math.Round(float64(x1-x0)*clamp(v)/100)) }
	for _, tick := range []float64{0, 25, 50, 75, 100} {
		x := scale(tick)
		fill(img, image.Rect(x, top-8, x+1, top+len(bars)*rowHeight), grid)
		text(small, fmt.Sprintf("%.0f%%", tick), x, top+len(bars)*rowHeight+30, 0, ink)
	}
	for i, b := range bars {
		y := top + i*rowHeight
		text(textFace, fitLabel(textFace, b.Label, labelW-20), labelW-16, y+rowHeight/2+9, 1, ink)
		end := scale(b.Value)
		fill(img, image.Rect(x0, y+14, end, y+rowHeight-14), done)
		if b.Pending > 0 {
			fill(img, image.Rect(end, y+14, scale(b.Value+b.Pending), y+rowHeight-14), pending)
		}
		text(textFace, fmt.Sprintf("%.1f%%", clamp(b.Value)), x1+16, y+rowHeight/2+9, -1, ink)
	}
	fill(img, image.Rect(x0, top-8, x0+2, top+len(bars)*rowHeight), ink)

	// Legend, bottom right.
	ly := h - 22
	lx := Width - 40
	legend := func(name string, c color.Color) {
		d := font.Drawer{Face: small}
		w := d.MeasureString(name).Round()
		lx -= w
		text(small, name, lx, ly, -1, ink)
		lx -= 30
		fill(img, image.Rect(lx, ly-18, lx+22, ly+2), c)
		lx -= 30
	}
	if pendingName != "" {
		legend(pendingName, pending)
	}
	legend(valueName, done)

	var out bytes.Buffer
	if err := png.Encode(&out, img); err != nil {
		return nil, fmt.Errorf("chart: encode png: %w", err)
	}
	return out.Bytes(), nil
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

func clamp(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return math.Max(0, math.Min(100, v))
}

// fitLabel shortens s with an ellipsis until it fits w pixels.
func fitLabel(face font.Face, s string, w int) string {
	d := font.Drawer{Face: face}
	if d.MeasureString(s).Round() <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 1 {
		r = r[:len(r)-1]
		if d.MeasureString(string(r)+"…").Round() <= w {
			return string(r) + "…"
		}
	}
	return s
}
