package remind

import (
	"fmt"
	"slices"
	"time"

	"github.com/6tail/lunar-go/calendar"

	"github.com/duban-org/duban"
)

// Holiday is one statutory holiday of a year: its name and its days.
type Holiday struct {
	Name string
	From duban.Date
	Days int
}

// String writes the holiday as a notice does: 春节 1月25日至28日.
func (h Holiday) String() string {
	last := h.From.AddDays(h.Days - 1)
	s := h.Name + " " + monthDay(h.From)
	switch {
	case h.Days == 1:
	case last.Time(time.UTC).Month() == h.From.Time(time.UTC).Month():
		s += fmt.Sprintf("至%d日", last.Time(time.UTC).Day())
	default:
		s += "至" + monthDay(last)
	}
	return s
}

func monthDay(d duban.Date) string {
	t := d.Time(time.UTC)
	return fmt.Sprintf("%d月%d日", int(t.Month()), t.Day())
}

// Statutory returns year y's statutory holidays under 《全国年节及纪念日放假
// 办法》 as revised in 2024 (in force from 2025), computed from the lunar
// calendar, in date order: 元旦 1月1日; 春节 4 days, 除夕 to 正月初三; 清明节 on
// the 清明 solar term; 劳动节 5月1日–2日; 端午节 五月初五; 中秋节 八月十五;
// 国庆节 10月1日–3日.
//
// The days a year's notice adds around them (调休上班, 补假, the days off
// that join a holiday to its weekend) are decided each year and cannot be
// computed: this is the fallback for years no published schedule covers.
func Statutory(y int) []Holiday {
	lunar := func(m, d int) duban.Date { return solarDate(calendar.NewLunarFromYmd(y, m, d).GetSolar()) }
	hs := []Holiday{
		{"元旦", duban.NewDate(y, time.January, 1), 1},
		{"春节", lunar(1, 1).AddDays(-1), 4}, // 除夕 is the eve of 正月初一, 腊月廿九 or 三十
		{"清明节", solarDate(calendar.NewLunarFromYmd(y, 1, 1).GetJieQiTable()["清明"]), 1},
		{"劳动节", duban.NewDate(y, time.May, 1), 2},
		{"端午节", lunar(5, 5), 1},
		// 国庆 before 中秋, so a day both share reads 国庆节、中秋节 as in the notices.
		{"国庆节", duban.NewDate(y, time.October, 1), 3},
		{"中秋节", lunar(8, 15), 1},
	}
	slices.SortStableFunc(hs, func(a, b Holiday) int { return int(a.From - b.From) })
	return hs
}

// StatutoryHolidays returns the days off of Statutory(y), each once; a day
// two holidays share (中秋 on 10月1日 in 2031) carries both names.
func StatutoryHolidays(y int) []CalendarDay {
	var days []CalendarDay
	at := map[duban.Date]int{}
	for _, h := range Statutory(y) {
		for i := range h.Days {
			d := h.From.AddDays(i)
			if j, ok := at[d]; ok {
				days[j].Name += "、" + h.Name
				continue
			}
			at[d] = len(days)
			days = append(days, CalendarDay{Date: d, Name: h.Name})
		}
	}
	return days
}

func solarDate(s *calendar.Solar) duban.Date {
	return duban.NewDate(s.GetYear(), time.Month(s.GetMonth()), s.GetDay())
}
