package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// PolicyAnswerer answers a policy question from the reform documents.
// Declined is true when the documents do not cover the question; Text then
// says so.
type PolicyAnswerer interface {
	AnswerText(ctx context.Context, question string) (text string, declined bool, err error)
}

// Reminders is the reminder package's side of the conversation: recording
// acknowledgements (收到) and listing a task's notices for 记录.
type Reminders interface {
	// Acknowledge records that userid received the notices about taskID
	// ("" for every notice sent to them) and returns how many it covered.
	Acknowledge(ctx context.Context, userid, taskID string, at time.Time) (int, error)
	// Evidence returns one line per notice sent about taskID.
	Evidence(ctx context.Context, taskID string) ([]string, error)
	// PreviewBulletin computes the next 工作通报 as at now without
	// numbering, keeping or sending it.
	PreviewBulletin(ctx context.Context, now time.Time) (BulletinPreview, error)
	// PublishBulletin issues the next 工作通报 on behalf of by (who receives
	// it with everyone else) with the figures of a preview (its
	// BulletinPreview.Figures), and returns a line saying so; the same msgKey
	// again (the same confirmed preview, a message reprocessed after a
	// crash) publishes nothing new.
	PublishBulletin(ctx context.Context, by duban.Person, msgKey string, figures []byte, now time.Time) (string, error)
	// LetterDrafts returns the 专函督办 due as at now to units that have
	// not had one that day, unnumbered, in the order of the red list.
	LetterDrafts(ctx context.Context, now time.Time) ([]LetterDraft, error)
	// IssueLetter issues the letter due to unit as at now on behalf of by:
	// its 文号, the archive, the notice and the document to its 一把手. A
	// unit gets at most one a day; a second is refused (duban.EINVALID).
	IssueLetter(ctx context.Context, by duban.Person, unit string, now time.Time) (string, error)
}

// LetterDraft is one 专函督办 not yet issued: its unit, a short summary and
// its document, the 文号's number left blank.
type LetterDraft struct {
	Unit    string // unit code
	Name    string // unit name
	Summary string
	File    store.BulletinFile
}

// BulletinPreview is the next 工作通报, unnumbered: its short summary, its
// documents, and how many recipients publishing would send it to.
type BulletinPreview struct {
	Summary    string
	Files      []store.BulletinFile
	Recipients int
	// Figures are the previewed bulletin's figures, opaque here: kept with
	// the preview and handed back to PublishBulletin, so 确认 publishes what
	// was previewed even when the ledger changed in between.
	Figures []byte
}

// Handler answers messages. Only Store is required.
type Handler struct {
	Store       *store.Store
	Policy      PolicyAnswerer // nil: no policy Q&A
	Interpreter Interpreter    // nil: command grammar only
	Reminders   Reminders      // nil: no acknowledgements, evidence or bulletins
	Now         func() time.Time
	Location    *time.Location
	WarnDays    int
	UndoWindow  time.Duration
	// FollowupWindow is how long a question the bot asked waits for its
	// answer (default 30 minutes); MaxNoteChars caps a note (default 500).
	FollowupWindow time.Duration
	MaxNoteChars   int
	// WorkdaysBetween counts working days in (from, to] for overdue tasks;
	// nil counts calendar days only.
	WorkdaysBetween func(from, to duban.Date) int
	Log             *slog.Logger
	// Media fetches photos and files sent in chat (evidence.go); nil
	// refuses them. AttachmentsPerTask caps a task's evidence in bytes.
	Media              MediaFetcher
	AttachmentsPerTask int64
	// TaskPage, when set, is the address of a task's web page (its
	// evidence is linked from the 待销号 notice and 记录); "" for none.
	TaskPage func(id string) string

	standings standingCache // summaries of many units, by ledger generation
}

// turn is one message being handled: who sent it, when, and the replies.
type turn struct {
	in     duban.Inbound
	person duban.Person
	known  bool
	now    time.Time
	today  duban.Date
	out    []duban.Outgoing
	// listed is set once the turn showed a numbered list (rememberList).
	listed bool
}

