// Package report writes the documents an office files: the 工作通报 as a
// Word document in the GB/T 9704-2012 layout with a chart of completion by
// group, its red and yellow lists as a workbook, and the 专函督办 letters to
// lagging units. Every figure comes from a remind.Bulletin.
package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/duban-org/duban"
)

// Office is the issuing office as its documents name it ([office]).
type Office struct {
	Name          string   // 中共咸宁市委机构编制委员会办公室
	ShortName     string   // 市委编办
	BulletinTitle string   // 工作通报
	LetterPrefix  string   // 咸编办函
	Signer        string   // signs letters and the 印发 line; Name when empty
	Contact       string   // 联系人：…，电话：…
	CC            []string // 抄送
}

func (o Office) signer() string {
	if o.Signer != "" {
		return o.Signer
	}
	return o.Name
}

func (o Office) short() string {
	if o.ShortName != "" {
		return o.ShortName
	}
	return o.Name
}

// chineseDate writes 2026年11月26日.
func chineseDate(t time.Time) string { return t.Format("2006年1月2日") }

func dateOf(d duban.Date) string {
	if d.IsZero() {
		return "—"
	}
	return chineseDate(d.Time(time.UTC))
}

func percent(n, total int) string {
	if total == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
}

// names joins unit names with 、.
func names(units []duban.Unit) string {
	s := make([]string, len(units))
	for i, u := range units {
		s[i] = u.Name
	}
	return strings.Join(s, "、")
}
