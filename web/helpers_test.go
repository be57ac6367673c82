package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot"
	"github.com/duban-org/duban/bot/wecomtest"
	"github.com/duban-org/duban/handlers"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/store"
)

// hostile is a task title that must render as text.
const hostile = `<script>alert(1)</script>`

// testLedger: two groups; 政府组 has units A1 and A2, 党群组 has B1.
func testLedger() duban.Ledger {
	post := func(r duban.Role, scope string) []duban.Post { return []duban.Post{{Role: r, Scope: scope}} }
	return duban.Ledger{
		Units: []duban.Unit{
			{Code: "A1", Name: "市财政局", Group: "政府组"},
			{Code: "A2", Name: "市民政局", Group: "政府组"},
			{Code: "B1", Name: `市委<b>办</b>公室`, Group: "党群组"},
		},
		People: []duban.Person{
			{UserID: "lilei", Name: "李雷", Posts: post(duban.RoleContact, "A1")},
			{UserID: "hanmeimei", Name: "韩梅梅", Posts: post(duban.RoleHead, "A1")},
			{UserID: "zhaoliu", Name: "赵六", Posts: post(duban.RoleContact, "A2")},
			{UserID: "wang", Name: "王组长", Posts: post(duban.RoleLeader, "政府组")},
			{UserID: "liu", Name: "刘组长", Posts: post(duban.RoleLeader, "党群组")},
			{UserID: "zhou", Name: "周编办", Posts: post(duban.RoleAdmin, "")},
			{UserID: "sun", Name: "孙某", Posts: nil},
			// Two posts: A2's head and 党群组's leader.
			{UserID: "qian", Name: "钱某", Posts: []duban.Post{{Role: duban.RoleHead, Scope: "A2"}, {Role: duban.RoleLeader, Scope: "党群组"}}},
		},
		Tasks: []duban.Task{
			{ID: "T1", Unit: "A1", Title: "制定内设机构调整方案", Deadline: duban.NewDate(2026, 11, 20)},
			{ID: "T2", Unit: "A1", Title: hostile, Deadline: duban.NewDate(2026, 12, 2)},
			{ID: "T3", Unit: "A2", Title: "核减领导职数", Deadline: duban.NewDate(2026, 12, 20)},
			{ID: "T4", Unit: "B1", Title: "设置法制机构", Deadline: duban.NewDate(2026, 12, 10)},
			{ID: "T5", Unit: "A1", Title: "人员转岗到位", Deadline: duban.NewDate(2026, 12, 25)},
		},
	}
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// rig is the pages served on 127.0.0.1 against a fake WeCom, with the
// conversation handler wired as serve wires it.
type rig struct {
	t       *testing.T
	st      *store.Store
	wecom   *wecomtest.Server
	srv     *Server
	ts      *httptest.Server
	clock   *clock
	handler *handlers.Handler
}

const prefix = "/ledger"

func newRig(t *testing.T, mutate ...func(*Config)) *rig {
	t.Helper()
	return newRigWith(t, testLedger(), mutate...)
}

// newRigWith is newRig on ledger l.
func newRigWith(t *testing.T, l duban.Ledger, mutate ...func(*Config)) *rig {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	loc, _ := time.LoadLocation("Asia/Shanghai")
	c := &clock{t: time.Date(2026, 11, 30, 10, 0, 0, 0, loc)}
	if _, err := st.Import(ctx, l, "import", c.Now().Add(-60*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	fake := wecomtest.New(t)
	fake.Now = c.Now
	client, err := bot.NewWeComClient(bot.ClientConfig{APIBase: fake.URL, CorpID: fake.CorpID, AgentID: fake.AgentID, Secret: fake.Secret}, st)
	if err != nil {
		t.Fatal(err)
	}
	policy := remind.Defaults()
	h := &handlers.Handler{Store: st, Now: c.Now, Location: loc, WarnDays: policy.WarnDays, UndoWindow: 30 * time.Minute}
	key, err := st.WebSessionKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, st: st, wecom: fake, clock: c, handler: h}
	// serve's inbox worker, which handles the pages' decisions.
	worker := bot.NewWorker(st, h.Handle, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	worker.Now = c.Now
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { worker.Run(wctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	r.ts = httptest.NewUnstartedServer(nil)
	r.ts.Start()
	t.Cleanup(r.ts.Close)
	cfg := Config{
		Store: st, Prefix: prefix, PublicURL: r.ts.URL, AuthorizeURL: fake.AuthorizeURL(),
		CorpID: fake.CorpID, AgentID: fake.AgentID, Exchanger: client, SessionKey: key,
		Decisions: true, Policy: policy, Now: c.Now,
		Log: slog.New(slog.NewTextHandler(testWriter{t}, nil)),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.srv = srv
	r.ts.Config.Handler = srv
	return r
}

// browser is a client with its own cookies that does not follow redirects.
func (r *rig) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// get fetches target (a path on the pages, or a full URL) and returns the
// response with its body read.
func (r *rig) get(c *http.Client, target string) (*http.Response, string) {
	r.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = r.ts.URL + target
	}
	resp, err := c.Get(target)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (r *rig) post(c *http.Client, path string, form url.Values) (*http.Response, string) {
	r.t.Helper()
	resp, err := c.PostForm(r.ts.URL+path, form)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// login logs a fresh browser in as userid through the fake's authorize
// page and returns it.
func (r *rig) login(userid string) *http.Client {
	r.t.Helper()
	c := r.browser()
	r.wecom.SetLoginUser(userid)
	resp, _ := r.get(c, prefix+"/")
	for range 5 {
		if resp.StatusCode != http.StatusFound {
			break
		}
		resp, _ = r.get(c, resp.Header.Get("Location"))
	}
	if !r.hasSession(c) {
		r.t.Fatalf("login as %s: no session (last status %d)", userid, resp.StatusCode)
	}
	return c
}

func (r *rig) hasSession(c *http.Client) bool {
	u, _ := url.Parse(r.ts.URL + prefix + "/")
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == sessionCookie && ck.Value != "" {
			return true
		}
	}
	return false
}

var formField = regexp.MustCompile(`name="(csrf|nonce|id|ref)" value="([^"]*)"`)

// form returns the hidden fields of the first decision form on page.
func form(page string) url.Values {
	v := url.Values{}
	for _, m := range formField.FindAllStringSubmatch(page, -1) {
		if !v.Has(m[1]) {
			v.Set(m[1], m[2])
		}
	}
	return v
}

// say runs a chat message through the handler as serve's worker would.
func (r *rig) say(from, text, key string) []duban.Outgoing {
	r.t.Helper()
	out, err := r.handler.Handle(context.Background(), duban.Inbound{Key: key, From: from, At: r.clock.Now(), Text: text})
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// testWriter sends the server's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