func (t *turn) reply(text string) {
	t.out = append(t.out, duban.Outgoing{To: t.in.From, Text: text})
}

func (t *turn) send(o duban.Outgoing) { t.out = append(t.out, o) }

// Handle answers one inbound message or event with the messages to send.
// It is safe to call again with the same message after a crash: a change
// already applied for in.Key is not applied twice, and the replies are the
// same.
func (h *Handler) Handle(ctx context.Context, in duban.Inbound) ([]duban.Outgoing, error) {
	now := h.now()
	t := &turn{in: in, now: now, today: duban.DateOf(now)}
	p, err := h.Store.Person(ctx, in.From)
	switch {
	case err == nil:
		t.person, t.known = p, true
	case errors.Is(err, store.ErrNotFound):
		t.person = duban.Person{UserID: in.From}
	default:
		return nil, fmt.Errorf("look up sender %s: %w", in.From, err)
	}
	if err := h.dispatch(ctx, t); err != nil {
		if duban.ErrorCode(err) == duban.EINTERNAL {
			return nil, err
		}
		t.reply(h.replyError(ctx, t, err))
	}
	return t.out, nil
}

func (h *Handler) now() time.Time {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	loc := h.Location
	if loc == nil {
		loc = time.Local
	}
	return now().In(loc)
}

// dispatch routes an event or a message.
func (h *Handler) dispatch(ctx context.Context, t *turn) error {
	switch t.in.Event {
	case "":
	case "enter_agent":
		t.reply(h.greeting(t))
		return nil
	case "click":
		return h.command(ctx, t, Parse(t.in.EventKey, t.today))
	case "template_card_event":
		return h.cardClick(ctx, t)
	default:
		return nil // other events (subscribe, location…) need no answer
	}
	if t.in.MsgType != "" {
		return h.media(ctx, t) // a photo or file is evidence (evidence.go)
	}
	text := strings.TrimSpace(t.in.Text)
	if text == "" {
		t.reply("目前只能处理文字消息。发送「帮助」查看用法。")
		return nil
	}
	return h.text(ctx, t, text)
}

// command runs a parsed command, or says what it lacks.
func (h *Handler) command(ctx context.Context, t *turn, c Command) error {
	switch {
	case c.Err != "": // 没有2月30日
		task, err := h.resolve(ctx, t.person, c.Task)
		if err != nil {
			task = h.exampleTask(ctx, t, actionOf(c.Verb))
		}
		t.reply(c.Err + "未做任何变更，请重新发送，例如：" + example(c.Verb, task))
		return nil
	case c.Verb == VerbHelp:
		t.reply(h.help(ctx, t))
		return nil
	case c.Verb == VerbAsk && c.Need != "":
		t.reply("请在「问」后写上问题，例如：问 每个科室最少要有几个人？")
		return nil
	case c.Verb == VerbAsk:
		return h.ask(ctx, t, c.Rest, false)
	case !t.known:
		t.reply(notRegistered(t.in.From))
		return nil
	case c.Verb == "" && c.Need == "":
		return h.freeText(ctx, t, c.Rest)
	case c.Need != "":
		return h.incomplete(ctx, t, c)
	}
	switch c.Verb {
	case VerbTasks:
		return h.listTasks(ctx, t, c)
	case VerbPage:
		return h.turnPage(ctx, t, c)
	case VerbReport, VerbProgress, VerbExtend, VerbVerify, VerbReject, VerbApprove, VerbRefuse:
		return h.applyAll(ctx, t, c)
	case VerbUndo:
		return h.undo(ctx, t)
	case VerbRecord:
		return h.record(ctx, t, c.Task)
	case VerbConfirm:
		_, err := h.confirm(ctx, t, "")
		return err
	case VerbCancel:
		_, err := h.cancel(ctx, t, "")
		return err
	case VerbAck:
		_, err := h.acknowledge(ctx, t, c.Task)
		return err
	case VerbBulletin:
		return h.bulletin(ctx, t)
	case VerbLetter:
		return h.letters(ctx, t, c.Task)
	}
	return duban.Errorf(duban.EINTERNAL, "verb %s has no handler", c.Verb)
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}
