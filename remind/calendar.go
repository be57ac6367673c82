package remind

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/duban-org/duban"
)

// Source says where a year's rest days and make-up working days come from.
// A year takes its days whole from the first source that has it, in this
// order: a file of [remind] calendar_dir, an imported notice, the library,
// the computed fallback.
type Source string

const (
	// SourceFile is a schedule file of [remind] calendar_dir.
	SourceFile Source = "file"
	// SourceNotice is a State Council notice imported by 编办 (duban
	// calendar import).
	SourceNotice Source = "notice"
	// SourceLibrary is the State Council's published schedule as carried by
	// github.com/6tail/lunar-go.
	SourceLibrary Source = "library"
	// SourceComputed is the fallback for a year no published schedule
	// covers: the statutory holidays only, computed from the lunar calendar;
	// the make-up working days (调休) and moved days off are unknown.
	SourceComputed Source = "computed"
)

// Official reports whether s is a published schedule rather than a
// computation.
func (s Source) Official() bool { return s != SourceComputed }

// Label is the source as 编办 reads it.
func (s Source) Label() string {
	switch s {
	case SourceFile:
		return "calendar_dir 中的日历文件"
	case SourceNotice:
		return "导入的国务院办公厅通知"
	case SourceLibrary:
		return "内置的国务院办公厅放假安排"
	default:
		return "按《全国年节及纪念日放假办法》推算"
	}
}

// CalendarDay is one exception to the weekend rule.
type CalendarDay struct {
	Date duban.Date
	Work bool   // true: 调休上班 on a weekend; false: a day off
	Name string // 国庆节, 春节 …
	// Source is where the day comes from (set by the Calendar).
	Source Source
}

// Calendar decides what a working day is: Monday to Friday, except the days
// off of the year's schedule, plus its make-up working days. It is safe for
// concurrent use; a computed year is worked out on first use and kept.
//
// A schedule belongs to one year but may reach into the last days of the
// year before (元旦 make-up days, such as 2018-12-29 for 2019): on a date
// both list, the later year's schedule wins.
type Calendar struct {
	schedules map[int]*schedule // published: files, notices or the library
	computed  sync.Map          // int → *schedule, the fallback
}

// schedule is one year's exceptions to the weekend rule, from one source.
type schedule struct {
	source Source
	days   map[duban.Date]CalendarDay
}

func newSchedule(source Source, days []CalendarDay) *schedule {
	s := &schedule{source: source, days: make(map[duban.Date]CalendarDay, len(days))}
	for _, d := range days {
		d.Source = source
		s.days[d.Date] = d
	}
	return s
}

// NewCalendar returns a calendar whose schedules are days, as if read from
// files (see LoadCalendar); every other year is computed.
func NewCalendar(days ...CalendarDay) *Calendar {
	c := &Calendar{schedules: map[int]*schedule{}}
	c.add(SourceFile, bySchedule(days))
	return c
}

// add puts each year's schedule in place of whatever the year had.
func (c *Calendar) add(source Source, years map[int][]CalendarDay) {
	for y, days := range years {
		c.schedules[y] = newSchedule(source, days)
	}
}

// bySchedule groups listed days by the year of the schedule they belong to:
// their own, except that a December day named 元旦 belongs to the next
// year's (2018-12-29, 调休 for 元旦 2019, was in the 2019 notice).
func bySchedule(days []CalendarDay) map[int][]CalendarDay {
	years := map[int][]CalendarDay{}
	for _, d := range days {
		y := year(d.Date)
		if d.Date >= jan1(y+1)-31 && strings.Contains(d.Name, "元旦") {
			y++
		}
		years[y] = append(years[y], d)
	}
	return years
}

// DefaultCalendar returns the State Council's published schedules as the
// library carries them, with every other year computed.
func DefaultCalendar() *Calendar {
	c := &Calendar{schedules: map[int]*schedule{}}
	c.add(SourceLibrary, libraryYears())
	return c
}

// LoadCalendar returns DefaultCalendar with the imported notices laid over
// it, then the *.txt files of dir (none when dir is ""): a year a notice or
// the files list dates for takes its days from them alone, so a newly
// published or corrected schedule needs no upgrade.
func LoadCalendar(dir string, notices ...HolidayNotice) (*Calendar, error) {
	c := DefaultCalendar()
	for _, n := range notices {
		c.add(SourceNotice, map[int][]CalendarDay{n.Year: n.Days})
	}
	if dir == "" {
		return c, nil
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("calendar_dir: %w", err)
	}
	days, err := parseFS(os.DirFS(dir), ".")
	if err != nil {
		return nil, fmt.Errorf("calendar_dir %s: %w", dir, err)
	}
	c.add(SourceFile, bySchedule(days))
	return c, nil
}

