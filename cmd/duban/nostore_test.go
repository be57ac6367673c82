package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Read-only commands on a store directory that does not exist say so in
// Chinese, with how to import a task list, exit 2 and create nothing;
// import creates the store.
func TestReadOnlyCommandsDoNotCreateAStore(t *testing.T) {
	cfg, dir := tempConfig(t)
	out := filepath.Join(t.TempDir(), "out.xlsx")
	for _, args := range [][]string{
		{"tasks"},
		{"export", out},
		{"remind", "--dry-run"},
		{"report"},
	} {
		code, stdout, stderr := cli(t, "", append([]string{args[0], "--config", cfg}, args[1:]...)...)
		if code != 2 || !strings.Contains(stderr, "没有督办数据") || !strings.Contains(stderr, "duban import") {
			t.Errorf("%v: exit %d\n%s\n%s", args, code, stdout, stderr)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("%v created the store directory %s (%v)", args, dir, err)
		}
	}
	if code, stdout, stderr := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, stdout, stderr)
	}
	if code, stdout, stderr := cli(t, "", "tasks", "--config", cfg); code != 0 || !strings.Contains(stdout, "T003") {
		t.Errorf("tasks after import: %d\n%s\n%s", code, stdout, stderr)
	}
}
