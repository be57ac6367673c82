// Package handlers is the conversation: it understands a message (the command
// grammar, card clicks, or an LLM's tool call), checks the sender's rights
// through the domain, changes the ledger through the store, and words the
// replies and notifications. It never sees HTTP or Badger.
package handlers

import (
	"strings"
	"unicode"

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
	VerbAsk      Verb = "问"
)

// Command is a parsed message. A message that is not a command parses to
// Verb "" with Rest holding the whole (normalised) text.
type Command struct {
	Verb     Verb
	Task     string     // the task reference: an id or a fragment of a title
	Deadline duban.Date // for 延期
	Rest     string     // the note, reason or question
	// Err explains why a recognised command is malformed; Verb is set.
	Err string
}

// verbs maps every accepted spelling to its verb. Longer spellings are tried
// first so 不同意延期 is not read as 不同意 + 延期.
var verbs = []struct {
	word string
	verb Verb
}{
	{"不同意延期", VerbRefuse}, {"驳回延期", VerbRefuse}, {"不批准延期", VerbRefuse},
	{"同意延期", VerbApprove}, {"批准延期", VerbApprove},
	{"申请延期", VerbExtend}, {"延期", VerbExtend},
	{"我的任务", VerbTasks}, {"任务清单", VerbTasks}, {"任务", VerbTasks},
	{"已完成", VerbReport}, {"完成", VerbReport},
	{"进展", VerbProgress}, {"进度", VerbProgress},
	{"销号", VerbVerify},
	{"驳回", VerbReject}, {"退回", VerbReject},
	{"撤销", VerbUndo}, {"撤回", VerbUndo},
	{"记录", VerbRecord}, {"留痕", VerbRecord},
	{"帮助", VerbHelp}, {"help", VerbHelp}, {"?", VerbHelp}, {"？", VerbHelp},
	{"确认", VerbConfirm}, {"取消", VerbCancel},
	{"收到", VerbAck},
	{"工作通报", VerbBulletin}, {"通报", VerbBulletin},
	{"问", VerbAsk}, {"咨询", VerbAsk},
}

// needsTask lists the verbs that must name a task.
var needsTask = map[Verb]bool{
	VerbReport: true, VerbProgress: true, VerbExtend: true, VerbVerify: true,
	VerbReject: true, VerbApprove: true, VerbRefuse: true, VerbRecord: true,
}

// Parse reads a message in the command grammar. It is forgiving about
// spacing, full-width characters, a colon after the verb and the case of
// task ids; it never fails, but a recognised command with missing parts
// carries Err.
func Parse(text string) Command {
	s := normalise(text)
	if s == "" {
		return Command{}
	}
	verb, rest, ok := splitVerb(s)
	if !ok || isQuestion(s) && verb != VerbAsk && verb != VerbHelp {
		// "延期需要什么手续？" is a question that starts like a command.
		return Command{Rest: s}
	}
	c := Command{Verb: verb}
	rest = strings.TrimLeft(rest, ":：,，、 ")
	switch verb {
	case VerbAsk:
		c.Rest = rest
		if rest == "" {
			c.Err = "请在「问」后写上问题，例如：问 每个科室最少要有几个人？"
		}
		return c
	case VerbTasks, VerbHelp, VerbUndo, VerbConfirm, VerbCancel, VerbBulletin:
		// 任务 may name a unit: 任务 U01. The others take nothing, but a
		// sentence that merely starts with such a word is not a command.
		if verb == VerbTasks {
			c.Task = firstToken(rest)
			if c.Task != rest || !isID(c.Task) {
				return Command{Rest: s}
			}
			return c
		}
		if rest != "" {
			return Command{Rest: s}
		}
		return c
	case VerbAck:
		// "收到 T012" acknowledges one task; "收到，谢谢" all of them.
		if tok := firstToken(rest); isID(tok) && hasDigit(tok) {
			c.Task = tok
		}
		return c
	}
	c.Task = taskToken(rest)
	rest = strings.TrimSpace(rest[len(c.Task):])
	c.Task = strings.Trim(c.Task, "，,。.：:")
	if needsTask[verb] && c.Task == "" {
		c.Err = "请写上任务编号，例如：" + example(verb)
		return c
	}
	if verb == VerbExtend {
		date := firstToken(rest)
		d, err := duban.ParseDate(date)
		if date == "" || err != nil {
			c.Err = "请写上申请的新时限和理由，例如：" + example(verb)
			return c
		}
		c.Deadline = d
		rest = strings.TrimSpace(rest[len(date):])
	}
	c.Rest = strings.TrimLeft(rest, ":：,，、 ")
	return c
}

func example(v Verb) string {
	switch v {
	case VerbExtend:
		return "延期 T012 2018-01-15 待市编委会审议"
	case VerbProgress:
		return "进展 T012 方案已起草"
	case VerbReject:
		return "驳回 T012 未附编办审核意见"
	case VerbRefuse:
		return "不同意延期 T012 时限不变"
	}
	return string(v) + " T012"
}

// normalise folds full-width letters and digits (typed with a Chinese IME),
// turns any run of white space into one space and trims, so the grammar sees
// one spelling of each command. Chinese punctuation in notes is kept.
func normalise(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' || r >= 'Ａ' && r <= 'Ｚ' || r >= 'ａ' && r <= 'ｚ' {
			return r - 0xFEE0
		}
		return r
	}, s)
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

func splitVerb(s string) (Verb, string, bool) {
	lower := strings.ToLower(s)
	for _, v := range verbs {
		if strings.HasPrefix(lower, v.word) {
			return v.verb, s[len(v.word):], true
		}
	}
	return "", s, false
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
	return tok
}

func isIDByte(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '-' || b == '_' || b == '/'
}

func isQuestion(s string) bool {
	return strings.HasSuffix(s, "?") || strings.HasSuffix(s, "？")
}

func isID(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isIDByte(s[i]) {
			return false
		}
	}
	return true
}

func hasDigit(s string) bool { return strings.ContainsAny(s, "0123456789") }
