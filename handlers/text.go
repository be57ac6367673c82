package handlers

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// text routes a text message: the answer to an open follow-up, a greeting,
// a question (never executed), a command, or a miss.
func (h *Handler) text(ctx context.Context, t *turn, text string) error {
	s := stripLabel(stripMention(simplified(normalise(text))))
	if rest := strings.TrimLeftFunc(s, isEmojiRune); rest != "" {
		s = rest // ✅S02已完成
	}
	greeted, s := stripGreeting(s)
	s = stripAddressee(s)
	if t.known {
		s = h.stripUnitName(ctx, s)   // 市司法局S02已完成
		s = h.joinSplitIDs(ctx, t, s) // t 003 完成
		placed, done, err := h.readPlaces(ctx, t, s)
		if done || err != nil {
			return err // 第3项任务完成了: the list shown cannot say which
		}
		s = placed // 第3项任务完成了: S04 完成了
	}
	c := Parse(s, t.today)
	if id, ok := isAttachmentsCommand(s); ok {
		return h.sendAttachments(ctx, t, id) // evidence.go
	}
	if needsOwnIDs(c) {
		if own, ok := h.parseOwnIDs(ctx, t, s); ok {
			c = own // 任务三 完成了, 教育-3已完成
		}
	}
	f, pending, err := h.pendingFollowup(ctx, t)
	if err != nil {
		return err
	}
	if pending && f.Action == actAttach {
		if done, err := h.answerAttach(ctx, t, c, s); done || err != nil {
			return err
		}
	}
	if pending && f.Action != actAttach {
		switch {
		case c.Verb == VerbCancel:
			return h.cancelFollowup(ctx, t, f)
		case isClearCommand(c):
			if err := h.Store.DropFollowup(ctx, t.person.UserID); err != nil {
				return err
			}
		case s == "" || isCourtesy(s):
			task, err := h.Store.Task(ctx, f.TaskID)
			if err != nil {
				return err
			}
			t.reply(followupPrompt(task, store.Followup{Action: f.Action, Deadline: f.Deadline, Note: f.Note}, t.today) + "（回复「取消」放弃）")
			return nil
		case c.Question && asksHowTo(s):
			// 延期怎么申请 while the bot waits for a date: a question about
			// the command, not the answer; the question stays open.
		case !c.Question || !strings.ContainsAny(s, "?？吗"):
			return h.answerFollowup(ctx, t, f, s)
		}
	}
	if !pending || f.Action == actAttach {
		if answered, err := h.answerOffer(ctx, t, s); answered || err != nil {
			return err // 是的, 不对, 好的 after 「您是要…吗？」
		}
		if t.known && (c.Verb == "" && !c.Question && isCorrection(s) || takesBack(c, s)) {
			h.correctionHint(ctx, t) // 刚才说错了, 延期申请撤回来: never a report nor a request
			return nil
		}
	}
	if kind := asksIdleUnits(s); t.known && kind != notIdle {
		if ok, err := h.answerIdleUnits(ctx, t, kind); ok || err != nil {
			return err // 哪些单位还没动
		}
	}
	if done, err := h.answerByRequester(ctx, t, s); done || err != nil {
		return err // 同意周强的延期申请
	}
	switch {
	case s == "" && greeted:
		t.reply(h.greeting(t))
		return nil
	case s == "":
		t.reply(h.miss(ctx, t, "这条消息没有文字。"))
		return nil
	case isEmojiOnly(s):
		t.reply(h.emojiReply(t, s))
		return nil
	case isCourtesy(s):
		if containsAny(s, "谢", "辛苦") {
			t.reply("不客气。需要时发送「帮助」查看用法。")
		} else {
			t.reply("好的。需要时发送「帮助」查看用法。") // ok, 明白了: assent, not thanks
		}
		return nil
	}
	if ref, ok := saysDoneColloquially(s); ok && t.known && c.Verb == "" && !c.Question {
		if asked, err := h.askDone(ctx, t, ref); asked || err != nil {
			return err // T3 ok了: asked back, never reported on a guess
		}
	}
	if fixed, ok := fixVerbTypo(s); ok && t.known && (c.Verb == "" || c.Need == NeedVerb) && !c.Question {
		if g := Parse(fixed, t.today); g.Task != "" && needsTask[g.Verb] && g.Verb != VerbRecord && g.Err == "" {
			if g.Need == "" {
				return h.proposeGuess(ctx, t, g) // S02延其到2月20日: asked back as 延期
			}
			return h.command(ctx, t, g) // the question for what it lacks says the verb read
		}
	}
	if ref, a, note, ok := saysVerdict(s); ok && t.known && (c.Verb == "" || c.Verb == VerbApprove) && !c.Question {
		if asked, err := h.askVerdict(ctx, t, ref, a, note); asked || err != nil {
			return err // S04材料我看了没问题, S04同意: asked back as 销号
		}
	}
	// 进展 T003 已明确谁主管谁负责，我们单位负责人已签字 is a command, whatever
	// words its note holds: the questions below are not read into it.
	command := endsNote(s)
	if t.known && !command && asksExtensionReason(s) && h.answerExtensionReason(ctx, t, s) {
		return nil // T004为什么延期: never a request
	}
	if t.known && !command && asksRecord(s) {
		if task, ok := h.namedTask(ctx, t, s); ok {
			return h.record(ctx, t, task.ID) // T013 谁报的: its record says
		}
	}
	if t.known && !command && changesPeople(s) {
		t.reply(peopleChangeReply()) // 联络员换成李明了: 编办 changes the task list
		return nil
	}
	if t.known && !command && asksUnitPeople(s) {
		if ok, err := h.answerUnitPeople(ctx, t, s); ok || err != nil {
			return err
		}
	}
	if c.Verb == "" && t.known {
		if list, ok := h.namedListing(ctx, t.person, s); ok {
			return h.command(ctx, t, list) // 市司法局的任务: 任务 市司法局
		}
		if list, ok := supervisorListing(t.person, s); ok {
			return h.command(ctx, t, list) // 哪些单位逾期最久: 任务 红
		}
	}
	switch {
	case c.Question:
		if c.Verb == VerbAsk {
			return h.command(ctx, t, c)
		}
		if bare := Parse(strings.TrimRight(s, "?？ "), t.today); bare.Verb == VerbHelp {
			t.reply(h.help(ctx, t)) // 帮助？
			return nil
		}
		if list, ok := parseListing(s); ok {
			return h.command(ctx, t, list) // 逾期的任务？ is answered with them: a listing never acts
		}
		if list, ok := askedListing(s); ok && t.known {
			return h.command(ctx, t, list) // 待销号的有哪些
		}
		return h.question(ctx, t, c.Rest)
	}
	if rest, ok := ackThenCommand(c, s, t.today); ok {
		// 收到，S02已完成: the acknowledgement, then the report.
		if _, err := h.acknowledge(ctx, t, ""); err != nil {
			return err
		}
		return h.text(ctx, t, rest)
	}
	if cmds, ok := splitCommands(s, t.today); ok {
		// S02已完成，S03申请延期到1月20日: two commands, each on its own;
		// one refused is said, and the others are still done.
		for _, c := range cmds {
			if err := h.command(ctx, t, c); err != nil {
				if duban.ErrorCode(err) == duban.EINTERNAL {
					return err
				}
				t.reply(h.replyError(ctx, t, err))
			}
		}
		return nil
	}
	if c.Verb == "" && t.known && !h.namesTask(ctx, t, c) {
		if answered, err := h.expiredFollowup(ctx, t, s); answered || err != nil {
			return err // 2月20日 等编委会, an hour after 延期 S02
		}
	}
	return h.command(ctx, t, c)
}

