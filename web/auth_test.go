package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban/bot/wecomtest"
)

func TestLoginRedirectsToWeComAndExchangesTheCode(t *testing.T) {
	r := newRig(t)
	c := r.browser()
	resp, _ := r.get(c, prefix+"/unit?code=A1")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("unauthenticated visit: status %d, want a redirect to the login", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if !strings.HasPrefix(loc, r.wecom.AuthorizeURL()+"?") || u.Fragment != "wechat_redirect" {
		t.Errorf("redirect %q: want the authorize URL with #wechat_redirect", loc)
	}
	want := map[string]string{"appid": r.wecom.CorpID, "redirect_uri": r.ts.URL + prefix + "/login", "response_type": "code",
		"scope": "snsapi_base", "agentid": strconv.Itoa(r.wecom.AgentID)}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("authorize %s = %q, want %q", k, q.Get(k), v)
		}
	}
	if len(q.Get("state")) < 16 || len(q.Get("state")) > 128 {
		t.Errorf("state %q: want a random token of at most 128 bytes", q.Get("state"))
	}
	if r.hasSession(c) {
		t.Fatal("a session before login")
	}

	r.wecom.SetLoginUser("lilei")
	resp, _ = r.get(c, loc) // WeCom's page, which sends the browser back with a code
	back := resp.Header.Get("Location")
	if !strings.HasPrefix(back, r.ts.URL+prefix+"/login?") || !strings.Contains(back, "state="+q.Get("state")) {
		t.Fatalf("authorize redirected to %q", back)
	}
	resp, _ = r.get(c, back)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != prefix+"/unit?code=A1" {
		t.Fatalf("login: status %d to %q, want the page first asked for", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sess *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			sess = ck
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.MaxAge <= 0 || sess.Path != prefix {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, an expiry, path %s", sess, prefix)
	}
	resp, body := r.get(c, prefix+"/unit?code=A1")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "制定内设机构调整方案") {
		t.Fatalf("after login: status %d\n%s", resp.StatusCode, body)
	}
	if r.wecom.UserInfoRequests() != 1 {
		t.Errorf("getuserinfo called %d times, want 1", r.wecom.UserInfoRequests())
	}
}

// startLogin begins a login in a fresh browser and returns it with the
// state WeCom would send back.
func startLogin(r *rig) (*http.Client, string) {
	c := r.browser()
	resp, _ := r.get(c, prefix+"/")
	u, _ := url.Parse(resp.Header.Get("Location"))
	return c, u.Query().Get("state")
}

func TestLoginRefusesBadCodesAndStates(t *testing.T) {
	r := newRig(t)
	used := r.wecom.IssueCode("lilei")
	c, state := startLogin(r)
	r.get(c, prefix+"/login?code="+used+"&state="+state)
	if !r.hasSession(c) {
		t.Fatal("a fresh code did not log in")
	}
	expired := r.wecom.IssueCode("lilei")
	r.clock.Add(wecomtest.CodeLifetime + time.Second)
	fresh := r.wecom.IssueCode("lilei")

	cases := []struct {
		name, code string
		badState   bool
		status     int
	}{
		{"invalid code", "not-a-code", false, http.StatusForbidden},
		{"replayed code", used, false, http.StatusForbidden},
		{"expired code", expired, false, http.StatusForbidden},
		{"state not this browser's", fresh, true, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, state := startLogin(r)
			if tc.badState {
				_, state = startLogin(r) // another browser's state
			}
			resp, body := r.get(c, prefix+"/login?code="+url.QueryEscape(tc.code)+"&state="+state)
			if resp.StatusCode != tc.status || !strings.Contains(body, "登录") ||
				(tc.status == http.StatusForbidden && !strings.Contains(body, "无效、已使用或已过期")) {
				t.Errorf("status %d, want %d\n%s", resp.StatusCode, tc.status, body)
			}
			if r.hasSession(c) || strings.Contains(body, "制定内设机构调整方案") {
				t.Error("logged in, or ledger shown")
			}
		})
	}
	t.Run("WeCom unreachable", func(t *testing.T) {
		c, state := startLogin(r)
		code := r.wecom.IssueCode("lilei")
		r.wecom.SetDown(true)
		defer r.wecom.SetDown(false)
		resp, body := r.get(c, prefix+"/login?code="+code+"&state="+state)
		if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "稍后再试") || r.hasSession(c) {
			t.Errorf("status %d, session %v\n%s", resp.StatusCode, r.hasSession(c), body)
		}
	})
	t.Run("no pre-login cookie", func(t *testing.T) {
		c := r.browser()
		resp, _ := r.get(c, prefix+"/login?code="+r.wecom.IssueCode("lilei")+"&state=whatever")
		if resp.StatusCode != http.StatusBadRequest || r.hasSession(c) {
			t.Errorf("status %d, session %v", resp.StatusCode, r.hasSession(c))
		}
	})
	t.Run("state used twice", func(t *testing.T) {
		c, state := startLogin(r)
		r.get(c, prefix+"/login?code=bad&state="+state)
		resp, _ := r.get(c, prefix+"/login?code="+r.wecom.IssueCode("lilei")+"&state="+state)
		if resp.StatusCode != http.StatusBadRequest || r.hasSession(c) {
			t.Errorf("second use of a state: status %d, session %v", resp.StatusCode, r.hasSession(c))
		}
	})
}

