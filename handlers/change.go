package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// Changing a task: the task a person named is found (an id, a loose id, a
// word of a title), what only the conversation knows is checked (a note's
// length, a deadline already past), the domain decides, the store applies
// it once per message, and a refusal is kept in the task's history.

// applyAll applies a command to each task it names (完成 T003、T004 …),
// answering for each in turn.
func (h *Handler) applyAll(ctx context.Context, t *turn, c Command) error {
	for _, ref := range append([]string{c.Task}, c.More...) {
		r := duban.Request{Action: actionOf(c.Verb), Note: c.Rest, Deadline: c.Deadline}
		if c.Shift != (shift{}) {
			task, err := h.resolve(ctx, t.person, ref)
			if err != nil {
				return err
			}
			r.Deadline = c.Shift.from(task.Deadline, h.WorkdaysBetween) // 延期两周: from the current deadline
			if r.Deadline.IsZero() && len(c.More) == 0 {
				c.Need = NeedDate // 延期10个工作日 with no calendar: asked for the date
				return h.incomplete(ctx, t, c)
			}
		}
		if len(c.More) == 0 {
			return h.apply(ctx, t, ref, r)
		}
		if err := h.apply(ctx, t, ref, r); err != nil {
			if duban.ErrorCode(err) == duban.EINTERNAL {
				return err
			}
			t.reply(h.replyError(ctx, t, err))
		}
	}
	return nil
}

// apply checks what only the conversation knows — a note's length, a new
// deadline already past — and then changes the task (see change).
func (h *Handler) apply(ctx context.Context, t *turn, ref string, r duban.Request) error {
	if err := h.checkNote(r.Note); err != nil {
		return err
	}
	if r.Action == duban.ActApprove && !r.Deadline.IsZero() {
		// 同意延期到2月10日 when 2月20日 was asked for: approving gives the
		// date asked for or nothing.
		task, err := h.resolve(ctx, t.person, ref)
		if err != nil {
			return err
		}
		if e := task.Extension; e != nil && e.Deadline != r.Deadline {
			err := duban.Errorf(duban.EINVALID, "任务 %s 申请的是延至 %s，与您写的 %s 不同；同意只能按申请的时限，未做任何变更。同意请回复「同意延期 %s」；不同意请回复「不同意延期 %s 理由」（可在理由中写明可以接受的时限）。",
				task.ID, e.Deadline, r.Deadline, task.ID, task.ID)
			h.recordRefusal(ctx, t, task, r.Action, err)
			return err
		}
		r.Deadline = 0
	}
	if r.Action == duban.ActExtend && r.Deadline < t.today {
		task, err := h.resolve(ctx, t.person, ref)
		if err != nil {
			return err
		}
		return duban.Errorf(duban.EINVALID, "申请的新时限 %s 已经过去（今天是 %s），须晚于现时限 %s。", r.Deadline, t.today, task.Deadline)
	}
	return h.change(ctx, t, ref, r)
}

// checkNote refuses a note longer than the limit; it changes nothing.
func (h *Handler) checkNote(note string) error {
	max := h.MaxNoteChars
	if max <= 0 {
		max = defaultMaxNoteChars
	}
	if n := utf8.RuneCountInString(note); n > max {
		return duban.Errorf(duban.EINVALID, "说明共 %d 字，超过 %d 字的上限，未做任何变更。请精简后重新发送。", n, max)
	}
	return nil
}

const defaultMaxNoteChars = 500

// resolve finds the task a person named: an id, or a fragment of a title
// unique among the tasks they can see.
func (h *Handler) resolve(ctx context.Context, p duban.Person, ref string) (duban.Task, error) {
	t, err := h.Store.Task(ctx, ref)
	if err == nil {
		return t, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return t, err
	}
	isID, want, sub := isTaskID(ref), looseID(ref), caseless(ref)
	// A fragment of a title names one task or is asked again with a few of
	// those it fits: of 编办's many, only those few are copied, the rest
	// counted.
	const shown = 8
	kept, beyond := 0, 0
	found, err := h.visibleMatching(ctx, p, func(vt *duban.Task) bool {
		switch {
		case isID:
			return looseID(vt.ID) == want || sub.in(vt.Title)
		case !sub.in(vt.Title):
			return false
		case p.IsAdmin() && kept > shown:
			beyond++
			return false
		}
		kept++
		return true
	})
	if err != nil {
		return t, err
	}
	matches := sameID(found, ref)
	for _, vt := range found {
		if len(matches) == 0 || !isID {
			if sub.in(vt.Title) {
				matches = append(matches, vt)
			}
		}
	}
	if len(matches) == 0 && !isID && h.fewToGuess(ctx, p) {
		visible, err := h.visibleTasks(ctx, p)
		if err != nil {
			return t, err
		}
		matches = closestTitles(visible, ref) // 人员转岗工作 for 人员转岗到位
	}
	n := len(matches) + beyond
	switch n {
	case 0:
		return t, duban.Errorf(duban.ENOTFOUND, "没有找到任务「%s」。发送「任务」查看您的任务编号。", duban.FoldWidth(ref))
	case 1:
		return matches[0], nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "「%s」对应 %d 项任务，请用编号指明：", ref, n)
	for i, m := range matches {
		if i == shown {
			fmt.Fprintf(&b, "\n……等 %d 项", n)
			break
		}
		fmt.Fprintf(&b, "\n%s %s", m.ID, m.Title)
	}
	return t, duban.Errorf(duban.EINVALID, "%s", b.String())
}