// namesTask reports whether c names one of the tasks the sender sees.
func (h *Handler) namesTask(ctx context.Context, t *turn, c Command) bool {
	if c.Task == "" {
		return false
	}
	_, err := h.resolve(ctx, t.person, c.Task)
	return err == nil
}

// addressee is the person a group-chat message is addressed to, written
// first: 张局, 陈组长，李主任：.
var addressee = regexp.MustCompile(`^\p{Han}{1,3}(局长|局|主任|书记|部长|处长|科长|组长|老师|同志|领导|总)[ ，,：:]+`)

// stripAddressee drops the addressee when a task id follows it.
func stripAddressee(s string) string {
	m := addressee.FindString(s)
	if m == "" {
		return s
	}
	if ref, _, ok := leadingTask(s[len(m):]); ok && isTaskID(ref) {
		return s[len(m):]
	}
	return s
}

// stripUnitName drops a unit's name or code typed before a task id
// (市司法局S02已完成, 司法局 S02 进展 …, ZF07的S02完成了): the task names its
// unit already.
func (h *Handler) stripUnitName(ctx context.Context, s string) string {
	for i := range s {
		if i == 0 || utf8.RuneCountInString(s[:i]) > 20 {
			continue
		}
		ref, _, ok := leadingTask(s[i:])
		if !ok || !isTaskID(ref) || !isAlnum(s[i]) || isIDByte(s[i-1]) {
			continue
		}
		name := strings.TrimRight(s[:i], " 的：:，,")
		if _, rest, ok := splitVerb(name); ok && strings.TrimSpace(rest) == "" {
			return s // 进展 T003 …: a command's verb, not a unit (and no read of every unit)
		}
		units, err := h.Store.Units(ctx)
		if err != nil || name == "" {
			return s
		}
		if _, err := duban.FindUnit(units, name); err != nil {
			return s
		}
		return s[i:]
	}
	return s
}

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z'
}

