package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot"
	"github.com/duban-org/duban/diskspace"
	"github.com/duban-org/duban/metrics"
	"github.com/duban-org/duban/store"
	"github.com/duban-org/duban/web"
)

func init() {
	commands["serve"] = command{"运行企业微信回调服务、收件处理、消息发送和提醒调度", runServe}
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "serve", "")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	a, err := openWhenRoom(ctx, e, time.Second, func() (*app, error) { return openApp(ctx, e, *cfgPath) })
	if err != nil || a == nil {
		return err // a is nil when stopped while waiting for space
	}
	defer a.Close()
	a.waitForSpace = true
	w := a.cfg.WeCom
	if !w.Enabled() || w.Token == "" || w.EncodingAESKey == "" {
		return errors.New("运行 serve 须在配置的 [wecom] 中填写 corp_id、agent_id、secret、token 和 encoding_aes_key（不接企业微信试用，请用 duban chat）")
	}
	h, err := a.handler(ctx)
	if err != nil {
		return err
	}

	// The loops stop when work is cancelled, after the HTTP server has
	// stopped accepting, so every acknowledged callback is in the inbox.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	room := func(ctx context.Context) error { return a.waitForRoom(ctx, work) }
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1)) // as it was, once serve returns
	if limit := setMemoryLimit(e.log, a.cfg.Server.MemoryLimitMB, e.getenv); limit != math.MaxInt64 {
		go watchMemoryLimit(work, e.log, limit, liveHeap, time.Minute)
	}
	warmed := make(chan struct{})
	go func() { defer close(warmed); warmLedger(work, e.log, a) }()
	defer func() { <-warmed }() // before the store closes

	m := metrics.New(a.st, a.loc, a.remind.WarnDays)
	cal, err := a.calendar(ctx)
	if err != nil {
		return err
	}
	m.WatchCalendar(cal, a.loc, a.now)
	bodies := a.cfg.Log.DebugBodies
	worker := bot.NewWorker(a.st, m.Handle(roomyHandler(room, loggedHandler(e.log, bodies, a.handle(h)))), e.log)
	client, err := bot.NewWeComClient(bot.ClientConfig{
		APIBase: w.APIBase, CorpID: w.CorpID, AgentID: w.AgentID, Secret: w.Secret, Logger: e.log,
	}, a.st)
	if err != nil {
		return err
	}
	untrusted := &untrustedIP{}
	h.Media = client // photos and files sent in chat are evidence
	sender := bot.NewSender(a.st, roomyDeliverer{m.Deliverer(untrusted.watch(loggedDeliverer{client, e.log, bodies}, a.now)), room}, e.log)
	sender.TextOnly, sender.MaxAge, sender.Room = !w.Cards, w.MaxRetryAge.D(), room
	cb, err := bot.NewCallback(bot.CallbackConfig{
		Token: w.Token, EncodingAESKey: w.EncodingAESKey, CorpID: w.CorpID,
		TimestampWindow: w.TimestampWindow.D(), DisableTimestampCheck: w.TimestampWindow == 0,
		MaxBodyBytes: w.MaxBodyBytes, Logger: e.log,
	}, a.st)
	if err != nil {
		return err
	}
	scheduler, err := a.scheduler(ctx, sender.Wake)
	if err != nil {
		return err
	}

	var ready atomic.Bool
	readyz := &readiness{started: &ready, now: a.now, loc: a.loc, probe: a.st.Probe, space: a.space.Check, token: client.Token,
		official: cal.Official, wecom: untrusted, clock: cb.ClockOff}
	mux := http.NewServeMux()
	mux.Handle(w.CallbackPath, m.Instrument("callback", refuseWhenLow(a.space, cb)))
	var pages *web.Server
	if a.cfg.Web.PublicURL != "" {
		if pages, err = a.pages(ctx, client); err != nil {
			return err
		}
		mux.Handle(a.cfg.Web.Path+"/", pages)
		mux.Handle(a.cfg.Web.Path, pages)
	}
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			http.Error(rw, "starting", http.StatusServiceUnavailable)
			return
		}
		var low *diskspace.LowError
		if errors.As(a.space.Check(), &low) {
			http.Error(rw, low.English()+"\n"+low.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(rw, "ok")
	})
	mux.Handle("GET /readyz", readyz)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	ln, err := net.Listen("tcp", a.cfg.Server.Listen)
	if err != nil {
		return listenError(a.cfg.Server.Listen, "[server] listen", err)
	}
	msrv, mln, err := metricsServer(a.cfg.Server.MetricsListen, m.Handler())
	if err != nil {
		ln.Close()
		return err
	}

	var wg sync.WaitGroup
	// The policy index is loaded now (or rebuilt, after an upgrade or an
	// interrupted ingest) rather than at the first question.
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.policy.Warm(work); err != nil && !errors.Is(err, context.Canceled) {
			e.log.Warn("policy: load the index at start; the first question will", "err", err)
		}
	}()
	if pages != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := pages.Warm(work); err != nil && !errors.Is(err, context.Canceled) {
				e.log.Warn("web: count the overdue trend at start; the first page view will", "err", err)
			}
		}()
	}
	loops := map[string]func(context.Context) error{"worker": worker.Run, "sender": sender.Run, "scheduler": scheduler, "diskspace": a.space.Run}
	if a.cfg.Store.BackupDir != "" {
		loops["backup"] = a.backupLoop
	}
	if a.cfg.Store.ReceiptsKeep > 0 || a.cfg.Store.QuestionVectorsKeep > 0 {
		loops["prune"] = a.pruneLoop
	}
	if a.cfg.Store.GCInterval > 0 {
		loops["gc"] = a.gcLoop(func(n int, u store.DiskUsage) { m.StoreCollected(n, u.Tables, u.ValueLog, u.Other) })
	}
	if a.cfg.Web.PublicURL != "" && a.cfg.Web.Workbench {
		loops["workbench"] = a.workbench(client).Run
	}
	readyz.loops = newLoops(slices.Collect(maps.Keys(loops))...)
	errc := make(chan error, len(loops)+2)
	for name, run := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := readyz.loops.run(work, name, run); err != nil && !errors.Is(err, context.Canceled) {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	}()
	if msrv != nil {
		defer msrv.Close()
		go func() {
			if err := msrv.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics http: %w", err)
			}
		}()
		e.log.Info("metrics", "addr", mln.Addr().String())
	}
	if addr := e.getenv("DUBAN_PPROF"); addr != "" {
		servePprof(work, e, addr)
	}
	ready.Store(true)
	e.log.Info("serving", "addr", ln.Addr().String(), "callback", w.CallbackPath, "store", a.cfg.Store.Dir)

	var runErr error
	select {
	case <-ctx.Done():
		e.log.Info("shutting down")
	case runErr = <-errc:
		e.log.Error("stopping after a failure", "err", runErr)
	}
	ready.Store(false)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		e.log.Warn("http shutdown", "err", err)
	}
	stopWork()
	wg.Wait()
	return runErr
}

