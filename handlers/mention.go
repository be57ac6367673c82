package handlers

import (
	"context"
	"slices"
	"strings"
	"unicode"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// Tasks named as people name them without an LLM: a short id (S2 for S02)
// inside a question, or words of a title glued to the words around them
// (人员转岗那个任务已经完成了, 内设机构调整的任务进展咋样了). The grammar
// reads a title word only when a space follows it; these are found by the
// longest run of characters the message shares with a title. That is a
// guess, so a command read this way is asked back, never executed.

// minTitleRun is how many characters a message must share with a title to
// name its task: two-character words (方案, 人员, 机构) are in many titles.
const minTitleRun = 4

// maxGuessTasks bounds the titles compared for one message: a supervisor of
// thousands of tasks names them by id.
const maxGuessTasks = 2000

// mentionedTask returns the task of the sender's that text names: by id as
// typed (T003, t003), by id without its zeros (T3), or by the longest run
// of characters it shares with one open task's title (for a sender of at
// most maxGuessTasks tasks).
func (h *Handler) mentionedTask(ctx context.Context, p duban.Person, text string) (duban.Task, bool) {
	in, tokens := idsIn(text), idTokens(text)
	loose := make([]string, len(tokens))
	for i, tok := range tokens {
		loose[i] = looseID(tok)
	}
	found, err := h.visibleMatching(ctx, p, func(task *duban.Task) bool {
		return in.has(task.ID) || len(loose) > 0 && mayBeLoose(task.ID, loose) && slices.Contains(loose, looseID(task.ID))
	})
	if err != nil {
		return duban.Task{}, false
	}
	for _, task := range found {
		if in.has(task.ID) {
			return task, true
		}
	}
	for _, tok := range tokens {
		if hits := sameID(found, tok); len(hits) == 1 {
			return hits[0], true
		}
	}
	if !h.fewToGuess(ctx, p) {
		return duban.Task{}, false
	}
	visible, err := h.visibleTasks(ctx, p)
	if err != nil {
		return duban.Task{}, false
	}
	task, _, ok := titleMention(text, visible)
	return task, ok
}

// idText is a message to find task ids in as typed (containsID of it
// upper-cased), quickly among many ids.
type idText struct {
	upper string
	runs  map[string]bool // its runs of ASCII id characters
}

func idsIn(text string) idText {
	in := idText{upper: strings.ToUpper(text), runs: map[string]bool{}}
	for _, run := range strings.FieldsFunc(in.upper, func(r rune) bool { return r >= 0x80 || !isIDByte(byte(r)) }) {
		in.runs[run] = true
	}
	return in
}

// has reports whether the message holds id as containsID finds it: an id
// of ASCII id characters alone is there only as a whole run of them.
func (in idText) has(id string) bool {
	if in.runs[id] {
		return true
	}
	for i := 0; i < len(id); i++ {
		if id[i] >= 0x80 || !isIDByte(id[i]) {
			return containsID(in.upper, id)
		}
	}
	return false
}

// mayBeLoose reports whether id may be one of loose ids (looseID) by its
// last character, which looseID keeps (upper-cased) unless it is a - _ or /
// (or not ASCII): most ids are told apart without writing their loose form.
func mayBeLoose(id string, loose []string) bool {
	if id == "" {
		return true
	}
	last := id[len(id)-1]
	if last == '-' || last == '_' || last == '/' || last >= 0x80 {
		return true
	}
	if 'a' <= last && last <= 'z' {
		last -= 'a' - 'A'
	}
	return slices.ContainsFunc(loose, func(l string) bool { return l != "" && l[len(l)-1] == last })
}

// idTokens returns the runs of id characters in text that hold a digit.
func idTokens(text string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r >= 0x80 || !isIDByte(byte(r)) }) {
		if isTaskID(f) {
			out = append(out, f)
		}
	}
	return out
}

// titleMention returns the open task whose title shares the longest run of
// characters with text — at least minTitleRun, and longer than any other
// task's — and the run as it stands in text. Command words are masked
// while choosing, so 完成 alone never names 报送改革完成情况.
func titleMention(text string, tasks []duban.Task) (duban.Task, string, bool) {
	if len(tasks) > maxGuessTasks {
		return duban.Task{}, "", false
	}
	masked := []rune(maskVerbs(text))
	var best duban.Task
	bestRun, tie := 0, false
	var run string
	for _, task := range tasks {
		if task.Status == duban.StatusVerified {
			continue
		}
		n, at := longestRun(masked, []rune(task.Title))
		switch {
		case n < minTitleRun || n < bestRun:
		case n > bestRun:
			best, bestRun, tie, run = task, n, false, string(masked[at:at+n])
		case task.ID != best.ID:
			tie = true
		}
	}
	if bestRun == 0 || tie {
		return duban.Task{}, "", false
	}
	// The title as written may go on over a command word (报送改革完成情况
	// was matched as 报送改革): the whole of it is the task's name.
	if n, at := longestRun([]rune(text), []rune(best.Title)); n > bestRun {
		if whole := string([]rune(text)[at : at+n]); strings.Contains(whole, run) {
			run = whole
		}
	}
	return best, run, true
}

// maskVerbs replaces the command words in s by a character no title holds.
func maskVerbs(s string) string {
	for _, v := range verbs {
		if utf8Han(v.word) {
			s = strings.ReplaceAll(s, v.word, strings.Repeat("\x00", len([]rune(v.word))))
		}
	}
	return s
}

