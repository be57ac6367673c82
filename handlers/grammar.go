package handlers

// The command grammar: verbs in every order people type them (完成 T003 …,
// T003 完成了, 完成了T003, T003已完成，…), with the task, the note, the
// reason and the new deadline read from around them. Dates are read in
// dates.go, task ids in taskids.go.

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/duban-org/duban"
)

// Verb is what a command asks for.
type Verb string

const (
	VerbHelp     Verb = "帮助"
	VerbTasks    Verb = "任务"
	VerbReport   Verb = "完成"
	VerbProgress Verb = "进展"
	VerbExtend   Verb = "延期"
	VerbVerify   Verb = "销号"
	VerbReject   Verb = "驳回"
	VerbApprove  Verb = "同意延期"
	VerbRefuse   Verb = "不同意延期"
	VerbUndo     Verb = "撤销"
	VerbRecord   Verb = "记录"
	VerbConfirm  Verb = "确认"
	VerbCancel   Verb = "取消"
	VerbAck      Verb = "收到"
	VerbBulletin Verb = "通报"
	VerbLetter   Verb = "专函"
	VerbAsk      Verb = "问"
	VerbPage     Verb = "翻页" // 下一页, 第2页: another page of the last list
)

// Need names the part a recognised command lacks, so the bot can ask for it.
type Need string

const (
	NeedTask   Need = "task"   // which task
	NeedVerb   Need = "verb"   // a task was named, but not what to do with it
	NeedDate   Need = "date"   // 延期 without a new deadline
	NeedReason Need = "reason" // 延期, 驳回, 不同意延期 without a reason
	NeedNote   Need = "note"   // 进展 without words
)

// Command is a parsed message. A message that is not a command parses to
// Verb "" with Rest holding the whole (normalised) text.
type Command struct {
	Verb     Verb
	Task     string     // the task reference: an id or a fragment of a title (for 任务, a unit)
	More     []string   // further task ids named with it: 完成 T003、T004
	Deadline duban.Date // for 延期
	// Shift is a 延期 given as a length (延期两周): the current deadline
	// moved by it, worked out once the task is known.
	Shift shift
	Rest  string // the note, reason or question
	// List and Page are a 任务 drill-down (任务 红 第2页); Page is also
	// VerbPage's page: a number from 1, or PageNext, PagePrev, PageLast.
	List ListKind
	Page int
	// Question is set when the message reads as a question: it is never
	// executed, whatever word it starts with.
	Question bool
	// Need says what a recognised command lacks; Err why it cannot be read
	// at all (an impossible date). Either leaves the ledger alone.
	Need Need
	Err  string
}

