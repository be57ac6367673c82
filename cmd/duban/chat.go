package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot"
	"github.com/duban-org/duban/config"
	"github.com/duban-org/duban/examples"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/tasklist"
)

func init() {
	commands["chat"] = command{"在控制台以某个企业微信账号的身份与机器人对话，与 serve 使用同样的处理流程、数据库和发件箱", runChat}
}

const chatHelp = `控制台命令：/as 账号 换一个人说话；/click 按钮键 点击卡片上的按钮（键见按钮旁；只有一张卡片带该按钮时可只写开头，如 /click verify:T001）；/quit 退出。`

func runChat(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "chat", "")
	as := fs.String("as", "", "以哪个企业微信账号的身份说话（必填）")
	nowFlag := fs.String("now", "", "以此时刻运行控制台（如 2026-11-26 09:00），时钟从此往后走")
	fresh := fs.Bool("fresh", false, "重新开始：删除内置默认的数据库（./data）并重新载入示例台账")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *fresh {
		if err := resetDefaultStore(*cfgPath); err != nil {
			return err
		}
	}
	a, err := openApp(ctx, e, *cfgPath)
	if err != nil {
		return err
	}
	defer a.Close()
	if *nowFlag != "" {
		start, err := a.at(*nowFlag)
		if err != nil {
			return err
		}
		began := time.Now()
		a.now = func() time.Time { return start.Add(time.Since(began)) }
	}
	if a.cfg.WeCom.Enabled() {
		// What a session produces for other people (a 待销号 card to a
		// group leader) is shown on the console, never sent: on a
		// deployment's store they would miss it.
		return fmt.Errorf("%s 填写了 [wecom]：duban chat 产生的发给他人的消息只在控制台显示，不发往企业微信，用在正式库上他们会收不到。请复制一份存储，用不含 [wecom] 的配置试用", a.cfg.File)
	}
	if a.cfg.File == "" && a.st.Fresh() {
		if err := loadSample(ctx, a); err != nil {
			return err
		}
	}
	if err := printSampleUsers(ctx, a, e.stderr); err != nil {
		return err
	}
	if *as == "" {
		return errors.New("须用 --as 指定以哪个企业微信账号的身份使用，如 --as zhaojie")
	}
	h, err := a.handler(ctx)
	if err != nil {
		return err
	}
	// The console handles and shows only what this session says and
	// produces; anything already queued stays for serve.
	console := bot.NewConsole(a.st, a.handle(h), e.stdout, e.log)
	defer console.Close()
	console.Now = a.now

	warmLedger(ctx, e.log, a)
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
			shown := strings.TrimSpace(strings.TrimPrefix(line, "/click "))
			card, key, err := console.Click(user, shown)
			if err != nil && !reminderButton(shown) {
				fmt.Fprintf(e.stdout, "（%v）\n", err)
				continue
			}
			if err != nil {
				// Reminder cards are sent by serve, never shown here: their
				// buttons (已完成, 申请延期, 收到) are clicked by key.
				card, key = duban.Card{ID: "console-reminder"}, shown
			}
			msg.Text, msg.Event, msg.EventKey, msg.CardID = "", "template_card_event", key, card.ID
			msg.Key = fmt.Sprintf("evt:%s:%d:template_card_event:%s/%s", user, time.Now().UnixNano(), key, card.ID)
			msg.ResponseCode = fmt.Sprintf("console-%d", n)
		case strings.HasPrefix(line, "/"):
			fmt.Fprintln(e.stdout, chatHelp)
			continue
		}
		if err := console.Say(ctx, msg); err != nil {
			return err
		}
	}
	return in.Err()
}

// loadSample loads the shipped sample ledger into a store with no ledger
// yet. It runs only on the default store (no config file) that this run
// created, never on a configured, restored or earlier store.
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
	return nil
}

// printSampleUsers names the people of README's conversation: the 联络员
// and 一把手 of the first unit, the leader of its group, and one 编办.
func printSampleUsers(ctx context.Context, a *app, w io.Writer) error {
	l, err := a.st.Snapshot(ctx)
	if err != nil || len(l.Units) == 0 {
		return err
	}
	first := l.Units[0]
	for _, u := range l.Units[1:] {
		if u.Code < first.Code {
			first = u
		}
	}
	fmt.Fprintln(w, "可以试试这些账号（--as，或在对话中用 /as 切换）：")
	for _, want := range []duban.Post{{Role: duban.RoleContact, Scope: first.Code}, {Role: duban.RoleHead, Scope: first.Code},
		{Role: duban.RoleLeader, Scope: first.Group}, {Role: duban.RoleAdmin}} {
		var pick *duban.Person
		for i, p := range l.People {
			// Prefer someone who holds only this post: the clearest example.
			if p.Has(want.Role, want.Scope) && (pick == nil || len(p.Posts) < len(pick.Posts)) {
				pick = &l.People[i]
			}
		}
		if pick == nil {
			continue
		}
		where := want.Scope
		if want.Role == duban.RoleHead || want.Role == duban.RoleContact {
			where = first.Name + "（" + first.Code + "）"
		}
		fmt.Fprintf(w, "  %-14s %s，%s%s\n", pick.UserID, pick.Name, where, want.Role)
	}
	fmt.Fprintln(w, "重新开始（删除 ./data 并重新载入示例台账）：duban chat --fresh --as 账号")
	return nil
}

// resetDefaultStore deletes the embedded default's store for --fresh. A
// configured store is never deleted: it may be a deployment's.
func resetDefaultStore(cfgPath string) error {
	cfg, err := config.LoadDefault(cfgPath)
	if err != nil {
		return err
	}
	if cfg.File != "" {
		return fmt.Errorf("--fresh 只重置内置默认的存储；%s 配置的存储是 %s，确要重来请自行删除", cfg.File, cfg.Store.Dir)
	}
	if err := os.RemoveAll(cfg.Store.Dir); err != nil {
		return fmt.Errorf("--fresh：无法删除 %s：%w", cfg.Store.Dir, err)
	}
	return nil
}

// reminderButton reports whether key is a button of a reminder card:
// 已完成, 申请延期 or 收到 on one task.
func reminderButton(key string) bool {
	verb, task, ok := strings.Cut(key, ":")
	return ok && task != "" && (verb == remind.ButtonDone || verb == remind.ButtonExtend || verb == remind.ButtonAck)
}
