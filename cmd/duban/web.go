package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/duban-org/duban/store"
	"github.com/duban-org/duban/web"
	"github.com/duban-org/duban/workbench"
)

func init() {
	commands["web"] = command{"本地预览：以某个账号的身份在本机地址上提供台账页面，无需企业微信登录，只读", runWeb}
}

// webConfig is the pages' configuration shared by serve and web.
func (a *app) webConfig(ctx context.Context) (web.Config, error) {
	w := a.cfg.Web
	cal, err := a.calendar(ctx)
	if err != nil {
		return web.Config{}, err
	}
	return web.Config{
		Store: a.st, Prefix: w.Path, PublicURL: w.PublicURL, AuthorizeURL: w.AuthorizeURL,
		CorpID: a.cfg.WeCom.CorpID, AgentID: a.cfg.WeCom.AgentID, SessionTTL: w.SessionTTL.D(),
		Policy: a.remind, Calendar: cal, Now: a.now, Log: a.e.log,
		AttachmentsPerTask: int64(a.cfg.Store.AttachmentsPerTaskMB) << 20,
	}, nil
}

// sessionKey is [web] session_key, or the key kept in the store.
func (a *app) sessionKey(ctx context.Context) ([]byte, error) {
	if k := a.cfg.Web.SessionKey; k != "" {
		return []byte(k), nil
	}
	return a.st.WebSessionKey(ctx)
}

func runWeb(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "web", "")
	as := fs.String("as", "", "显示哪个企业微信账号看到的页面（必填）")
	listen := fs.String("listen", "127.0.0.1:8081", "监听的本机地址")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(*listen)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return fmt.Errorf("--listen %s：预览不需登录，只能在本机地址上提供（127.0.0.1:端口）", *listen)
	}
	a, err := openApp(ctx, e, *cfgPath)
	if err != nil {
		return err
	}
	defer a.Close()
	if a.cfg.File == "" {
		if err := loadSample(ctx, a); err != nil {
			return err
		}
	}
	if *as == "" {
		if err := printSampleUsers(ctx, a, e.stderr); err != nil {
			return err
		}
		return errors.New("须用 --as 指定以哪个企业微信账号的身份使用，如 --as zhaojie")
	}
	if _, err := a.st.Person(ctx, *as); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("--as %s：任务清单的人员中没有这个账号", *as)
		}
		return err
	}
	cfg, err := a.webConfig(ctx)
	if err != nil {
		return err
	}
	cfg.Preview = *as
	pages, err := web.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return listenError(*listen, "--listen", err)
	}
	srv := &http.Server{Handler: pages, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(e.stdout, "本地预览（只读）：以 %s 的身份查看 http://%s%s/ ，按 Ctrl+C 结束。\n", *as, ln.Addr(), cfg.Prefix)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("http: %w", err)
	}
}

// pages are the ledger's pages for serve: WeCom login through client, and
// decisions handled by serve's inbox worker.
func (a *app) pages(ctx context.Context, client web.CodeExchanger) (*web.Server, error) {
	cfg, err := a.webConfig(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.SessionKey, err = a.sessionKey(ctx); err != nil {
		return nil, err
	}
	cfg.Exchanger, cfg.Decisions = client, true
	pages, err := web.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("[web]: %w", err)
	}
	return pages, nil
}

// workbench keeps each person's figures on the app's workbench tile,
// linking to the ledger's pages.
func (a *app) workbench(client workbench.Client) *workbench.Updater {
	return &workbench.Updater{Store: a.st, Client: client, JumpURL: strings.TrimRight(a.cfg.Web.PublicURL, "/") + a.cfg.Web.Path + "/",
		WarnDays: a.remind.WarnDays, Location: a.loc, Now: a.now, Log: a.e.log}
}
