package main

import (
	"context"
	"errors"
	"fmt"
)

func init() {
	commands["llm"] = command{"`duban llm check`: call the configured LLM endpoint once for chat, with tools and for embeddings, and say what works", runLLM}
}

func runLLM(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "llm", "check")
	if len(args) == 0 || args[0] != "check" {
		fs.Usage()
		return errUsage
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	a, err := openApp(ctx, e, *cfgPath)
	if err != nil {
		return err
	}
	defer a.Close()
	client, err := a.llmClient()
	if err != nil {
		return err
	}
	if client == nil {
		fmt.Fprintln(e.stdout, "未配置大模型（[llm] base_url 为空）：命令和关键词检索照常可用。")
		return nil
	}
	failed := false
	for _, c := range client.Probe(ctx) {
		switch {
		case c.Skip:
			fmt.Fprintf(e.stdout, "%s：未配置模型，跳过。\n", c.What)
		case c.OK:
			fmt.Fprintf(e.stdout, "%s（%s）：可用。%s\n", c.What, c.Model, c.Detail)
		default:
			failed = failed || c.What != "工具调用" // without tools duban asks for JSON in text
			fmt.Fprintf(e.stdout, "%s（%s）：不可用。%s\n", c.What, c.Model, c.Detail)
		}
	}
	if failed {
		return errors.New("the LLM endpoint does not serve everything configured")
	}
	return nil
}
