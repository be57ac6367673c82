package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
	"github.com/duban-org/duban/store"
	"github.com/duban-org/duban/tasklist"
)

// A large import killed (SIGKILL) while it is being written leaves the
// previous ledger exactly as it was and usable; the next start deletes the
// staged part, and the same import then goes through whole.
func TestImportKilledHalfWayLeavesOldLedger(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	before, _, code := e.tasks()
	if code != 0 || !strings.Contains(before, "T003") {
		t.Fatalf("tasks before: exit %d\n%s", code, before)
	}
	list := filepath.Join(e.dir, "province")
	p := province.Generate(province.Size{Units: 3000, Tasks: 30_000, Today: duban.NewDate(2026, 11, 26), Seed: 9})
	if err := tasklist.Write(list, p, nil); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(e.bin, "import", "--config", e.cfgPath, list)
	cmd.Dir = e.dir
	output, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(output)
	var seen []string
	killed := false
	for lines.Scan() {
		seen = append(seen, lines.Text())
		if strings.Contains(lines.Text(), "已写入") && strings.Contains(lines.Text(), "尚未生效") {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
			break
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("the import never reported staging rows (exit %v):\n%s", err, strings.Join(seen, "\n"))
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("import was not killed: %v", cmd.ProcessState)
	}

	after, errOut, code := e.tasks()
	if code != 0 || after != before {
		t.Fatalf("the ledger changed after a killed import (exit %d, %s):\nbefore:\n%.600s\nafter:\n%.600s", code, errOut, before, after)
	}
	if !strings.Contains(errOut, "discarding an import interrupted before it was committed") {
		t.Errorf("the next start did not report discarding the staged import:\n%s", errOut)
	}
	console := filepath.Join(e.dir, "console.toml") // duban chat refuses a config with [wecom]
	if err := os.WriteFile(console, fmt.Appendf(nil, "[store]\ndir = %q\n\n[policy]\ndefault_corpus = false\n", e.storeDir), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := e.dubanStdin("进展 T003 调整方案已起草\n", "chat", "--config", console, "--as", "zhaojie")
	if code != 0 || !strings.Contains(out, "已记录") {
		t.Fatalf("chat after a killed import: exit %d\n%s\n%s", code, out, errOut)
	}

	st, err := store.Open(e.storeDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := st.Tasks(t.Context(), store.TaskFilter{})
	st.Close()
	if err != nil || len(tasks) != 544 {
		t.Fatalf("%d tasks after the killed import, want the sample's 544: %v", len(tasks), err)
	}

	out, errOut, code = e.duban("import", "--config", e.cfgPath, list)
	if code != 0 || !strings.Contains(out, "任务新增 30000 项") {
		t.Fatalf("import again: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, _, code := e.tasks("--unit", "U02999"); code != 0 {
		t.Fatalf("tasks of an imported unit: exit %d", code)
	}
}
