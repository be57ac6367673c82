package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/duban-org/duban/chart"
	"github.com/duban-org/duban/docx"
	"github.com/duban-org/duban/remind"
)

// Chart width in the document, in mm (of the 156 mm text block).
const chartWidthMM = 150

// BulletinDocx writes bulletin b as a .docx: 版头, title, the standing with
// its change since the previous bulletin (change nil for the first), the
// chart of completion by group, the tables of groups, red and yellow lists
// and the ranking, and the 版记.
func BulletinDocx(o Office, b remind.Bulletin, change *remind.Change) ([]byte, error) {
	d := &docx.Document{Title: o.BulletinTitle + " " + b.Issue(), Creator: o.Name}
	issue := b.Issue()
	if issue == "" {
		issue = "（预览稿，发布时编号）"
	}
	d.Masthead(o.BulletinTitle, issue, o.Name, chineseDate(b.At))
	d.TitleText("关于改革任务推进情况的通报")
	d.Blank()
	d.Body(fmt.Sprintf("现将截至%s的改革任务推进情况通报如下。", b.At.Format("2006年1月2日15时04分")))
	if b.Framing != "" {
		d.Body(b.Framing)
	}

	d.Heading1("一、总体进展")
	d.Body(fmt.Sprintf("纳入改革的%d个单位共有改革任务%d项，已销号%d项，销号率%s；已报完成待销号%d项；逾期未完成%d项；见底清零单位%d个。",
		b.Units, b.Total, b.Verified, percent(b.Verified, b.Total), b.Reported, b.Overdue, len(b.Cleared)))
	if change != nil {
		d.Body(changeText(*change))
	}
	if len(b.Groups) > 0 {
		bars := make([]chart.Bar, len(b.Groups))
		for i, g := range b.Groups {
			bars[i] = chart.Bar{Label: g.Name, Value: g.Rate(), Pending: share(g.Reported, g.Total)}
		}
		png, err := chart.Bars("各督办组销号率", "已销号", "已报完成待销号", bars)
		if err != nil {
			return nil, fmt.Errorf("bulletin chart: %w", err)
		}
		h := chartWidthMM * float64(chart.Height(len(bars))) / chart.Width
		d.Image(png, chartWidthMM, math.Round(h*10)/10, "各督办组销号率："+groupRates(b))
		d.Add(docx.Para{Runs: []docx.Run{{Text: "图1　各督办组销号率", Font: docx.FontBody, Size: docx.Size4}}, Align: docx.Center, Exact: true})
	}

	d.Heading1("二、各督办组推进情况")
	rows := make([][]string, len(b.Groups))
	for i, g := range b.Groups {
		rows[i] = []string{g.Name, fmt.Sprint(g.Units), fmt.Sprint(g.Total), fmt.Sprint(g.Verified), percent(g.Verified, g.Total),
			fmt.Sprint(g.Reported), fmt.Sprint(g.Overdue), fmt.Sprint(g.Cleared)}
	}
	d.Table([]int{5, 3, 3, 3, 4, 3, 3, 4}, []string{"督办组", "单位", "任务", "已销号", "销号率", "待销号", "逾期", "见底清零"}, rows)

	d.Heading1("三、见底清零单位")
	if len(b.Cleared) == 0 {
		d.Body("暂无见底清零单位。")
	} else {
		d.Body(fmt.Sprintf("以下%d个单位任务全部销号，实现见底清零：%s。", len(b.Cleared), names(b.Cleared)))
	}

	red := 0
	for _, r := range b.Red {
		red += len(r.Tasks)
	}
	d.Heading1("四、逾期未完成任务（红灯）")
	if len(b.Red) == 0 {
		d.Body("暂无逾期未完成任务。")
	} else {
		d.Body(fmt.Sprintf("%d个单位有逾期未完成任务%d项，按逾期时间由长到短排列如下：", len(b.Red), red))
		var rows [][]string
		for i, r := range b.Red {
			for j, t := range r.Tasks {
				no, unit := "", ""
				if j == 0 {
					no, unit = fmt.Sprint(i+1), r.Unit.Name
				}
				rows = append(rows, []string{no, unit, t.TaskID + " " + t.Title, t.Deadline.String(), fmt.Sprint(t.WorkdaysOverdue)})
			}
		}
		d.Table([]int{3, 6, 12, 5, 4}, []string{"序号", "单位", "任务", "完成时限", "逾期工作日"}, rows)
	}

	d.Heading1("五、临近时限任务（黄灯）")
	if len(b.Yellow) == 0 {
		d.Body("暂无临近时限的任务。")
	} else {
		yellow := 0
		for _, y := range b.Yellow {
			yellow += len(y.Tasks)
		}
		d.Body(fmt.Sprintf("%d个单位有%d项任务临近完成时限，请抓紧推进：", len(b.Yellow), yellow))
		var rows [][]string
		for i, y := range b.Yellow {
			for j, t := range y.Tasks {
				no, unit := "", ""
				if j == 0 {
					no, unit = fmt.Sprint(i+1), y.Unit.Name
				}
				rows = append(rows, []string{no, unit, t.TaskID + " " + t.Title, t.Deadline.String()})
			}
		}
		d.Table([]int{3, 6, 15, 5}, []string{"序号", "单位", "任务", "完成时限"}, rows)
	}

	d.Heading1("六、单位排名")
	d.Body("按销号率由高到低排列，销号率相同的按逾期任务由少到多排列。")
	rank := make([][]string, len(b.Ranking))
	for i, r := range b.Ranking {
		rank[i] = []string{fmt.Sprint(i + 1), r.Name, r.Group, fmt.Sprintf("%d/%d", r.Verified, r.Total), percent(r.Verified, r.Total), fmt.Sprint(r.Overdue)}
	}
	d.Table([]int{3, 9, 5, 4, 4, 3}, []string{"名次", "单位", "督办组", "销号/任务", "销号率", "逾期"}, rank)

	d.Blank()
	d.Body(fmt.Sprintf("请有逾期任务的单位对照清单抓紧办理，办结后及时报%s对账销号。", o.short()))
	d.Colophon(strings.Join(o.CC, "，"), o.signer(), chineseDate(b.At))
	return d.Bytes()
}

