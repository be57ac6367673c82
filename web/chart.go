package web

// Charts, drawn as inline SVG on the server. Labels are SVG text that the
// phone's own fonts render, so the server needs no fonts; every label is
// escaped like any other stored string.

import (
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strings"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/remind"
)

func urlQuery(s string) string { return url.QueryEscape(s) }

// esc escapes text for SVG inside HTML.
func esc(s string) string { return template.HTMLEscapeString(s) }

const chartWidth = 640

// svgOpen starts a chart of height h with a title for screen readers and
// the eye.
func svgOpen(b *strings.Builder, title string, h int) {
	fmt.Fprintf(b, `<figure class="chart"><figcaption>%s</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s"><title>%s</title>`,
		esc(title), chartWidth, h, esc(title), esc(title))
}

func svgClose(b *strings.Builder) template.HTML {
	b.WriteString("</svg></figure>")
	return template.HTML(b.String()) // every piece of text above went through esc
}

// completionChart draws one horizontal bar per standing: 已销号 in solid,
// 已报完成 (waiting for 销号) lighter, with the rate at the end.
func completionChart(title string, standings []remind.Standing) template.HTML {
	const rowH, labelW, barW = 26, 170, 380
	var b strings.Builder
	h := rowH*len(standings) + 30
	svgOpen(&b, title, h)
	if len(standings) == 0 {
		fmt.Fprintf(&b, `<text x="0" y="20" class="note">暂无数据</text>`)
	}
	for i, st := range standings {
		y := i*rowH + 4
		verified, reported := 0.0, 0.0
		if st.Total > 0 {
			verified = float64(barW) * float64(st.Verified) / float64(st.Total)
			reported = float64(barW) * float64(st.Reported) / float64(st.Total)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" class="label">%s</text>`, labelW-6, y+16, esc(truncate(st.Name, 11)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="18" class="track"/>`, labelW, y+2, barW)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="18" class="done"/>`, labelW, y+2, verified)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="18" class="reported"/>`, float64(labelW)+verified, y+2, reported)
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="value">%.0f%%（%d/%d）</text>`, labelW+barW+6, y+16, st.Rate(), st.Verified, st.Total)
	}
	legendY := rowH*len(standings) + 20
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" class="done"/><text x="%d" y="%d" class="note">已销号</text>`, labelW, legendY-10, labelW+16, legendY)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" class="reported"/><text x="%d" y="%d" class="note">已报完成待销号</text>`, labelW+80, legendY-10, labelW+96, legendY)
	return svgClose(&b)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// weekStart is the Monday of d's week.
func weekStart(d duban.Date) duban.Date {
	return d.AddDays(-((int(d.Weekday()) + 6) % 7))
}

// dueChart draws how many open tasks fall due in each of the next eight
// weeks, this week first.
func dueChart(title string, tasks []duban.Task, today duban.Date) template.HTML {
	const weeks = 8
	start := weekStart(today)
	counts := make([]int, weeks)
	for _, t := range tasks {
		if !t.Status.Open() || t.Deadline < today {
			continue
		}
		if w := int(t.Deadline-start) / 7; w < weeks {
			counts[w]++
		}
	}
	labels := make([]string, weeks)
	for i := range labels {
		switch i {
		case 0:
			labels[i] = "本周"
		case 1:
			labels[i] = "下周"
		default:
			labels[i] = start.AddDays(7 * i).String()[5:] + "起"
		}
	}
	return columns(title, labels, counts)
}

// columns draws one vertical bar per label with its count above it.
func columns(title string, labels []string, counts []int) template.HTML {
	const h, top, bottom, left = 200, 20, 30, 10
	var b strings.Builder
	svgOpen(&b, title, h)
	most := max(slices.Max(counts), 1)
	slot := (chartWidth - left) / len(counts)
	for i, n := range counts {
		bh := float64(h-top-bottom) * float64(n) / float64(most)
		x := left + i*slot
		y := float64(h-bottom) - bh
		fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%d" height="%.1f" class="due"/>`, x+slot/5, y, slot*3/5, bh)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="middle" class="value">%d</text>`, x+slot/2, y-4, n)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" class="label">%s</text>`, x+slot/2, h-bottom+18, esc(labels[i]))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="axis"/>`, left, h-bottom, chartWidth, h-bottom)
	return svgClose(&b)
}

// line draws counts as a polyline with a dot and its value at each point.
func line(title string, labels []string, counts []int) template.HTML {
	const h, top, bottom, left, right = 200, 24, 30, 20, 20
	var b strings.Builder
	svgOpen(&b, title, h)
	most := max(slices.Max(counts), 1)
	step := float64(chartWidth-left-right) / float64(max(len(counts)-1, 1))
	pts := make([]string, len(counts))
	for i, n := range counts {
		x := float64(left) + step*float64(i)
		y := float64(h-bottom) - float64(h-top-bottom)*float64(n)/float64(most)
		pts[i] = fmt.Sprintf("%.1f,%.1f", x, y)
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" class="point"/>`, x, y)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" class="value">%d</text>`, x, y-7, n)
		if i%2 == 0 || i == len(counts)-1 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" class="label">%s</text>`, x, h-bottom+18, esc(labels[i]))
		}
	}
	fmt.Fprintf(&b, `<polyline points="%s" class="trend"/>`, strings.Join(pts, " "))
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="axis"/>`, left, h-bottom, chartWidth-right, h-bottom)
	return svgClose(&b)
}
