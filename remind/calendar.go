package remind

import (
	"bufio"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/duban-org/duban"
)

// The State Council's holiday schedules shipped with duban (see calendar/README.md).
//
//go:embed calendar/*.txt
var embeddedCalendars embed.FS

type dayKind uint8

const (
	dayOff  dayKind = 1 // a statutory holiday or a weekday moved off
	dayWork dayKind = 2 // a make-up working day (调休上班) on a weekend
)

// CalendarDay is one listed exception to the weekend rule.
type CalendarDay struct {
	Date duban.Date
	Work bool   // true: 调休上班 on a weekend; false: a day off
	Name string // 国庆节, 春节 …
}

// Calendar decides what a working day is: Monday to Friday, except the
// listed days off, plus the listed make-up working days. It is immutable once
// loaded and safe for concurrent use.
type Calendar struct {
	days  map[duban.Date]CalendarDay
	years map[int]bool // years some file lists dates for
}

// NewCalendar returns a calendar built from days, with no file behind it.
// Every year a day falls in counts as covered.
func NewCalendar(days ...CalendarDay) *Calendar {
	c := &Calendar{days: make(map[duban.Date]CalendarDay, len(days)), years: map[int]bool{}}
	for _, d := range days {
		c.days[d.Date] = d
		c.years[year(d.Date)] = true
	}
	return c
}

// DefaultCalendar returns the embedded calendars (2017 and 2026).
func DefaultCalendar() *Calendar {
	c, err := LoadCalendar("")
	if err != nil {
		panic("remind: embedded calendar: " + err.Error()) // a build defect, caught by the tests
	}
	return c
}

// LoadCalendar returns the embedded calendars plus every *.txt file in dir
// (none when dir is ""). A year listed in dir replaces the embedded entries of
// that year, so a corrected schedule needs no rebuild.
func LoadCalendar(dir string) (*Calendar, error) {
	base, err := parseFS(embeddedCalendars, "calendar")
	if err != nil {
		return nil, err
	}
	if dir != "" {
		extra, err := parseFS(os.DirFS(dir), ".")
		if err != nil {
			return nil, fmt.Errorf("calendar_dir %s: %w", dir, err)
		}
		replaced := map[int]bool{}
		for _, d := range extra {
			replaced[year(d.Date)] = true
		}
		base = slices.DeleteFunc(base, func(d CalendarDay) bool { return replaced[year(d.Date)] })
		base = append(base, extra...)
	}
	return NewCalendar(base...), nil
}

// parseFS reads every *.txt file of dir in fsys. A date listed twice, even in
// two files, is an error.
func parseFS(fsys fs.FS, dir string) ([]CalendarDay, error) {
	names, err := fs.Glob(fsys, filepath.ToSlash(filepath.Join(dir, "*.txt")))
	if err != nil {
		return nil, fmt.Errorf("list calendars: %w", err)
	}
	var all []CalendarDay
	seen := map[duban.Date]string{}
	for _, name := range names {
		f, err := fsys.Open(name)
		if err != nil {
			return nil, fmt.Errorf("open calendar: %w", err)
		}
		days, err := ParseCalendar(filepath.Base(name), f)
		f.Close()
		if err != nil {
			return nil, err
		}
		for _, d := range days {
			if prev, dup := seen[d.Date]; dup {
				return nil, fmt.Errorf("%s: %s is also listed in %s", filepath.Base(name), d.Date, prev)
			}
			seen[d.Date] = filepath.Base(name)
		}
		all = append(all, days...)
	}
	return all, nil
}

// ParseCalendar reads one calendar file (format in calendar/README.md):
//
//	off  2026-10-01 国庆节
//	work 2026-10-10 国庆节   # 调休上班
//
// Errors name the file and line.
func ParseCalendar(name string, r io.Reader) ([]CalendarDay, error) {
	var days []CalendarDay
	lineOf := map[duban.Date]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("%s:%d: want \"off|work YYYY-MM-DD name\", got %q", name, n, strings.TrimSpace(line))
		}
		var d CalendarDay
		switch fields[0] {
		case "off":
		case "work":
			d.Work = true
		default:
			return nil, fmt.Errorf("%s:%d: unknown kind %q (want off or work)", name, n, fields[0])
		}
		t, err := time.Parse("2006-01-02", fields[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: bad date %q (want YYYY-MM-DD)", name, n, fields[1])
		}
		d.Date = duban.DateOf(t)
		d.Name = strings.Join(fields[2:], " ")
		if wd := d.Date.Weekday(); d.Work && wd != time.Saturday && wd != time.Sunday {
			return nil, fmt.Errorf("%s:%d: work day %s is a %s, already a working day (work days are weekends)", name, n, d.Date, wd)
		}
		if prev, dup := lineOf[d.Date]; dup {
			return nil, fmt.Errorf("%s:%d: %s already listed on line %d", name, n, d.Date, prev)
		}
		lineOf[d.Date] = n
		days = append(days, d)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: read: %w", name, err)
	}
	return days, nil
}

func year(d duban.Date) int { return d.Time(time.UTC).Year() }

// IsWorkday reports whether d is a working day.
func (c *Calendar) IsWorkday(d duban.Date) bool {
	if x, ok := c.days[d]; ok {
		return x.Work
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Day returns the listed exception on d, if any (for "国庆节" in messages).
func (c *Calendar) Day(d duban.Date) (CalendarDay, bool) {
	x, ok := c.days[d]
	return x, ok
}

// Covers reports whether a calendar file lists dates for year y. In a year
// not covered, only weekends are rest days.
func (c *Calendar) Covers(y int) bool { return c.years[y] }

// PrevWorkday returns the last working day strictly before d.
func (c *Calendar) PrevWorkday(d duban.Date) duban.Date {
	return c.WorkdayOnOrBefore(d - 1)
}

// WorkdayOnOrBefore returns d when it is a working day, else the last working
// day before it. Reminder days that fall on rest days move here.
func (c *Calendar) WorkdayOnOrBefore(d duban.Date) duban.Date {
	// Terminates: only finitely many days are listed, so some weekday is free.
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
	// Whole weeks hold five weekdays each; the listed days then adjust.
	n := span / 7 * 5
	for d := from + duban.Date(span/7*7) + 1; d <= to; d++ {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	for d, x := range c.days {
		if d > from && d <= to {
			wd := d.Weekday()
			weekend := wd == time.Saturday || wd == time.Sunday
			switch {
			case x.Work && weekend:
				n++
			case !x.Work && !weekend:
				n--
			}
		}
	}
	return n
}