// changeText says what moved since the previous bulletin, in one paragraph.
func changeText(c remind.Change) string {
	var s strings.Builder
	fmt.Fprintf(&s, "与上期（%s，%s）相比，", c.Since, chineseDate(c.SinceAt))
	switch {
	case c.Rate >= 0.05:
		fmt.Fprintf(&s, "销号率提高%.1f个百分点（新增销号%d项）", c.Rate, c.Verified)
	case c.Rate <= -0.05:
		fmt.Fprintf(&s, "销号率下降%.1f个百分点", -c.Rate)
	default:
		s.WriteString("销号率持平")
	}
	if len(c.NewlyCleared) > 0 {
		fmt.Fprintf(&s, "；新增见底清零单位%d个（%s）", len(c.NewlyCleared), names(c.NewlyCleared))
	} else {
		s.WriteString("；无新增见底清零单位")
	}
	if n := c.NewlyOverdueTasks(); n > 0 {
		// Name the units with most new overdue tasks; the red list has all.
		const named = 5
		var units []string
		for i, l := range c.NewlyOverdue {
			if i == named {
				break
			}
			units = append(units, fmt.Sprintf("%s%d项", l.Unit.Name, len(l.Tasks)))
		}
		more := ""
		if len(c.NewlyOverdue) > named {
			more = fmt.Sprintf("等%d个单位", len(c.NewlyOverdue))
		}
		fmt.Fprintf(&s, "；新增逾期任务%d项（%s%s）", n, strings.Join(units, "、"), more)
	} else {
		s.WriteString("；无新增逾期任务")
	}
	if c.Resolved > 0 {
		fmt.Fprintf(&s, "；上期逾期任务已办结或调整%d项", c.Resolved)
	}
	s.WriteString("。")
	return s.String()
}

func share(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(n) / float64(total)
}

func groupRates(b remind.Bulletin) string {
	s := make([]string, len(b.Groups))
	for i, g := range b.Groups {
		s[i] = fmt.Sprintf("%s %s", g.Name, percent(g.Verified, g.Total))
	}
	return strings.Join(s, "，")
}
