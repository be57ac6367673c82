package handlers

import (
	"context"
	"strings"

	"github.com/duban-org/duban"
)

// colloquialDone are the words after a task id that may say it is done
// but may as well say only "noted" (T3 ok了, T003 done): the bot asks back
// rather than report. 搞定了 and 已办结 say it plainly and are verbs.
// Typos of 完成 typed by pinyin or voice input (完程了, 完城) are asked back
// the same way.
var colloquialDone = []string{"ok了", "ok啦", "ok", "okay", "done", "finished", "finish", "completed", "complete", "好了", "弄好了", "办好了", "做好了", "搞掂了", "搞掂",
	"搞完了", "弄完了", "干完了", "完事了", "完工了",
	"完程了", "完程", "完城了", "完城", "完呈了", "完呈", "玩成了", "玩成", "完乘了", "完承了", "已完程", "已完城"}

// doneInRunOn are the words that say a task is done inside a longer
// sentence (那个T003我们这边已经弄完了然后材料也交上去了): asked back too.
var doneInRunOn = []string{"完成了", "弄完了", "搞完了", "做完了", "办完了", "干完了", "搞定了", "办好了", "弄好了", "做好了", "办结了", "完事了"}

// saysDoneColloquially returns the task a message "T003 ok了" names when the
// rest of it is one of colloquialDone and nothing else, or a run-on sentence
// that says it is done with no word before that says it is not yet.
func saysDoneColloquially(s string) (string, bool) {
	ref, rest, ok := leadingTask(dropSubject(s))
	if !ok || !isTaskID(ref) {
		return "", false
	}
	rest = strings.ToLower(strings.Trim(rest, " ，,。.!！~～：:"))
	for _, w := range colloquialDone {
		if rest == w {
			return ref, true
		}
	}
	for _, w := range doneInRunOn {
		if before, _, found := strings.Cut(rest, w); found {
			if containsSuffix(before, notYet) || strings.ContainsAny(before, "没未不") {
				return "", false // 还没弄完, 下周能做完了
			}
			return ref, true
		}
	}
	return "", false
}

// askDone asks back whether a colloquial "done" on one of the sender's tasks
// means 完成; ok is false when the task is not theirs or cannot be reported,
// and the message is then read as any other.
func (h *Handler) askDone(ctx context.Context, t *turn, ref string) (bool, error) {
	task, err := h.resolve(ctx, t.person, ref)
	if duban.ErrorCode(err) == duban.EINTERNAL {
		return false, err // the store failed: not a task that is not theirs
	}
	if err != nil {
		return false, nil
	}
	unit, err := h.Store.Unit(ctx, task.Unit)
	if err != nil {
		return false, err
	}
	r := duban.Request{Action: duban.ActReport, By: t.person, At: t.now, MsgID: t.in.Key}
	if _, _, err := duban.Apply(task, unit, r); err != nil {
		return false, nil
	}
	return true, h.proposeWithStanding(ctx, t, task, unit, r)
}

// A group leader's verdict on a report in their own words (S04材料我看了没
// 问题, S04 核实了，可以, S04 需要补充材料): asked back as 销号 or 驳回.
var (
	verifiedWords = []string{"没问题", "核实了", "已核实", "核实无误", "无误", "可以", "ok", "同意", "通过", "齐全", "合格"}
	lackingWords  = []string{"不全", "不齐", "缺", "补充", "补一下", "补齐", "重新报", "再报", "重报", "不合格", "不符合", "有问题", "退回"}
)

// saysVerdict returns the task and the decision a message of a leader's
// names, with the words after the task as the reason of a 驳回.
func saysVerdict(s string) (ref string, a duban.Action, note string, ok bool) {
	ref, rest, found := leadingTask(dropSubject(s))
	if !found || !isTaskID(ref) {
		return "", "", "", false
	}
	rest = strings.Trim(rest, " ，,。.!！~～：:")
	low := strings.ToLower(rest)
	switch {
	case containsAny(low, lackingWords...):
		return ref, duban.ActReject, rest, true
	case containsAny(low, verifiedWords...):
		return ref, duban.ActVerify, "", true
	}
	return "", "", "", false
}

// askVerdict asks a leader back whether a verdict in their own words means
// 销号 or 驳回 of a report waiting for it; ok is false when the task is no
// such report of theirs to decide, and the message is read as any other.
func (h *Handler) askVerdict(ctx context.Context, t *turn, ref string, a duban.Action, note string) (bool, error) {
	task, err := h.resolve(ctx, t.person, ref)
	if duban.ErrorCode(err) == duban.EINTERNAL {
		return false, err
	}
	if err != nil || task.Status != duban.StatusReported || task.Extension != nil {
		return false, nil // an extension waiting too: 同意 may mean it
	}
	unit, err := h.Store.Unit(ctx, task.Unit)
	if err != nil {
		return false, err
	}
	if !t.person.CanSupervise(unit) || t.person.CanReport(unit) && !t.person.IsAdmin() {
		return false, nil // a unit's own people report; they do not judge
	}
	r := duban.Request{Action: a, Note: note, By: t.person, At: t.now, MsgID: t.in.Key}
	if _, _, err := duban.Apply(task, unit, r); err != nil {
		return false, nil
	}
	return true, h.proposeWithStanding(ctx, t, task, unit, r)
}
