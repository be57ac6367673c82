package wecomtest

// Web login (网页授权): the authorize page WeCom's browser is sent to, which
// redirects back to the app with a one-time code, and auth/getuserinfo,
// which trades the code for the member's userid. Point the app's authorize
// URL at AuthorizeURL.

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// CodeLifetime is how long a login code can be exchanged: WeCom's five minutes.
const CodeLifetime = 5 * time.Minute

// codeInvalid is WeCom's errcode for a code that is unknown, used or expired.
const codeInvalid = 40029

type loginCode struct {
	user   string
	issued time.Time
	used   bool
}

func (s *Server) routeOAuth(mux *http.ServeMux) {
	mux.HandleFunc("GET /connect/oauth2/authorize", s.authorize)
	mux.HandleFunc("GET /cgi-bin/auth/getuserinfo", s.userInfo)
}

// AuthorizeURL is the fake's open.weixin.qq.com/connect/oauth2/authorize.
func (s *Server) AuthorizeURL() string { return s.URL + "/connect/oauth2/authorize" }

// SetLoginUser makes the authorize page log in userid, as WeCom's browser
// would for the member using it; "" makes it answer as for someone outside
// the corp.
func (s *Server) SetLoginUser(userid string) { s.set(func() { s.loginUser = userid }) }

// SetTrustedDomain makes the authorize page refuse a redirect_uri whose host
// (with its port) is not domain, as WeCom checks the app's 可信域名.
func (s *Server) SetTrustedDomain(domain string) { s.set(func() { s.trustedDomain = domain }) }

// IssueCode returns a fresh login code for userid, as the authorize page
// would put in its redirect.
func (s *Server) IssueCode(userid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueCodeLocked(userid)
}

func (s *Server) issueCodeLocked(userid string) string {
	b := make([]byte, 16)
	rand.Read(b)
	code := hex.EncodeToString(b)
	if s.codes == nil {
		s.codes = map[string]*loginCode{}
	}
	s.codes[code] = &loginCode{user: userid, issued: s.Now()}
	return code
}

// UserInfoRequests counts auth/getuserinfo calls that reached the fake.
func (s *Server) UserInfoRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userInfoRequests
}

// authorize checks the parameters WeCom checks and redirects back with a
// code and the state, unchanged.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case q.Get("appid") != s.CorpID:
		http.Error(w, "invalid appid", http.StatusBadRequest)
		return
	case q.Get("agentid") != strconv.Itoa(s.AgentID):
		http.Error(w, "invalid agentid", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code" || (q.Get("scope") != "snsapi_base" && q.Get("scope") != "snsapi_privateinfo"):
		http.Error(w, "invalid response_type or scope", http.StatusBadRequest)
		return
	case err != nil || !redirect.IsAbs() || (redirect.Scheme != "http" && redirect.Scheme != "https"):
		http.Error(w, "invalid redirect_uri", http.StatusBadRequest)
		return
	case s.trustedDomain != "" && redirect.Host != s.trustedDomain:
		http.Error(w, "redirect_uri 需使用应用可信域名", http.StatusBadRequest)
		return
	case len(q.Get("state")) > 128:
		http.Error(w, "state too long", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("code", s.issueCodeLocked(s.loginUser))
	if q.Has("state") {
		back.Set("state", q.Get("state"))
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// userInfo answers auth/getuserinfo: the userid for a fresh code (an
// openid for someone outside the corp), 40029 for a code unknown, used
// or older than CodeLifetime.
func (s *Server) userInfo(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userInfoRequests++
	valid, known := s.tokens[q.Get("access_token")]
	switch {
	case !known:
		apiError(w, 40014, "invalid access_token")
		return
	case !valid:
		apiError(w, 42001, "access_token expired")
		return
	}
	c := s.codes[q.Get("code")]
	switch {
	case c == nil:
		apiError(w, codeInvalid, "invalid code")
		return
	case c.used:
		apiError(w, codeInvalid, "invalid code, code has been used")
		return
	case s.Now().Sub(c.issued) > CodeLifetime:
		apiError(w, codeInvalid, "invalid code, code expired")
		return
	}
	c.used = true
	if c.user == "" {
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "openid": "o-" + q.Get("code")[:8]})
		return
	}
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "userid": c.user, "user_ticket": "ticket-" + q.Get("code")[:8]})
}
