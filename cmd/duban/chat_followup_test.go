package main

import (
	"context"
	"strings"
	"testing"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// The buttons that need words first, end to end through `duban chat`: a
// reminder's 申请延期 button, then a date and a reason in the unit's own
// words, reaches the group leader as a request; the leader's 不同意 button,
// then a reason, is recorded and the unit told.
func TestChatButtonFollowups(t *testing.T) {
	cfg, dir := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	// A reminder card (sent by serve, not shown in the console) has
	// 已完成, 申请延期 and 收到 buttons; the console clicks them by key.
	script := strings.Join([]string{
		"/click extend:T003",
		"2027年1月15日，等编委会审议",
		"/as liujianhua",
		"/click refuse:T003",
		"时限不变，请按期完成",
		"/as zhaojie",
		"记录 T003",
		"T004 申请延期到1/20，因为待编委会审议",
	}, "\n")
	code, out, errs := cli(t, script, "chat", "--config", cfg, "--as", "zhaojie", "--now", "2026-12-21 09:05")
	if code != 0 {
		t.Fatalf("chat: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{
		"任务 T003「内设机构调整到位，每科室平均不少于3名」申请延期：请回复新的完成时限和理由（现时限 2026-12-28）",
		"延期：申请将完成时限由 2026-12-28 延至 2027-01-15，待审批（等编委会审议）。已提交党群组督办组长审批。",
		"【发给 liujianhua】\n【延期申请】任务 T003",
		"[不同意 → /click refuse:T003@",
		"不同意任务 T003「内设机构调整到位，每科室平均不少于3名」的延期申请：请回复理由",
		"不同意延期：申请延至 2027-01-15 未获同意，完成时限仍为 2026-12-28（时限不变，请按期完成）；所办理的是赵杰",
		"【发给 zhaojie】\n【不同意延期】任务 T003",
		"刘建华（督办组长） 不同意延期",
		"赵杰（联络员） 延期",
		"任务 T004「核减内设机构和领导职数，收回多余职数」（市委办公室）：延期：申请将完成时限由 2027-01-05 延至 2027-01-20",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tk, err := st.Task(context.Background(), "T003")
	if err != nil || tk.Extension != nil || tk.Deadline != duban.NewDate(2026, 12, 28) {
		t.Fatalf("T003 after a refused extension: %+v %v", tk, err)
	}
	if t4, err := st.Task(context.Background(), "T004"); err != nil || t4.Extension == nil || t4.Extension.Deadline != duban.NewDate(2027, 1, 20) {
		t.Errorf("T004 after 延期到1/20 at --now 2026-12-21: %+v %v", t4, err)
	}
	hist, _ := st.History(context.Background(), "T003")
	if last := hist[len(hist)-1]; last.Action != duban.ActRefuse || last.Note != "时限不变，请按期完成" {
		t.Errorf("refusal not recorded: %+v", last)
	}
}

// Command-line users get usage on stderr and exit 2 without a command, and
// per-command help with `duban help CMD`; an unknown unit or group is an
// error, never "0 项任务".
func TestCommandLineForms(t *testing.T) {
	if code, out, errs := cli(t, ""); code != 2 || out != "" || !strings.Contains(errs, "用法：duban 命令") {
		t.Errorf("duban without a command: %d\n%s\n%s", code, out, errs)
	}
	if code, out, _ := cli(t, "", "help", "tasks"); code != 0 || !strings.Contains(out, "-unit") {
		t.Errorf("duban help tasks: %d\n%s", code, out)
	}
	if code, _, errs := cli(t, "", "help", "nosuch"); code != 2 || !strings.Contains(errs, "nosuch") {
		t.Errorf("duban help nosuch: %d\n%s", code, errs)
	}
	cfg, _ := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 || !strings.Contains(out, "已导入") {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	for _, args := range [][]string{{"--unit", "dq01"}, {"--unit", "市委办公室"}, {"--unit", "DQ01"}} {
		code, out, errs := cli(t, "", append([]string{"tasks", "--config", cfg}, args...)...)
		if code != 0 || !strings.Contains(out, "T003") || !strings.Contains(errs, "6 项任务") {
			t.Errorf("tasks %v: %d\n%s\n%s", args, code, out, errs)
		}
	}
	for _, args := range [][]string{{"--unit", "DQ99"}, {"--unit", "市不存在局"}, {"--group", "不存在组"}} {
		code, _, errs := cli(t, "", append([]string{"tasks", "--config", cfg}, args...)...)
		if code != 2 || strings.Contains(errs, "0 项任务") || !strings.Contains(errs, "没有找到") {
			t.Errorf("tasks %v: exit %d\n%s", args, code, errs)
		}
	}
	if code, out, _ := cli(t, "", "tasks", "--config", cfg, "--group", "党群组"); code != 0 || !strings.Contains(out, "T003") {
		t.Errorf("tasks --group 党群组: %d", code)
	}
}