// verbs maps every accepted spelling to its verb, with the particles people
// add (已完成, 完成了). Longer spellings are tried first so 不同意延期 is not
// read as 不同意 + 延期.
var verbs = sortedVerbs([]struct {
	word string
	verb Verb
}{
	{"不同意延期", VerbRefuse}, {"驳回延期", VerbRefuse}, {"不批准延期", VerbRefuse}, {"不予延期", VerbRefuse}, {"不同意", VerbRefuse},
	{"同意延期", VerbApprove}, {"批准延期", VerbApprove}, {"准予延期", VerbApprove}, {"同意", VerbApprove}, {"批准", VerbApprove},
	{"不予批准", VerbRefuse}, {"不批准", VerbRefuse}, {"不批", VerbRefuse},
	{"申请延期", VerbExtend}, {"延期申请", VerbExtend}, {"申请延长时限", VerbExtend}, {"延长时限", VerbExtend}, {"延期", VerbExtend},
	{"推迟", VerbExtend}, {"延至", VerbExtend}, {"延到", VerbExtend}, {"延长", VerbExtend}, {"顺延", VerbExtend},
	{"往后推", VerbExtend}, {"推后", VerbExtend}, {"延后", VerbExtend}, {"延迟", VerbExtend},
	{"我的任务", VerbTasks}, {"任务清单", VerbTasks}, {"任务列表", VerbTasks}, {"查看任务", VerbTasks}, {"看看任务", VerbTasks},
	{"帮我看看任务", VerbTasks}, {"查一下任务", VerbTasks}, {"查任务", VerbTasks}, {"看任务", VerbTasks}, {"任务", VerbTasks},
	{"已经全部完成", VerbReport}, {"全部完成", VerbReport}, {"已经完成", VerbReport}, {"已完成", VerbReport}, {"完成了", VerbReport},
	{"完成啦", VerbReport}, {"报完成", VerbReport}, {"报告完成", VerbReport}, {"完成", VerbReport}, {"已办结", VerbReport}, {"办结", VerbReport},
	{"已办完", VerbReport}, {"办完了", VerbReport}, {"做完了", VerbReport}, {"已上报", VerbReport}, {"已报送", VerbReport},
	{"已搞定", VerbReport}, {"搞定了", VerbReport}, {"已办好", VerbReport}, {"办好了", VerbReport},
	{"最新进展", VerbProgress}, {"进展情况", VerbProgress}, {"有新进展", VerbProgress}, {"有进展", VerbProgress}, {"进展", VerbProgress}, {"进度", VerbProgress},
	{"完成情况", VerbProgress}, {"报告进展", VerbProgress}, {"汇报进展", VerbProgress}, {"报进展", VerbProgress},
	{"推进中", VerbProgress}, {"正在推进", VerbProgress}, {"正在办理", VerbProgress},
	{"同意销号", VerbVerify}, {"予以销号", VerbVerify}, {"核实销号", VerbVerify}, {"可以销号", VerbVerify}, {"销号", VerbVerify},
	{"核销", VerbVerify}, {"给销了", VerbVerify}, {"销了", VerbVerify},
	{"驳回", VerbReject}, {"退回重报", VerbReject}, {"打回重报", VerbReject}, {"退回修改", VerbReject}, {"打回修改", VerbReject},
	{"退回去", VerbReject}, {"打回去", VerbReject}, {"退回", VerbReject}, {"打回", VerbReject},
	{"撤销", VerbUndo}, {"撤消", VerbUndo}, {"撤回", VerbUndo},
	{"变更记录", VerbRecord}, {"历史记录", VerbRecord}, {"记录", VerbRecord}, {"留痕", VerbRecord},
	{"帮助", VerbHelp}, {"help", VerbHelp}, {"用法", VerbHelp}, {"菜单", VerbHelp}, {"使用说明", VerbHelp},
	{"确认", VerbConfirm}, {"确定", VerbConfirm}, {"取消", VerbCancel}, {"算了", VerbCancel},
	{"已收到", VerbAck}, {"收到了", VerbAck}, {"收到", VerbAck}, {"已收悉", VerbAck}, {"收悉", VerbAck}, {"已阅", VerbAck},
	{"工作通报", VerbBulletin}, {"发布通报", VerbBulletin}, {"通报", VerbBulletin},
	{"专函督办", VerbLetter}, {"督办函", VerbLetter}, {"专函", VerbLetter},
	{"问", VerbAsk}, {"咨询", VerbAsk},
})

func sortedVerbs(vs []struct {
	word string
	verb Verb
}) []struct {
	word string
	verb Verb
} {
	// Stable by length, longest first.
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && len(vs[j].word) > len(vs[j-1].word); j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
	return vs
}

// needsTask lists the verbs that must name a task.
var needsTask = map[Verb]bool{
	VerbReport: true, VerbProgress: true, VerbExtend: true, VerbVerify: true,
	VerbReject: true, VerbApprove: true, VerbRefuse: true, VerbRecord: true,
}

// bare lists the verbs that take nothing after them; a sentence that merely
// starts with such a word is not a command.
var bare = map[Verb]bool{VerbHelp: true, VerbUndo: true, VerbConfirm: true, VerbCancel: true, VerbBulletin: true, VerbLetter: true}

// Parse reads a message in the command grammar, in the orders people type
// it (完成 T003 说明, T003 完成了, 完成了T003, T003已完成，说明), relative to
// today for dates without a year. It is forgiving about spacing, full-width
// characters, punctuation after the verb and the case of task ids; it never
// fails, but a recognised command with missing parts carries Need or Err.
func Parse(text string, today duban.Date) Command {
	s := normalise(text)
	if s == "" {
		return Command{}
	}
	if strings.Trim(s, "?？ ") == "" {
		return Command{Verb: VerbHelp}
	}
	verb, rest, ok := splitVerb(s)
	if ok && verb == VerbAsk {
		// 问 每个科室几个人; but 问题是… is not 问.
		if rest != "" && !strings.ContainsAny(rest[:1], " :：,，") && !strings.HasPrefix(rest, "：") && !strings.HasPrefix(rest, "，") {
			return Command{Rest: s, Question: isQuestion(s)}
		}
		c := Command{Verb: VerbAsk, Rest: trimLead(rest), Question: true}
		if c.Rest == "" {
			c.Need = NeedNote
		}
		return c
	}
	if isQuestion(s) {
		return Command{Rest: s, Question: true}
	}
	if c, ok := parseListing(s); ok {
		return c // 任务 红, 逾期的任务, 下一页
	}
	return parseCommand(s, today)
}

