package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

func init() {
	commands["tasks"] = command{"列出任务：编号、单位、任务事项、完成时限、状态、红黄绿灯和待审批的延期申请", runTasks}
}

// errPageFull stops the walk once a page is shown and the total is known.
var errPageFull = errors.New("page full")

// tasksBlock is how many rows `duban tasks` aligns and writes at a time.
const tasksBlock = 500

func runTasks(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "tasks", "")
	unit := fs.String("unit", "", "只看这个单位：单位编码（不分大小写）、名称或名称中唯一的词")
	group := fs.String("group", "", "只看这个督办组：名称或名称中唯一的一部分")
	state := fs.String("state", "", "只看这个状态：未启动、推进中、已报完成、已销号，或 逾期")
	nowFlag := fs.String("now", "", "按此时刻判断红黄绿灯（如 2006-01-02 15:04）")
	limit := fs.Int("limit", 0, "最多显示这么多项（0 为全部）；总数照样统计")
	offset := fs.Int("offset", 0, "先跳过这么多项（与 --limit 一起分页）")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *limit < 0 || *offset < 0 {
		return fmt.Errorf("--limit 和 --offset 不能为负数")
	}
	// A bad --state is said before the store is looked for.
	overdueOnly := *state == "逾期" || *state == "overdue"
	status, ok := duban.ParseStatus(*state)
	if *state != "" && !overdueOnly && !ok {
		return fmt.Errorf("--state %q：应为 未启动、推进中、已报完成、已销号 或 逾期", *state)
	}
	a, err := openExisting(ctx, e, *cfgPath)
	if err != nil {
		return err
	}
	defer a.Close()
	now, err := a.at(*nowFlag)
	if err != nil {
		return err
	}
	today := duban.DateOf(now)
	// Every unit is read only to find one by name or a group; a page names
	// the units of its rows alone.
	var units []duban.Unit
	allUnits := func() ([]duban.Unit, error) {
		if units == nil {
			var err error
			units, err = a.st.Units(ctx)
			return units, err
		}
		return units, nil
	}
	// An unknown unit or group is a mistake to say, never "0 项任务".
	f := store.TaskFilter{}
	if *unit != "" {
		u, err := a.st.Unit(ctx, strings.ToUpper(strings.TrimSpace(duban.FoldWidth(*unit))))
		if err != nil {
			all, err := allUnits()
			if err != nil {
				return err
			}
			if u, err = duban.FindUnit(all, *unit); err != nil {
				return fmt.Errorf("--unit: %s", duban.ErrorMessage(err))
			}
		}
		f.Unit = u.Code
	}
	if *group != "" {
		all, err := allUnits()
		if err != nil {
			return err
		}
		g, err := duban.FindGroup(duban.Ledger{Units: all}.Groups(), *group)
		if err != nil {
			return fmt.Errorf("--group: %s", duban.ErrorMessage(err))
		}
		f.Group = g
	}
	if *state != "" && !overdueOnly {
		f.Status = status
	}
	names := map[string]string{}
	nameOf := func(code string) (string, error) {
		if name, ok := names[code]; ok || units != nil {
			return name, nil
		}
		u, err := a.st.Unit(ctx, code)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
		names[code] = u.Name
		return u.Name, nil
	}
	for _, u := range units {
		names[u.Code] = u.Name
	}
	cal, err := a.calendar(ctx)
	if err != nil {
		return err
	}
	// Rows are streamed from the store and written a block at a time
	// (columns line up within a block), so a province's 100,000 tasks are
	// never all in memory. Without 逾期 the store counts the matches from
	// its indexes and passes over those before --offset on them, so a page
	// reads its own rows alone; 逾期 reads tasks up to the first one due
	// today or later (they come by deadline), counting those overdue.
	header := []string{"编号", "单位", "任务事项", "完成时限", "状态", "灯", "延期申请"}
	rows := [][]string{header}
	counted := !overdueOnly
	matched, shown, from := 0, 0, 0
	if counted {
		if matched, err = a.st.CountTasks(ctx, f); err != nil {
			return err
		}
		from = *offset
	}
	seen := from
	err = a.st.EachTaskFrom(ctx, f, from, func(t duban.Task) error {
		if overdueOnly && !t.Overdue(today) {
			if !t.Deadline.IsZero() && t.Deadline >= today {
				return errPageFull // none after it is overdue
			}
			return nil
		}
		seen++
		if *limit > 0 && shown == *limit {
			if counted {
				return errPageFull
			}
			matched = seen
			return nil
		}
		if !counted {
			matched = seen
		}
		if seen <= *offset {
			return nil
		}
		shown++
		light := string(t.Light(today, a.remind.WarnDays))
		if d := t.DaysOverdue(today); d > 0 {
			light += " " + overdueText(cal.WorkdaysBetween(t.Deadline, today), d)
		}
		ext := ""
		if t.Extension != nil {
			ext = "待批：延至 " + t.Extension.Deadline.String()
		}
		name, err := nameOf(t.Unit)
		if err != nil {
			return err
		}
		rows = append(rows, []string{t.ID, t.Unit + " " + name, t.Title, t.Deadline.String(), string(t.Status), light, ext})
		if len(rows) == tasksBlock {
			err := writeTable(e.stdout, rows)
			rows = rows[:0]
			return err
		}
		return nil
	})
	if err != nil && !errors.Is(err, errPageFull) {
		return err
	}
	if err := writeTable(e.stdout, rows); err != nil {
		return err
	}
	if shown == matched {
		fmt.Fprintf(e.stderr, "%d 项任务\n", matched)
	} else {
		fmt.Fprintf(e.stderr, "%d 项任务，显示第 %d–%d 项\n", matched, min(*offset+1, matched), *offset+shown)
	}
	return nil
}

// overdueText is how overdue is said everywhere: working days, with the
// calendar days in brackets when they differ.
func overdueText(workdays, days int) string {
	if workdays == days {
		return fmt.Sprintf("逾期%d个工作日", workdays)
	}
	return fmt.Sprintf("逾期%d个工作日（%d天）", workdays, days)
}

// writeTable writes rows in columns aligned as a terminal shows them: a
// Chinese character takes two columns (text/tabwriter counts it as one).
func writeTable(w io.Writer, rows [][]string) error {
	var widths []int
	for _, r := range rows {
		for i, cell := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], duban.DisplayWidth(cell))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var line strings.Builder
		for i, cell := range r {
			line.WriteString(cell)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-duban.DisplayWidth(cell)+2))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
