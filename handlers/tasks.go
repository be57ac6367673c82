package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// listTasks shows the sender's tasks: a unit's list for its people, the
// group's open tasks for a leader, a summary for 编办. unitCode (a code,
// a name or a unique word of one) narrows it to one unit.
func (h *Handler) listTasks(ctx context.Context, t *turn, unitCode string) error {
	p := t.person
	if unitCode != "" {
		units, err := h.Store.Units(ctx)
		if err != nil {
			return err
		}
		u, err := duban.FindUnit(units, unitCode)
		if duban.ErrorCode(err) == duban.ENOTFOUND && (p.IsAdmin() || len(p.Groups()) > 0) {
			// 任务 第一督办组: a group its leader (or 编办) may list.
			if g, gerr := duban.FindGroup(duban.Ledger{Units: units}.Groups(), unitCode); gerr == nil {
				if !p.IsAdmin() && !slices.Contains(p.Groups(), g) {
					return duban.Errorf(duban.EFORBIDDEN, "您无权查看%s的任务。", g)
				}
				return h.listGroup(ctx, t, g)
			}
		}
		if duban.ErrorCode(err) == duban.ENOTFOUND && isTaskID(unitCode) {
			if _, terr := h.resolve(ctx, p, unitCode); terr == nil {
				return h.record(ctx, t, unitCode) // 任务 T003: that task
			}
		}
		if err != nil {
			return err
		}
		if !p.CanSee(u) {
			return duban.Errorf(duban.EFORBIDDEN, "您无权查看%s的任务。", u.Name)
		}
		return h.listUnit(ctx, t, u)
	}
	if p.IsAdmin() {
		return h.summary(ctx, t)
	}
	for _, code := range p.Units() {
		u, err := h.Store.Unit(ctx, code)
		if err != nil {
			return err
		}
		if err := h.listUnit(ctx, t, u); err != nil {
			return err
		}
	}
	for _, g := range p.Groups() {
		if err := h.listGroup(ctx, t, g); err != nil {
			return err
		}
	}
	if len(p.Units()) == 0 && len(p.Groups()) == 0 {
		t.reply("您目前没有负责的任务。")
	}
	return nil
}

func (h *Handler) line(t *turn, task duban.Task) string {
	light := task.Light(t.today, h.WarnDays)
	s := fmt.Sprintf("【%s】%s %s｜时限 %s｜%s", light, task.ID, task.Title, task.Deadline, task.Status)
	if n := task.DaysOverdue(t.today); n > 0 {
		s += "｜" + h.overdue(task, t.today)
	}
	if task.Extension != nil {
		s += "｜延期待批（至 " + task.Extension.Deadline.String() + "）"
	}
	return s
}

