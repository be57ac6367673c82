package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

func init() {
	commands["tasks"] = command{"list tasks with id, unit, title, deadline, state and light", runTasks}
}

func runTasks(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "tasks", "")
	unit := fs.String("unit", "", "only this unit: its code in any case, its name, or a unique word of its name")
	group := fs.String("group", "", "only this supervision group (督办组), or a unique part of its name")
	state := fs.String("state", "", "only this state: 未启动, 推进中, 已报完成, 已销号, or 逾期 for overdue")
	nowFlag := fs.String("now", "", "judge lights at this instant instead of now (2006-01-02 15:04)")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, e, *cfgPath)
	if err != nil {
		return err
	}
	defer a.Close()
	now, err := a.at(*nowFlag)
	if err != nil {
		return err
	}
	today := duban.DateOf(now)
	l, err := a.st.Snapshot(ctx)
	if err != nil {
		return err
	}
	// An unknown unit or group is a mistake to say, never "0 项任务".
	f := store.TaskFilter{}
	if *unit != "" {
		u, err := duban.FindUnit(l.Units, *unit)
		if err != nil {
			return fmt.Errorf("--unit: %s", duban.ErrorMessage(err))
		}
		f.Unit = u.Code
	}
	if *group != "" {
		g, err := duban.FindGroup(l.Groups(), *group)
		if err != nil {
			return fmt.Errorf("--group: %s", duban.ErrorMessage(err))
		}
		f.Group = g
	}
	overdueOnly := *state == "逾期" || *state == "overdue"
	if *state != "" && !overdueOnly {
		s, ok := duban.ParseStatus(*state)
		if !ok {
			return fmt.Errorf("--state %q: use 未启动, 推进中, 已报完成, 已销号 or 逾期", *state)
		}
		f.Status = s
	}
	tasks, err := a.st.Tasks(ctx, f)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, u := range l.Units {
		names[u.Code] = u.Name
	}
	cal, err := a.calendar(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "编号\t单位\t任务事项\t完成时限\t状态\t灯\t延期申请")
	n := 0
	for _, t := range tasks {
		if overdueOnly && !t.Overdue(today) {
			continue
		}
		n++
		light := string(t.Light(today, a.remind.WarnDays))
		if d := t.DaysOverdue(today); d > 0 {
			light += " " + overdueText(cal.WorkdaysBetween(t.Deadline, today), d)
		}
		ext := ""
		if t.Extension != nil {
			ext = "待批：延至 " + t.Extension.Deadline.String()
		}
		fmt.Fprintf(w, "%s\t%s %s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Unit, names[t.Unit], t.Title, t.Deadline, t.Status, light, ext)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d 项任务\n", n)
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