func TestStrangerSeesAPolitePageAndNothingOfTheLedger(t *testing.T) {
	r := newRig(t)
	for _, who := range []string{"nobody", "sun", ""} { // not in the list; in it without a post; outside the corp
		c, state := startLogin(r)
		resp, body := r.get(c, prefix+"/login?code="+r.wecom.IssueCode(who)+"&state="+state)
		if resp.StatusCode != http.StatusForbidden || r.hasSession(c) {
			t.Errorf("%q: status %d, session %v", who, resp.StatusCode, r.hasSession(c))
		}
		if who != "" && !strings.Contains(body, "不在本次改革的任务清单人员中") {
			t.Errorf("%q: not the polite page:\n%s", who, body)
		}
		for _, secret := range []string{"市财政局", "制定内设机构调整方案", "政府组"} {
			if strings.Contains(body, secret) {
				t.Errorf("%q sees %q", who, secret)
			}
		}
	}
}

func TestForgedAndExpiredSessionsGoBackToLogin(t *testing.T) {
	r := newRig(t)
	other := newRig(t) // signs with another key
	good := r.srv.seal(sessionCookie, session{UserID: "lilei", Expires: r.clock.Now().Add(time.Hour).Unix(), CSRF: "x"})
	payload, sig, _ := strings.Cut(good, ".")
	forgedPayload := r.srv.seal(sessionCookie, session{UserID: "zhou", Expires: r.clock.Now().Add(time.Hour).Unix()})
	fp, _, _ := strings.Cut(forgedPayload, ".")
	cases := map[string]string{
		"another key":               other.srv.seal(sessionCookie, session{UserID: "zhou", Expires: r.clock.Now().Add(time.Hour).Unix()}),
		"payload swapped":           fp + "." + sig,
		"no signature":              payload,
		"garbage":                   "%%%.***",
		"pre-login cookie as login": r.srv.seal(loginCookie, session{UserID: "zhou", Expires: r.clock.Now().Add(time.Hour).Unix()}),
		"expired":                   r.srv.seal(sessionCookie, session{UserID: "zhou", Expires: r.clock.Now().Add(-time.Second).Unix()}),
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, r.ts.URL+prefix+"/city", nil)
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: value})
			resp, err := r.browser().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), r.wecom.AuthorizeURL()) {
				t.Errorf("status %d to %q, want the login", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
	t.Run("session outlives its TTL", func(t *testing.T) {
		c := r.login("zhou")
		if resp, _ := r.get(c, prefix+"/city"); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		r.clock.Add(DefaultSessionTTL + time.Minute)
		resp, _ := r.get(c, prefix+"/city")
		if resp.StatusCode != http.StatusFound {
			t.Errorf("expired session: status %d, want a redirect to login", resp.StatusCode)
		}
	})
}