// stripLabel drops a bracketed label typed before a task id (【任务】T005进展：…,
// [督办]T003 完成了): the label names no task, the id after it does.
func stripLabel(s string) string {
	for _, br := range [][2]string{{"【", "】"}, {"[", "]"}} {
		inner, ok := strings.CutPrefix(s, br[0])
		if !ok {
			continue
		}
		label, rest, ok := strings.Cut(inner, br[1])
		rest = strings.TrimSpace(rest)
		if !ok || isTaskID(strings.TrimSpace(label)) || utf8.RuneCountInString(label) > 8 {
			return s
		}
		if ref, _, ok := leadingTask(rest); ok && isTaskID(ref) {
			return rest
		}
	}
	return s
}

// stripMention drops the mentions of a group chat (@督办助手 S03 完成了 @周强),
// wherever they stand: a word that starts with @ and ends at a space (WeCom
// puts one after the name) names a person, not a task or a note. An address
// (sun@example.com) does not start with @ and stays; so does a word with
// digits (@督办助手T003完成了: the id is glued to the name).
func stripMention(s string) string {
	words := strings.Split(s, " ")
	if len(words) < 2 {
		return s
	}
	kept := words[:0]
	for _, w := range words {
		if strings.HasPrefix(w, "@") && utf8.RuneCountInString(w) <= 16 && !strings.ContainsAny(w, "0123456789") {
			continue // a name, never glued to a task id
		}
		kept = append(kept, w)
	}
	if len(kept) == 0 {
		return s
	}
	return strings.Join(kept, " ")
}

// splitCommands reads a message of several commands, each clause after the
// first starting with a task id (S02已完成，S03申请延期到1月20日，等编委会); ok
// only when every part is a whole command on a task, so that a note naming
// another task (与S03一并报编办) stays the note.
func splitCommands(s string, today duban.Date) ([]Command, bool) {
	var parts []string
	start, prev := 0, rune(0)
	for i, r := range s {
		next := ""
		switch {
		case strings.ContainsRune("，,；;。 ", r): // a space too: S02已完成 S03已完成
			next = strings.TrimSpace(s[i+len(string(r)):])
		case r < utf8.RuneSelf && unicode.IsLetter(r) && unicode.Is(unicode.Han, prev) && i > start && dropSubject(s[start:]) != s[i:]:
			next = s[i:] // voice input: S02已完成S03延期到2月20日 (but not 另外S03 after its comma)
		}
		prev = r
		if next == "" {
			continue
		}
		if ref, _, ok := leadingTask(dropSubject(next)); ok && isTaskID(ref) && len(next) < len(s)-start {
			parts = append(parts, strings.TrimRight(s[start:len(s)-len(next)], "，,；;。 "))
			start = len(s) - len(next)
		}
	}
	if len(parts) == 0 {
		return nil, false
	}
	parts = append(parts, s[start:])
	var cmds []Command
	for _, p := range parts {
		c := Parse(p, today)
		if c.Question || c.Task == "" || c.Need != "" || c.Err != "" || !needsTask[c.Verb] || c.Verb == VerbRecord {
			return nil, false
		}
		cmds = append(cmds, c)
	}
	return cmds, true
}

// ackThenCommand returns the command after an acknowledgement of
// reminders (收到，S02已完成): ok only when it is a whole command on a task.
func ackThenCommand(c Command, s string, today duban.Date) (string, bool) {
	if c.Verb != VerbAck || c.Task != "" {
		return "", false
	}
	_, rest, _ := splitVerb(s)
	rest = trimLead(rest)
	if _, ok := splitCommands(rest, today); ok {
		return rest, true
	}
	next := Parse(rest, today)
	return rest, next.Task != "" && needsTask[next.Verb] && next.Verb != VerbRecord && !next.Question && next.Err == ""
}

