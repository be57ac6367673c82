package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/duban-org/duban"
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

// duban tasks lines its columns up as a terminal shows Chinese: each column
// starts at the same display column on every line.
func TestTasksTableIsAligned(t *testing.T) {
	var b strings.Builder
	rows := [][]string{{"编号", "单位", "任务事项"}, {"任务三", "GA 市公安局", "公安局编制核减"}, {"RW-1", "WS 市卫生健康委员会", "制定方案"}}
	if err := writeTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	for col, cell := range []string{"单位", "任务事项"} {
		want := -1
		for i, line := range lines {
			field := rows[i][col+1]
			at := strings.Index(line, field)
			if at < 0 {
				t.Fatalf("line %q lacks %q", line, field)
			}
			if got := duban.DisplayWidth(line[:at]); want < 0 {
				want = got
			} else if got != want {
				t.Errorf("column %s starts at %d on %q, at %d on the header\n%s", cell, got, line, want, b.String())
			}
		}
	}
	if strings.Contains(b.String(), " \n") {
		t.Errorf("trailing spaces:\n%q", b.String())
	}
}
