package web

// Login and sessions. A visit without a valid session is sent to WeCom's
// authorize page with a random state, which is also kept in a short-lived
// signed cookie (the pre-login cookie); WeCom sends the browser back to
// /login with a code and that state. The state must match the cookie, so
// nobody can log a victim into their own account (login CSRF); the code is
// exchanged for the userid through the app's WeCom client; the session is a
// signed, HttpOnly, SameSite=Lax cookie that carries its expiry and the
// page forms' CSRF token. Who may see what is read from the store on every
// request, so a change of posts takes effect at once.

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot"
	"github.com/duban-org/duban/store"
)

const (
	sessionCookie = "duban_session"
	loginCookie   = "duban_login"
	// loginWindow bounds the trip through WeCom's authorize page.
	loginWindow = 10 * time.Minute
)

// session is the content of the session cookie.
type session struct {
	UserID  string `json:"u"`
	Expires int64  `json:"e"` // unix seconds
	CSRF    string `json:"c"`
}

// pending is the content of the pre-login cookie.
type pending struct {
	State   string `json:"s"`
	Next    string `json:"n"` // the page asked for
	Expires int64  `json:"e"`
}

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// b64 is strict, so each sealed value has one spelling.
var b64 = base64.RawURLEncoding.Strict()

// seal signs v as base64url(JSON).base64url(HMAC-SHA256), with the cookie's
// name in the MAC so one cookie cannot pass for the other.
func (s *Server) seal(name string, v any) string {
	b, _ := json.Marshal(v)
	payload := b64.EncodeToString(b)
	return payload + "." + b64.EncodeToString(s.mac(name, payload))
}

func (s *Server) mac(name, payload string) []byte {
	m := hmac.New(sha256.New, s.cfg.SessionKey)
	m.Write([]byte(name + "\x00" + payload))
	return m.Sum(nil)
}

// open checks a sealed value's signature and decodes it into v.
func (s *Server) open(name, value string, v any) bool {
	payload, sig, ok := strings.Cut(value, ".")
	if !ok {
		return false
	}
	got, err := b64.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(name, payload)) {
		return false
	}
	b, err := b64.DecodeString(payload)
	return err == nil && json.Unmarshal(b, v) == nil
}

func (s *Server) secure() bool { return strings.HasPrefix(s.cfg.PublicURL, "https://") }

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: s.cfg.Prefix, MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: s.secure(), SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: s.cfg.Prefix, MaxAge: -1,
		HttpOnly: true, Secure: s.secure(), SameSite: http.SameSiteLaxMode})
}

// currentSession returns the request's session when its cookie is genuine
// and unexpired.
func (s *Server) currentSession(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	var sess session
	if !s.open(sessionCookie, c.Value, &sess) || sess.UserID == "" || s.now().Unix() >= sess.Expires {
		return session{}, false
	}
	return sess, true
}

// redirectURI is where WeCom sends the browser back to.
func (s *Server) redirectURI() string { return s.cfg.PublicURL + s.cfg.Prefix + "/login" }

// authorize sends the browser to WeCom's login with a fresh state bound to
// a pre-login cookie; next is the page to show afterwards.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, next string) {
	p := pending{State: randomToken(), Next: next, Expires: s.now().Add(loginWindow).Unix()}
	s.setCookie(w, loginCookie, s.seal(loginCookie, p), loginWindow)
	// WeCom documents the parameters in this order, with the fragment.
	target := s.cfg.AuthorizeURL + "?appid=" + url.QueryEscape(s.cfg.CorpID) +
		"&redirect_uri=" + url.QueryEscape(s.redirectURI()) + "&response_type=code&scope=snsapi_base" +
		"&state=" + p.State + "&agentid=" + strconv.Itoa(s.cfg.AgentID) + "#wechat_redirect"
	http.Redirect(w, r, target, http.StatusFound)
}

