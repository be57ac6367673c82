// Package web serves the ledger as pages inside WeCom's browser: each
// person sees what their posts allow (a unit's tasks, a group's units, the
// whole city for 编办), after logging in through WeCom's web login
// (网页授权). Pages are server-rendered html/template with SVG charts and no
// scripts; a group leader may decide on reports and extension requests
// from a task's page, through the same conversation handler as chat.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/store"
)

// DefaultAuthorizeURL is WeCom's web login page.
const DefaultAuthorizeURL = "https://open.weixin.qq.com/connect/oauth2/authorize"

// DefaultSessionTTL is how long a login lasts when Config.SessionTTL is 0.
const DefaultSessionTTL = 8 * time.Hour

// CodeExchanger trades a web login code for the member's userid
// (bot.WeComClient.UserIDFromCode); it fails with bot.ErrBadCode for a code
// WeCom refuses and bot.ErrNotMember for someone outside the corp.
type CodeExchanger interface {
	UserIDFromCode(ctx context.Context, code string) (string, error)
}

// Config configures a Server. Store, Prefix and either Preview or
// (PublicURL, CorpID, AgentID, Exchanger, SessionKey) are required.
type Config struct {
	Store *store.Store
	// Prefix is the path the pages live under, e.g. "/ledger".
	Prefix string
	// PublicURL is the scheme and host WeCom's browser reaches the pages at
	// (the app's trusted domain, 可信域名), e.g. "https://duban.example.cn".
	PublicURL    string
	AuthorizeURL string // default DefaultAuthorizeURL
	CorpID       string
	AgentID      int
	Exchanger    CodeExchanger
	// SessionKey signs the session cookies (at least 32 bytes).
	SessionKey []byte
	SessionTTL time.Duration // default DefaultSessionTTL
	// Preview, when set, serves every request as this userid without
	// login, marked 本地预览, read-only: `duban web --as`.
	Preview string
	// Decisions says an inbox worker runs (serve): decisions made on a
	// page go through it as messages; false makes the pages read-only.
	Decisions bool
	// AttachmentsPerTask caps a task's evidence in bytes (0: no cap
	// besides 20 MB a file).
	AttachmentsPerTask int64

	Policy   remind.Policy // warn_days, timezone
	Calendar *remind.Calendar
	Now      func() time.Time
	Log      *slog.Logger
}

// Server serves the pages. It is an http.Handler for everything under Prefix.
type Server struct {
	cfg   Config
	pages map[string]*template.Template
	loc   *time.Location
	mux   *http.ServeMux
	trend trendCache
}

//go:embed tmpl/*.html static/style.css
var files embed.FS

// New checks cfg and parses the templates.
func New(cfg Config) (*Server, error) {
	cfg.Prefix = "/" + strings.Trim(cfg.Prefix, "/")
	if cfg.Store == nil || cfg.Prefix == "/" {
		return nil, errors.New("web: a store and a path prefix other than / are required")
	}
	if cfg.Preview == "" {
		switch {
		case cfg.Exchanger == nil || cfg.CorpID == "" || cfg.AgentID == 0:
			return nil, errors.New("web: login needs the corp id, agent id and a WeCom client")
		case !strings.HasPrefix(cfg.PublicURL, "https://") && !strings.HasPrefix(cfg.PublicURL, "http://"):
			return nil, fmt.Errorf("web: public url %q must start with https:// (the app's trusted domain)", cfg.PublicURL)
		case len(cfg.SessionKey) < 32:
			return nil, errors.New("web: the session key must be at least 32 bytes")
		}
		cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	}
	if cfg.AuthorizeURL == "" {
		cfg.AuthorizeURL = DefaultAuthorizeURL
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.Calendar == nil {
		cfg.Calendar = remind.DefaultCalendar()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Server{cfg: cfg, loc: cfg.Policy.Location(), pages: map[string]*template.Template{}}
	if err := s.parse(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	p := s.cfg.Prefix
	m := http.NewServeMux()
	m.HandleFunc("GET "+p+"/style.css", s.style)
	m.HandleFunc("GET "+p+"/login", s.login)
	m.HandleFunc("GET "+p+"/{$}", s.page(s.home))
	m.HandleFunc("GET "+p+"/unit", s.page(s.unitPage))
	m.HandleFunc("GET "+p+"/task", s.page(s.taskPage))
	m.HandleFunc("GET "+p+"/group", s.page(s.groupPage))
	m.HandleFunc("GET "+p+"/city", s.page(s.cityPage))
	m.HandleFunc("GET "+p+"/bulletins", s.page(s.bulletinsPage))
	m.HandleFunc("GET "+p+"/bulletin", s.page(s.bulletinPage))
	m.HandleFunc("GET "+p+"/notices", s.page(s.noticesPage))
	m.HandleFunc("POST "+p+"/decide", s.page(s.decide))
	m.HandleFunc("POST "+p+"/attach", s.page(s.attach))        // evidence.go
	m.HandleFunc("GET "+p+"/attachment", s.page(s.attachment)) // evidence.go
	m.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, p+"/", http.StatusFound)
	})
	s.mux = m
}