// parseCommand reads s as a command, question or not: Parse's reading of
// a statement, and what a question would ask for were it a command.
func parseCommand(s string, today duban.Date) Command {
	if c, ok := issueRequest(s); ok {
		return c // 发布本期通报, 给市委办公室发个专函
	}
	verb, rest, ok := splitVerb(s)
	// The verb first: 完成 T003 说明.
	if ok && verb != VerbAsk {
		return verbFirst(s, verb, rest, today)
	}
	// The task first: T003 完成了 / T003已完成，说明 / 人员转岗 已完成 /
	// 我们单位T003的任务已经完成了 / T003 人员已到岗，已完成.
	subjectless := dropSubject(s)
	if ref, rest, ok := leadingTask(subjectless); ok {
		var more []string
		if isTaskID(ref) {
			more, rest = moreTasks(ref, rest)
		}
		// 把S04销号, 把T004的时限延到2月底 are read; but after 把 or 将 a
		// word of progress is the object of a verb that comes last
		// (把T003的完成情况报一下 asks someone for a report).
		head := s[:len(s)-len(subjectless)]
		disposal := strings.HasPrefix(s, "把") || strings.HasPrefix(s, "将") || strings.HasSuffix(head, "把") || strings.HasSuffix(head, "将")
		after := dropFiller(trimLead(rest))
		if verb, vrest, ok := splitVerb(after); ok && needsTask[verb] {
			if verb == VerbRecord && trimLead(vrest) != "" || disposal && verb == VerbProgress {
				return Command{Rest: s}
			}
			if verb == VerbExtend {
				verb, vrest = decidedExtension(vrest) // S05的延期批了
			}
			return withTask(Command{Verb: verb, Task: ref, More: more}, vrest, today)
		}
		if isTaskID(ref) {
			if c, ok := datedDone(ref, more, after, today); ok && !disposal {
				return c // S01已于11月30日完成，材料已报送编办
			}
			if rest, ok := deadlineChange(after); ok {
				return readExtension(Command{Verb: VerbExtend, Task: ref, More: more}, rest, today) // S02时限调整到2月20日
			}
			if verb, note, ok := trailingVerb(after); ok && !disposal {
				return withTask(Command{Verb: verb, Task: ref, More: more}, note, today)
			}
			if c, ok := reasonFirst(ref, more, after, today); ok && !disposal {
				return c // S02时间不够，申请延后到2月20日
			}
			return Command{Task: ref, Rest: s, Need: NeedVerb}
		}
	}
	return Command{Rest: s}
}

// reIssue is a request to issue a bulletin or a letter in words: 发布本期通报,
// 出一期通报, 给市委办公室发个专函 (the unit, if any, before the verb).
var reIssue = regexp.MustCompile(`^(?:请|麻烦)?(?:给|向|对)?(\p{Han}*?)(?:发布|发出|下发|印发|生成|预览|发|出)(?:一下|一期|一份|一个|一封|个|份|封|本期|这期|下一期|下期)?(工作通报|通报|专函督办|专函|督办函)(?:吧|一下)?$`)

// reThisBulletin names the bulletin due: 本周通报, 这期的通报, 最新工作通报.
var reThisBulletin = regexp.MustCompile(`^(?:本周|这周|本期|这期|本月|这个月|最新)的?(?:工作通报|通报)$`)

// issueRequest reads s as a request for the 工作通报 or a 专函督办.
func issueRequest(s string) (Command, bool) {
	s = strings.TrimRight(s, "。.！! ")
	if reThisBulletin.MatchString(s) {
		return Command{Verb: VerbBulletin}, true // 本周通报
	}
	m := reIssue.FindStringSubmatch(s)
	if m == nil {
		return Command{}, false
	}
	if strings.Contains(m[2], "通报") {
		return Command{Verb: VerbBulletin}, m[1] == ""
	}
	return Command{Verb: VerbLetter, Task: m[1]}, true
}

// subjects are the words people put before a task they name: 我们单位T003….
var subjects = []string{"我们单位", "我单位", "本单位", "我们", "帮我", "帮忙", "我", "报告", "汇报", "关于", "麻烦", "请", "申请", "编号", "任务", "把", "将",
	"那个", "这个", "就是",
	// connectives before a second request: S02完成了，另外S03申请延期….
	"另外", "还有", "此外", "同时", "以及", "并且", "然后", "再就是"}