// verbTypos are verbs as pinyin or voice input mistypes them (延其, 近展),
// with the verb meant: a message read only through one is asked back.
var verbTypos = [][2]string{
	{"延其", "延期"}, {"沿期", "延期"}, {"言期", "延期"}, {"严期", "延期"}, {"延祺", "延期"}, {"延奇", "延期"},
	{"近展", "进展"}, {"进站", "进展"}, {"尽展", "进展"}, {"劲展", "进展"}, {"进辗", "进展"}, {"禁展", "进展"},
	{"消号", "销号"}, {"销好", "销号"}, {"晓号", "销号"}, {"驳会", "驳回"}, {"博回", "驳回"},
}

// fixVerbTypo returns s with the first mistyped verb in it written right.
func fixVerbTypo(s string) (string, bool) {
	for _, w := range verbTypos {
		if strings.Contains(s, w[0]) {
			return strings.Replace(s, w[0], w[1], 1), true
		}
	}
	return s, false
}

// isEmojiRune reports whether r is an emoji or a mark that goes with one
// (✅, 👍, ✔️'s variation selector).
func isEmojiRune(r rune) bool {
	return unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r) || unicode.Is(unicode.Mn, r) || r == ' '
}

// isClearCommand reports whether c is unmistakably a new command rather
// than the answer to a question the bot asked: a verb with a task id, or a
// verb that takes nothing.
func isClearCommand(c Command) bool {
	switch {
	case c.Question || c.Verb == "" || c.Verb == VerbAsk:
		return false
	case bare[c.Verb], c.Verb == VerbTasks, c.Verb == VerbPage, c.Verb == VerbAck:
		return true // 任务, 任务 市公安局: a reason never reads so
	case c.Need == NeedTask && c.Task == "" && isBlank(c.Rest):
		return true // a verb alone (完成, 销号) is a command, never a note
	}
	return isTaskID(c.Task)
}

// isEmojiOnly reports whether s holds only emoji or WeCom's emoticon codes
// ([强], [微笑]) and no words.
func isEmojiOnly(s string) bool {
	s = wecomEmoticon.ReplaceAllString(s, "")
	hasSymbol := strings.ContainsFunc(s, unicode.IsSymbol)
	return isBlank(s) && (s == "" || hasSymbol)
}

var wecomEmoticon = regexp.MustCompile(`\[[\p{Han}a-zA-Z]{1,4}\]`)

// emojiReply answers a message of emoji only: kindly, with what the sender
// can say.
func (h *Handler) emojiReply(t *turn, s string) string {
	if !t.known {
		return notRegistered(t.in.From)
	}
	return "收到 " + strings.TrimSpace(s) + "。发送「任务」查看任务清单，「帮助」查看全部用法。"
}

// greetings open a conversation; stripGreeting takes one off the front.
var greetings = []string{"各位领导好", "各位领导", "各位好", "大家好", "领导您好", "领导你好", "你好", "您好", "哈喽", "嗨", "hello", "hi", "早上好", "上午好", "下午好", "晚上好", "早安", "在吗", "在不在", "老师好", "领导好"}

func stripGreeting(s string) (bool, string) {
	for _, c := range []string{"好的", "嗯嗯", "嗯", "谢谢"} {
		if rest, ok := strings.CutPrefix(s, c); ok && rest != "" {
			if rest = strings.TrimLeft(rest, "，,。.！! "); rest != "" && !isCourtesy(rest) {
				s = rest
			}
			break
		}
	}
	lower := strings.ToLower(s)
	for _, g := range greetings {
		if strings.HasPrefix(lower, g) {
			rest := s[len(g):]
			if g == "hi" && rest != "" && isIDByte(rest[0]) {
				continue // "history" is not a greeting
			}
			rest = strings.TrimSpace(strings.TrimLeft(rest, "啊呀吗呢，,。.！!？?~～ "))
			return true, rest
		}
	}
	return false, s
}

var courtesies = []string{"谢谢", "谢谢你", "谢谢您", "感谢", "多谢", "好的", "好", "好吧", "ok", "okay", "嗯", "嗯嗯", "明白", "明白了", "了解", "了解了", "知道了", "行", "没问题", "辛苦了"}

// isCourtesy reports whether s is only thanks or assent.
func isCourtesy(s string) bool {
	t := strings.ToLower(strings.TrimRight(s, "。.！!~～，, "))
	for _, c := range courtesies {
		if t == c {
			return true
		}
	}
	return false
}