// refuseWhenLow answers callbacks with 503 while disk space is below the
// floor, before reading them: WeCom retries later, and nothing is written
// that a full disk could lose. The guard logs it, once a minute.
func refuseWhenLow(space *diskspace.Guard, next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if err := space.Check(); err != nil {
			rw.Header().Set("Retry-After", "60")
			http.Error(rw, "low disk space", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(rw, r)
	})
}

// openWhenRoom opens the app, and while that fails because the disk is full
// (Badger cannot even write its lock file) tries again every poll, logging
// once a minute, instead of exiting into a restart loop. A stop signal
// meanwhile ends it with no error.
func openWhenRoom(ctx context.Context, e *env, poll time.Duration, open func() (*app, error)) (*app, error) {
	var logged time.Time
	for {
		a, err := open()
		if err == nil || !diskFull(err) {
			return a, err
		}
		if time.Since(logged) >= time.Minute {
			logged = time.Now()
			e.log.Warn("cannot open the store: the disk is full; waiting for space", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(poll):
		}
	}
}

func diskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), "no space left on device")
}

// waitForRoom returns once the disk under the store has room, or with an
// error when ctx or work ends.
func (a *app) waitForRoom(ctx, work context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(work, cancel)()
	return a.space.Wait(ctx)
}

// roomyHandler holds the worker while the disk is below the floor: the
// store would refuse the handler's changes and the replies.
func roomyHandler(room func(context.Context) error, h bot.HandleFunc) bot.HandleFunc {
	return func(ctx context.Context, in duban.Inbound) ([]duban.Outgoing, error) {
		if err := room(ctx); err != nil {
			return nil, err
		}
		return h(ctx, in)
	}
}

// roomyDeliverer holds the sender while the disk is below the floor: a
// message delivered whose delivery the store cannot record would be sent
// again.
type roomyDeliverer struct {
	d    bot.Deliverer
	room func(context.Context) error
}

func (r roomyDeliverer) Deliver(ctx context.Context, m duban.Outgoing) error {
	if err := r.room(ctx); err != nil {
		return bot.Temporary(err)
	}
	return r.d.Deliver(ctx, m)
}

// servePprof serves Go's profiler on addr (DUBAN_PPROF, e.g.
// 127.0.0.1:6060) for diagnosing a live serve; it is off unless set.
func servePprof(ctx context.Context, e *env, addr string) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		e.log.Info("pprof", "addr", addr)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Warn("pprof", "err", err)
		}
	}()
}

// warmLedger builds the store's in-memory ledger view and notice index, so
// the first reply and the first reminder pass do not wait for them.
func warmLedger(ctx context.Context, log *slog.Logger, a *app) {
	start := time.Now()
	if err := a.st.Warm(ctx); err != nil {
		log.Warn("ledger view not built at start; the first read builds it", "err", err)
		return
	}
	log.Info("ledger view built", "took", time.Since(start).Round(time.Millisecond))
}
