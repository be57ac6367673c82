package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// duban tasks pages with --limit and --offset, always counting every match,
// and keeps the deadline order of the full listing.
func TestTasksLimitAndOffset(t *testing.T) {
	cfg, _ := tempConfig(t)
	sample, _ := filepath.Abs(filepath.Join("..", "..", "examples", "sample"))
	if code, _, errOut := cli(t, "", "import", "--config", cfg, sample); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	rows := func(out string) []string {
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		return lines[1:] // the header
	}
	code, all, errOut := cli(t, "", "tasks", "--config", cfg, "--now", "2026-11-26 09:00")
	if code != 0 || strings.TrimSpace(errOut) != "544 项任务" || len(rows(all)) != 544 {
		t.Fatalf("tasks: exit %d, %q, %d rows", code, errOut, len(rows(all)))
	}
	code, page, errOut := cli(t, "", "tasks", "--config", cfg, "--now", "2026-11-26 09:00", "--limit", "20", "--offset", "40")
	if code != 0 || strings.TrimSpace(errOut) != "544 项任务，显示第 41–60 项" {
		t.Fatalf("tasks --limit 20 --offset 40: exit %d, %q", code, errOut)
	}
	got, want := rows(page), rows(all)[40:60]
	for i := range want {
		if strings.Fields(got[i])[0] != strings.Fields(want[i])[0] {
			t.Fatalf("row %d of the page is %q, want %q", i, got[i], want[i])
		}
	}
	code, out, errOut := cli(t, "", "tasks", "--config", cfg, "--now", "2026-11-26 09:00", "--state", "逾期", "--limit", "5")
	if code != 0 || len(rows(out)) != 5 || !strings.Contains(errOut, "项任务，显示第 1–5 项") || !strings.Contains(out, "逾期") {
		t.Fatalf("tasks --state 逾期 --limit 5: exit %d, %q\n%s", code, errOut, out)
	}
	if code, _, errOut := cli(t, "", "tasks", "--config", cfg, "--limit", "-1"); code == 0 || !strings.Contains(errOut, "--limit") {
		t.Errorf("a negative --limit: exit %d, %q", code, errOut)
	}
}
