package remind

import (
	"fmt"
	"strings"
)

// headlineRed is how many red-list units a headline names.
const headlineRed = 5

// Headline is the short message a published bulletin goes out with, its
// documents following as files: the number, the figures overall, the
// change since the previous bulletin (c, nil for the first), and the units
// longest overdue. It stays well within one WeCom message.
func Headline(b Bulletin, c *Change) string {
	var s strings.Builder
	if b.No > 0 {
		fmt.Fprintf(&s, "工作通报（%s）\n", b.Issue())
	} else {
		s.WriteString("工作通报（预览，未编号）\n")
	}
	fmt.Fprintf(&s, "截至 %s，%d 个单位共 %d 项任务，已销号 %d 项（%s），已报完成待销号 %d 项，逾期 %d 项；见底清零单位 %d 个。\n",
		b.At.Format("2006年1月2日 15:04"), b.Units, b.Total, b.Verified, percent(b.Verified, b.Total), b.Reported, b.Overdue, len(b.Cleared))
	if c != nil {
		fmt.Fprintf(&s, "较%s：销号率%s，新增见底清零单位 %d 个，新增逾期任务 %d 项，逾期已办结 %d 项。\n",
			c.Since, points(c.Rate), len(c.NewlyCleared), c.NewlyOverdueTasks(), c.Resolved)
	}
	if len(b.Red) > 0 {
		names := make([]string, 0, headlineRed)
		for _, r := range b.Red[:min(len(b.Red), headlineRed)] {
			names = append(names, fmt.Sprintf("%s（逾期 %d 项）", r.Unit.Name, len(r.Tasks)))
		}
		more := ""
		if len(b.Red) > headlineRed {
			more = fmt.Sprintf("等 %d 个单位", len(b.Red))
		}
		fmt.Fprintf(&s, "红灯单位：%s%s。\n", strings.Join(names, "、"), more)
	}
	return strings.TrimRight(s.String(), "\n")
}

// points says a change of rate in percentage points: 上升 2.5 个百分点.
func points(p float64) string {
	switch {
	case p >= 0.05:
		return fmt.Sprintf("上升 %.1f 个百分点", p)
	case p <= -0.05:
		return fmt.Sprintf("下降 %.1f 个百分点", -p)
	}
	return "持平"
}
