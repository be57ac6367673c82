package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot"
	"github.com/duban-org/duban/examples"
	"github.com/duban-org/duban/tasklist"
)

func init() {
	commands["chat"] = command{"talk to the bot as a WeCom user in the console, through the same handlers, store and outbox as serve", runChat}
}

const chatHelp = `控制台命令：/as 账号 换一个人说话；/click 按钮键 点击最近卡片上的按钮（如 /click verify:T001）；/quit 退出。`

func runChat(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "chat", "")
	as := fs.String("as", "", "the WeCom userid to speak as (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, e, *cfgPath)
	if err != nil {
		return err
	}
	defer a.Close()
	if a.cfg.WeCom.Enabled() {
		// The console takes over the outbox: on a deployment's store it
		// would print WeCom's pending messages and record them delivered.
		return fmt.Errorf("%s has [wecom] set: duban chat would take over that store's outbox; try it on a copy of the store with a config without [wecom]", a.cfg.File)
	}
	if a.cfg.File == "" {
		if err := loadSample(ctx, a); err != nil {
			return err
		}
	}
	if *as == "" {
		if err := printSampleUsers(ctx, a, e.stderr); err != nil {
			return err
		}
		return fmt.Errorf("--as USERID is required")
	}
	h, err := a.handler(ctx)
	if err != nil {
		return err
	}
	console := &chatConsole{w: e.stdout, cards: map[string]duban.Card{}}
	worker := bot.NewWorker(a.st, h.Handle, e.log)
	sender := bot.NewSender(a.st, console, e.log)
	sender.PerMinute, sender.PerHour = -1, -1
	sender.Concurrency = 1 // print in the order the bot wrote them

	work, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, run := range []func(context.Context) error{worker.Run, sender.Run} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(work); err != nil && !errors.Is(err, context.Canceled) {
				e.log.Error("chat loop stopped", "err", err)
			}
		}()
	}
	defer func() { stop(); wg.Wait() }()

	user := *as
	if p, err := a.st.Person(ctx, user); err == nil {
		fmt.Fprintf(e.stderr, "以 %s（%s）的身份对话。%s\n", p.Name, user, chatHelp)
	} else {
		fmt.Fprintf(e.stderr, "%s 不在任务清单中（将按未登记用户处理）。%s\n", user, chatHelp)
	}
	in := bufio.NewScanner(e.stdin)
	in.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; in.Scan(); n++ {
		line := strings.TrimSpace(in.Text())
		msg := duban.Inbound{Key: fmt.Sprintf("chat:%d:%d", time.Now().UnixNano(), n), From: user, At: a.now(), Text: line}
		switch {
		case line == "":
			continue
		case line == "/quit" || line == "/exit":
			return nil
		case strings.HasPrefix(line, "/as "):
			user = strings.TrimSpace(strings.TrimPrefix(line, "/as "))
			fmt.Fprintf(e.stdout, "（现在以 %s 的身份说话）\n", user)
			continue
		case strings.HasPrefix(line, "/click "):
			key := strings.TrimSpace(strings.TrimPrefix(line, "/click "))
			card, ok := console.cardWith(user, key)
			if !ok {
				fmt.Fprintf(e.stdout, "（%s 最近没有收到带 %s 按钮的卡片）\n", user, key)
				continue
			}
			msg.Text, msg.Event, msg.EventKey, msg.CardID = "", "template_card_event", key, card.ID
			msg.Key = fmt.Sprintf("evt:%s:%d:template_card_event:%s/%s", user, time.Now().UnixNano(), key, card.ID)
			msg.ResponseCode = fmt.Sprintf("console-%d", n)
		case strings.HasPrefix(line, "/"):
			fmt.Fprintln(e.stdout, chatHelp)
			continue
		}
		console.setSpeaker(user)
		if _, err := a.st.Enqueue(ctx, msg, time.Hour); err != nil {
			return err
		}
		worker.Wake()
		if err := waitQuiet(ctx, a); err != nil {
			return err
		}
	}
	return in.Err()
}

