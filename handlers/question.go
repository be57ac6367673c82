package handlers

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/duban-org/duban"
)

// A question never changes anything: 收到提醒要回复吗 does not acknowledge,
// 完成 人员转岗 需要注意什么 does not report. When a question names one of the
// sender's tasks with an action, the bot asks back and waits for 确认.

// questionEnds are the last characters of a question.
var questionEnds = []string{"?", "？", "吗", "么", "呢", "嘛",
	// A-not-A with the second half left off (完成了不, 可以不), 否 (完成否),
	// and the tags that ask for agreement.
	"不", "否", "对吧", "是吧", "了吧",
	// 吧 closing a clause asks for assent (延期到3月 可以吧, 报完成吧).
	"吧"}

// questionWords are the words that make a sentence a question wherever they
// stand.
var questionWords = []string{
	"什么", "怎么", "怎样", "如何", "是否", "能否", "可否", "可不可以", "能不能", "要不要", "需不需要",
	"需要不需要", "是不是", "有没有", "会不会", "对不对", "行不行", "多少", "几个", "几家", "几名", "几人",
	"几项", "几天", "几号", "几时", "多久", "多长", "哪", "谁", "为什么", "为何", "何时", "啥", "咋", "请问", "想问", "想了解", "介绍一下", "咨询一下",
}

// isQuestion reports whether s reads as a question.
func isQuestion(s string) bool {
	t := strings.TrimRightFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("。.！!~～…", r) || unicode.Is(unicode.So, r)
	})
	for _, e := range questionEnds {
		if strings.HasSuffix(t, e) {
			return true
		}
	}
	if asksWhetherYet(t) || asksEitherWay(t) || asksMidway(t) {
		return true
	}
	for _, w := range questionWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// asksWhetherYet reports a question asked with 没 (S02完成了没, 报了没有,
// 完成没, 完成了没有S02): 了没 anywhere, or 没/没有 at the end after a verb —
// not after 还, 都, 也… (方案还没有 says it has not happened yet).
func asksWhetherYet(t string) bool {
	if u := strings.NewReplacer("没问题", "", "没事", "", "没关系", "").Replace(t); strings.Contains(u, "了没") || strings.Contains(u, "过没") {
		return true // not 我看了没问题
	}
	rest, ok := strings.CutSuffix(t, "没有")
	if !ok {
		rest, ok = strings.CutSuffix(t, "没")
	}
	if !ok || rest == "" || endsNote(rest) {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(rest)
	return unicode.Is(unicode.Han, r) && !strings.ContainsRune("还都也并尚仍从就暂可却又", r)
}

// asksMidway reports a question that does not end the message (S02完成了吗？
// 我记得上周就报了, 完成S02? 材料还没齐): a question mark anywhere, or a
// clause that ends in 吗 or 嘛.
func asksMidway(s string) bool {
	if strings.ContainsAny(s, "?？") {
		return true
	}
	for _, clause := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("，,。；;！! ", r) }) {
		if strings.HasSuffix(clause, "吗") || strings.HasSuffix(clause, "嘛") {
			return true
		}
	}
	return false
}

// asksEitherWay reports an A-not-A question wherever it stands: 该不该驳回,
// 批不批, 同意不同意, 完成没完成 (a word of one or two characters, 不 or 没,
// the same word again).
func asksEitherWay(s string) bool {
	r := []rune(s)
	for i, c := range r {
		if c != '不' && c != '没' {
			continue
		}
		for k := 1; k <= 2 && i-k >= 0 && i+1+k <= len(r); k++ {
			before, after := string(r[i-k:i]), string(r[i+1:i+1+k])
			if before == after && unicode.Is(unicode.Han, r[i-1]) && !strings.ContainsRune(before, '不') {
				return true
			}
		}
	}
	return false
}

