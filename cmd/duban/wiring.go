package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/diskspace"
	"github.com/duban-org/duban/handlers"
	"github.com/duban-org/duban/llm"
	"github.com/duban-org/duban/policy"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/remind/remindstore"
)

// llmClient returns the configured LLM client, or nil when [llm] base_url is
// empty.
func (a *app) llmClient() (*llm.Client, error) {
	c := a.cfg.LLM
	retries := c.MaxRetries
	if retries == 0 {
		retries = -1 // llm reads 0 as its default
	}
	client, err := llm.New(llm.Config{BaseURL: c.BaseURL, APIKey: c.APIKey, ChatModel: c.ChatModel,
		EmbeddingModel: c.EmbeddingModel, Timeout: c.Timeout.D(), NoTools: !c.Tools, ExtraBody: c.ExtraBody,
		EmbedBatch: c.EmbedBatch, MaxRetries: retries, Logger: withoutBodies(a.e.log, a.cfg.Log.DebugBodies)})
	if errors.Is(err, llm.ErrDisabled) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("[llm] %w", err)
	}
	return client, nil
}

// policyEngine builds the policy Q&A engine and, unless [policy]
// default_corpus is off, loads the shipped reform article into an empty
// corpus.
func (a *app) policyEngine(ctx context.Context, client *llm.Client) (*policy.Engine, error) {
	o := policy.Options{Threshold: a.cfg.Policy.MinScore, Logger: a.e.log}
	if client.CanEmbed() {
		o.Embedder, o.EmbeddingModel = client, client.Model()
	}
	if client.CanChat() {
		o.Writer = answerWriter{client}
	}
	eng := policy.New(a.st, o)
	if a.cfg.Policy.DefaultCorpus {
		if _, err := eng.EnsureDefaultCorpus(ctx); err != nil {
			return nil, err
		}
	}
	return eng, nil
}

// calendar is the built-in holiday schedules with the imported notices and
// then [remind] calendar_dir's files laid over them.
func (a *app) calendar(ctx context.Context) (*remind.Calendar, error) {
	notices, err := remindstore.HolidayNotices(ctx, a.st)
	if err != nil {
		return nil, err
	}
	return remind.LoadCalendar(a.remind.CalendarDir, notices...)
}

func (a *app) runner(ctx context.Context) (*remind.Runner, error) {
	cal, err := a.calendar(ctx)
	if err != nil {
		return nil, err
	}
	log := roomyLog{remindstore.NoticeLog{Store: a.st}, a.space}
	return &remind.Runner{Source: a.st, Log: log, Policy: a.remind, Calendar: cal, Logger: a.e.log}, nil
}

// roomyLog refuses a reminder pass's records and messages while disk space
// is below the floor. It does not wait: the pass was planned for its own
// instant (quiet hours, rest days), so serve's scheduler plans it afresh
// at its next wake instead.
type roomyLog struct {
	remind.NoticeLog
	space *diskspace.Guard
}

func (l roomyLog) RecordNotices(ctx context.Context, ns []remind.Notice, msgs []duban.Outgoing, at time.Time) (int, error) {
	if err := l.space.Check(); err != nil {
		return 0, fmt.Errorf("%w；本轮提醒没有记录，也没有发出", err)
	}
	return l.NoticeLog.RecordNotices(ctx, ns, msgs, at)
}

