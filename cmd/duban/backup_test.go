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