// endsNote reports whether s is a command written verb first with a task
// and a note (进展 S02 配套资金目前没有, 延期 S02 … 理由：批复一直没有):
// what ends it is the note's, not a question.
func endsNote(s string) bool {
	verb, rest, ok := splitVerb(s)
	if !ok || !needsTask[verb] {
		return false
	}
	ref, note, ok := leadingTask(trimLead(rest))
	return ok && isTaskID(ref) && strings.IndexFunc(note, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// questionActions are the actions a question may ask about, by the words
// that name them; the first found wins.
var questionActions = []struct {
	words  []string
	action duban.Action
}{
	{[]string{"不同意延期", "驳回", "退回", "打回"}, ""}, // need a reason: never proposed
	{[]string{"同意延期", "批准延期"}, duban.ActApprove},
	{[]string{"销号", "销了", "核销", "给销"}, duban.ActVerify},
	{[]string{"完成", "办结", "办完", "做完", "ok了", "OK了", "Ok了", "搞定"}, duban.ActReport}, // T003 ok了吗
}

// question answers a message that reads as a question: an ask-back when it
// names one of the sender's tasks with an action they may take, otherwise
// policy Q&A (or help, without documents).
func (h *Handler) question(ctx context.Context, t *turn, text string) error {
	if t.known && asksHowToSay(text) {
		t.reply(h.help(ctx, t)) // 进展怎么报: the answer is how to say it
		return nil
	}
	if t.known {
		// 进展 T003 已明确职责，什么时候报编办待定: a whole command whose note
		// states something is asked back as that command.
		if c := parseCommand(normalise(text), t.today); (c.Verb == VerbProgress || c.Verb == VerbExtend) && c.Need == "" && c.Err == "" && len(c.More) == 0 && (c.Verb == VerbExtend || states(c.Rest)) {
			if task, err := h.resolve(ctx, t.person, c.Task); err == nil {
				r := duban.Request{Action: actionOf(c.Verb), By: t.person, At: t.now, MsgID: t.in.Key, Note: statedPart(c.Rest), Deadline: c.Deadline}
				if c.Shift != (shift{}) {
					r.Deadline = c.Shift.from(task.Deadline, h.WorkdaysBetween)
				}
				if unit, err := h.Store.Unit(ctx, task.Unit); err == nil && h.checkNote(r.Note) == nil && (r.Action != duban.ActExtend || r.Deadline >= t.today) {
					if _, _, err := duban.Apply(task, unit, r); err == nil {
						return h.proposeAsked(ctx, t, task, unit, r)
					}
				}
			}
		}
		if ok, err := h.answerExtendQuestion(ctx, t, text); ok || err != nil {
			return err
		}
		if task, action, named, ok := h.questionAbout(ctx, t, text); ok {
			r := duban.Request{Action: action, By: t.person, At: t.now, MsgID: t.in.Key}
			unit, err := h.Store.Unit(ctx, task.Unit)
			if err != nil {
				return err
			}
			if _, _, err := duban.Apply(task, unit, r); err == nil {
				return h.proposeWithStanding(ctx, t, task, unit, r)
			}
			// 人员已经到位了，可以销号了吧 from the unit: closing is the
			// supervisor's, so what its own people may mean is reporting it done.
			if r.Action == duban.ActVerify {
				if r.Action = duban.ActReport; duban.Allowed(task, unit, r) == nil {
					return h.proposeWithStanding(ctx, t, task, unit, r)
				}
			}
			if named && asksWhetherDone(text) {
				// S04销号了吗 of a task closed already, S02完成了吗 asked by its
				// supervisor: whether it happened is in the ledger, not the
				// documents.
				t.reply(h.standing(t, task))
				return nil
			}
		}
	}
	if code, ok := h.unitAsked(ctx, t, text); ok {
		return h.listTasks(ctx, t, Command{Verb: VerbTasks, Task: code}) // 司法局有几项没完成
	}
	if t.known && asksOwnTasks(text) {
		return h.listTasks(ctx, t, Command{Verb: VerbTasks})
	}
	if task, ok := h.namedTask(ctx, t, text); ok && h.Policy != nil {
		// S02 进展怎么样了: the task's standing answers it; 延期 S02 需要什么材料:
		// the documents do, with the task's standing beside them.
		standing := h.standing(t, task)
		if asksStanding(text) || asksWhichTask(text, task.ID) {
			t.reply(standing) // the documents are not asked what only the ledger knows
			return nil
		}
		// A decline is said too: the task may be named by a guess from its
		// title (多余的领导职数怎么处理), and its line alone answers nothing.
		answer, _, err := h.Policy.AnswerText(ctx, text)
		if err != nil {
			return err
		}
		t.reply(answer + "\n\n" + standing)
		return nil
	}
	return h.ask(ctx, t, text, true)
}

// standing is a task's line as a reply about the task shows it, then any
// more lines, then how to see its history.
func (h *Handler) standing(t *turn, task duban.Task, more ...string) string {
	lines := append([]string{"任务当前：" + h.line(t, task, 0)}, more...)
	return strings.Join(append(lines, "发送「记录 "+task.ID+"」查看变更记录。"), "\n")
}

// unitAsked returns the unit a question about a unit's tasks names first
// (司法局有几项没完成, 市财政局还有多少任务没完成？): a name or a word of one
// that ends as units' names end.
func (h *Handler) unitAsked(ctx context.Context, t *turn, q string) (string, bool) {
	if !t.known || !containsAny(q, "任务", "几项", "多少项", "没完成", "未完成", "没办完", "逾期", "进度", "进展", "情况", "怎么样", "咋样") {
		return "", false
	}
	r := []rune(q)
	var units []duban.Unit
	for n := min(len(r), 20); n >= 2; n-- {
		name := string(r[:n])
		if !containsSuffix(name, unitEnds) {
			continue
		}
		if units == nil {
			all, err := h.Store.Units(ctx)
			if err != nil {
				return "", false
			}
			units = all
		}
		if u, err := duban.FindUnit(units, name); err == nil {
			return u.Code, true
		}
	}
	return "", false
}

// unitEnds are how the names of units end (市司法局, 市委办公室, 市档案馆).
var unitEnds = []string{"局", "委", "办", "部", "院", "会", "中心", "馆", "所", "站", "队", "社", "室", "厅", "处", "台", "校", "联", "团"}

// asksOwnTasks reports whether a question is about the sender's own task
// list (我有哪些任务, 任务？, 我们单位还有几项没完成, 还有几个任务没完成 —
// a group's or the city's for those who supervise them): reading it is the
// answer.
func asksOwnTasks(q string) bool {
	bare := strings.TrimRight(q, "?？ ")
	if c := Parse(bare, 0); c.Verb == VerbTasks && c.Task == "" {
		return true
	}
	own := strings.Contains(q, "任务") && strings.Contains(q, "我") ||
		containsAny(q, "任务", "几项", "多少项") && containsAny(q, "几个", "几项", "多少") && containsAny(q, "没完成", "未完成", "没办完", "没销号", "未销号", "还剩", "剩下")
	for _, w := range []string{"我们", "我单位", "本单位", "咱们", "我的"} {
		own = own || strings.Contains(q, w) && containsAny(q, "任务", "几项", "多少项", "没完成", "未完成", "没办完", "逾期", "清单", "红灯", "黄灯",
			"进度", "进展", "情况", "怎么样", "咋样")
	}
	return own
}

func containsAny(s string, words ...string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(s, w) })
}