func year(d duban.Date) int { return d.Time(time.UTC).Year() }

// of returns year y's schedule, computing it when none is published.
func (c *Calendar) of(y int) *schedule {
	if s, ok := c.schedules[y]; ok {
		return s
	}
	if s, ok := c.computed.Load(y); ok {
		return s.(*schedule)
	}
	s, _ := c.computed.LoadOrStore(y, newSchedule(SourceComputed, StatutoryHolidays(y)))
	return s.(*schedule)
}

// Day returns the exception to the weekend rule on d, if any (for "国庆节"
// in messages).
func (c *Calendar) Day(d duban.Date) (CalendarDay, bool) {
	y := year(d)
	if x, ok := c.of(y + 1).days[d]; ok {
		return x, true
	}
	x, ok := c.of(y).days[d]
	return x, ok
}

// IsWorkday reports whether d is a working day.
func (c *Calendar) IsWorkday(d duban.Date) bool {
	if x, ok := c.Day(d); ok {
		return x.Work
	}
	return !weekend(d)
}

func weekend(d duban.Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// Source returns where year y's schedule comes from.
func (c *Calendar) Source(y int) Source { return c.of(y).source }

// Official reports whether year y follows a published schedule; in a year
// that does not, only the statutory holidays are rest days and the make-up
// working days are unknown.
func (c *Calendar) Official(y int) bool { return c.Source(y).Official() }

// Days returns the exceptions to the weekend rule dated in year y, in date
// order, each with its source.
func (c *Calendar) Days(y int) []CalendarDay {
	var out []CalendarDay
	c.eachDay(jan1(y), jan1(y+1)-1, func(x CalendarDay) { out = append(out, x) })
	slices.SortFunc(out, func(a, b CalendarDay) int { return int(a.Date - b.Date) })
	return out
}

// eachDay calls fn with every exception to the weekend rule in [from, to],
// in no order.
func (c *Calendar) eachDay(from, to duban.Date, fn func(CalendarDay)) {
	for y := year(from); y <= year(to)+1; y++ {
		start, next := jan1(y), jan1(y+1)
		s := c.of(y)
		var later *schedule // the next year's, which wins on dates both list
		for d, x := range s.days {
			if d < from || d > to {
				continue
			}
			switch {
			case d >= start && d < next:
				if later == nil {
					later = c.of(y + 1)
				}
				if _, ok := later.days[d]; ok {
					continue
				}
			case d >= jan1(y-1) && d < start:
			default:
				continue // a stray date no lookup reaches
			}
			fn(x)
		}
	}
}

func jan1(y int) duban.Date { return duban.NewDate(y, time.January, 1) }

// PrevWorkday returns the last working day strictly before d.
func (c *Calendar) PrevWorkday(d duban.Date) duban.Date {
	return c.WorkdayOnOrBefore(d - 1)
}

// WorkdayOnOrBefore returns d when it is a working day, else the last working
// day before it. Reminder days that fall on rest days move here.
func (c *Calendar) WorkdayOnOrBefore(d duban.Date) duban.Date {
	// Terminates: a year has finitely many days off, so some weekday is free.
	for !c.IsWorkday(d) {
		d--
	}
	return d
}

// WorkdaysBetween counts the working days in (from, to]: the days after from
// up to and including to. It is 0 when to <= from. For an overdue task it is
// the number of working days it has been overdue on day to.
func (c *Calendar) WorkdaysBetween(from, to duban.Date) int {
	if to <= from {
		return 0
	}
	span := int(to - from)
	// Whole weeks hold five weekdays each; each year's exceptions then adjust.
	n := span / 7 * 5
	for d := from + duban.Date(span/7*7) + 1; d <= to; d++ {
		if !weekend(d) {
			n++
		}
	}
	c.eachDay(from+1, to, func(x CalendarDay) {
		switch we := weekend(x.Date); {
		case x.Work && we:
			n++
		case !x.Work && !we:
			n--
		}
	})
	return n
}