// dropSubject takes subjects off the front when a task id follows them
// (帮我把S04销了).
func dropSubject(s string) string {
	for _, w := range subjects {
		if rest, ok := strings.CutPrefix(s, w); ok {
			rest = strings.TrimLeft(rest, " ，,：:")
			if ref, _, ok := leadingTask(rest); ok && isTaskID(ref) {
				return rest
			}
			if next := dropSubject(rest); next != rest {
				return next
			}
		}
	}
	return s
}

// fillers are the words people put between a task and its verb:
// T003的任务已经完成了, T003这项完成了, 把T004的时限延到2月底.
var fillers = []string{"号任务", "这项任务", "这个任务", "那项任务", "那个任务", "这项工作", "那项工作", "的任务", "任务",
	"这项", "这个", "那项", "那个", "的完成时限", "完成时限", "的时限", "时限", "的期限", "期限", "的截止日期", "截止日期",
	"的", "号", "我们这边", "我这边", "我们单位", "我们", "这边", "目前", "现在",
	"已经", "已", "需要", "想要", "想", "要", "拟", "申请", "正在", "还在", "仍在", "在"}

// modal fillers belong to the verb after them (已完成, 申请延期, 时限延到):
// they are dropped only when a verb follows.
var modal = map[string]bool{"已经": true, "已": true, "需要": true, "想要": true, "想": true, "要": true, "拟": true, "申请": true, "正在": true, "还在": true, "仍在": true, "在": true,
	"的完成时限": true, "完成时限": true, "的时限": true, "时限": true, "的期限": true, "期限": true, "的截止日期": true, "截止日期": true}

func dropFiller(s string) string {
	for changed := true; changed; {
		changed = false
		for _, w := range fillers {
			if rest, ok := strings.CutPrefix(s, w); ok && rest != "" {
				if modal[w] {
					if _, _, ok := splitVerb(rest); !ok {
						continue
					}
				}
				s, changed = trimLead(rest), true
			}
		}
	}
	return s
}

// endVerbs are the verbs that may close a sentence about a task:
// T003 人员已到岗，已完成 / S04 核实无误，销号.
var endVerbs = []struct {
	word string
	verb Verb
}{
	{"已经完成了", VerbReport}, {"已经完成", VerbReport}, {"已完成", VerbReport}, {"完成了", VerbReport}, {"已办结", VerbReport},
	{"予以销号", VerbVerify}, {"同意销号", VerbVerify}, {"可以销号了", VerbVerify}, {"销号", VerbVerify},
	{"退回重报", VerbReject}, {"打回重报", VerbReject}, {"退回去", VerbReject}, {"打回去", VerbReject}, {"驳回", VerbReject},
	{"不同意延期", VerbRefuse}, {"同意延期", VerbApprove},
}

// extensionDecisions are the words after a task's 延期 (or 延期申请) that
// decide it rather than ask for it: S05的延期批了, S05延期不同意，理由….
var extensionDecisions = []struct {
	word string
	verb Verb
}{
	{"不予批准", VerbRefuse}, {"不同意", VerbRefuse}, {"不批准", VerbRefuse}, {"不批", VerbRefuse}, {"不准", VerbRefuse}, {"驳回", VerbRefuse},
	{"不可以", VerbRefuse}, {"不行", VerbRefuse}, {"不通过", VerbRefuse},
	{"批准了", VerbApprove}, {"同意了", VerbApprove}, {"批准", VerbApprove}, {"同意", VerbApprove}, {"批了", VerbApprove}, {"准了", VerbApprove}, {"准予", VerbApprove},
	{"可以", VerbApprove}, {"通过了", VerbApprove}, {"通过", VerbApprove},
}

// weakDecisions decide only when they end their clause (S05延期可以, S05延期
// 不行，时间太长).
var weakDecisions = map[string]bool{"可以": true, "不可以": true, "不行": true, "通过": true, "通过了": true, "不通过": true}

// decidedExtension reads what follows a task's 延期: a decision on its
// request (with the reason after a refusal), or else the request itself.
func decidedExtension(rest string) (Verb, string) {
	t := strings.TrimLeft(trimLead(rest), "申请的我们 ")
	for _, d := range extensionDecisions {
		if after, ok := strings.CutPrefix(t, d.word); ok {
			if weakDecisions[d.word] && !isBlank(after) && !startsWithSep(after) {
				continue // 延期可以等编委会: no decision
			}
			return d.verb, strings.TrimLeft(after, "了吧，,。：: ")
		}
	}
	return VerbExtend, rest
}

