package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

func (h *Handler) greeting(t *turn) string {
	if !t.known {
		return notRegistered(t.in.From)
	}
	name := t.person.Name
	if name == "" {
		name = t.person.UserID
	}
	return fmt.Sprintf("%s，您好！我是改革督办助手。发送「任务」查看任务清单，「帮助」查看全部用法。", name)
}

// help lists what the sender can say, by their posts.
func (h *Handler) help(t *turn) string {
	var b strings.Builder
	b.WriteString("可以这样对我说：\n")
	if t.known {
		b.WriteString("任务 —— 查看任务清单（编号、时限、状态、红黄绿灯）\n")
	}
	p := t.person
	if p.IsAdmin() || len(p.Units()) > 0 {
		b.WriteString("完成 T012 说明 —— 报告任务已完成，待督办组销号\n")
		b.WriteString("进展 T012 说明 —— 报告进展\n")
		b.WriteString("延期 T012 2018-01-15 理由 —— 申请延期\n")
		b.WriteString("收到 —— 确认收到提醒\n")
	}
	if p.IsAdmin() || len(p.Groups()) > 0 {
		b.WriteString("销号 T012 —— 对账无误，销号\n")
		b.WriteString("驳回 T012 理由 —— 退回单位补充\n")
		b.WriteString("同意延期 T012 / 不同意延期 T012 理由 —— 审批延期申请\n")
		b.WriteString("通报 —— 发布工作通报\n")
	}
	if t.known {
		b.WriteString("撤销 —— 撤销自己最近一次变更\n")
		b.WriteString("记录 T012 —— 查看任务的变更和催办记录\n")
		b.WriteString("任务编号也可以用任务名称中的词代替，如：完成 改革方案 已报编办\n")
	}
	b.WriteString("其他问题直接发给我，我从改革文件中查找答案，例如：每个科室最少要有几个人？")
	if h.Interpreter != nil && t.known {
		b.WriteString("\n也可以直接用自己的话说进展，我理解后请您确认。")
	}
	return b.String()
}

// listTasks shows the sender's tasks: a unit's list for its people, the
// group's open tasks for a leader, a summary for 编办. unitCode narrows it.
func (h *Handler) listTasks(ctx context.Context, t *turn, unitCode string) error {
	p := t.person
	if unitCode != "" {
		u, err := h.Store.Unit(ctx, strings.ToUpper(unitCode))
		if errors.Is(err, store.ErrNotFound) {
			u, err = h.Store.Unit(ctx, unitCode)
		}
		if errors.Is(err, store.ErrNotFound) {
			return duban.Errorf(duban.ENOTFOUND, "没有编码为 %s 的单位。", unitCode)
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
		s += fmt.Sprintf("｜逾期 %d 天", n)
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

// freeText handles a message that is not a command: the LLM may read it as
// a report or a question; without one (or when it fails) it is a policy
// question.
func (h *Handler) freeText(ctx context.Context, t *turn, text string) error {
	if h.Interpreter != nil && t.known {
		done, err := h.interpret(ctx, t, text)
		if done || err != nil {
			return err
		}
	}
	return h.ask(ctx, t, text, true)
}

// ask answers a policy question. fromFreeText adds a hint about commands
// when the documents do not cover it, since the sender may have meant one.
func (h *Handler) ask(ctx context.Context, t *turn, question string, fromFreeText bool) error {
	if h.Policy == nil {
		t.reply("没有理解您的意思。发送「帮助」查看可以怎么说。")
		return nil
	}
	text, declined, err := h.Policy.AnswerText(ctx, question)
	if err != nil {
		return err
	}
	if declined && fromFreeText {
		text += "\n如果您是想报送任务进展，请用：完成 T012 说明；发送「帮助」查看全部用法。"
	}
	t.reply(text)
	return nil
}
