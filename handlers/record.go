package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// record lists a task's history and the notices sent about it (留痕), with
// people as 姓名（角色） and refusals as 未执行：… so they never read like
// decisions.
func (h *Handler) record(ctx context.Context, t *turn, ref string) error {
	task, unit, err := h.visibleTask(ctx, t.person, ref, "查看")
	if err != nil {
		return err
	}
	hist, err := h.Store.History(ctx, task.ID)
	if err != nil {
		return err
	}
	// Only the people the history names, not every person (a province has tens of thousands).
	byID := map[string]duban.Person{}
	looked := map[string]bool{}
	for _, c := range hist {
		id := duban.CanonicalUserID(c.By)
		if looked[id] {
			continue
		}
		looked[id] = true
		p, err := h.Store.Person(ctx, c.By)
		switch {
		case err == nil:
			byID[id] = p
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "任务 %s「%s」（%s）\n当前：%s｜时限 %s\n变更记录：", task.ID, task.Title, unit.Name, task.Status, task.Deadline)
	for _, c := range hist {
		fmt.Fprintf(&b, "\n%s %s", c.At.In(t.now.Location()).Format("2006-01-02 15:04"), historyLine(c, byID, unit))
	}
	if h.Reminders != nil {
		lines, err := h.Reminders.Evidence(ctx, task.ID)
		if err != nil {
			return err
		}
		if len(lines) > 0 {
			b.WriteString("\n催办记录：")
			for _, l := range lines {
				b.WriteString("\n" + l)
			}
		}
	}
	if err := h.recordEvidence(ctx, &b, t, task, byID, unit); err != nil { // evidence.go
		return err
	}
	t.reply(b.String())
	return nil
}

// historyLine is one entry of 记录: who, in words, and what.
func historyLine(c duban.Change, people map[string]duban.Person, u duban.Unit) string {
	switch c.Action {
	case duban.ActImport:
		s := "任务清单导入：" + string(c.ToStatus)
		if !c.ToDeadline.IsZero() {
			s += "，完成时限 " + c.ToDeadline.String()
		}
		return s
	case duban.ActDenied:
		return who(c.By, people, u) + " 未执行：" + c.Note
	}
	return who(c.By, people, u) + " " + c.Describe()
}

// who names a userid as 姓名（角色）, with the posts the person holds for
// the task's unit.
func who(userid string, people map[string]duban.Person, u duban.Unit) string {
	p, ok := people[duban.CanonicalUserID(userid)]
	if !ok {
		return userid
	}
	return nameWithRoles(p, u)
}

// visibleTask resolves ref to a task the person may see (their units, their
// group, or all for 编办) and its unit; otherwise the refusal says the task
// is not theirs to what (查看, 查看它的佐证材料).
func (h *Handler) visibleTask(ctx context.Context, p duban.Person, ref, what string) (duban.Task, duban.Unit, error) {
	task, err := h.resolve(ctx, p, ref)
	if err != nil {
		return duban.Task{}, duban.Unit{}, err
	}
	unit, err := h.Store.Unit(ctx, task.Unit)
	if err != nil {
		return duban.Task{}, duban.Unit{}, err
	}
	if !p.CanSee(unit) {
		return duban.Task{}, duban.Unit{}, duban.Errorf(duban.EFORBIDDEN, "任务 %s 属于%s，您无权%s。", task.ID, unit.Name, what)
	}
	return task, unit, nil
}
