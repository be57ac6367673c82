package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/duban-org/duban/bot/wecomtest"
	"github.com/duban-org/duban/store"
)

// The end-to-end tests drive the real duban binary over HTTP on 127.0.0.1.
// It is built once, on first use, into binDir (plain build, not -race, to
// keep them fast).
var (
	binDir    string
	buildOnce sync.Once
	dubanBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// dubanBinary returns the path of the built binary, skipping the test under
// -short.
func dubanBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: builds and runs the duban binary")
	}
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "duban-e2e-")
		if buildErr != nil {
			return
		}
		dubanBin = filepath.Join(binDir, "duban")
		cmd := exec.Command("go", "build", "-o", dubanBin, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return dubanBin
}

// e2eOptions vary the configuration of one end-to-end run.
type e2eOptions struct {
	// LLMBaseURL sets [llm] base_url (empty: no LLM).
	LLMBaseURL string
	// TimestampWindow is [wecom] timestamp_window (default "5m").
	TimestampWindow string
	// MaxBodyBytes is [wecom] max_body_bytes (default 65536).
	MaxBodyBytes int
	// MaxRetryAge is [wecom] max_retry_age (default "24h").
	MaxRetryAge string
}

// e2e is one store and configuration, with the fake WeCom it points at, and
// the serve process currently running against them (if any).
type e2e struct {
	t        *testing.T
	bin      string
	dir      string
	cfgPath  string
	storeDir string
	fake     *wecomtest.Server
	opts     e2eOptions
	env      []string // extra environment of serve, NAME=value
}

