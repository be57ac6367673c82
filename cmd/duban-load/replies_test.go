package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The replies mode at a small size, through a real `duban serve`: every
// kind of message is answered, with the reply its kind should get (a
// 下一页 its page 2, a policy question an answer), none lost, and the table
// and serve's RSS are printed.
func TestRepliesMode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the duban binary")
	}
	bin := filepath.Join(t.TempDir(), "duban")
	if out, err := exec.Command("go", "build", "-o", bin, "../duban").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var out, errs strings.Builder
	args := []string{"-mode", "replies", "-duban", bin, "-tasks", "2000", "-players", "1", "-rounds", "2", "-pause", "10ms", "-dir", t.TempDir()}
	if code := run(context.Background(), args, &out, &errs); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errs.String())
	}
	t.Log(out.String())
	table := map[string][]string{}
	for line := range strings.Lines(out.String()) {
		for _, k := range replyKinds {
			if rest, ok := strings.CutPrefix(line, padRunes(k.label, 26)); ok {
				table[k.label] = strings.Fields(rest)
			}
		}
	}
	for _, k := range replyKinds {
		row := table[k.label]
		if len(row) != 10 {
			t.Errorf("%s: row %q, want 10 figures", k.label, row)
			continue
		}
		if n, _ := strconv.Atoi(row[0]); n != 2 {
			t.Errorf("%s: %d replies measured, want 2", k.label, n)
		}
		if p50, err := strconv.ParseFloat(row[1], 64); err != nil || p50 <= 0 {
			t.Errorf("%s: p50 %q", k.label, row[1])
		}
		if hand, err := strconv.ParseFloat(row[7], 64); err != nil || hand < 0 {
			t.Errorf("%s: handler p99 %q (not found in serve's log?)", k.label, row[7])
		}
		if row[9] != "0" {
			t.Errorf("%s: %s replies not of their kind", k.label, row[9])
		}
	}
	for _, want := range []string{"2000 tasks in 200 units", "ledger view built", "督办组长 下一页 → ", "（第 2/", "peak since start (VmHWM)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in the output", want)
		}
	}
}

func TestRepliesModeRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-mode", "replies", "-tasks", "100"}, // no -duban
		{"-mode", "replies", "-duban", "duban", "-players", "0"},
		{"-mode", "replies", "-duban", "duban", "-rounds", "0"},
	} {
		var out, errs strings.Builder
		if code := run(context.Background(), args, &out, &errs); code == 0 || !strings.Contains(errs.String(), "-") {
			t.Errorf("%v: exit %d, %q", args, code, errs.String())
		}
	}
}