// ServeHTTP serves a page with the headers every page carries: nothing
// but the page's own stylesheet may load, no frame may hold it, nothing is
// cached and no address leaks in a Referer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) style(w http.ResponseWriter, _ *http.Request) {
	b, _ := files.ReadFile("static/style.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Write(b)
}

func (s *Server) now() time.Time { return s.cfg.Now().In(s.loc) }

// funcs are the helpers templates may call.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"stamp": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(s.loc).Format("2006-01-02 15:04")
		},
		"lightClass": lightClass,
		"pct": func(st remind.Standing) string {
			return fmt.Sprintf("%.0f%%", st.Rate())
		},
		"inc": func(i int) int { return i + 1 },
		// Arguments of the shared templates in layout.html.
		"rows": func(p string, showUnit bool, rows []taskRow) any {
			return struct {
				P        string
				ShowUnit bool
				Rows     []taskRow
			}{p, showUnit, rows}
		},
		"pending": func(p, who string, rows []pendingRow) any {
			return struct {
				P, Who string
				Rows   []pendingRow
			}{p, who, rows}
		},
		"add": func(a, b int) int { return a + b },
		"ranking": func(p string, from int, units []remind.Standing) any {
			return struct {
				P     string
				From  int // the rank of the first unit
				Units []remind.Standing
			}{p, from, units}
		},
		"lags": func(p string, lags []remind.Lag) any {
			return struct {
				P    string
				Lags []remind.Lag
			}{p, lags}
		},
		"page": func(p string, d groupData) any {
			return struct {
				P string
				D groupData
			}{p, d}
		},
	}
}

func (s *Server) parse() error {
	names, err := files.ReadDir("tmpl")
	if err != nil {
		return err
	}
	base, err := template.New("layout").Funcs(s.funcs()).ParseFS(files, "tmpl/layout.html")
	if err != nil {
		return fmt.Errorf("web: layout: %w", err)
	}
	for _, e := range names {
		name := strings.TrimSuffix(e.Name(), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(files, "tmpl/"+e.Name())
		if err != nil {
			return fmt.Errorf("web: template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return nil
}

// view is what every page template receives.
type view struct {
	Title   string
	P       string // the path prefix
	Viewer  duban.Person
	Preview bool
	CSRF    string
	Today   duban.Date
	Flash   []string
	Nav     []link
	Data    any
}

type link struct {
	Text, Href string
}

// render writes page name with status.
func (s *Server) render(w http.ResponseWriter, status int, name string, v view) {
	v.P = s.cfg.Prefix
	v.Preview = s.cfg.Preview != ""
	if v.Today == 0 {
		v.Today = duban.DateOf(s.now())
	}
	t := s.pages[name]
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		s.cfg.Log.Error("render page", "page", name, "err", err)
		http.Error(w, "内部错误", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, b.String())
}

// message renders a page that only says something: a refusal, a failed
// login, someone not in the task list.
func (s *Server) message(w http.ResponseWriter, status int, title, text string) {
	s.render(w, status, "message", view{Title: title, Data: text})
}

// notFound answers a page that does not exist and one the viewer may not
// see alike, so changing an id in the address tells nothing.
func (s *Server) notFound(w http.ResponseWriter) {
	s.message(w, http.StatusNotFound, "页面不存在", "没有找到该页面，或您无权查看。请从首页进入。")
}

func (s *Server) internal(w http.ResponseWriter, what string, err error) {
	s.cfg.Log.Error("web page", "what", what, "err", err)
	s.message(w, http.StatusInternalServerError, "内部错误", "读取台账时出错，请稍后再试；如一直出错，请联系编办。")
}

func lightClass(l duban.Light) string {
	switch l {
	case duban.Red:
		return "red"
	case duban.Yellow:
		return "yellow"
	}
	return "green"
}
