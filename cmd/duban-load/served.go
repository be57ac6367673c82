package main

// A `duban serve` process that duban-load starts itself (soak and replies
// modes): its log copied to a file, its addresses read from that log.

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var (
	servingLine = regexp.MustCompile(`msg=serving addr=(\S+)`)
	metricsLine = regexp.MustCompile(`msg=metrics addr=(\S+)`)
)

// served is a running `duban serve`.
type served struct {
	cmd               *exec.Cmd
	cbURL, metricsURL string
	logPath           string
	exited            chan struct{}
	waitErr           error
}

// launchServe starts `bin serve --config cfgPath`, copies its log to
// logPath and waits until it serves and, when ready is not nil, until a log
// line matches ready too (such as the ledger view being built), for at
// most wait.
func launchServe(bin, cfgPath, logPath string, ready *regexp.Regexp, wait time.Duration) (*served, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	s := &served{cmd: exec.Command(bin, "serve", "--config", cfgPath), logPath: logPath, exited: make(chan struct{})}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	addrs := make(chan [2]string, 1)
	go func() {
		defer logFile.Close()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var serving, metrics string
		isReady := ready == nil
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logFile, line)
			if m := metricsLine.FindStringSubmatch(line); m != nil {
				metrics = m[1]
			}
			if m := servingLine.FindStringSubmatch(line); m != nil {
				serving = m[1]
			}
			if ready != nil && ready.MatchString(line) {
				isReady = true
			}
			if serving != "" && isReady {
				addrs <- [2]string{serving, metrics}
				serving = "" // sent once
				ready, isReady = nil, false
			}
		}
	}()
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	select {
	case a := <-addrs:
		s.cbURL = "http://" + a[0] + "/wecom/callback"
		s.metricsURL = "http://" + a[1] + "/metrics"
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("duban serve exited at start (%v); see %s", s.waitErr, logPath)
	case <-time.After(wait):
		s.stop()
		return nil, fmt.Errorf("duban serve was not ready within %v; see %s", wait, logPath)
	}
}

func (s *served) pid() int { return s.cmd.Process.Pid }

// stop ends serve with SIGTERM, as systemd does, and kills it if it has not
// stopped within 30 s; the error says how it ended when not cleanly.
func (s *served) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return s.waitErr
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("serve did not stop within 30 s of SIGTERM; killed")
	}
}

// procStatus reads one "kB" field of /proc/PID/status (VmRSS, VmHWM) in
// bytes; 0 when it cannot.
func procStatus(pid int, field string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// procCPU is the user+system CPU time process pid has used (Linux's
// /proc/PID/stat, in clock ticks of 1/100 s); 0 when it cannot be read.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	user, _ := strconv.ParseInt(f[11], 10, 64)
	sys, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(user+sys) * 10 * time.Millisecond
}