// questionAbout finds the task and action a question names: an id or a
// unique title word of the sender's own open tasks, and an action word.
// named is true when the task is named by its id: it may be closed already.
func (h *Handler) questionAbout(ctx context.Context, t *turn, text string) (task duban.Task, action duban.Action, named, ok bool) {
	if containsAny(text, standingWords...) {
		return task, "", false, false // S02什么时候要完成: its standing answers it
	}
	found := false
	for _, qa := range questionActions {
		for _, w := range qa.words {
			if strings.Contains(text, w) {
				action, found = qa.action, true
				break
			}
		}
		if found {
			break
		}
	}
	if action == "" {
		return task, "", false, false
	}
	if task, ok := h.mentionedTask(ctx, t.person, text); ok {
		return task, action, true, true
	}
	var words []string
	for _, tok := range strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
	}) {
		if len([]rune(tok)) >= 2 && !strings.Contains(tok, string(action)) {
			words = append(words, tok)
		}
	}
	if len(words) == 0 {
		return task, "", false, false
	}
	mine, err := h.visibleMatching(ctx, t.person, func(task *duban.Task) bool {
		return task.Status != duban.StatusVerified && containsAny(task.Title, words...)
	})
	if err != nil {
		return task, "", false, false
	}
	var hits []duban.Task
	for _, tok := range words {
		for _, task := range mine {
			if task.Status != duban.StatusVerified && strings.Contains(task.Title, tok) {
				hits = append(hits, task)
			}
		}
		if len(hits) == 1 {
			return hits[0], action, false, true
		}
		hits = hits[:0]
	}
	return task, "", false, false
}

