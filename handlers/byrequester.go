package handlers

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/duban-org/duban"
)

// A decision on an extension naming who asked for it (同意周强的延期申请,
// 周强的延期我同意了) rather than the task: that person's pending request
// among those the sender may decide is asked back, never decided on the
// guess; several are listed.

var reByRequester = regexp.MustCompile(`^(?:(不同意|不批准|同意|批准)\s*([\p{Han}·]{2,5}?)\s*(?:提交|申请|报)?的\s*(?:延期申请|延期|申请)` +
	`|([\p{Han}·]{2,5}?)\s*(?:提交|申请|报)?的\s*(?:延期申请|延期)\s*我?\s*(不同意|不批准|不批|不行|同意了|同意|批准|可以|通过))`)

// byRequester reads a decision naming the requester: the name and whether
// it approves.
func byRequester(s string) (name string, approve, ok bool) {
	m := reByRequester.FindStringSubmatch(s)
	if m == nil {
		return "", false, false
	}
	verb, name := m[1], m[2]
	if name == "" {
		verb, name = m[4], m[3]
	}
	return name, !strings.HasPrefix(verb, "不"), true
}

// answerByRequester answers a decision naming the requester; ok is false
// when s is none, or what it names is a task.
func (h *Handler) answerByRequester(ctx context.Context, t *turn, s string) (bool, error) {
	name, approve, ok := byRequester(s)
	if !ok || !t.known {
		return false, nil
	}
	if _, err := h.resolve(ctx, t.person, name); err == nil {
		return false, nil // 同意人员转岗的延期申请: a task named by its title
	}
	pending, err := h.visibleMatching(ctx, t.person, func(task *duban.Task) bool { return task.Extension != nil })
	if err != nil {
		return false, err
	}
	var theirs []duban.Task
	var unit duban.Unit
	for _, task := range pending {
		u, err := h.Store.Unit(ctx, task.Unit)
		if err != nil {
			return false, err
		}
		if !t.person.CanSupervise(u) {
			continue
		}
		by, err := h.Store.Person(ctx, task.Extension.By)
		if err != nil && duban.ErrorCode(err) != duban.ENOTFOUND {
			return false, err
		}
		if by.Name == name || strings.EqualFold(task.Extension.By, name) {
			theirs, unit = append(theirs, task), u
		}
	}
	switch {
	case len(theirs) == 0:
		t.reply("没有找到" + name + "待审批的延期申请。发送「任务 待销号」查看等您审批的申请。")
	case len(theirs) == 1 && approve:
		task := theirs[0]
		r := duban.Request{Action: duban.ActApprove, By: t.person, At: t.now, MsgID: t.in.Key}
		if _, _, err := duban.Apply(task, unit, r); err != nil {
			t.reply(h.replyError(ctx, t, err))
			return true, nil
		}
		return true, h.proposeWithStanding(ctx, t, task, unit, r)
	default:
		lines := []string{fmt.Sprintf("%s有 %d 项待审批的延期申请：", name, len(theirs))}
		if len(theirs) == 1 {
			lines[0] = name + "待审批的延期申请："
		}
		for i, task := range theirs {
			lines = append(lines, fmt.Sprintf("%d. %s「%s」由 %s 延至 %s（%s）", i+1, task.ID, task.Title,
				task.Deadline, task.Extension.Deadline, task.Extension.Reason))
		}
		how := "请写明任务编号，例如：同意延期 " + theirs[0].ID
		if !approve {
			how = "请写明任务编号和理由，例如：不同意延期 " + theirs[0].ID + " 理由"
		}
		t.reply(strings.Join(lines, "\n") + "\n" + how + "。")
		return true, h.rememberTasks(ctx, t, theirs) // 同意第2个
	}
	return true, nil
}
