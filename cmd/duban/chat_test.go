package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// cli runs duban in process and returns its exit code, stdout and stderr.
func cli(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func tempConfig(t *testing.T) (cfg, storeDir string) {
	t.Helper()
	dir := t.TempDir()
	storeDir = filepath.Join(dir, "data")
	cfg = filepath.Join(dir, "duban.toml")
	if err := os.WriteFile(cfg, []byte("[store]\ndir = \""+storeDir+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, storeDir
}

func TestChatVerificationLoop(t *testing.T) {
	cfg, dir := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	script := strings.Join([]string{
		"完成 T003 方案已报编办",
		"/as liujianhua",
		"/click verify:T003",
	}, "\n")
	code, out, errs := cli(t, script, "chat", "--config", cfg, "--as", "zhaojie")
	if code != 0 {
		t.Fatalf("chat: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{
		"完成：未启动 → 已报完成（方案已报编办）",
		"【发给 liujianhua】\n【待销号】任务 T003",
		"[销号 → /click verify:T003@",
		"销号：已报完成 → 已销号",
		"【发给 zhaojie】\n【已销号】任务 T003",
		"（卡片已更新：已销号）",
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
	if err != nil || tk.Status != duban.StatusVerified {
		t.Fatalf("T003 after chat: %+v %v", tk, err)
	}
	if n, _ := st.OutboxLen(context.Background()); n != 0 {
		t.Errorf("%d messages left in the outbox", n)
	}
}

func TestChatWithConfigNeverLoadsSample(t *testing.T) {
	cfg, _ := tempConfig(t)
	code, out, _ := cli(t, "任务\n", "chat", "--config", cfg, "--as", "zhaojie")
	if code != 0 || !strings.Contains(out, "还没有登记") {
		t.Fatalf("chat on an empty configured store: %d\n%s", code, out)
	}
}

func TestImportBadRowsWritesNothing(t *testing.T) {
	cfg, dir := tempConfig(t)
	bad := t.TempDir()
	files := map[string]string{
		"units.csv":  "单位编码,单位名称,督办组\nU01,市财政局,政府组\n",
		"people.csv": "账号,姓名,角色,所属\nli,李雷,联络员,U01\nwang,王,组长X,\n",
		"tasks.csv":  "任务编号,单位编码,任务事项,完成时限,备注\nT1,U01,制定方案,2017-12-31,\nT2,U99,报审,2017-13-01,\nT1,U01,重复,2018-01-01,\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(bad, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code, _, errs := cli(t, "", "import", "--config", cfg, bad)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{"people.csv C3（角色）", "tasks.csv B3（单位编码）", "U99", "D3（完成时限）", "A4（任务编号）"} {
		if !strings.Contains(errs, want) {
			t.Errorf("error lacks %q:\n%s", want, errs)
		}
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l, err := st.Snapshot(context.Background())
	if err != nil || len(l.Units)+len(l.People)+len(l.Tasks) != 0 {
		t.Fatalf("a failed import wrote %+v (%v)", l, err)
	}
}

func TestAskExitCodes(t *testing.T) {
	cfg, _ := tempConfig(t)
	code, out, errs := cli(t, "", "ask", "--config", cfg, "纳入大科室制改革的市直单位有多少家")
	if code != 0 || !strings.Contains(out, "84家") || !strings.Contains(out, "《") {
		t.Fatalf("ask: %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = cli(t, "", "ask", "--config", cfg, "明年的公积金缴存比例是多少")
	if code != 1 || !strings.Contains(out, "没有") {
		t.Fatalf("out-of-corpus question: exit %d\n%s", code, out)
	}
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
