package chart

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"
)

func TestBarsDecodeWithExpectedSize(t *testing.T) {
	bars := []Bar{{"党群组", 85.2, 5}, {"政府组", 40, 10}, {"派出机构组", 0, 0}, {"事业单位组", 100, 0}}
	b, err := Bars("各督办组销号率", "已销号", "已报完成待销号", bars)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := img.Bounds(), image.Rect(0, 0, Width, Height(len(bars))); got != want {
		t.Fatalf("size %v, want %v", got, want)
	}
	// The 100% bar reaches the right end of the scale; the 0% bar has no red.
	row := func(i int) int { return top + i*rowHeight + rowHeight/2 }
	if !isRed(img.At(Width-valueW-3, row(3))) {
		t.Errorf("事业单位组 100%%: no bar at the end of the scale")
	}
	if isRed(img.At(labelW+20, row(2))) {
		t.Errorf("派出机构组 0%%: a bar is drawn")
	}
	if !isRed(img.At(labelW+20, row(0))) || isRed(img.At(Width-valueW-3, row(0))) {
		t.Errorf("党群组 85.2%%: wrong bar")
	}
	// The labels are drawn (dark pixels left of the bars), in the CJK font.
	if dark(img, image.Rect(0, top, labelW, top+rowHeight)) < 50 {
		t.Errorf("no label drawn for 党群组")
	}
	if os.Getenv("CHART_OUT") != "" {
		_ = os.WriteFile(os.Getenv("CHART_OUT"), b, 0o644)
	}
}

func TestBarsEmptyAndOutOfRange(t *testing.T) {
	b, err := Bars("空", "已销号", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Height != Height(0) {
		t.Fatalf("%+v %v", cfg, err)
	}
	if _, err := Bars("x", "a", "b", []Bar{{"很长很长很长很长很长很长很长很长的督办组名称", 150, -3}}); err != nil {
		t.Fatal(err)
	}
}

func isRed(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r>>8 > 0xa0 && g>>8 < 0x40 && b>>8 < 0x40
}

func dark(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if cr>>8 < 0x80 && cg>>8 < 0x80 && cb>>8 < 0x80 {
				n++
			}
		}
	}
	return n
}