func (h *Handler) listUnit(ctx context.Context, t *turn, u duban.Unit) error {
	tasks, err := h.Store.Tasks(ctx, store.TaskFilter{Unit: u.Code})
	if err != nil {
		return err
	}
	closed := 0
	for _, task := range tasks {
		if task.Status == duban.StatusVerified {
			closed++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s（%s）任务清单：共 %d 项，已销号 %d 项", u.Name, u.Group, len(tasks), closed)
	if closed == len(tasks) && len(tasks) > 0 {
		b.WriteString("，已见底清零")
	}
	for _, task := range tasks {
		b.WriteString("\n" + h.line(t, task))
	}
	if closed < len(tasks) {
		b.WriteString("\n报送：完成 编号 说明｜进展 编号 说明｜延期 编号 新时限 理由")
	}
	t.reply(b.String())
	return nil
}

// listGroup shows a group's unfinished tasks, red first, and what waits for
// the leader's 销号.
func (h *Handler) listGroup(ctx context.Context, t *turn, group string) error {
	tasks, err := h.Store.Tasks(ctx, store.TaskFilter{Group: group})
	if err != nil {
		return err
	}
	units, err := h.Store.Units(ctx)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, u := range units {
		names[u.Code] = u.Name
	}
	var open []duban.Task
	closed, waiting := 0, 0
	for _, task := range tasks {
		switch {
		case task.Status == duban.StatusVerified:
			closed++
		default:
			if task.Status == duban.StatusReported || task.Extension != nil {
				waiting++
			}
			open = append(open, task)
		}
	}
	rank := map[duban.Light]int{duban.Red: 0, duban.Yellow: 1, duban.Green: 2}
	slices.SortStableFunc(open, func(a, b duban.Task) int {
		// What waits for the leader first, then red, yellow, green.
		wa, wb := a.Status == duban.StatusReported || a.Extension != nil, b.Status == duban.StatusReported || b.Extension != nil
		if wa != wb {
			if wa {
				return -1
			}
			return 1
		}
		return rank[a.Light(t.today, h.WarnDays)] - rank[b.Light(t.today, h.WarnDays)]
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%s：共 %d 项任务，已销号 %d 项，待您处理 %d 项", group, len(tasks), closed, waiting)
	const max = 30
	for i, task := range open {
		if i == max {
			fmt.Fprintf(&b, "\n……另有 %d 项未列出，发送「任务 单位编码」查看某个单位。", len(open)-max)
			break
		}
		b.WriteString("\n" + h.line(t, task) + "｜" + names[task.Unit])
	}
	t.reply(b.String())
	return nil
}

// summary is 编办's overview: per group completion and the worst overdue.
func (h *Handler) summary(ctx context.Context, t *turn) error {
	l, err := h.Store.Snapshot(ctx)
	if err != nil {
		return err
	}
	groupOf := map[string]string{}
	names := map[string]string{}
	for _, u := range l.Units {
		groupOf[u.Code], names[u.Code] = u.Group, u.Name
	}
	type count struct{ total, closed, reported, red int }
	counts := map[string]*count{}
	var all count
	var red []duban.Task
	for _, task := range l.Tasks {
		c := counts[groupOf[task.Unit]]
		if c == nil {
			c = &count{}
			counts[groupOf[task.Unit]] = c
		}
		for _, c := range []*count{c, &all} {
			c.total++
			switch {
			case task.Status == duban.StatusVerified:
				c.closed++
			case task.Status == duban.StatusReported:
				c.reported++
			case task.Overdue(t.today):
				c.red++
			}
		}
		if task.Overdue(t.today) {
			red = append(red, task)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "全部 %d 个单位、%d 项任务：已销号 %d，待销号 %d，逾期 %d。", len(l.Units), all.total, all.closed, all.reported, all.red)
	for _, g := range l.Groups() {
		c := counts[g]
		if c == nil {
			c = &count{}
		}
		fmt.Fprintf(&b, "\n%s：已销号 %d/%d，待销号 %d，逾期 %d", g, c.closed, c.total, c.reported, c.red)
	}
	if len(red) > 0 {
		slices.SortStableFunc(red, func(a, b duban.Task) int { return int(a.Deadline - b.Deadline) })
		b.WriteString("\n逾期最久：")
		for i, task := range red {
			if i == 10 {
				fmt.Fprintf(&b, "\n……共 %d 项逾期", len(red))
				break
			}
			b.WriteString("\n" + h.line(t, task) + "｜" + names[task.Unit])
		}
	}
	b.WriteString("\n发送「任务 单位编码」查看某个单位。")
	t.reply(b.String())
	return nil
}

// overdue says how long a task is overdue, one way everywhere: working
// days, with calendar days in brackets when they differ.
func (h *Handler) overdue(task duban.Task, today duban.Date) string {
	days := task.DaysOverdue(today)
	if h.WorkdaysBetween == nil {
		return fmt.Sprintf("逾期%d天", days)
	}
	if w := h.WorkdaysBetween(task.Deadline, today); w != days {
		return fmt.Sprintf("逾期%d个工作日（%d天）", w, days)
	}
	return fmt.Sprintf("逾期%d个工作日", days)
}
