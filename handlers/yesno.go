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

// Answers to the bot's own question. After 「您是要将 S02… 报为已完成吗？」
// people answer as they would a colleague: 是的, 对, 没错 (yes), 不是, 不对,
// 不是这个 (no), or 好的, 嗯 (which may only mean "noted"). A correction
// (刚才说错了, 发错了) points to 撤销. None of them is a miss.

// yesWords answer yes; a message of only these (and punctuation) confirms.
var yesWords = []string{"嗯是的", "嗯对", "是的", "是滴", "是啊", "是呀", "对的", "对啊", "对呀", "对头", "没错", "正确",
	"就是这个", "就是它", "是这个", "是这项", "对对对", "对对", "是", "对"}

// noWords answer no when they open the message (不对，还没做完).
var noWords = []string{"不是这个", "不是这项", "不是的", "不是", "不对", "搞错了", "弄错了", "错了", "不用了", "不用", "不要", "不需要", "否"}

// notedWords may mean yes or only "noted": the bot asks for 确认.
var notedWords = []string{"好的", "好", "嗯嗯", "嗯", "ok", "okay", "行", "可以", "可以的", "好嘞"}

// corrections say the sender's last message was wrong.
var corrections = []string{"说错了", "发错了", "报错了", "写错了", "填错了", "弄错了", "搞错了", "打错了", "选错了", "点错了", "误报", "报错任务"}

// answerKind reads s as yes, no or noted ("" when it is none of them).
func answerKind(s string) string {
	clauses := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return strings.ContainsRune("，,。.！!~～ ", r) })
	if len(clauses) == 0 {
		return ""
	}
	if containsPrefix(clauses[0], noWords) || clauses[0] == "不" || clauses[0] == "不了" {
		return "no"
	}
	kind := "yes"
	for _, c := range clauses {
		switch {
		case inList(c, yesWords):
		case inList(c, notedWords):
			if kind == "yes" && len(clauses) == 1 {
				kind = "noted"
			}
		default:
			return ""
		}
	}
	return kind
}

func inList(s string, words []string) bool { return slices.Contains(words, s) }

// answerOffer takes s as the answer to the sender's pending offer when it
// was made within the follow-up window and s is a yes, a no or an ok. It
// reports whether s was taken so.
func (h *Handler) answerOffer(ctx context.Context, t *turn, s string) (bool, error) {
	kind := answerKind(s)
	if kind == "" {
		return false, nil
	}
	p, err := h.Store.Proposal(ctx, t.person.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if t.now.Sub(p.At) > h.followupWindow() {
		return false, nil
	}
	switch {
	case kind == "yes" && p.Kind == "":
		_, err := h.confirm(ctx, t, p.ID)
		return true, err
	case kind == "no" && p.Kind == "":
		_, err := h.cancel(ctx, t, p.ID)
		return true, err
	}
	// An ok, or any answer to a bulletin or a letter (publishing one wants
	// the word itself): ask for it.
	t.reply(fmt.Sprintf("请回复「确认」执行：%s；回复「取消」放弃。", p.Text))
	return true, nil
}

// correctionHint answers "I said it wrong" (刚才说错了): how to undo the
// last change and report again. It changes nothing itself.
func (h *Handler) correctionHint(ctx context.Context, t *turn) {
	within := ""
	if h.UndoWindow > 0 {
		within = fmt.Sprintf("（限变更后 %d 分钟内、他人未改动前）", int(h.UndoWindow.Minutes()))
	}
	id := "编号"
	if task := h.exampleTask(ctx, t, duban.ActProgress); task.ID != "" {
		id = task.ID
	}
	t.reply("未做任何变更。如需撤回您刚才的变更，请回复「撤销」" + within + "，再按实际情况重新报送，例如：进展 " + id + " 说明。")
}

// takeBack are the words that take a change back, in a sentence that is
// not 撤销 alone (延期申请撤回来, 我想撤回S05的延期申请, S02能撤销吗).
var takeBack = []string{"撤回", "撤销", "撤消", "收回"}

// takesBack reports whether s asks to take a change back in other words
// than 撤销 alone: with no verb of its own, or as the start of a note.
func takesBack(c Command, s string) bool {
	switch {
	case c.Verb == VerbUndo || endsNote(s):
		return false
	case c.Verb == "":
		// 撤销机构 is a policy term: only a change of the sender's own is
		// taken back (a task named, a request, what they just sent).
		return slices.ContainsFunc(takeBack, func(w string) bool { return strings.Contains(s, w) }) &&
			(c.Task != "" || len(idTokens(s)) > 0 || containsAny(s, "申请", "刚才", "刚刚", "上一条", "那条"))
	}
	return needsTask[c.Verb] && containsPrefix(c.Rest, takeBack)
}

// isCorrection reports whether s says the sender's last message was wrong.
func isCorrection(s string) bool {
	return slices.ContainsFunc(corrections, func(w string) bool { return strings.Contains(s, w) })
}
