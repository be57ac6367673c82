package main

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/duban-org/duban/remind"
)

func init() {
	commands["calendar"] = command{"calendar show [YEAR]: a year's rest days and make-up working days, and where they come from", runCalendar}
}

func runCalendar(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "calendar", "show [YEAR]")
	if len(args) == 0 || args[0] != "show" {
		fs.Usage()
		return errUsage
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return errUsage
	}
	_, rp, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	y := time.Now().In(rp.Location()).Year()
	if fs.NArg() == 1 {
		if y, err = strconv.Atoi(fs.Arg(0)); err != nil || y < 1950 || y > 2199 {
			return fmt.Errorf("年份 %q 无法识别（应为 1950 至 2199 之间的年份，如 2027）", fs.Arg(0))
		}
	}
	cal, err := remind.LoadCalendar(rp.CalendarDir)
	if err != nil {
		return err
	}
	return writeCalendar(e, cal, y)
}

// writeCalendar prints year y's days off and make-up working days, one a
// line, naming the source of a day that has another than the year.
func writeCalendar(e *env, cal *remind.Calendar, y int) error {
	src := cal.Source(y)
	w := bufio.NewWriter(e.stdout)
	fmt.Fprintf(w, "%d年放假安排：%s\n", y, src.Label())
	if !src.Official() {
		fmt.Fprintln(w, remind.CalendarCaveat([]int{y}))
	}
	w.WriteString("\n")
	off, work := 0, 0
	for _, d := range cal.Days(y) {
		kind := "休息"
		if d.Work {
			kind = "上班"
			work++
		} else {
			off++
		}
		fmt.Fprintf(w, "%s %s %s %s", d.Date, weekdays[d.Date.Weekday()], kind, d.Name)
		if d.Work {
			w.WriteString("调休")
		}
		if d.Source != src {
			fmt.Fprintf(w, "（来源：%s）", d.Source.Label())
		}
		w.WriteString("\n")
	}
	fmt.Fprintf(w, "\n共 %d 天休息、%d 个调休上班日；其余周一至周五上班，周六、周日休息。\n", off, work)
	return w.Flush()
}

var weekdays = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}