// reasonFirst reads a request for an extension written after its reason
// (S02时间不够，申请延后到2月20日): a later clause opens with 延期 and a date,
// the clauses before it are the reason.
func reasonFirst(ref string, more []string, s string, today duban.Date) (Command, bool) {
	for i, r := range s {
		if !strings.ContainsRune("，,；;。", r) {
			continue
		}
		reason, clause := strings.TrimSpace(s[:i]), dropFiller(trimLead(s[i+len(string(r)):]))
		verb, rest, ok := splitVerb(clause)
		if !ok || verb != VerbExtend || reason == "" {
			continue
		}
		c := readExtension(Command{Verb: VerbExtend, Task: ref, More: more}, rest, today)
		if c.Deadline.IsZero() || c.Err != "" {
			return Command{}, false
		}
		c.Rest = strings.TrimSpace(strings.Trim(reason+"，"+c.Rest, "，"))
		c.Need = ""
		return c, true
	}
	return Command{}, false
}

// datedDone reads work reported done on a day written before the verb
// (已于11月30日完成，材料已报送编办, 于11月30日已完成): 已 says it is done, not
// planned (2月20日完成 is a plan); the words from the day on are the note.
func datedDone(ref string, more []string, s string, today duban.Date) (Command, bool) {
	t, already := cutPrefixes(s, "已经", "已")
	note := t
	t, _ = cutPrefixes(t, "于", "在")
	_, rest, ok, err := readDate(t, today)
	if !ok || err != nil {
		return Command{}, false
	}
	rest = afterDate(rest) // 11月30日前完成
	if r, ok := cutPrefixes(rest, "已经", "已"); ok {
		rest, already = r, true
	}
	verb, _, ok := splitVerb(trimLead(rest))
	if !ok || verb != VerbReport || !already {
		return Command{}, false
	}
	return Command{Verb: VerbReport, Task: ref, More: more, Rest: strings.TrimSpace(note)}, true
}

// deadlineChange reads a new deadline asked for as a change of the date
// (的完成时间改成2月20日, 时限调整到2月20日): what follows the change, whose
// date readExtension requires.
func deadlineChange(s string) (string, bool) {
	t, _ := cutPrefixes(s, "的")
	t, ok := cutPrefixes(t, "完成时限", "完成时间", "完成期限", "完成日期", "截止时间", "截止日期", "时限", "期限")
	if !ok {
		return "", false
	}
	t, ok = cutPrefixes(strings.TrimLeft(t, " "), "调整到", "调整为", "调整至", "改成", "改为", "改到", "改至", "变更为", "变更到", "推到")
	if !ok {
		return "", false
	}
	if _, _, dated, _ := readDate(t, 0); !dated {
		return "", false // 时限改成什么: no date, no request
	}
	return t, true
}

// cutPrefixes cuts the first of words s starts with.
func cutPrefixes(s string, words ...string) (string, bool) {
	for _, w := range words {
		if rest, ok := strings.CutPrefix(s, w); ok {
			return rest, true
		}
	}
	return s, false
}

// trailingVerb finds a verb at the end of s and returns it with the words
// before it as the note.
func trailingVerb(s string) (Verb, string, bool) {
	t := strings.TrimRight(s, "。.！! ")
	for _, v := range endVerbs {
		if note, ok := strings.CutSuffix(t, v.word); ok {
			if v.verb == VerbApprove && strings.HasSuffix(note, "不") {
				continue
			}
			note = strings.TrimRight(note, " ")
			if containsSuffix(note, notYet) && !strings.HasSuffix(note, "提前") { // 提前完成 is done
				return "", s, false // T003 快完成了, 预计月底完成: not done yet
			}
			for _, w := range allOf {
				note = strings.TrimSuffix(note, w) // T003和T004都完成了: 都 is no note
			}
			return v.verb, strings.TrimRight(note, "，,、;； "), true
		}
	}
	return "", s, false
}

// notYet are the words before a closing verb that say it has not happened
// yet (快完成了, 即将完成, 尚未完成, 预计月底完成, 争取本周完成).
var notYet = append([]string{"快", "将", "就要", "马上", "差不多", "基本", "接近", "准备",
	"尚未", "还没", "还没有", "没有", "没", "未", "要", "能", "会", "可以", "希望", "可望", "拟", "才能", "前", "内"}, planWords...)

