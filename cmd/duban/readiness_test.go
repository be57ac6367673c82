package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot"
	"github.com/duban-org/duban/bot/wecomtest"
	"github.com/duban-org/duban/diskspace"
	"github.com/duban-org/duban/store"
)

// readyWorld is a readiness check over a real store and a real WeCom client
// talking to the fake WeCom, on a clock the test moves.
type readyWorld struct {
	t       *testing.T
	r       *readiness
	st      *store.Store
	fake    *wecomtest.Server
	client  *bot.WeComClient
	clock   time.Time
	mu      sync.Mutex
	probes  atomic.Int32
	years   map[int]bool  // official years
	free    atomic.Uint64 // bytes free under the store
	stopped chan struct{}
}

func newReadyWorld(t *testing.T) *readyWorld {
	w := &readyWorld{t: t, fake: wecomtest.New(t), clock: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC),
		years: map[int]bool{2026: true}, stopped: make(chan struct{})}
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w.st = st
	w.client, err = bot.NewWeComClient(bot.ClientConfig{APIBase: w.fake.URL, CorpID: w.fake.CorpID,
		AgentID: w.fake.AgentID, Secret: w.fake.Secret, Logger: slog.New(slog.DiscardHandler), Now: w.now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.free.Store(10 << 30)
	space := diskspace.New(t.TempDir(), diskspace.Options{MinFree: 256 << 20,
		Free: func(string) (uint64, error) { return w.free.Load(), nil }})
	var started atomic.Bool
	started.Store(true)
	w.r = &readiness{started: &started, now: w.now, loc: time.UTC,
		probe: func(ctx context.Context, at time.Time) error {
			w.probes.Add(1)
			return st.Probe(ctx, at)
		},
		space:    space.Check,
		token:    w.client.Token,
		official: func(y int) bool { w.mu.Lock(); defer w.mu.Unlock(); return w.years[y] },
		loops:    newLoops("worker", "sender"),
		wecom:    &untrustedIP{},
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, name := range []string{"worker", "sender"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.r.loops.run(ctx, name, func(ctx context.Context) error {
				select {
				case <-ctx.Done():
				case <-w.stoppedFor(name):
				}
				return nil
			})
		}()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	waitFor(t, 5*time.Second, "the loops to start", func() bool { return len(w.r.loops.stopped()) == 0 })
	return w
}

// stoppedFor lets the test stop the sender alone.
func (w *readyWorld) stoppedFor(name string) <-chan struct{} {
	if name == "sender" {
		return w.stopped
	}
	return nil
}

func (w *readyWorld) now() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.clock }

func (w *readyWorld) advance(d time.Duration) { w.mu.Lock(); w.clock = w.clock.Add(d); w.mu.Unlock() }

// get answers GET /readyz: its status and body.
func (w *readyWorld) get() (int, string) {
	rec := httptest.NewRecorder()
	w.r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

func (w *readyWorld) wantReady() {
	w.t.Helper()
	if code, body := w.get(); code != http.StatusOK || body != "ok\n" {
		w.t.Fatalf("/readyz = %d %q, want 200 ok", code, body)
	}
}

// wantUnready checks a 503 whose lines are exactly the reasons containing
// want, in order.
func (w *readyWorld) wantUnready(want ...string) {
	w.t.Helper()
	code, body := w.get()
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if code != http.StatusServiceUnavailable || len(lines) != len(want) {
		w.t.Fatalf("/readyz = %d %q, want 503 with %d reasons %q", code, body, len(want), want)
	}
	for i, s := range want {
		if !strings.Contains(lines[i], s) {
			w.t.Errorf("reason %d = %q, want it to say %q", i+1, lines[i], s)
		}
	}
}

func TestReadyWhenAllIsWell(t *testing.T) {
	w := newReadyWorld(t)
	for range 20 {
		w.wantReady()
	}
	if n := w.fake.TokenRequests(); n != 1 {
		t.Errorf("20 probes made %d gettoken calls, want 1 (the token is cached)", n)
	}
	if n := w.probes.Load(); n != 1 {
		t.Errorf("20 probes within a second wrote to the store %d times, want 1", n)
	}
	w.advance(probeEvery)
	w.wantReady()
	if n := w.probes.Load(); n != 2 {
		t.Errorf("after %v the store was probed %d times in all, want 2", probeEvery, n)
	}
}

func TestNotReadyWhileStartingOrStopping(t *testing.T) {
	w := newReadyWorld(t)
	w.r.started.Store(false)
	w.wantUnready("服务正在启动或停止")
}

func TestNotReadyWhenALoopStopped(t *testing.T) {
	w := newReadyWorld(t)
	close(w.stopped)
	waitFor(t, 5*time.Second, "the sender to stop", func() bool { return len(w.r.loops.stopped()) == 1 })
	w.wantUnready("后台任务“消息发送”未在运行")
}

func TestNotReadyWhenTheStoreTakesNoWrites(t *testing.T) {
	w := newReadyWorld(t)
	w.wantReady()
	w.st.Close()
	w.wantReady() // the last probe stands for probeEvery
	w.advance(probeEvery)
	w.wantUnready("存储无法写入")
}

func TestNotReadyWhenTheDiskIsLow(t *testing.T) {
	w := newReadyWorld(t)
	w.wantReady()
	w.free.Store(100 << 20)
	w.wantUnready("只剩 100 MB，低于下限 256 MB（[store] min_free_mb）")
	w.free.Store(300 << 20)
	w.wantReady() // space came back: no restart
}

func TestNotReadyWithoutAnAccessToken(t *testing.T) {
	w := newReadyWorld(t)
	w.fake.Secret = "changed-in-the-console"
	w.wantUnready("无法获取企业微信 access_token（错误码 40001）：请核对 [wecom] corp_id 和 secret")
	for range 10 {
		w.get()
	}
	if n := w.fake.TokenRequests(); n != 1 {
		t.Errorf("11 probes after a failed gettoken made %d gettoken calls, want 1", n)
	}
	w.fake.SetDown(true)
	w.advance(tokenRetryEvery)
	w.wantUnready("无法获取企业微信 access_token：连不上企业微信")
	w.fake.SetDown(false)
	w.fake.Secret = wecomtest.DefaultSecret
	w.advance(tokenRetryEvery)
	w.wantReady()
}

func TestNotReadyWithoutThisYearsCalendar(t *testing.T) {
	w := newReadyWorld(t)
	w.advance(40 * 24 * time.Hour) // into 2027
	w.wantUnready("工作日历未收录2027年的放假安排")
	w.mu.Lock()
	w.years[2027] = true // duban calendar import, and a restart
	w.mu.Unlock()
	w.wantReady()
}

func TestNotReadyAfterUntrustedIP(t *testing.T) {
	w := newReadyWorld(t)
	d := w.r.wecom.watch(w.client, w.now)
	msg := duban.Outgoing{To: "zhaojie", Text: "测试"}
	w.fake.FailNext(1, 60020)
	if err := d.Deliver(context.Background(), msg); err == nil {
		t.Fatal("a send answered 60020 succeeded")
	}
	w.wantUnready("企业微信最近拒绝发送（错误码 60020）")
	w.advance(untrustedFor)
	w.wantReady() // long ago: no send since to say either way

	w.fake.FailNext(1, 60020)
	d.Deliver(context.Background(), msg)
	w.wantUnready("60020")
	if err := d.Deliver(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	w.wantReady() // the IP was added: a message went through
}

// Every failing condition at once: one line each.
func TestNotReadySaysEveryReason(t *testing.T) {
	w := newReadyWorld(t)
	close(w.stopped)
	waitFor(t, 5*time.Second, "the sender to stop", func() bool { return len(w.r.loops.stopped()) == 1 })
	w.st.Close()
	w.fake.Secret = "wrong"
	w.advance(400 * 24 * time.Hour)
	w.r.wecom.last = w.now()
	w.wantUnready("消息发送", "存储无法写入", "access_token", "工作日历", "60020")
	w.free.Store(0)
	w.wantUnready("消息发送", "磁盘空间不足", "access_token", "工作日历", "60020")
}

// serve answers /readyz beside /healthz: ready once running, unready with
// the reason in words after WeCom refuses the server's IP, ready again once
// a message goes through.
func TestServeReadyz(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	p := e.serve()
	readyz := func() (int, string) {
		resp, err := http.Get(p.url("/readyz"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitFor(t, 5*time.Second, "/readyz 200", func() bool { code, _ := readyz(); return code == http.StatusOK })
	e.fake.FailNext(1, 60020)
	p.mustAck(e.fake.NewTextCallback("zhaojie", "任务", "7500000000000001"))
	waitFor(t, 10*time.Second, "/readyz to report 60020", func() bool {
		code, body := readyz()
		return code == http.StatusServiceUnavailable && strings.Contains(body, "企业可信IP")
	})
	e.barrier(p, "zhaojie") // a message goes through
	if code, body := readyz(); code != http.StatusOK {
		t.Errorf("/readyz after a delivery = %d %q", code, body)
	}
	p.stop(syscall.SIGTERM)
}

// A certificate this server does not trust is named as such, not as
// WeCom being unreachable.
func TestNotReadySaysTheCertificateIsNotTrusted(t *testing.T) {
	err := &bot.CallError{Op: "gettoken", Path: "/cgi-bin/gettoken", Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}
	if got := tokenReason(err); !strings.Contains(got, "不信任企业微信的HTTPS证书") || !strings.Contains(got, "ca-certificates") {
		t.Errorf("tokenReason = %q", got)
	}
}

// A server clock off WeCom's makes every callback refused: /readyz says so
// until one is accepted again, or ten minutes pass.
func TestNotReadyWhenTheClockIsOff(t *testing.T) {
	w := newReadyWorld(t)
	var off time.Duration
	var at time.Time
	w.r.clock = func() (time.Duration, time.Time, bool) { return off, at, !at.IsZero() }
	w.wantReady()
	off, at = 20*time.Minute, w.now()
	w.wantUnready("本机时钟比企业微信快了20分钟")
	off = -90 * time.Minute
	w.wantUnready("本机时钟比企业微信慢了1小时30分钟")
	w.advance(untrustedFor)
	w.wantReady()
}

// Through serve: a callback WeCom stamped 20 minutes before this server's
// clock makes /readyz say the clock is off; one accepted clears it.
func TestServeReadyzSaysTheClockIsOff(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	p := e.serve()
	realNow := e.fake.Now
	e.fake.Now = func() time.Time { return realNow().Add(-20 * time.Minute) }
	stale := e.fake.NewTextCallback("zhaojie", "任务", "clock-1")
	e.fake.Now = realNow
	if code, _ := p.send(stale); code != http.StatusForbidden {
		t.Fatalf("stale callback answered %d", code)
	}
	readyz := func() (int, string) {
		resp, err := http.Get(p.url("/readyz"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := readyz(); code != http.StatusServiceUnavailable || !strings.Contains(body, "本机时钟比企业微信快了20分钟") {
		t.Errorf("/readyz after a stale callback: %d %s", code, body)
	}
	p.mustAck(e.fake.NewTextCallback("zhaojie", "任务", "clock-2"))
	waitFor(t, 10*time.Second, "/readyz ok", func() bool { code, _ := readyz(); return code == http.StatusOK })
}
