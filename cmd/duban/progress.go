package main

import (
	"fmt"
	"io"
	"time"

	"github.com/duban-org/duban/store"
)

// importMeter prints a long import's progress on the terminal, in Chinese:
// rows written, then writes applied, with the time spent and the time left.
// A list of fewer than longImport rows prints nothing.
type importMeter struct {
	w     io.Writer
	now   func() time.Time
	start time.Time
	last  time.Time // of the last line printed; zero before the first
	long  bool      // the list has longImport rows or more
}

func newImportMeter(w io.Writer, now func() time.Time) *importMeter {
	return &importMeter{w: w, now: now, start: now()}
}

const (
	longImport  = 10_000      // rows (units, people and tasks) from which progress is shown
	meterPeriod = time.Second // least time between two progress lines
)

func (m *importMeter) update(p store.ImportProgress) {
	if p.TotalRows > 0 { // staging, which reports first, knows the list's size
		m.long = p.TotalRows >= longImport
	}
	if !m.long {
		return
	}
	t := m.now()
	finished := p.Writes > 0 && p.Applied == p.Writes
	if !m.last.IsZero() && t.Sub(m.last) < meterPeriod && !finished {
		return
	}
	m.last = t
	// Staging the rows and applying the writes take about as long each.
	var done float64
	var what string
	if p.Writes == 0 {
		done = 0.5 * float64(p.Rows) / float64(max(p.TotalRows, 1))
		what = fmt.Sprintf("已写入 %d/%d 行（暂存，尚未生效）", p.Rows, p.TotalRows)
	} else {
		done = 0.5 + 0.5*float64(p.Applied)/float64(p.Writes)
		what = fmt.Sprintf("已生效 %d/%d 项写入", p.Applied, p.Writes)
	}
	spent := t.Sub(m.start)
	line := fmt.Sprintf("导入：%s，已用 %s", what, roundSeconds(spent))
	switch {
	case finished:
		line += "，完成"
	case done > 0:
		line += "，预计还需 " + roundSeconds(time.Duration(float64(spent)*(1-done)/done))
	}
	fmt.Fprintln(m.w, line)
}

// roundSeconds writes d as 1分05秒 or 12秒.
func roundSeconds(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 60 {
		return fmt.Sprintf("%d分%02d秒", s/60, s%60)
	}
	return fmt.Sprintf("%d秒", s)
}