// handler wires the conversation: the store, policy Q&A, the LLM when
// configured, and the reminders' acknowledgements, evidence and bulletins.
func (a *app) handler(ctx context.Context) (*handlers.Handler, error) {
	client, err := a.llmClient()
	if err != nil {
		return nil, err
	}
	eng, err := a.policyEngine(ctx, client)
	if err != nil {
		return nil, err
	}
	h := &handlers.Handler{
		Store: a.st, Policy: policyAnswerer{eng}, Reminders: &reminders{a},
		Now: a.now, Location: a.loc, WarnDays: a.remind.WarnDays,
		UndoWindow: a.cfg.Chat.UndoWindow.D(), Log: a.e.log,
		FollowupWindow: a.cfg.Chat.FollowupWindow.D(), MaxNoteChars: a.cfg.Chat.MaxNoteChars,
		AttachmentsPerTask: int64(a.cfg.Store.AttachmentsPerTaskMB) << 20,
	}
	if w := a.cfg.Web; w.PublicURL != "" {
		h.TaskPage = func(id string) string {
			return strings.TrimRight(w.PublicURL, "/") + "/" + strings.Trim(w.Path, "/") + "/task?id=" + url.QueryEscape(id)
		}
	}
	cal, err := a.calendar(ctx)
	if err != nil {
		return nil, err
	}
	h.WorkdaysBetween = cal.WorkdaysBetween
	if client.CanChat() {
		h.Interpreter = interpreter{client}
	}
	a.llm, a.policy = client, eng
	return h, nil
}

// handle is h.Handle with one LLM timeout for the whole message, so that
// understanding it and answering it cost one timeout, not two.
func (a *app) handle(h *handlers.Handler) func(context.Context, duban.Inbound) ([]duban.Outgoing, error) {
	return func(ctx context.Context, in duban.Inbound) ([]duban.Outgoing, error) {
		return h.Handle(a.llm.Budget(ctx), in)
	}
}

// scheduler returns the reminder scheduler's loop for serve.
func (a *app) scheduler(ctx context.Context, wake func()) (func(context.Context) error, error) {
	r, err := a.runner(ctx)
	if err != nil {
		return nil, err
	}
	s := &remind.Scheduler{Runner: r, Now: a.now, Bulletin: func(ctx context.Context, now time.Time) error {
		if err := a.roomToWrite(ctx); err != nil {
			return err
		}
		_, err := a.publishBulletin(ctx, "scheduler", "", nil, now)
		wake()
		return err
	}}
	return func(ctx context.Context) error { return s.Run(ctx) }, nil
}

// policyAnswerer adapts the policy engine to the conversation.
type policyAnswerer struct{ e *policy.Engine }

func (p policyAnswerer) AnswerText(ctx context.Context, q string) (string, bool, error) {
	a, err := p.e.Ask(ctx, q)
	if err != nil {
		return "", false, err
	}
	return policy.FormatAnswer(a), a.Declined, nil
}

// interpreter adapts the LLM's understanding to the conversation's intents.
type interpreter struct{ c *llm.Client }

func (i interpreter) Interpret(ctx context.Context, in handlers.InterpretInput) (handlers.Intent, error) {
	got, err := i.c.Understand(ctx, llm.UnderstandInput{SenderName: in.Person.Name, SenderRoles: llm.RolesOf(in.Person),
		Today: in.Today, Tasks: in.Tasks, Text: in.Text})
	if errors.Is(err, llm.ErrUnavailable) || errors.Is(err, llm.ErrDisabled) {
		return handlers.Intent{}, fmt.Errorf("%w: %w", handlers.ErrInterpreterUnavailable, err)
	}
	if err != nil {
		return handlers.Intent{}, err
	}
	return handlers.Intent{Kind: handlers.IntentKind(got.Kind), TaskID: got.TaskID, Note: got.Note,
		Deadline: got.Deadline, Question: got.Question}, nil
}

// answerWriter adapts the LLM's answer writing to the policy engine. A
// model that finds the passages insufficient is treated as a failure, so
// the engine falls back to its extractive answer from the same passages.
type answerWriter struct{ c *llm.Client }

func (w answerWriter) Write(ctx context.Context, q string, ps []policy.Passage) (string, error) {
	in := make([]llm.Passage, len(ps))
	for i, p := range ps {
		in[i] = llm.Passage{Title: p.Citation.Title, Section: p.Citation.Section, Text: p.Text}
	}
	text, err := w.c.WriteAnswer(ctx, q, in)
	if err == nil && llm.Declined(text) {
		return "", errors.New("llm: the passages do not cover the question")
	}
	return text, err
}
