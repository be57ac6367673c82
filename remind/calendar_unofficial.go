package remind

// Saying so where it matters when a year's schedule is not published: in the
// output of a pass and in the bulletin (CalendarCaveat), and once to 编办 in
// chat from December before such a year (the calendar notice).

import (
	"fmt"
	"strings"

	"github.com/duban-org/duban"
)

// StageCalendar is the notice telling 编办 that a year's holiday schedule
// is not published yet. Its key names no task, the person and 1月1日 of the
// year, so the notice ledger sends it once per year and person.
const StageCalendar Stage = "calendar"

// calendarLead is how many days before a year starts 编办 is told that its
// schedule is missing: from 1 December.
const calendarLead = 31

// Unofficial returns the years from today's to that of the day calendarLead
// days on that follow no published schedule: the years whose working days
// are, or are about to be, a computation.
func (c *Calendar) Unofficial(today duban.Date) []int {
	var out []int
	for y := year(today); y <= year(today.AddDays(calendarLead)); y++ {
		if !c.Official(y) {
			out = append(out, y)
		}
	}
	return out
}

// CalendarCaveat is the line a person reads in the output of a pass or in a
// bulletin when years follow no published schedule ("" when none).
func CalendarCaveat(years []int) string {
	if len(years) == 0 {
		return ""
	}
	return "注意：" + yearList(years) + "放假安排尚未发布，工作日暂按《全国年节及纪念日放假办法》推算：法定节假日计为休息日，调休上班日和补假未知。"
}

func yearList(years []int) string {
	s := make([]string, len(years))
	for i, y := range years {
		s[i] = fmt.Sprintf("%d年", y)
	}
	return strings.Join(s, "、")
}

// calendarNotices returns a calendar notice to every 编办 member for each
// year of cal.Unofficial(today).
func calendarNotices(l duban.Ledger, cal *Calendar, today duban.Date) []Notice {
	years := cal.Unofficial(today)
	if len(years) == 0 {
		return nil
	}
	admins := indexPeople(l.People).admins
	var out []Notice
	for _, y := range years {
		for _, to := range admins {
			out = append(out, Notice{Stage: StageCalendar, To: to, Deadline: jan1(y), Role: duban.RoleAdmin,
				Subject: &Subject{Today: today}})
		}
	}
	return out
}

// calendarMessage is the chat message carrying calendar notice n.
func calendarMessage(n Notice) duban.Outgoing {
	y := year(n.Deadline)
	var s strings.Builder
	fmt.Fprintf(&s, "%d年放假安排尚未发布。在国务院办公厅公布之前，督办提醒暂按《全国年节及纪念日放假办法》推算%d年的法定节假日，这些日子不发提醒：\n", y, y)
	for _, h := range Statutory(y) {
		s.WriteString(h.String() + "\n")
	}
	s.WriteString("调休上班日和补假无法推算：除上述节日外，暂按周一至周五上班、周六周日休息。通知公布后，用 duban calendar import 导入通知全文，或升级 duban（内置的放假安排随之更新）。")
	return duban.Outgoing{To: n.To, Text: s.String(), NoticeKeys: []string{n.Key()}}
}