// asksWhetherDone reports whether a question asks only whether an action
// of questionActions was taken (S04销号了吗, S02完成了没有, T003销号吗) — not
// what follows it (S04销号后还要做什么) nor whether it may be (S04可以销号吗).
func asksWhetherDone(q string) bool {
	q = strings.TrimRight(q, "?？。.!！ ")
	for _, qa := range questionActions {
		for _, w := range qa.words {
			if i := strings.LastIndex(q, w); i >= 0 && !containsSuffix(q[:i], mayOrMust) {
				switch q[i+len(w):] {
				case "", "了", "吗", "了吗", "没", "了没", "没有", "了没有", "呢", "了呢", "了吧", "吧", "否", "了不", "了么", "么":
					return true
				}
			}
		}
	}
	return false
}

// mayOrMust ask whether an action may or must be taken, not whether it was.
var mayOrMust = append([]string{"要", "需要", "该", "应该", "得"}, modals...)

// standingWords ask when a task is due or how it stands: a question holding
// one is not asked back as a change, whatever action word is in it (S02的完成
// 时限是哪天, 报送改革完成情况那项进展咋样了).
var standingWords = []string{"什么时候", "何时", "哪天", "几号", "时限", "期限", "到期", "截止", "进展", "进度", "怎么样", "咋样", "情况", "状态"}

// askBack is how the bot asks whether a question meant a change.
func askBack(task duban.Task, r duban.Request) string {
	subject := task.ID + "「" + task.Title + "」"
	switch r.Action {
	case duban.ActReport:
		return "您是要将 " + subject + "报为已完成吗？"
	case duban.ActVerify:
		return "您是要将 " + subject + "销号吗？"
	case duban.ActProgress:
		return "您是要报告 " + subject + "的进展「" + r.Note + "」吗？"
	case duban.ActExtend:
		return "您是要申请将 " + subject + "的完成时限由 " + task.Deadline.String() + " 延至 " + r.Deadline.String() + "（理由：" + r.Note + "）吗？"
	case duban.ActApprove:
		return "您是要同意 " + subject + "的延期申请（延至 " + task.Extension.Deadline.String() + "）吗？"
	case duban.ActReject:
		return "您是要驳回 " + subject + "（理由：" + r.Note + "）吗？"
	}
	return "您是要对 " + subject + string(r.Action) + "吗？"
}

// ask answers a policy question. fromFreeText adds a hint about commands
// (on the sender's own tasks) when the documents do not cover it, since the
// sender may have meant one.
func (h *Handler) ask(ctx context.Context, t *turn, question string, fromFreeText bool) error {
	if h.Policy == nil {
		t.reply("本部署没有接入政策文件，无法回答政策问题。\n" + h.help(ctx, t))
		return nil
	}
	text, declined, err := h.Policy.AnswerText(ctx, question)
	if err != nil {
		return err
	}
	if declined && fromFreeText && t.known {
		if hint := h.commandHint(ctx, t, question); hint != "" {
			text += "\n" + hint + "；发送「帮助」查看全部用法。"
		}
	}
	t.reply(text)
	return nil
}

// namedTask finds the task of the sender's that a question names by id or
// by words of its title (mentionedTask).
func (h *Handler) namedTask(ctx context.Context, t *turn, text string) (duban.Task, bool) {
	if !t.known {
		return duban.Task{}, false
	}
	return h.mentionedTask(ctx, t.person, text)
}

// asksStanding reports whether a question about a task asks how it stands
// (T003 进展怎么样了, T004 什么时候到期) rather than what the rules say.
func asksStanding(q string) bool {
	for _, w := range []string{"进展", "进度", "怎么样", "咋样", "状态", "情况", "到期", "截止", "时限", "什么时候", "哪天",
		"完成了没", "完成没", "完成了吗", "办完了吗", "做完了吗", "办得",
		"批了吗", "批了没", "批下来", "批准了吗", "批准了没", "同意了吗", "同意了没", "审批了吗", "审批了没"} {
		if strings.Contains(q, w) {
			return true
		}
	}
	return false
}

// asksWhichTask reports whether a question asks only what the task named
// by id is (S04是什么, 第3项是什么 once read as S04 是什么).
func asksWhichTask(q, id string) bool {
	i := strings.Index(strings.ToUpper(q), strings.ToUpper(id))
	if i < 0 {
		return false
	}
	rest := strings.Trim(q[:i]+q[i+len(id):], " ?？。.!！")
	switch rest {
	case "是什么", "是啥", "是哪个", "是哪项", "是哪一项", "是什么任务", "什么任务", "是哪个任务", "是哪项任务", "指什么", "指的是什么", "是什么事":
		return true
	}
	return false
}