// freeText handles a message that is neither a command nor a question: the
// LLM may read it as a report; without one (or when it cannot) a task named
// by its title's words is asked back, and anything else is a miss, never a
// policy quote.
func (h *Handler) freeText(ctx context.Context, t *turn, text string) error {
	why := whyMissed(text)
	if h.Interpreter != nil {
		done, err := h.interpret(ctx, t, text)
		if done || err != nil {
			return err
		}
		why = "未能理解这句话。" + why
	}
	if c, ok := h.parseTitled(ctx, t, text); ok {
		return h.proposeGuess(ctx, t, c) // 人员转岗那个任务已经完成了
	}
	if task, ok := h.namedTask(ctx, t, text); ok && isTaskID(task.ID) && strings.Contains(strings.ToUpper(text), strings.ToUpper(task.ID)) {
		// 让联络员报一下T003: the task was found, what to do with it was not.
		why = h.whatToDo(ctx, t, task)
	}
	t.reply(h.miss(ctx, t, why))
	return nil
}

// ownUnitWords name the sender's own unit.
var ownUnitWords = []string{"我们单位", "本单位", "我单位", "咱们单位", "咱单位", "我们", "咱们", "我们局", "本局", "我局", "我们部门", "本部门"}

// unitFirst is a listing asked for with the unit or group first: 市司法局的任务,
// 政府组的任务清单, 司法局的任务呢, 组织部进度咋样, 政府组的情况.
var unitFirst = regexp.MustCompile(`^(\p{Han}{2,}?)的?(?:任务|工作)?(?:清单|列表|完成情况|推进情况|情况|进度|进展)?(?:怎么样|咋样|如何|怎样)?了?(?:呢|吗)?[?？]?$`)

// namedListing reads s as 任务 of a unit or group named first, or as one of
// its lists (政府组的待销号); only a name that is one (人员转岗的任务 names a
// task's title, not a unit).
func (h *Handler) namedListing(ctx context.Context, p duban.Person, s string) (Command, bool) {
	var candidates []Command
	if name, kind, ok := namedList(strings.TrimRight(s, "?？。 ")); ok {
		candidates = append(candidates, Command{Verb: VerbTasks, Task: name, List: kind}) // 政府组的待销号
	}
	if m := unitFirst.FindStringSubmatch(s); m != nil && m[1] != s {
		candidates = append(candidates, Command{Verb: VerbTasks, Task: m[1]})
	}
	if len(candidates) == 0 {
		return Command{}, false
	}
	units, err := h.Store.Units(ctx)
	if err != nil {
		return Command{}, false
	}
	for _, c := range candidates {
		if slices.Contains(ownUnitWords, c.Task) {
			// 我们单位的任务: the sender's own unit (a 编办 who heads one
			// means that one, not the city).
			if own := p.Units(); len(own) > 0 {
				c.Task = own[0]
				return c, true
			}
			c.Task = ""
			return c, true
		}
		if _, err := duban.FindUnit(units, c.Task); err == nil {
			return c, true
		}
		if _, err := duban.FindGroup(duban.Ledger{Units: units}.Groups(), c.Task); err == nil {
			return c, true
		}
	}
	return Command{}, false
}

var (
	whichUnits = regexp.MustCompile(`(哪些|哪几个|哪个|哪几家|哪家)(单位|部门)`)
	lagging    = regexp.MustCompile(`逾期|最慢|慢|落后|滞后|拖后腿|红灯|没完成`)
	wholeCity  = regexp.MustCompile(`^全市(的|总体|整体)?(任务|情况|进度|进展)*(情况)?(怎么样|咋样|如何)?了?[?？]?$`)
	// howFar asks how far the work is done (完成率多少, 现在全市完成了多少).
	howFar = regexp.MustCompile(`完成率|销号率|完成了多少|完成多少|完成了几|总体进度|整体进度|总进度`)
)

// supervisorListing reads the ledger questions of those who supervise
// units: which units lag (哪些单位逾期最久: their red list) and, for 编办,
// how the city stands (全市的情况: the summary of 任务).
func supervisorListing(p duban.Person, s string) (Command, bool) {
	if !p.IsAdmin() && len(p.Groups()) == 0 {
		return Command{}, false
	}
	switch {
	case whichUnits.MatchString(s) && lagging.MatchString(s):
		return Command{Verb: VerbTasks, List: ListRed}, true
	case p.IsAdmin() && wholeCity.MatchString(s):
		return Command{Verb: VerbTasks}, true
	case howFar.MatchString(s) && !hasDigit(s):
		return Command{Verb: VerbTasks}, true // their summary says it
	}
	return Command{}, false
}