// visibleMatching returns the tasks p reports on or supervises for which
// match is true, as visibleTasks orders them: they are searched where the
// store holds them (编办's are the whole ledger) and only those found are
// copied.
func (h *Handler) visibleMatching(ctx context.Context, p duban.Person, match func(*duban.Task) bool) ([]duban.Task, error) {
	if p.IsAdmin() {
		return h.Store.FindTasks(ctx, store.TaskFilter{}, match)
	}
	var found []duban.Task
	seen := map[string]bool{}
	add := func(f store.TaskFilter) error {
		ts, err := h.Store.FindTasks(ctx, f, match)
		for _, t := range ts {
			if !seen[t.ID] {
				seen[t.ID] = true
				found = append(found, t)
			}
		}
		return err
	}
	for _, u := range p.Units() {
		if err := add(store.TaskFilter{Unit: u}); err != nil {
			return nil, err
		}
	}
	for _, g := range p.Groups() {
		if err := add(store.TaskFilter{Group: g}); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// foldedText is a text to find in others in any case.
type foldedText struct {
	s    string
	fold bool // s has letters of either case: compare lower-cased
}

func caseless(s string) foldedText {
	lower := strings.ToLower(s)
	return foldedText{lower, lower != s || strings.ToUpper(s) != s}
}

// in reports whether f is in s, in any case; a text without letters (a
// title fragment in Chinese) is found without lower-casing s.
func (f foldedText) in(s string) bool {
	if f.fold {
		s = strings.ToLower(s)
	}
	return strings.Contains(s, f.s)
}

// visibleTasks returns the tasks of the units p reports on or supervises:
// those of p's units, then of p's groups, each by deadline, each once.
func (h *Handler) visibleTasks(ctx context.Context, p duban.Person) ([]duban.Task, error) {
	return h.visibleMatching(ctx, p, func(*duban.Task) bool { return true })
}

// change applies one request to the task named by ref, records a refusal in
// the task's history, and tells everyone concerned.
func (h *Handler) change(ctx context.Context, t *turn, ref string, r duban.Request) error {
	task, err := h.resolve(ctx, t.person, ref)
	if err != nil {
		return err
	}
	r.By, r.MsgID, r.At = t.person, t.in.Key, t.now
	reporter, err := h.reporter(ctx, task)
	if err != nil {
		return err
	}
	applied, err := h.Store.Apply(ctx, task.ID, t.in.Key, func(tk duban.Task, u duban.Unit) (duban.Task, duban.Change, error) {
		if tk.Status == duban.StatusReported && tk.ReportedBy == "" {
			tk.ReportedBy = reporter
		}
		return duban.Apply(tk, u, r)
	})
	if err != nil {
		h.recordRefusal(ctx, t, task, r.Action, err)
		return err
	}
	if err := h.afterChange(ctx, t, task, r.Action); err != nil { // evidence.go
		return err
	}
	if err := h.dropStaleOffer(ctx, t, task.ID); err != nil {
		return err
	}
	return h.announce(ctx, t, applied)
}

// reporter returns who made task's pending report when the task, reported
// before reports recorded their author, does not say: the author of the
// last 完成 in its history. Nobody closes their own report, old or new.
func (h *Handler) reporter(ctx context.Context, task duban.Task) (string, error) {
	if task.Status != duban.StatusReported || task.ReportedBy != "" {
		return task.ReportedBy, nil
	}
	hist, err := h.Store.History(ctx, task.ID)
	if err != nil {
		return "", err
	}
	for i := len(hist) - 1; i >= 0; i-- {
		if hist[i].Action == duban.ActReport {
			return hist[i].By, nil
		}
	}
	return "", nil
}

// recordRefusal keeps a refused request in the task's history when the
// sender is concerned with the task (a stranger's attempts are not its
// history) and the refusal is about rights or state.
func (h *Handler) recordRefusal(ctx context.Context, t *turn, task duban.Task, a duban.Action, why error) {
	if code := duban.ErrorCode(why); code != duban.EFORBIDDEN && code != duban.ECONFLICT {
		return
	}
	u, err := h.Store.Unit(ctx, task.Unit)
	if err != nil || !t.person.CanSee(u) {
		return
	}
	err = h.Store.Record(ctx, duban.Change{TaskID: task.ID, At: t.now, By: t.person.UserID, Action: duban.ActDenied,
		Note: string(a) + "：" + duban.ErrorMessage(why), MsgID: t.in.Key})
	if err != nil {
		h.log().Error("record refusal", "task", task.ID, "err", err)
	}
}

// closestTitles returns the open tasks whose titles share the longest run
// of characters with ref, when that run is at least 3 characters and half
// of ref: the words people use for a task are close to its title, not
// always part of it.
func closestTitles(tasks []duban.Task, ref string) []duban.Task {
	r := []rune(ref)
	best, need := 0, max(3, (len(r)+1)/2)
	var out []duban.Task
	for _, t := range tasks {
		if t.Status == duban.StatusVerified {
			continue
		}
		n, _ := longestRun(r, []rune(t.Title))
		switch {
		case n < need || n < best:
		case n > best:
			best, out = n, []duban.Task{t}
		default:
			out = append(out, t)
		}
	}
	return out
}