// login is where WeCom's authorize page sends the browser back.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Preview != "" {
		http.Redirect(w, r, s.cfg.Prefix+"/", http.StatusFound)
		return
	}
	retry := "请关闭本页后从企业微信重新打开「督办」应用主页。"
	var p pending
	c, err := r.Cookie(loginCookie)
	if err != nil || !s.open(loginCookie, c.Value, &p) || s.now().Unix() >= p.Expires {
		s.message(w, http.StatusBadRequest, "登录已失效", "登录请求已过期或不是从本页发起的。"+retry)
		return
	}
	state, code := r.URL.Query().Get("state"), r.URL.Query().Get("code")
	if subtle.ConstantTimeCompare([]byte(state), []byte(p.State)) != 1 {
		s.message(w, http.StatusBadRequest, "登录失败", "登录请求与本页不符，未登录。"+retry)
		return
	}
	s.clearCookie(w, loginCookie) // one state, one attempt
	if code == "" {
		s.message(w, http.StatusBadRequest, "登录失败", "企业微信未返回登录凭证。"+retry)
		return
	}
	userid, err := s.cfg.Exchanger.UserIDFromCode(r.Context(), code)
	switch {
	case errors.Is(err, bot.ErrNotMember):
		s.message(w, http.StatusForbidden, "暂无可查看的内容", "您不是本单位企业微信的成员，无法查看督办台账。")
		return
	case errors.Is(err, bot.ErrBadCode):
		s.cfg.Log.Warn("web login: code refused", "err", err)
		s.message(w, http.StatusForbidden, "登录失败", "企业微信登录凭证无效、已使用或已过期。"+retry)
		return
	case err != nil:
		s.cfg.Log.Error("web login: code exchange failed", "err", err)
		s.message(w, http.StatusBadGateway, "登录失败", "暂时无法通过企业微信完成登录，请稍后再试。")
		return
	}
	person, err := s.cfg.Store.Person(r.Context(), userid)
	if errors.Is(err, store.ErrNotFound) || (err == nil && len(person.Posts) == 0) {
		s.stranger(w, userid)
		return
	}
	if err != nil {
		s.internal(w, "login person", err)
		return
	}
	sess := session{UserID: person.UserID, Expires: s.now().Add(s.cfg.SessionTTL).Unix(), CSRF: randomToken()}
	s.setCookie(w, sessionCookie, s.seal(sessionCookie, sess), s.cfg.SessionTTL)
	s.cfg.Log.Info("web login", "user", person.UserID)
	next := p.Next
	if !strings.HasPrefix(next, s.cfg.Prefix+"/") || strings.HasPrefix(next, "//") {
		next = s.cfg.Prefix + "/"
	}
	http.Redirect(w, r, next, http.StatusFound)
}

// stranger is the page for a member who is in the corp but not in the task
// list: polite, and nothing of the ledger.
func (s *Server) stranger(w http.ResponseWriter, userid string) {
	s.message(w, http.StatusForbidden, "暂无可查看的内容",
		"您好（"+userid+"）：您不在本次改革的任务清单人员中，暂无可查看的督办台账。如您负责本单位的改革任务，请联系编办将您加入任务清单。")
}

// pageFunc serves one page for viewer in session sess.
type pageFunc func(w http.ResponseWriter, r *http.Request, viewer duban.Person, sess session)

// page wraps a page with the login check: without a valid session a GET
// goes to WeCom's login and anything else is refused.
func (s *Server) page(f pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var sess session
		if s.cfg.Preview != "" {
			sess = session{UserID: s.cfg.Preview}
		} else {
			var ok bool
			if sess, ok = s.currentSession(r); !ok {
				if r.Method != http.MethodGet {
					s.message(w, http.StatusForbidden, "登录已过期", "登录已过期，未做任何变更。请重新打开页面后再办理。")
					return
				}
				s.authorize(w, r, r.URL.RequestURI())
				return
			}
		}
		person, err := s.cfg.Store.Person(r.Context(), sess.UserID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && len(person.Posts) == 0) {
			s.stranger(w, sess.UserID)
			return
		}
		if err != nil {
			s.internal(w, "viewer", err)
			return
		}
		f(w, r, person, sess)
	}
}