// planWords say that the work is planned, not done (争取月底完成, 计划12月20日完成).
var planWords = []string{"争取", "力争", "预计", "计划", "打算", "有望"}

// allOf are the words before a closing verb that only say how many tasks
// it is about (T003和T004都完成了).
var allOf = []string{"全部", "全都", "都", "均", "也"}

func containsSuffix(s string, suffixes []string) bool {
	return slices.ContainsFunc(suffixes, func(w string) bool { return strings.HasSuffix(s, w) })
}

// verbFirst reads what follows a leading verb.
func verbFirst(s string, verb Verb, rest string, today duban.Date) Command {
	rest = trimLead(rest)
	c := Command{Verb: verb}
	switch {
	case verb == VerbLetter && rest != "" && !strings.ContainsAny(rest, " ，,。") && !startsWithVerb(rest):
		return Command{Verb: VerbLetter, Task: rest} // 专函 市财政局
	case bare[verb]:
		if !isBlank(trimCourtesy(rest)) {
			return Command{Rest: s}
		}
		return c
	case verb == VerbTasks:
		// 任务 may name a unit: 任务 DQ01, 任务 市司法局, 任务 司法局.
		if rest == "" {
			return c
		}
		if ref, after, ok := leadingTask(rest); ok && isTaskID(ref) && strings.TrimSpace(after) != "" {
			return Parse(rest, today) // 任务S02已完成: 任务 names the task, not a unit
		}
		if strings.ContainsAny(rest, " ，,。") || startsWithVerb(rest) {
			return Command{Rest: s}
		}
		c.Task = rest
		return c
	case verb == VerbAck:
		// 收到 T012 acknowledges one task; 收到，谢谢 all of them.
		if tok := firstToken(rest); isTaskID(tok) {
			c.Task = tok
		}
		return c
	}
	ref := taskToken(rest)
	if ref == "" || startsWithVerb(ref) {
		c.Need = NeedTask
		if verb == VerbApprove || verb == VerbRefuse {
			// 不同意 alone is an answer, not a command.
			return Command{Rest: s}
		}
		return c
	}
	c.Task = strings.Trim(ref, "，,。.：:、")
	c.More, rest = moreTasks(c.Task, rest[len(ref):])
	return withTask(c, strings.TrimSpace(rest), today)
}

// moreTasks reads further task ids like first at the start of s (、T004 和
// T005) and returns them with what follows.
func moreTasks(first, s string) ([]string, string) {
	var more []string
	for {
		t := strings.TrimLeft(s, "、，,和及与 ")
		t = strings.TrimPrefix(t, "和")
		t = strings.TrimLeft(t, " ")
		end := 0
		for end < len(t) && isIDByte(t[end]) {
			end++
		}
		if end == 0 || !isTaskID(first) || !isTaskID(t[:end]) || t == s || hasLetter(t[:end]) != hasLetter(first) {
			return more, s // 完成 T003 2号文件已报: 2 is not a task
		}
		if _, _, isDate, _ := readDate(t, 0); isDate {
			return more, s // 延期 T003 2027-01-25: a date, not a task
		}
		more, s = append(more, t[:end]), t[end:]
	}
}

// withTask reads the note, reason or date after the task of c.
func withTask(c Command, rest string, today duban.Date) Command {
	rest = trimLead(rest)
	switch c.Verb {
	case VerbExtend:
		return readExtension(c, rest, today)
	case VerbRecord:
		return c
	case VerbApprove, VerbRefuse:
		// 批准S05延期申请, 同意延期到2月20日: the request named again is no
		// note; a date is the one the leader agrees to (checked against
		// the request before anything changes).
		for _, w := range []string{"的延期申请", "延期申请", "的延期", "延期", "的申请", "申请"} {
			if r, ok := strings.CutPrefix(rest, w); ok {
				rest = trimLead(r)
				break
			}
		}
		if c.Verb == VerbApprove {
			if d, after, ok, err := readDate(trimDateLead(rest), today); ok && err == nil {
				c.Deadline, rest = d, trimLead(afterDate(after))
			}
		}
	}
	if r, ok := strings.CutPrefix(rest, "任务"); ok && startsWithSep(r) {
		rest = trimLead(r) // 完成 T003 任务，…: the word 任务 is not the note
	}
	if c.Verb == VerbReport && partly(rest) {
		c.Verb, rest = VerbProgress, "完成"+rest // 完成50%: progress, not done
	}
	c.Rest = rest
	switch {
	case !isBlank(rest):
	case c.Verb == VerbProgress:
		c.Need, c.Rest = NeedNote, ""
	case c.Verb == VerbReject || c.Verb == VerbRefuse:
		c.Need, c.Rest = NeedReason, ""
	default:
		c.Rest = ""
	}
	return c
}

