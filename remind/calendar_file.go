package remind

// Schedule files, the format of [remind] calendar_dir (docs/calendar.md):
//
//	off  2026-10-01 国庆节
//	work 2026-10-10 国庆节   # 调休上班

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/duban-org/duban"
)

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

// ParseCalendar reads one schedule file (format in docs/calendar.md):
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