// waitQuiet returns once the inbox and outbox are empty: the message has
// been handled and every reply printed.
func waitQuiet(ctx context.Context, a *app) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		inbox, err := a.st.InboxLen(ctx)
		if err != nil {
			return err
		}
		outbox, err := a.st.OutboxLen(ctx)
		if err != nil {
			return err
		}
		if inbox == 0 && outbox == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no reply after 2 minutes (%d in inbox, %d in outbox)", inbox, outbox)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// chatConsole is the outbox's destination in `duban chat`: replies to the
// speaker are printed as they are; messages for anyone else are labelled
// with their recipient, as a demo of who WeCom would notify.
type chatConsole struct {
	mu      sync.Mutex
	w       io.Writer
	speaker string
	cards   map[string]duban.Card // last card per recipient, for /click
}

func (c *chatConsole) setSpeaker(u string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.speaker = u
}

func (c *chatConsole) cardWith(user, key string) (duban.Card, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	card, ok := c.cards[duban.CanonicalUserID(user)]
	if !ok {
		return card, false
	}
	for _, b := range card.Buttons {
		if b.Key == key {
			return card, true
		}
	}
	return card, false
}

// Deliver implements bot.Deliverer.
func (c *chatConsole) Deliver(_ context.Context, m duban.Outgoing) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	if duban.CanonicalUserID(m.To) != duban.CanonicalUserID(c.speaker) {
		fmt.Fprintf(&b, "【发给 %s】\n", m.To)
	}
	switch {
	case m.CardUpdate != nil:
		fmt.Fprintf(&b, "（卡片已更新：%s）\n", m.CardUpdate.Note)
	case m.Card != nil:
		b.WriteString(m.Text + "\n")
		for _, btn := range m.Card.Buttons {
			fmt.Fprintf(&b, "[%s → /click %s] ", btn.Text, btn.Key)
		}
		b.WriteString("\n")
		c.cards[duban.CanonicalUserID(m.To)] = *m.Card
	default:
		b.WriteString(m.Text + "\n")
	}
	b.WriteString("\n")
	if _, err := io.WriteString(c.w, b.String()); err != nil {
		return bot.Permanent(fmt.Errorf("write to console: %w", err))
	}
	return nil
}

// loadSample loads the shipped sample ledger into a store with no ledger
// yet. It runs only on the embedded default (no config file), never on a
// configured store.
func loadSample(ctx context.Context, a *app) error {
	units, err := a.st.Units(ctx)
	if err != nil || len(units) > 0 {
		return err
	}
	l, err := tasklist.ReadFS(examples.Sample, ".")
	if err != nil {
		return fmt.Errorf("read the sample ledger: %w", err)
	}
	if _, _, err := importLedger(ctx, a.st, l, false, a.now()); err != nil {
		return err
	}
	fmt.Fprintf(a.e.stderr, "首次运行：已将示例台账（%d 个单位、%d 项任务）载入 %s。\n", len(l.Units), len(l.Tasks), a.cfg.Store.Dir)
	return printSampleUsers(ctx, a, a.e.stderr)
}

// printSampleUsers names one person of each role to try.
func printSampleUsers(ctx context.Context, a *app, w io.Writer) error {
	people, err := a.st.People(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "可以试试这些账号（--as）：")
	for _, role := range duban.Roles {
		// The holder with the first scope (unit DQ01, the first group…).
		var pick *duban.Person
		var scope string
		for i, p := range people {
			for _, post := range p.Posts {
				if post.Role == role && (pick == nil || post.Scope < scope) {
					pick, scope = &people[i], post.Scope
				}
			}
		}
		if pick != nil {
			fmt.Fprintf(w, "  %-14s %s，%s %s\n", pick.UserID, pick.Name, role, scope)
		}
	}
	return nil
}
