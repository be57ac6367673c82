package main

import (
	"context"
	"fmt"

	"github.com/duban-org/duban/bot"
)

func init() {
	commands["groupchat"] = command{"创建由本应用管理的企业微信群聊（用于发布通报：[remind] bulletin_chat_id）", runGroupChat}
}

func runGroupChat(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "groupchat", "USERID USERID...")
	name := fs.String("name", "改革督办群", "群聊名称")
	owner := fs.String("owner", "", "群主（须为群成员；默认第一个账号）")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		fs.Usage()
		return fmt.Errorf("a group chat needs at least two members")
	}
	a, err := openApp(ctx, e, *cfgPath)
	if err != nil {
		return err
	}
	defer a.Close()
	w := a.cfg.WeCom
	if !w.Enabled() {
		return fmt.Errorf("[wecom] corp_id, agent_id and secret must be set")
	}
	client, err := bot.NewWeComClient(bot.ClientConfig{APIBase: w.APIBase, CorpID: w.CorpID, AgentID: w.AgentID, Secret: w.Secret, Logger: e.log}, a.st)
	if err != nil {
		return err
	}
	if *owner == "" {
		*owner = fs.Arg(0)
	}
	id, err := client.CreateChat(ctx, *name, *owner, fs.Args())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created group chat %q: chatid %s\nput it in [remind] bulletin_chat_id to post bulletins there\n", *name, id)
	return nil
}
