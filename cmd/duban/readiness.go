package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot"
	"github.com/duban-org/duban/diskspace"
)

// How often /readyz may write to the store and ask for a token, and how
// long an answer 60020 (untrusted IP) keeps serve unready.
const (
	probeEvery      = 10 * time.Second
	tokenRetryEvery = 30 * time.Second
	untrustedFor    = 10 * time.Minute
)

// readiness answers /readyz: 200 "ok" when serve can do its work, else 503
// with each reason on its own line, in Chinese. /healthz stays a liveness
// check.
type readiness struct {
	started  *atomic.Bool // serving, not yet stopping
	now      func() time.Time
	loc      *time.Location
	probe    func(ctx context.Context, at time.Time) error // a small store write
	space    func() error                                  // a *diskspace.LowError below [store] min_free_mb
	token    func(ctx context.Context) (string, error)     // cached by the client
	official func(year int) bool                           // the holiday calendar
	loops    *loops
	wecom    *untrustedIP
	// clock is bot.Callback.ClockOff: a genuine callback refused because
	// this server's clock is off WeCom's; nil: not checked.
	clock func() (off time.Duration, at time.Time, ok bool)

	mu                   sync.Mutex
	probedAt, tokenAt    time.Time
	probeErr, tokenErr   error
	probeBusy, tokenBusy bool
}

func (r *readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	reasons := r.reasons(req.Context())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if len(reasons) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, strings.Join(reasons, "\n"))
		return
	}
	fmt.Fprintln(w, "ok")
}

// reasons lists why serve is not ready, none when it is.
func (r *readiness) reasons(ctx context.Context) []string {
	if !r.started.Load() {
		return []string{"服务正在启动或停止"}
	}
	out := r.loops.stopped()
	var low *diskspace.LowError
	if errors.As(r.space(), &low) {
		out = append(out, low.Error()) // the store refuses writes meanwhile: no probe
	} else if err := r.storeErr(ctx); err != nil {
		out = append(out, "存储无法写入（"+err.Error()+"）")
	}
	if err := r.tokenErrNow(ctx); err != nil {
		out = append(out, tokenReason(err))
	}
	if year := r.now().In(r.loc).Year(); !r.official(year) {
		out = append(out, fmt.Sprintf("工作日历未收录%d年的放假安排：请用 duban calendar import 导入国务院办公厅的通知", year))
	}
	if r.clock != nil {
		if off, at, ok := r.clock(); ok && r.now().Sub(at) < untrustedFor {
			out = append(out, clockReason(off))
		}
	}
	if r.wecom.recent(r.now()) {
		out = append(out, "企业微信最近拒绝发送（错误码 60020）：本服务器的 IP 不在应用的“企业可信IP”中，请在管理后台添加")
	}
	return out
}

// storeErr writes the probe at most every probeEvery; in between it
// answers the last result.
func (r *readiness) storeErr(ctx context.Context) error {
	r.mu.Lock()
	if r.probeBusy || (!r.probedAt.IsZero() && r.now().Sub(r.probedAt) < probeEvery) {
		defer r.mu.Unlock()
		return r.probeErr
	}
	r.probeBusy = true
	r.mu.Unlock()
	// Not the request's context: a prober hanging up must not be cached
	// as a failure.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	now := r.now()
	err := r.probe(ctx, now)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.probeBusy, r.probedAt, r.probeErr = false, now, err
	return err
}

// tokenErrNow asks the client for its token, which it answers from its
// cache; after a failure it asks again only after tokenRetryEvery, so
// probes never make WeCom's gettoken busier.
func (r *readiness) tokenErrNow(ctx context.Context) error {
	r.mu.Lock()
	if r.tokenBusy || (r.tokenErr != nil && r.now().Sub(r.tokenAt) < tokenRetryEvery) {
		defer r.mu.Unlock()
		return r.tokenErr
	}
	r.tokenBusy = true
	r.mu.Unlock()
	// Not the request's context: a prober hanging up must not be cached
	// as a failure.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, err := r.token(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tokenBusy, r.tokenAt, r.tokenErr = false, r.now(), err
	return err
}

