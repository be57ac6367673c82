package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/remind/remindstore"
)

func init() {
	commands["calendar"] = command{"calendar show [年份]：显示一年的放假日、调休上班日及其来源；calendar import [--yes] 文件|-：导入国务院办公厅放假安排通知", runCalendar}
}

func runCalendar(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "show":
			return runCalendarShow(ctx, e, args[1:])
		case "import":
			return runCalendarImport(ctx, e, args[1:])
		}
	}
	fs, _ := flags(e, "calendar", "show [YEAR] | import [--yes] FILE|-")
	fs.Usage()
	if len(args) > 0 && isHelpFlag(args[0]) {
		return flag.ErrHelp // duban help calendar
	}
	return errUsage
}

func runCalendarShow(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "calendar", "show [YEAR]")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return errUsage
	}
	a, err := openApp(ctx, e, *cfgPath)
	if err != nil {
		return err
	}
	defer a.Close()
	y := a.now().In(a.loc).Year()
	if fs.NArg() == 1 {
		if y, err = strconv.Atoi(fs.Arg(0)); err != nil || y < 1950 || y > 2199 {
			return fmt.Errorf("年份 %q 无法识别（应为 1950 至 2199 之间的年份，如 2027）", fs.Arg(0))
		}
	}
	cal, err := a.calendar(ctx)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(e.stdout)
	src := cal.Source(y)
	fmt.Fprintf(w, "%d年放假安排：%s\n", y, src.Label())
	if !src.Official() {
		fmt.Fprintln(w, remind.CalendarCaveat([]int{y}))
	}
	writeDays(w, cal.Days(y), src)
	return w.Flush()
}

// writeDays prints days one a line, naming the source of a day that has
// another than src, and counts them.
func writeDays(w io.Writer, days []remind.CalendarDay, src remind.Source) {
	fmt.Fprintln(w)
	off, work := 0, 0
	for _, d := range days {
		kind := "休息"
		if d.Work {
			kind = "上班"
			work++
		} else {
			off++
		}
		fmt.Fprintf(w, "%s %s %s %s", d.Date, weekdays[d.Date.Weekday()], kind, d.Name)
		if d.Work {
			fmt.Fprint(w, "调休")
		}
		if d.Source != src {
			fmt.Fprintf(w, "（来源：%s）", d.Source.Label())
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\n共 %d 天休息、%d 个调休上班日；其余周一至周五上班，周六、周日休息。\n", off, work)
}

var weekdays = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// runCalendarImport reads a State Council notice, shows the days it
// understood and, once confirmed, stores them. Nothing is stored unless the
// whole notice reads.
func runCalendarImport(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "calendar", "import [--yes] FILE|-")
	yes := fs.Bool("yes", false, "不再询问，直接保存")
	if err := parseOne(fs, args); err != nil {
		return err
	}
	name := fs.Arg(0)
	text, err := readNotice(e, name)
	if err != nil {
		return err
	}
	n, err := remind.ParseHolidayNotice(text)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if name == "-" && !*yes {
		return errors.New("从标准输入读取通知时，请加 --yes 确认导入")
	}
	a, err := openApp(ctx, e, *cfgPath)
	if err != nil {
		return err
	}
	defer a.Close()

	days := slices.Clone(n.Days)
	slices.SortFunc(days, func(x, y remind.CalendarDay) int { return int(x.Date - y.Date) })
	for i := range days {
		days[i].Source = remind.SourceNotice
	}
	w := bufio.NewWriter(e.stdout)
	fmt.Fprintf(w, "从通知读到%d年放假安排：\n", n.Year)
	writeDays(w, days, remind.SourceNotice)
	cal, err := a.calendar(ctx)
	if err != nil {
		return err
	}
	switch cal.Source(n.Year) {
	case remind.SourceNotice:
		fmt.Fprintf(w, "将替换此前导入的%d年通知。\n", n.Year)
	case remind.SourceFile:
		fmt.Fprintf(w, "注意：calendar_dir 中有%d年的日历文件，它优先于导入的通知；导入后仍以该文件为准。\n", n.Year)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if !*yes && !confirm(e, fmt.Sprintf("确认导入%d年放假安排？输入 y 确认：", n.Year)) {
		fmt.Fprintln(e.stdout, "未导入。")
		return errDeclined
	}
	if err := remindstore.SaveHolidayNotice(ctx, a.st, n, text, "cli", a.now()); err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "已导入%d年放假安排；duban serve 下次启动时使用（`duban calendar show %d` 可查看）。\n", n.Year, n.Year)
	return err
}

// readNotice reads the notice's text from file name, or standard input
// for "-".
func readNotice(e *env, name string) (string, error) {
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
		name = filepath.Base(name)
	}
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	return string(b), nil
}

// confirm asks question on stdout and reads a yes from stdin.
func confirm(e *env, question string) bool {
	fmt.Fprint(e.stdout, question)
	sc := bufio.NewScanner(e.stdin)
	if !sc.Scan() {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(sc.Text())) {
	case "y", "yes", "是", "确认", "好":
		return true
	}
	return false
}