// partly reports whether the words after 完成 say how much is done (50%,
// 一半, 大部分): progress, not a report of completion.
func partly(s string) bool {
	if reShare.MatchString(s) {
		return true
	}
	for _, w := range []string{"一半", "大半", "过半", "大部分", "部分", "百分之", "初稿", "了一半"} {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

var reShare = regexp.MustCompile(`^约?\d+(\.\d+)?\s*[%％成]`)

// readExtension reads "[到] 日期 [，因为] 理由" in either order.
func readExtension(c Command, rest string, today duban.Date) Command {
	rest = trimDateLead(rest)
	d, after, ok, err := readDate(rest, today)
	if !ok {
		d, after, ok, err = findDate(rest, today)
	}
	if !ok {
		if sh, after, ok := readShift(rest); ok {
			c.Shift, c.Rest = sh, trimReason(after)
			if isBlank(c.Rest) {
				c.Rest, c.Need = "", NeedReason
			}
			return c
		}
		c.Need = NeedDate
		c.Rest = trimReason(withoutVagueDates(rest))
		return c
	}
	if err != nil {
		c.Err = duban.ErrorMessage(err)
		return c
	}
	c.Deadline = d
	c.Rest = trimReason(afterDate(after))
	for _, w := range []string{"新的完成时限", "新完成时限", "新的时限", "新时限", "时限延至", "时限延到", "延至", "延到", "延期到"} {
		c.Rest = strings.TrimSpace(strings.TrimSuffix(c.Rest, w)) // 原因是… 新时限2月20日
	}
	if isBlank(c.Rest) {
		c.Rest, c.Need = "", NeedReason
	}
	return c
}

// trimDateLead drops the words before a new deadline: 到, 至, 为, 延至.
func trimDateLead(s string) string {
	s = trimLead(s)
	for _, w := range []string{"时限延至", "时限延到", "延长至", "延长到", "延期到", "延期至", "延至", "延到", "推迟到", "推迟至", "延迟到", "延迟至",
		"申请延期", "延期", "推迟", "延长", "顺延", "往后推", "推后", "延后", "到", "至", "为"} {
		if strings.HasPrefix(s, w) {
			return trimDateLead(s[len(w):]) // 延期 then 到…
		}
	}
	return s
}

// afterDate drops the 前 of 1月25日前 from what follows a date.
func afterDate(s string) string {
	s = strings.TrimSpace(s)
	for _, w := range []string{"之前", "以前", "前"} {
		if rest, ok := strings.CutPrefix(s, w); ok {
			return rest
		}
	}
	return s
}

// trimReason drops the words before a reason (因为, 理由是, 原因：) and the
// brackets around one ((编委会延期)).
func trimReason(s string) string {
	s = trimLead(s)
	for _, br := range [][2]string{{"（", "）"}, {"(", ")"}, {"【", "】"}} {
		if inner, ok := strings.CutPrefix(s, br[0]); ok {
			if inner, ok := strings.CutSuffix(strings.TrimRight(inner, "。. "), br[1]); ok && !strings.ContainsAny(inner, br[0]+br[1]) {
				s = strings.TrimSpace(inner)
			}
		}
	}
	for _, w := range []string{"理由是", "原因是", "理由", "原因", "因为", "由于"} {
		if strings.HasPrefix(s, w) {
			return trimLead(s[len(w):])
		}
	}
	return s
}

// leadingTask reads a task named before its verb: an id (T003, glued to
// what follows or not), or a word of its title followed by a space.
func leadingTask(s string) (ref, rest string, ok bool) {
	for _, br := range [][2]string{{"【", "】"}, {"[", "]"}, {"（", "）"}, {"(", ")"}} {
		if inner, ok := strings.CutPrefix(s, br[0]); ok {
			if id, after, ok := strings.Cut(inner, br[1]); ok && isTaskID(strings.TrimSpace(id)) {
				return strings.TrimSpace(id), after, true // 【T003】已完成
			}
		}
	}
	end := 0
	for end < len(s) && isIDByte(s[end]) {
		end++
	}
	if end > 0 && isTaskID(s[:end]) {
		return s[:end], s[end:], true
	}
	if tok := firstToken(s); tok != s && utf8.RuneCountInString(tok) >= 2 && !isTaskID(tok) {
		return strings.Trim(tok, "，,。：:、"), s[len(tok):], true
	}
	return "", s, false
}

// example is a command of verb v on task, as the sender would type it; a
// zero task gives a generic one.
func example(v Verb, task duban.Task) string {
	id := task.ID
	if id == "" {
		id = "T012"
	}
	switch v {
	case VerbExtend:
		d := task.Deadline.AddDays(14)
		if task.Deadline.IsZero() {
			d = duban.NewDate(2027, 1, 20)
		}
		return "延期 " + id + " " + d.String() + " 待市编委会审议"
	case VerbProgress:
		return "进展 " + id + " 方案已起草"
	case VerbReport:
		return "完成 " + id + " 方案已报编办"
	case VerbReject:
		return "驳回 " + id + " 未附党组会纪要"
	case VerbRefuse:
		return "不同意延期 " + id + " 时限不变"
	}
	return string(v) + " " + id
}

// normalise folds full-width letters and digits (typed with a Chinese IME),
// drops control and format characters, turns any run of white space into one
// space and trims, so the grammar sees one spelling of each command. Chinese
// punctuation in notes is kept.
func normalise(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９' || r >= 'Ａ' && r <= 'Ｚ' || r >= 'ａ' && r <= 'ｚ':
			return r - 0xFEE0
		case r == '\u3000' || r == '\t' || r == '\n' || r == '\r' || r == '|' || r == '｜':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

func splitVerb(s string) (Verb, string, bool) {
	lower := strings.ToLower(s)
	if containsPrefix(lower, notVerbs) {
		return "", s, false // 完成时限告诉我 asks for a date, 完成不了 says the opposite
	}
	for _, v := range verbs {
		if strings.HasPrefix(lower, v.word) {
			return v.verb, s[len(v.word):], true
		}
	}
	return "", s, false
}

// notVerbs start with a verb but do not say it: they name a task's
// deadline, or deny it.
var notVerbs = []string{"完成时限", "完成期限", "完成时间", "完成日期", "办结时限", "办结期限", "办结时间",
	"完成不了", "完成不到", "完成不完", "完成不成", "办结不了", "办不完", "做不完"}

func containsPrefix(s string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(s, p) })
}

func startsWithVerb(s string) bool {
	v, _, ok := splitVerb(strings.TrimPrefix(strings.TrimPrefix(s, "已经"), "已"))
	return ok && needsTask[v]
}

// trimLead drops the spaces and punctuation between the parts of a command,
// and the particles people put after a verb (完成了，… / 有进展：…).
func trimLead(s string) string {
	for {
		t := strings.TrimLeft(s, ":：,，、。.;；!！—→ ")
		t = strings.TrimPrefix(t, "了")
		t = strings.TrimPrefix(t, "啦")
		if t == s {
			return s
		}
		s = t
	}
}

// startsWithSep reports whether s is empty or starts with a space or a
// punctuation mark.
func startsWithSep(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return s == "" || unicode.IsSpace(r) || unicode.IsPunct(r)
}

// trimCourtesy drops what people add to a bare command: 撤销一下, 确认吧.
func trimCourtesy(s string) string {
	for _, w := range []string{"一下", "吧", "了", "啦", "谢谢", "，", "。", "！", "!", ",", "."} {
		s = strings.ReplaceAll(s, w, "")
	}
	return strings.TrimSpace(s)
}

// isBlank reports whether s has no letter or digit: "。", "…", "👍".
func isBlank(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// firstToken returns the text up to the first space.
func firstToken(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}

// taskToken returns the task reference at the start of s: the first token,
// but when an ASCII id is glued to the words after it ("完成T012方案已报"),
// only the id.
func taskToken(s string) string {
	tok := firstToken(s)
	end := 0
	for end < len(tok) && isIDByte(tok[end]) {
		end++
	}
	if end > 0 && end < len(tok) && hasDigit(tok[:end]) {
		return tok[:end]
	}
	return strings.TrimRight(tok, "，,。.：:、；;！!")
}

// actionOf is the domain action a verb asks for.
func actionOf(v Verb) duban.Action {
	switch v {
	case VerbReport:
		return duban.ActReport
	case VerbProgress:
		return duban.ActProgress
	case VerbExtend:
		return duban.ActExtend
	case VerbVerify:
		return duban.ActVerify
	case VerbReject:
		return duban.ActReject
	case VerbApprove:
		return duban.ActApprove
	case VerbRefuse:
		return duban.ActRefuse
	}
	return ""
}
