package main

import (
	"path/filepath"
	"slices"
	"strconv"
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

// Walked page by page, every listing — all tasks, a state, 逾期, a unit by
// code in any case or by name, a group — shows each of its rows once, in
// the order of the whole listing, with the same total on every page.
func TestTasksPagesWalkTheListing(t *testing.T) {
	cfg, _ := tempConfig(t)
	sample, _ := filepath.Abs(filepath.Join("..", "..", "examples", "sample"))
	if code, _, errOut := cli(t, "", "import", "--config", cfg, sample); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	ids := func(out string) []string {
		var ids []string
		for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n")[1:] { // the header
			if f := strings.Fields(l); len(f) > 0 {
				ids = append(ids, f[0])
			}
		}
		return ids
	}
	for _, args := range [][]string{nil, {"--state", "推进中"}, {"--state", "逾期"}, {"--unit", "dq01"}, {"--unit", "市委办公室"}, {"--group", "党群组"}} {
		base := append([]string{"tasks", "--config", cfg, "--now", "2026-12-21 09:00"}, args...)
		code, all, errOut := cli(t, "", base...)
		total := strings.TrimSuffix(strings.TrimSpace(errOut), " 项任务")
		if code != 0 || len(ids(all)) == 0 || total != strconv.Itoa(len(ids(all))) {
			t.Fatalf("tasks %v: exit %d, %q, %d rows", args, code, errOut, len(ids(all)))
		}
		var walked []string
		for offset := 0; offset < len(ids(all)); offset += 7 {
			code, page, errOut := cli(t, "", append(base, "--limit", "7", "--offset", strconv.Itoa(offset))...)
			if code != 0 || !strings.HasPrefix(errOut, total+" 项任务") {
				t.Fatalf("tasks %v --offset %d: exit %d, %q", args, offset, code, errOut)
			}
			walked = append(walked, ids(page)...)
		}
		if !slices.Equal(walked, ids(all)) {
			t.Errorf("tasks %v page by page: %v\nwhole: %v", args, walked, ids(all))
		}
	}
}
