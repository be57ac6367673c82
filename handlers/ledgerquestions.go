package handlers

import (
	"context"
	"regexp"
	"strings"

	"github.com/duban-org/duban"
)

// Questions only the ledger can answer: why a task's deadline is being put
// off (T004为什么延期) and who a unit's people are (我们单位联络员是谁). The
// documents know neither, and neither question ever changes anything.

// extensionReasonAsked matches a question after the reason for an extension:
// 延期的理由是什么, 申请延期的理由, 延期原因呢 — a reason word ending the
// message, not one a reason follows (延期 理由：等审议 asks for one).
var extensionReasonAsked = regexp.MustCompile(`(延期|推迟|延长)(申请)?的?(理由|原因)(是什么|是啥|有哪些|呢)?[?？。 ]*$`)

// asksExtensionReason reports whether s asks why a task is put off.
func asksExtensionReason(s string) bool {
	if extensionReasonAsked.MatchString(s) {
		return true
	}
	return containsAny(s, "为什么", "为何", "为啥", "怎么会") && containsAny(s, "延期", "推迟", "延长")
}

// answerExtensionReason answers why a task the sender may see is put off:
// its standing and the pending request, or that there is none. ok is false
// when the message names no such task.
func (h *Handler) answerExtensionReason(ctx context.Context, t *turn, s string) bool {
	task, ok := h.namedTask(ctx, t, s)
	if !ok {
		return false
	}
	var request string
	if e := task.Extension; e != nil {
		request = "延期申请：延至 " + e.Deadline.String()
		if e.Reason != "" {
			request += "，理由：" + e.Reason
		}
		request += "，待审批。"
	} else {
		request = "任务 " + task.ID + " 没有待审批的延期申请。"
	}
	t.reply(h.standing(t, task, request))
	return true
}

// asksRecord reports whether s asks what happened to a task, which its 记录
// answers: who reported it, with what words, who decided (T013 谁报的,
// T013的报送说明是什么, T008是谁驳回的).
func asksRecord(s string) bool {
	return containsAny(s, "谁报的", "谁报送的", "谁提交的", "报送人", "报送说明", "报的什么", "报了什么", "报的啥",
		"什么时候报的", "谁改的", "谁批的", "谁销的号", "谁销号的", "谁驳回的", "为什么驳回", "为啥驳回", "驳回理由", "驳回的理由", "被驳回")
}

// changesPeople reports whether s says (or asks how to say) that a post
// changed hands: 联络员换成李明了, 我不是联络员了，换人了怎么办.
func changesPeople(s string) bool {
	return containsAny(s, "联络员", "一把手", "负责人", "组长") &&
		(containsAny(s, "换", "变更", "调整为", "调走", "离职", "退休", "不再", "交接", "接替", "新来") || noLonger.MatchString(s))
}

// noLonger is "no longer": 我不是联络员了 (not 一把手不是很重视).
var noLonger = regexp.MustCompile(`不是\p{Han}{0,5}了`)

// peopleChangeReply says who changes the people of the task list, and how.
func peopleChangeReply() string {
	return "未做任何变更。联络员、一把手和督办组长由编办在任务清单的「人员」表中维护（账号、姓名、角色、所属），重新导入后生效；请将变更情况（新任人员的企业微信账号和姓名）告知编办。"
}

// asksUnitPeople reports whether s asks who the sender's unit's 联络员 or
// 一把手 is (谁是我们单位的联络员, 本单位一把手是谁), who supervises it
// (督办组长是谁, 我们单位归哪个督办组), or whom to turn to (有问题找谁).
func asksUnitPeople(s string) bool {
	switch {
	case containsAny(s, "找谁", "联系谁", "问谁", "跟谁对接", "和谁对接", "找哪位", "联系哪位",
		"谁批", "谁审批", "谁来批", "谁销号", "谁负责销号", "谁来销号", "谁审核", "谁核实"):
		return true
	case containsAny(s, "组长", "督办组") && containsAny(s, "谁", "哪位", "哪个组", "哪个督办组", "叫什么"):
		return true
	case containsAny(s, "哪个组", "哪一个组", "什么组") && containsAny(s, "我们", "我单位", "本单位", "咱们", "归", "属于"):
		return true // 我们归哪个组管
	}
	return containsAny(s, "联络员", "一把手", "负责人") && containsAny(s, "谁", "哪位", "哪个人", "叫什么") &&
		containsAny(s, "我们", "我单位", "本单位", "咱们", "我的单位")
}

// answerUnitPeople names the 联络员 and 一把手 of each unit the sender
// reports for, its 督办组 and the group's leader; ok is false when they
// report for none.
func (h *Handler) answerUnitPeople(ctx context.Context, t *turn, s string) (bool, error) {
	codes := t.person.Units()
	if len(codes) == 0 {
		return false, nil
	}
	var lines []string
	for _, code := range codes {
		unit, err := h.Store.Unit(ctx, code)
		if err != nil {
			return false, err
		}
		people, err := h.Store.PeopleConcerned(ctx, unit)
		if err != nil {
			return false, err
		}
		var parts []string
		for _, role := range []duban.Role{duban.RoleContact, duban.RoleHead} {
			var names []string
			for _, p := range people {
				if p.Has(role, code) {
					names = append(names, p.Name)
				}
			}
			if len(names) == 0 {
				names = []string{"（未登记）"}
			}
			parts = append(parts, string(role)+" "+strings.Join(names, "、"))
		}
		leaders, err := h.leadersOf(ctx, unit)
		if err != nil {
			return false, err
		}
		lines = append(lines, unit.Name+"："+strings.Join(parts, "，")+"；督办组 "+unit.Group+"，组长 "+strings.Join(leaders, "、")+"。")
	}
	if containsAny(s, "找谁", "联系谁", "问谁", "对接", "找哪位", "联系哪位", "谁批", "谁审批", "谁来批") && containsAny(s, "延期", "推迟", "延长", "完成", "办结") {
		lines = append(lines, h.commandHint(ctx, t, s)) // 要推迟的话找谁: and how to ask
	}
	t.reply(strings.Join(lines, "\n"))
	return true, nil
}