// asksHowToSay reports whether a question asks how to word a command to
// the bot (进展怎么报, 延期的格式是什么).
func asksHowToSay(q string) bool {
	q = strings.ReplaceAll(q, "咋", "怎么")
	for _, w := range []string{"怎么写", "怎么报", "如何报", "如何写", "怎么填", "格式", "怎么发", "怎么用", "怎么操作", "怎么回复"} {
		if strings.Contains(q, w) {
			return true
		}
	}
	return false
}

// asksHowTo reports whether a message asks how to do something with the
// bot (延期怎么申请, 怎么办): never the answer to a question the bot asked.
func asksHowTo(q string) bool {
	if asksHowToSay(q) {
		return true
	}
	q = strings.ReplaceAll(q, "咋", "怎么")
	for _, w := range []string{"怎么申请", "如何申请", "怎样申请", "怎么办", "如何办理", "怎么弄", "怎么做"} {
		if strings.Contains(q, w) {
			return true
		}
	}
	return false
}

// states reports whether a note says something besides asking: one of its
// clauses holds no question word (已明确各科室职责，什么时候报编办待定 does;
// 怎么样了 does not).
func states(note string) bool {
	for _, clause := range strings.FieldsFunc(note, func(r rune) bool { return strings.ContainsRune("，,。；;！!？? ", r) }) {
		if len([]rune(clause)) >= 4 && !isQuestion(clause) {
			return true
		}
	}
	return false
}

// statedPart is a question's note without the tags that only ask (延期到3月
// 行吗, 可以不) and the hypothetical (延期到3月份的话 会不会影响考核), so an
// ask-back never quotes them as the reason.
func statedPart(note string) string {
	var kept []string
	clauses := strings.FieldsFunc(note, func(r rune) bool { return strings.ContainsRune("，,；;？? ", r) })
	for _, clause := range clauses {
		if strings.HasPrefix(clause, "的话") || slices.Contains(askingTags, strings.TrimRight(clause, "?？。.！!")) {
			continue
		}
		kept = append(kept, clause)
	}
	if len(kept) == len(clauses) {
		return note // nothing only asked: the note as written
	}
	return strings.Join(kept, "，")
}

// askingTags are the clauses that only ask for assent.
var askingTags = []string{"行吗", "行不", "行不行", "行吧", "可以吗", "可以不", "可以吧", "可不可以", "好吗", "好不好", "成吗", "能行吗", "是吧", "对吧", "没问题吧"}

// hints name the command a question the documents do not answer may be
// about (延期怎么申请: the 延期 command), by the words it holds.
var hints = []struct {
	words []string
	verb  Verb
	what  string
}{
	{[]string{"不同意延期"}, VerbRefuse, "不同意延期"},
	{[]string{"同意延期", "批准延期"}, VerbApprove, "同意延期"},
	{[]string{"延期", "推迟", "延长"}, VerbExtend, "申请延期"},
	{[]string{"销号"}, VerbVerify, "销号"},
	{[]string{"驳回", "退回"}, VerbReject, "驳回"},
	{[]string{"完成", "办结"}, VerbReport, "报完成"},
}

// commandHint is the command, on one of the sender's own tasks, that a
// question may be asking how to give; "" when they have no task for it.
func (h *Handler) commandHint(ctx context.Context, t *turn, question string) string {
	for _, c := range hints {
		for _, w := range c.words {
			if !strings.Contains(question, w) {
				continue
			}
			if task := h.exampleTask(ctx, t, actionOf(c.verb)); task.ID != "" {
				return "如果您是想" + c.what + "，可以这样说：" + example(c.verb, task)
			}
		}
	}
	if strings.Contains(question, "提醒") || strings.Contains(question, "收到") {
		return "收到提醒后回复「收到」即可，会记入催办记录；任务有进展或已完成时，请直接报送进展或完成。"
	}
	if task := h.exampleTask(ctx, t, duban.ActReport); task.ID != "" {
		return "如果您是想报送任务进展，可以这样说：" + example(VerbProgress, task)
	}
	return ""
}