func tokenReason(err error) string {
	var ae *bot.APIError
	switch {
	case errors.As(err, &ae) && ae.Code == 60020:
		return "无法获取企业微信 access_token（错误码 60020）：本服务器的 IP 不在应用的“企业可信IP”中，请在管理后台添加"
	case errors.As(err, &ae) && (ae.Code == 40001 || ae.Code == 40013 || ae.Code == 40091):
		return fmt.Sprintf("无法获取企业微信 access_token（错误码 %d）：请核对 [wecom] corp_id 和 secret", ae.Code)
	case errors.As(err, &ae):
		return fmt.Sprintf("无法获取企业微信 access_token（错误码 %d）", ae.Code)
	case bot.CauseOf(err) == bot.CauseCertificate:
		return "无法获取企业微信 access_token：" + bot.Explain(err)
	}
	return "无法获取企业微信 access_token：连不上企业微信或未及时应答"
}

// clockReason says that callbacks are refused because the server clock is
// off by off (positive: ahead of WeCom's).
func clockReason(off time.Duration) string {
	way := "快了"
	if off < 0 {
		way, off = "慢了", -off
	}
	var d string
	if h := off / time.Hour; h > 0 {
		d = fmt.Sprintf("%d小时", h)
	}
	if m := off % time.Hour / time.Minute; m > 0 || d == "" && off >= time.Minute {
		d += fmt.Sprintf("%d分钟", m)
	}
	if d == "" {
		d = fmt.Sprintf("%d秒", off/time.Second)
	}
	return "企业微信的回调被拒收：本机时钟比企业微信" + way + d + "（超出 [wecom] timestamp_window），发消息的人收不到答复。请校准本服务器的时间（NTP）"
}

// loops tracks which of serve's background loops run.
type loops struct {
	mu      sync.Mutex
	running map[string]bool
}

// loopNames are the loops' names in the words /readyz uses.
var loopNames = map[string]string{
	"worker": "消息处理", "sender": "消息发送", "scheduler": "提醒调度",
	"backup": "定时备份", "prune": "过期记录清理", "workbench": "工作台数据",
}

func newLoops(names ...string) *loops {
	l := &loops{running: map[string]bool{}}
	for _, n := range names {
		l.running[n] = false
	}
	return l
}

// run runs fn as the loop name, marked running until it returns.
func (l *loops) run(ctx context.Context, name string, fn func(context.Context) error) error {
	l.set(name, true)
	defer l.set(name, false)
	return fn(ctx)
}

func (l *loops) set(name string, on bool) {
	l.mu.Lock()
	l.running[name] = on
	l.mu.Unlock()
}

// stopped names, in Chinese, what keeps the loops from being ready.
func (l *loops) stopped() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for name, on := range l.running {
		if !on {
			word := loopNames[name]
			if word == "" {
				word = name
			}
			out = append(out, "后台任务“"+word+"”未在运行")
		}
	}
	slices.Sort(out)
	return out
}

// untrustedIP remembers WeCom's last answer 60020 (the server's IP is not
// trusted) until a message goes through.
type untrustedIP struct {
	mu   sync.Mutex
	last time.Time
}

func (u *untrustedIP) recent(now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return !u.last.IsZero() && now.Sub(u.last) < untrustedFor
}

// watch wraps d to note 60020 answers, and their end.
func (u *untrustedIP) watch(d bot.Deliverer, now func() time.Time) bot.Deliverer {
	return deliverFunc(func(ctx context.Context, m duban.Outgoing) error {
		err := d.Deliver(ctx, m)
		var ae *bot.APIError
		u.mu.Lock()
		defer u.mu.Unlock()
		switch {
		case err == nil:
			u.last = time.Time{}
		case errors.As(err, &ae) && ae.Code == 60020:
			u.last = now()
		}
		return err
	})
}

type deliverFunc func(ctx context.Context, m duban.Outgoing) error

func (f deliverFunc) Deliver(ctx context.Context, m duban.Outgoing) error { return f(ctx, m) }
