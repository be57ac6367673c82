package main

import (
	"context"
	"errors"
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
		fmt.Fprintln(e.stderr, "群聊至少需要两个成员。")
		fs.Usage()
		return errUsage
	}
	a, err := openApp(ctx, e, *cfgPath)
	if err != nil {
		return err
	}
	defer a.Close()
	w := a.cfg.WeCom
	if !w.Enabled() {
		return errors.New("配置中须填写 [wecom] corp_id、agent_id 和 secret")
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
		e.log.Debug("appchat/create failed", "err", err)
		return errors.New("未能创建群聊：" + bot.Explain(err))
	}
	fmt.Fprintf(e.stdout, "已创建群聊「%s」，chatid：%s\n在配置的 [remind] 中写入 bulletin_chat_id = %q，通报即发到该群。\n", *name, id, id)
	return nil
}
