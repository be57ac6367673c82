package main

import (
	"bytes"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// timed runs bin with args and returns its wall time, its CPU time (user +
// system) and its peak resident set size in KiB. A child's getrusage peak
// includes this process's own peak, whose memory it shares until exec, so
// /usr/bin/time, small, starts it and reports the command's alone.
func timed(b *testing.B, stdout io.Writer, bin string, args ...string) (wall, cpu time.Duration, peakKiB int64) {
	b.Helper()
	timer, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		b.Skip("needs /usr/bin/time for the peak RSS of the command alone")
	}
	var stderr bytes.Buffer
	cmd := exec.Command(timer, append([]string{"-f", "peak-KiB %M", bin}, args...)...)
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("duban %v: %v\n%s", args, err, stderr.Bytes())
	}
	wall = time.Since(start)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage) // /usr/bin/time's children: duban
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	_, kib, ok := strings.Cut(lines[len(lines)-1], "peak-KiB ")
	if peakKiB, err = strconv.ParseInt(kib, 10, 64); !ok || err != nil {
		b.Fatalf("no peak RSS in %q", stderr.Bytes())
	}
	return wall, cpu, peakKiB
}
