package main

import (
	"regexp"
	"strings"
	"testing"
)

// commandWords are the command lines quoted in the usage (duban llm check,
// calendar show), not English sentences.
var commandWords = regexp.MustCompile(`(?:duban|calendar|llm) [a-z]+`)

// englishWords finds runs of English words a person would read: three or
// more lowercase letters that are not a flag, a file name or a config key.
var englishWords = regexp.MustCompile(`(?:^|[\s(（：:，,])([a-z]{3,}(?: [a-z]{3,})+)`)

// The usage a person reads — duban alone, duban help CMD, a wrong flag — is
// Chinese: no English sentences, no Go flag package wording.
func TestUsageIsChinese(t *testing.T) {
	code, out, errs := cli(t, "")
	if code != 2 || out != "" || !strings.Contains(errs, "用法：duban 命令") || !strings.Contains(errs, "依据政策文件回答问题") {
		t.Fatalf("duban alone: %d %q\n%s", code, out, errs)
	}
	if m := englishWords.FindStringSubmatch(commandWords.ReplaceAllString(errs, "")); m != nil {
		t.Errorf("duban alone holds English %q:\n%s", m[1], errs)
	}
	for name := range commands {
		code, out, _ := cli(t, "", "help", name)
		if code != 0 || !strings.Contains(out, "用法：duban "+name) || !strings.Contains(out, "--config 值") {
			t.Errorf("help %s: %d\n%s", name, code, out)
		}
		for _, w := range []string{"Usage", "Flags", " string", " int\n", "default "} {
			if strings.Contains(out, w) {
				t.Errorf("help %s holds %q:\n%s", name, w, out)
			}
		}
		if m := englishWords.FindStringSubmatch(commandWords.ReplaceAllString(out, "")); m != nil {
			t.Errorf("help %s holds English %q:\n%s", name, m[1], out)
		}
	}
	for args, want := range map[string]string{
		"tasks --bogus":                 "duban tasks：没有选项 -bogus\n用法：duban tasks",
		"tasks --unit":                  "选项 -unit 后面要写值",
		"report --archived x":           `选项 -archived 的值 "x" 无效`,
		"tasks --state 完成 --config CFG": "应为 未启动、推进中、已报完成、已销号 或 逾期",
		"nosuch":                        "duban：没有命令 \"nosuch\"",
	} {
		cfg, _ := tempConfig(t) // a command that opens a store opens a temporary one
		code, _, errs := cli(t, "", strings.Fields(strings.Replace(args, "CFG", cfg, 1))...)
		if code != 2 || !strings.Contains(errs, want) || strings.Contains(errs, "flag provided") {
			t.Errorf("duban %s: %d\n%s", args, code, errs)
		}
	}
}
