//go:build linux

package policy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkAskProcess10k runs a real `duban ask` process over the
// 10k-passage store and reports its peak resident memory (what `duban
// serve` holds once it has answered its first question) and wall time.
func BenchmarkAskProcess10k(b *testing.B) {
	c := benchStore(b)
	dir := b.TempDir()
	bin := filepath.Join(dir, "duban")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/duban").CombinedOutput(); err != nil {
		b.Fatalf("build duban: %v\n%s", err, out)
	}
	cfg := filepath.Join(dir, "duban.toml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, "[store]\ndir = %q\n[policy]\ndefault_corpus = false\n", c.dir), 0o600); err != nil {
		b.Fatal(err)
	}
	args := []string{bin, "ask", "--config", cfg, loadQuestions(b)[0].Question}
	var rss, wall float64
	for b.Loop() {
		// The kernel counts in a child's peak the RSS of the process it
		// was forked from, and this one holds the corpus: a fresh copy of
		// the test binary starts duban (see measureChild).
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), measureEnv+"="+strings.Join(args, "\n"))
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("measure duban ask: %v", err)
		}
		var kb, ms float64
		if _, err := fmt.Sscan(string(out), &kb, &ms); err != nil {
			b.Fatalf("measure duban ask: %q: %v", out, err)
		}
		rss += kb / 1024
		wall += ms
	}
	b.ReportMetric(rss/float64(b.N), "maxrss-MB")
	b.ReportMetric(wall/float64(b.N), "wall-ms")
	reportCorpus(b)
}

const measureEnv = "DUBAN_BENCH_MEASURE"

// measureChild, in a test binary started by BenchmarkAskProcess10k, runs
// the command it was given and prints the command's peak RSS (KB) and wall
// time (ms); duban exiting with 1 (the question declined) counts as success.
func measureChild() {
	spec := os.Getenv(measureEnv)
	if spec == "" {
		return
	}
	args := strings.Split(spec, "\n")
	cmd := exec.Command(args[0], args[1:]...)
	start := time.Now()
	err := cmd.Run()
	if err != nil && (cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss, time.Since(start).Milliseconds())
	os.Exit(0)
}
