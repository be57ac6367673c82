package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// The LLM path: free text the grammar cannot read is shown, with the
// sender's own open tasks only, to an Interpreter; what it understands is
// proposed and applied only on 确认 (see proposal.go).

// interpret asks the LLM what free text means (never a question: those go
// to policy Q&A). It returns done=false when the LLM understood nothing, so
// the text is a miss.
func (h *Handler) interpret(ctx context.Context, t *turn, text string) (bool, error) {
	mine, err := h.reportable(ctx, t.person)
	if err != nil {
		return false, err
	}
	intent, err := h.Interpreter.Interpret(ctx, InterpretInput{Person: t.person, Tasks: mine, Today: t.today, Text: text})
	if err != nil {
		h.log().Warn("LLM could not interpret a message; falling back to the grammar", "from", t.in.From, "err", err)
		return true, h.notUnderstood(ctx, t, mine, errors.Is(err, ErrInterpreterUnavailable))
	}
	var r duban.Request
	switch intent.Kind {
	case IntentList:
		return true, h.listTasks(ctx, t, Command{Verb: VerbTasks})
	case IntentAsk:
		q := intent.Question
		if q == "" {
			q = text
		}
		return true, h.ask(ctx, t, q, false)
	case IntentReport:
		r = duban.Request{Action: duban.ActReport, Note: intent.Note}
	case IntentProgress:
		r = duban.Request{Action: duban.ActProgress, Note: intent.Note}
	case IntentExtend:
		r = duban.Request{Action: duban.ActExtend, Note: intent.Note, Deadline: intent.Deadline}
	default:
		return false, nil
	}
	return true, h.propose(ctx, t, intent.TaskID, r)
}

// reportable returns the open tasks the person may report on: the only
// tasks the LLM is shown.
func (h *Handler) reportable(ctx context.Context, p duban.Person) ([]duban.Task, error) {
	var out []duban.Task
	for _, code := range p.Units() {
		ts, err := h.Store.Tasks(ctx, store.TaskFilter{Unit: code})
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if t.Status != duban.StatusVerified {
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// Interpreter turns free text into a proposed action with the help of an
// LLM. It is shown only the sender's own tasks; whatever it returns is still
// checked against the sender's rights before anything changes.
type Interpreter interface {
	Interpret(ctx context.Context, in InterpretInput) (Intent, error)
}

// InterpretInput is what the LLM is shown.
type InterpretInput struct {
	Person duban.Person
	Tasks  []duban.Task // only tasks the sender may report on
	Today  duban.Date
	Text   string
}

// IntentKind is what the LLM understood.
type IntentKind string

const (
	IntentNone     IntentKind = ""
	IntentReport   IntentKind = "report"   // the task is done
	IntentProgress IntentKind = "progress" // progress on the task
	IntentExtend   IntentKind = "extend"   // asks for a later deadline
	IntentList     IntentKind = "list"     // wants their task list
	IntentAsk      IntentKind = "ask"      // a policy question
)

// Intent is one understood request.
type Intent struct {
	Kind     IntentKind
	TaskID   string
	Note     string
	Deadline duban.Date
	Question string
}

// ErrInterpreterUnavailable is wrapped by an Interpreter whose model could
// not be reached (timeout, HTTP error, paused after failures), as opposed to
// one that answered with something unusable.
var ErrInterpreterUnavailable = errors.New("interpreter unavailable")

// notUnderstood tells the sender the free text was not understood, and how
// to say it as a command with one of their own tasks. It is not a question
// (those never reach the LLM), so no quote from the documents follows.
func (h *Handler) notUnderstood(ctx context.Context, t *turn, mine []duban.Task, unavailable bool) error {
	task := h.exampleTask(ctx, t, duban.ActReport)
	if task.ID == "" && len(mine) > 0 {
		task = mine[0]
	}
	id := task.ID
	if id == "" {
		id = "T012"
	}
	head := "未能理解这句话。"
	if unavailable {
		head = "智能理解暂不可用，"
	}
	later := max(task.Deadline, t.today).AddDays(14) // a new deadline that would be accepted
	t.reply(fmt.Sprintf("%s请用命令：完成 %s 说明｜进展 %s 说明｜延期 %s %s 理由。发送「帮助」查看全部用法。",
		head, id, id, id, later))
	return nil
}
