//go:build linux

package policy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/duban-org/duban/store"
)

// BenchmarkAskProcess10k runs a real `duban ask` process over the
// 10k-passage store and reports its peak resident memory (what `duban
// serve` holds once it has answered its first question), wall and CPU time:
// with the stored index, and with an index to rebuild (the first start
// after an upgrade from a duban that stored none, or after an interrupted
// ingest).
func BenchmarkAskProcess10k(b *testing.B) {
	c := benchStore(b)
	dir := b.TempDir()
	bin := filepath.Join(dir, "duban")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/duban").CombinedOutput(); err != nil {
		b.Fatalf("build duban: %v\n%s", err, out)
	}
	question := loadQuestions(b)[0].Question
	measure := func(b *testing.B, storeDir string) (rssMB, ms, cpuMS float64) {
		cfg := filepath.Join(dir, "duban.toml")
		if err := os.WriteFile(cfg, fmt.Appendf(nil, "[store]\ndir = %q\n[policy]\ndefault_corpus = false\n", storeDir), 0o600); err != nil {
			b.Fatal(err)
		}
		// The kernel counts in a child's peak the RSS of the process it
		// was forked from, and this one holds the corpus: a fresh copy of
		// the test binary starts duban (see measureChild).
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), measureEnv+"="+strings.Join([]string{bin, "ask", "--config", cfg, question}, "\n"))
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("measure duban ask: %v", err)
		}
		var kb float64
		if _, err := fmt.Sscan(string(out), &kb, &ms, &cpuMS); err != nil {
			b.Fatalf("measure duban ask: %q: %v", out, err)
		}
		return kb / 1024, ms, cpuMS
	}
	report := func(b *testing.B, rss, wall, cpu float64) {
		b.ReportMetric(rss/float64(b.N), "maxrss-MB")
		b.ReportMetric(wall/float64(b.N), "wall-ms")
		b.ReportMetric(cpu/float64(b.N), "cpu-ms")
		reportCorpus(b)
	}
	b.Run("stored", func(b *testing.B) {
		var rss, wall, cpu float64
		for b.Loop() {
			r, ms, c := measure(b, c.dir)
			rss, wall, cpu = rss+r, wall+ms, cpu+c
		}
		report(b, rss, wall, cpu)
	})
	b.Run("rebuild", func(b *testing.B) {
		var rss, wall, cpu float64
		for b.Loop() {
			b.StopTimer()
			stale := filepath.Join(b.TempDir(), "data")
			if out, err := exec.Command("cp", "-a", c.dir, stale).CombinedOutput(); err != nil {
				b.Fatalf("copy the store: %v\n%s", err, out)
			}
			st, err := store.Open(stale, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			docs, err := st.PolicyDocs(context.Background())
			if err == nil {
				err = st.PutPolicyIndex(context.Background(), "older", docs, slices.Values([][]byte(nil)))
			}
			if err := errors.Join(err, st.Close()); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			r, ms, c := measure(b, stale)
			rss, wall, cpu = rss+r, wall+ms, cpu+c
		}
		report(b, rss, wall, cpu)
	})
}

const measureEnv = "DUBAN_BENCH_MEASURE"

// measureChild, in a test binary started by BenchmarkAskProcess10k, runs
// the command it was given and prints the command's peak RSS (KB) and wall
// time and CPU time (ms); duban exiting with 1 (the question declined) counts as success.
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
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	fmt.Println(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss, time.Since(start).Milliseconds(), cpu.Milliseconds())
	os.Exit(0)
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