// newE2E writes a configuration into a temporary directory and imports the
// sample ledger into its store.
func newE2E(t *testing.T, opts e2eOptions) *e2e {
	t.Helper()
	e := &e2e{t: t, bin: dubanBinary(t), dir: t.TempDir(), fake: wecomtest.New(t), opts: opts}
	e.storeDir = filepath.Join(e.dir, "store")
	e.cfgPath = filepath.Join(e.dir, "duban.toml")
	e.writeConfig()
	sample, err := filepath.Abs(filepath.Join("..", "..", "examples", "sample"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := e.duban("import", "--config", e.cfgPath, sample)
	if code != 0 {
		t.Fatalf("duban import: exit %d\n%s\n%s", code, out, errOut)
	}
	return e
}

// writeConfig (re)writes duban.toml from e.opts; a restart picks it up.
func (e *e2e) writeConfig() {
	e.t.Helper()
	window := e.opts.TimestampWindow
	if window == "" {
		window = "5m"
	}
	maxRetry := e.opts.MaxRetryAge
	if maxRetry == "" {
		maxRetry = "24h"
	}
	maxBody := e.opts.MaxBodyBytes
	if maxBody == 0 {
		maxBody = 65536
	}
	// Reminders are confined to the minute 23:59 Shanghai time, so the
	// scheduler does not add messages the tests do not expect.
	cfg := fmt.Sprintf(`[server]
listen = "127.0.0.1:0"
metrics_listen = "127.0.0.1:0"

[store]
dir = %q

[wecom]
corp_id = %q
agent_id = %d
secret = %q
token = %q
encoding_aes_key = %q
api_base = %q
timestamp_window = %q
max_body_bytes = %d
max_retry_age = %q

[llm]
base_url = %q
chat_model = "fake-chat"
timeout = "60s"

[policy]
default_corpus = false

[remind]
send_at = "23:59"
quiet_start = "00:00"
quiet_end = "23:59"
`, e.storeDir, e.fake.CorpID, e.fake.AgentID, e.fake.Secret, e.fake.Token, e.fake.EncodingAESKey,
		e.fake.URL, window, maxBody, maxRetry, e.opts.LLMBaseURL)
	if err := os.WriteFile(e.cfgPath, []byte(cfg), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// duban runs a one-shot duban command to completion.
func (e *e2e) duban(args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	return e.dubanStdin("", args...)
}

// dubanStdin runs a one-shot duban command with stdin to completion.
func (e *e2e) dubanStdin(stdin string, args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.bin, args...)
	cmd.Dir = e.dir
	cmd.Stdin = strings.NewReader(stdin)
	var o, s bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &s
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		e.t.Fatalf("run duban %v: %v", args, err)
	}
	return o.String(), s.String(), code
}

// tasks runs `duban tasks` against the store with extra flags.
func (e *e2e) tasks(args ...string) (stdout, stderr string, code int) {
	return e.duban(append([]string{"tasks", "--config", e.cfgPath}, args...)...)
}

// openStore opens the store of a stopped serve, closed when the test ends.
func (e *e2e) openStore() *store.Store {
	e.t.Helper()
	st, err := store.Open(e.storeDir, store.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st
}

// serveProc is a running `duban serve`.
type serveProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string
	logs *lockedBuffer
	done chan struct{} // closed when the process has exited
	code int           // exit code, valid after done
}

// servingLine finds serve's address in its log, text or JSON.
var servingLine = regexp.MustCompile(`(?:msg=serving addr=|"msg":"serving","addr":")([^\s"]+)`)

// serve starts `duban serve`, waits for its address on stderr and for
// /healthz to answer 200. The process is killed when the test ends if still
// running; its log is printed if the test failed.
func (e *e2e) serve() *serveProc {
	e.t.Helper()
	p := &serveProc{t: e.t, logs: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(e.bin, "serve", "--config", e.cfgPath)
	p.cmd.Dir = e.dir
	p.cmd.Env = append(os.Environ(), "DUBAN_LOG_LEVEL=INFO")
	p.cmd.Env = append(p.cmd.Env, e.env...) // the last of a name wins
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.logs.WriteLine(line)
			if m := servingLine.FindStringSubmatch(line); m != nil {
				select {
				case addrc <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
		p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	e.t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if e.t.Failed() {
			e.t.Logf("duban serve (pid %d) log:\n%s", p.cmd.Process.Pid, p.logs.String())
		}
	})
	select {
	case p.addr = <-addrc:
	case <-p.done:
		e.t.Fatalf("duban serve exited with %d before serving:\n%s", p.code, p.logs.String())
	case <-time.After(15 * time.Second):
		e.t.Fatalf("duban serve did not log its address within 15s:\n%s", p.logs.String())
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(p.url("/healthz"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("GET /healthz not 200 within 10s (last: %v)", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *serveProc) url(path string) string { return "http://" + p.addr + path }

// callback returns the callback URL.
func (p *serveProc) callback() string { return p.url("/wecom/callback") }

// send delivers cb to the callback URL and returns the status and body.
func (p *serveProc) send(cb wecomtest.Callback) (int, string) {
	p.t.Helper()
	resp, err := cb.Send(&http.Client{Timeout: 10 * time.Second}, p.callback())
	if err != nil {
		p.t.Fatalf("callback: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// mustAck sends cb and fails unless it is acknowledged with 200 and an
// empty body.
func (p *serveProc) mustAck(cb wecomtest.Callback) {
	p.t.Helper()
	if code, body := p.send(cb); code != http.StatusOK || body != "" {
		p.t.Fatalf("callback answered %d %q, want 200 and an empty body", code, body)
	}
}

// stop sends sig and waits for the process to exit, returning its exit code
// (-1 when killed by a signal).
func (p *serveProc) stop(sig syscall.Signal) int {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.t.Fatalf("duban serve did not exit within 20s of %v:\n%s", sig, p.logs.String())
	}
	return p.code
}

// lockedBuffer collects a process's log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) WriteLine(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
	l.b.WriteByte('\n')
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls cond every 20 ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitMessagesTo waits until user has received at least n messages.
func (e *e2e) waitMessagesTo(user string, n int, timeout time.Duration) []wecomtest.Message {
	e.t.Helper()
	waitFor(e.t, timeout, fmt.Sprintf("%d messages to %s", n, user), func() bool {
		return len(e.fake.MessagesTo(user)) >= n
	})
	return e.fake.MessagesTo(user)
}

// helpMarker is a line of the 帮助 reply, which the task lists do not have.
const helpMarker = "可以这样对我说"

// barrier sends a 帮助 from user and waits for its reply: the worker handles
// a sender's messages in order and the sender keeps each recipient's order,
// so any reply to an earlier message has arrived by then. It returns the
// messages to user before the barrier's reply.
func (e *e2e) barrier(p *serveProc, user string) []wecomtest.Message {
	e.t.Helper()
	before := len(e.fake.MessagesTo(user))
	p.mustAck(e.fake.NewTextCallback(user, "帮助", fmt.Sprintf("barrier-%d", time.Now().UnixNano())))
	var got []wecomtest.Message
	waitFor(e.t, 10*time.Second, "the reply to 帮助 from "+user, func() bool {
		msgs := e.fake.MessagesTo(user)
		for i := before; i < len(msgs); i++ {
			if strings.Contains(msgs[i].Body(), helpMarker) {
				got = msgs[:i]
				return true
			}
		}
		return false
	})
	return got
}

// describe lists messages by type, size and first line, for failures.
func describe(msgs []wecomtest.Message) string {
	var b strings.Builder
	for i, m := range msgs {
		first, _, _ := strings.Cut(m.Body(), "\n")
		fmt.Fprintf(&b, "\n  %d. %s to %s, %d bytes: %.60s", i+1, m.MsgType, m.ToUser, len(m.Body()), first)
	}
	return b.String()
}
