package handlers

import (
	"context"
	"fmt"
	"strings"

	"github.com/duban-org/duban/store"
)

// Which units have not moved (哪些单位还没动) or finished nothing (哪些单位一项
// 都没完成) is in the ledger: the units the sender supervises are listed
// from their tasks, never answered with a quote from the documents.

// idleKind is what a question about idle units asks for.
type idleKind int

const (
	notIdle    idleKind = iota
	notStarted          // no task started nor any progress reported
	noneDone            // no task reported done or closed
)

func asksIdleUnits(q string) idleKind {
	if !strings.Contains(q, "单位") || !containsAny(q, "哪些", "哪几", "哪个", "哪家", "有没有", "几个", "几家", "多少") {
		return notIdle
	}
	switch {
	case containsAny(q, "一项都没完成", "一个都没完成", "一项也没完成", "一个也没完成", "都没完成", "都没有完成", "没有一项完成", "一项没完成", "一件都没完成"):
		return noneDone
	case containsAny(q, "没动", "没有动", "未动", "没启动", "没有启动", "未启动", "没开始", "没有开始", "未开始", "没行动", "没有行动", "没推进", "没有推进", "没反应", "一点进展都没有", "没有任何进展", "没有进展", "没进展"):
		return notStarted
	}
	return notIdle
}

// idleCap is how many units the answer names; the rest are counted.
const idleCap = 20

// answerIdleUnits lists the units the sender supervises that have not
// moved (or finished nothing), from their standing: counted per unit, so
// 编办 of a province reads its 10,000 units' counts, not every task. ok is
// false when they supervise none.
func (h *Handler) answerIdleUnits(ctx context.Context, t *turn, kind idleKind) (bool, error) {
	p := t.person
	var sc listScope
	switch {
	case p.IsAdmin():
		sc = listScope{all: true}
	case len(p.Groups()) > 0:
		sc = listScope{groups: p.Groups()}
	default:
		return false, nil
	}
	s, err := h.load(ctx, t, sc)
	if err != nil {
		return false, err
	}
	what := "还没有动（任务均未启动，也未报进展）"
	if kind == noneDone {
		what = "一项任务都还没有报完成"
	}
	var lines []string
	shown := store.ListPage{MsgKey: t.in.Key, At: t.now, First: 1} // 第2个单位 names one
	units, idle := 0, 0
	for _, u := range s.units { // by code
		if u.total == 0 {
			continue // a unit with no task is not asked about
		}
		units++
		if kind == notStarted && u.untouched < u.total || kind == noneDone && u.reported+u.verified > 0 {
			continue
		}
		idle++
		if idle <= idleCap {
			lines = append(lines, fmt.Sprintf("%d. %s（%s）", idle, u.unit.Name, u.unit.Group))
			shown.Units = append(shown.Units, u.unit.Code)
		}
	}
	if idle == 0 {
		all := "都已启动任务或报过进展"
		if kind == noneDone {
			all = "都至少有一项任务已报完成"
		}
		t.reply(fmt.Sprintf("您督办的 %d 个单位%s。", units, all))
		return true, nil
	}
	head := fmt.Sprintf("您督办的 %d 个单位中，%d 个%s：", units, idle, what)
	if idle > idleCap {
		lines = append(lines, fmt.Sprintf("……另有 %d 个单位未列出。", idle-idleCap))
	}
	t.reply(head + "\n" + strings.Join(lines, "\n") + "\n发送「任务 单位名称」查看某个单位的任务。")
	return true, h.rememberList(ctx, t, shown)
}