func utf8Han(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return s != ""
}

// longestRun returns the length of the longest run of characters a and b
// share, and where in a it starts. Spaces, punctuation and the masking
// character never count: they join no words.
func longestRun(a, b []rune) (n, at int) {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			cur[j+1] = 0
			if a[i] == b[j] && a[i] != 0 && !unicode.IsSpace(a[i]) && !unicode.IsPunct(a[i]) {
				cur[j+1] = prev[j] + 1
				if cur[j+1] > n {
					n, at = cur[j+1], i+1-cur[j+1]
				}
			}
		}
		prev, cur = cur, prev
	}
	return n, at
}

// fewToGuess reports whether p sees at most maxGuessTasks tasks (as
// visibleTasks lists them; a unit in one of p's groups counts twice),
// counted without reading them: 编办 of a province is not made to copy
// 100,000 tasks for a guess titleMention would not make.
func (h *Handler) fewToGuess(ctx context.Context, p duban.Person) bool {
	filters := []store.TaskFilter{{}}
	if !p.IsAdmin() {
		filters = filters[:0]
		for _, u := range p.Units() {
			filters = append(filters, store.TaskFilter{Unit: u})
		}
		for _, g := range p.Groups() {
			filters = append(filters, store.TaskFilter{Group: g})
		}
	}
	n := 0
	for _, f := range filters {
		c, err := h.Store.CountTasks(ctx, f)
		if err != nil {
			return false
		}
		n += c
	}
	return n <= maxGuessTasks
}

// parseTitled reads s again with the run of it that names one of the
// sender's open tasks by title replaced by an id, for a message the grammar
// found no task in. ok is false when no title is named or the message still
// says nothing to do.
func (h *Handler) parseTitled(ctx context.Context, t *turn, s string) (Command, bool) {
	if !t.known || !h.fewToGuess(ctx, t.person) {
		return Command{}, false
	}
	visible, err := h.visibleTasks(ctx, t.person)
	if err != nil {
		return Command{}, false
	}
	task, run, ok := titleMention(s, visible)
	if !ok {
		return Command{}, false
	}
	const alias = aliasPrefix + "0" // parseOwnIDs numbers its aliases from 1
	c := Parse(strings.Replace(s, run, alias, 1), t.today)
	if c.Task != alias {
		return Command{}, false
	}
	c.Task = task.ID
	c.Rest = strings.ReplaceAll(c.Rest, alias, run)
	if c.Need == NeedVerb {
		return statedProgress(c, s)
	}
	return c, needsTask[c.Verb] && c.Verb != VerbRecord && c.Need == "" && c.Err == "" && len(c.More) == 0
}

// statedProgress reads a task named with a statement of work under way and
// no command word (S02 已经开始了，正在拟定方案) as a progress report of that
// statement. A statement that may mean done (S02 方案已报) is not guessed.
func statedProgress(c Command, s string) (Command, bool) {
	note := s
	if _, rest, ok := leadingTask(dropSubject(s)); ok {
		note = dropFiller(trimLead(rest))
	}
	yet := containsAny(note, notDoneYet...) // 还有两个人没转岗到位: 到位 is not done
	if !states(note) || !yet && (!containsAny(note, underWay...) || containsAny(note, mayMeanDone...)) {
		return Command{}, false
	}
	return Command{Verb: VerbProgress, Task: c.Task, Rest: note}, true
}

// underWay are words that say work has begun and goes on; mayMeanDone are
// words that may say it is finished, which only the sender can tell.
var (
	underWay    = []string{"开始", "启动", "正在", "着手", "推进", "进行中", "在办", "在做", "筹备", "起草中", "拟定中", "征求意见"}
	mayMeanDone = []string{"完成", "办结", "已报", "报送", "上报", "办完", "做完", "到位", "结束"}
	// notDoneYet say that some of the work is still to do, whatever words
	// of completion the statement holds.
	notDoneYet = append([]string{"还有", "还没", "还未", "尚未", "尚有", "没有完成", "未完成", "手续在走", "在走流程", "正在办理", "还差", "剩下", "剩余",
		// a plan to finish: 本周五前完成, 争取月底完成, 计划12月20日完成
		"准备在", "前完成", "内完成", "底完成", "之前办完"}, planWords...)
)

// proposeGuess asks back a command read by guessing which task it names or
// what it asks: nothing changes before 确认.
func (h *Handler) proposeGuess(ctx context.Context, t *turn, c Command) error {
	task, err := h.resolve(ctx, t.person, c.Task)
	if err != nil {
		return err
	}
	r := duban.Request{Action: actionOf(c.Verb), Note: c.Rest, Deadline: c.Deadline, By: t.person, At: t.now, MsgID: t.in.Key}
	if c.Shift != (shift{}) {
		r.Deadline = c.Shift.from(task.Deadline, h.WorkdaysBetween)
	}
	if err := h.checkNote(r.Note); err != nil {
		return err
	}
	unit, err := h.Store.Unit(ctx, task.Unit)
	if err != nil {
		return err
	}
	if _, _, err := duban.Apply(task, unit, r); err != nil {
		return err // worded by the caller as 未执行：…
	}
	return h.proposeAsked(ctx, t, task, unit, r)
}
