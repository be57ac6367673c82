package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestScheduledBackupsRestoreAndPrune(t *testing.T) {
	cfg, _ := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %s %s", out, errs)
	}
	backups := t.TempDir()
	ctx := context.Background()
	a, err := openApp(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, log: discardLog()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.cfg.Store.BackupDir, a.cfg.Store.BackupKeep = backups, 2
	day := time.Date(2026, 11, 26, 3, 0, 0, 0, a.loc)
	var last string
	for i := range 3 {
		if last, err = a.writeBackup(ctx, day.AddDate(0, 0, i)); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	entries, _ := os.ReadDir(backups)
	if len(entries) != 2 || entries[1].Name() != filepath.Base(last) {
		t.Fatalf("kept %v, want the newest two", entries)
	}
	cfg2, _ := tempConfig(t)
	if code, out, errs := cli(t, "", "restore", "--config", cfg2, last); code != 0 {
		t.Fatalf("restore: %s %s", out, errs)
	}
	code, out, _ := cli(t, "", "tasks", "--config", cfg2, "--unit", "DQ01")
	if code != 0 || !strings.Contains(out, "T003") {
		t.Fatalf("tasks after restore: %d\n%s", code, out)
	}
}

// `duban restore` refuses a bad file in plain Chinese, exits 2 without a
// stack trace and leaves no store behind; the sample ledger never goes into
// a restored store.
func TestRestoreRefusesBadFilesCLI(t *testing.T) {
	cfg, _ := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %s %s", out, errs)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.bak")
	code, out, errs := cli(t, "", "backup", "--config", cfg, good)
	if code != 0 || !strings.Contains(out, "校验无误") {
		t.Fatalf("backup: %d %s %s", code, out, errs)
	}
	if code, out, errs := cli(t, "", "backup", "--config", cfg, good); code != 2 || !strings.Contains(errs, "已存在") {
		t.Fatalf("backup over a file: %d %s %s", code, out, errs)
	}
	if code, out, _ := cli(t, "", "backup", "--verify", good); code != 0 || !strings.Contains(out, "完好") || !strings.Contains(out, "项任务") {
		t.Fatalf("verify: %d %s", code, out)
	}
	b, _ := os.ReadFile(good)
	bad := map[string][]byte{
		"empty.bak":     nil,
		"garbage.bak":   []byte(strings.Repeat("这不是备份文件\n", 100)),
		"truncated.bak": b[:len(b)*2/3],
		"short.bak":     b[:len(b)-3],
	}
	for name, data := range bad {
		file := filepath.Join(dir, name)
		os.WriteFile(file, data, 0o600)
		code, _, errs := cli(t, "", "backup", "--verify", file)
		if code != 2 || !strings.Contains(errs, "备份文件 "+file) {
			t.Errorf("verify %s: %d %s", name, code, errs)
		}
		cfg2, store2 := tempConfig(t)
		code, out, errs := cli(t, "", "restore", "--config", cfg2, file)
		if code != 2 || !strings.HasPrefix(errs, "duban restore: 备份文件 "+file) || strings.Contains(errs, "goroutine") || out != "" {
			t.Errorf("restore %s: %d\n%s\n%s", name, code, out, errs)
		}
		if _, err := os.Stat(store2); !os.IsNotExist(err) {
			t.Errorf("restore %s left %s: %v", name, store2, err)
		}
		if entries, _ := os.ReadDir(filepath.Dir(store2)); len(entries) != 1 {
			t.Errorf("restore %s left %v", name, entries)
		}
	}
	// A file that is not there is said so in Chinese, not in the operating
	// system's English.
	missing := filepath.Join(dir, "nosuch.bak")
	cfg3, _ := tempConfig(t)
	for _, args := range [][]string{{"restore", "--config", cfg3, missing}, {"backup", "--verify", missing}} {
		code, _, errs := cli(t, "", args...)
		if code != 2 || !strings.Contains(errs, "备份文件 "+missing+" 不存在") || strings.Contains(errs, "no such file") {
			t.Errorf("%v: %d %s", args, code, errs)
		}
	}
}

func TestSampleLedgerOnlyInAFirstDefaultChat(t *testing.T) {
	// A backup of a store with no ledger (as of a new deployment).
	cfg, _ := tempConfig(t)
	empty := filepath.Join(t.TempDir(), "empty.bak")
	if code, out, errs := cli(t, "", "backup", "--config", cfg, empty); code != 0 {
		t.Fatalf("backup: %s %s", out, errs)
	}
	t.Chdir(t.TempDir())
	if code, out, errs := cli(t, "", "restore", empty); code != 0 || !strings.Contains(out, "已把备份") {
		t.Fatalf("restore into ./data: %d %s %s", code, out, errs)
	}
	code, out, errs := cli(t, "/quit\n", "chat", "--as", "zhaojie")
	if code != 0 || strings.Contains(errs, "示例台账") {
		t.Fatalf("chat on a restored default store: %d\n%s\n%s", code, out, errs)
	}
	t.Chdir(t.TempDir())
	code, out, errs = cli(t, "/quit\n", "chat", "--as", "zhaojie")
	if code != 0 || !strings.Contains(errs, "首次运行：已将示例台账") {
		t.Fatalf("first chat: %d\n%s\n%s", code, out, errs)
	}
}

// Every command stops on a damaged store with the message naming the file
// and `duban restore`, never a stack trace, and changes nothing.
func TestCommandsRefuseADamagedStore(t *testing.T) {
	cfg, dir := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %s %s", out, errs)
	}
	if err := os.Remove(filepath.Join(dir, "MANIFEST")); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(dir)
	out := t.TempDir()
	for _, args := range [][]string{
		{"tasks"}, {"export", filepath.Join(out, "x.xlsx")}, {"remind", "--dry-run"}, {"report"},
		{"chat", "--as", "zhaojie"}, {"import", "../../examples/sample"}, {"ask", "大科室制"},
		{"backup", filepath.Join(out, "x.bak")},
	} {
		code, _, errs := cli(t, "/quit\n", append([]string{args[0], "--config", cfg}, args[1:]...)...)
		if code != 2 || !strings.Contains(errs, "存储已损坏："+filepath.Join(dir, "MANIFEST")) || !strings.Contains(errs, "duban restore") || strings.Contains(errs, "goroutine") {
			t.Errorf("%s: %d\n%s", args[0], code, errs)
		}
	}
	after, _ := os.ReadDir(dir)
	if len(after) != len(before) {
		t.Errorf("files changed: %v → %v", before, after)
	}
}
