package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
)

func init() {
	commands["llm"] = command{"duban llm check：分别以对话、工具调用和向量各调用一次所配置的大模型接口，报告哪些可用", runLLM}
}

func runLLM(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "llm", "check")
	if len(args) == 0 || args[0] != "check" {
		fs.Usage()
		if len(args) > 0 && isHelpFlag(args[0]) {
			return flag.ErrHelp // duban help llm
		}
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
		return errors.New("所配置的大模型接口有功能不可用，见上")
	}
	return nil
}
