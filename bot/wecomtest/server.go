// Package wecomtest is a fake WeCom (企业微信) for tests: an API server on
// 127.0.0.1 that issues tokens and records delivered messages, with switches
// for WeCom's failure modes, and a builder of correctly encrypted and signed
// callbacks, so tests drive the real callback handler over HTTP.
package wecomtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Defaults of a new Server.
const (
	DefaultCorpID  = "ww00112233445566aa"
	DefaultSecret  = "test-app-secret"
	DefaultToken   = "test-callback-token"
	DefaultAgentID = 1000002
)

// Message is one message the fake accepted on /cgi-bin/message/send.
type Message struct {
	ToUser       string          `json:"touser"`
	MsgType      string          `json:"msgtype"`
	AgentID      int             `json:"agentid"`
	Text         *Content        `json:"text,omitempty"`
	Markdown     *Content        `json:"markdown,omitempty"`
	TextCard     *TextCard       `json:"textcard,omitempty"`
	TemplateCard *TemplateCard   `json:"template_card,omitempty"`
	File         *MediaRef       `json:"file,omitempty"`  // media.go
	Image        *MediaRef       `json:"image,omitempty"` // media.go
	MsgID        string          `json:"-"`
	Raw          json.RawMessage `json:"-"`
}

// Content is the body of text and markdown messages.
type Content struct {
	Content string `json:"content"`
}

// TextCard is a textcard body.
type TextCard struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	BtnTxt      string `json:"btntxt"`
}

// TemplateCard is a template_card body, the fields duban uses.
type TemplateCard struct {
	CardType     string                       `json:"card_type"`
	MainTitle    struct{ Title, Desc string } `json:"main_title"`
	SubTitleText string                       `json:"sub_title_text"`
	// HorizontalContentList holds the card's labelled facts.
	HorizontalContentList []struct {
		KeyName string `json:"keyname"`
		Value   string `json:"value"`
	} `json:"horizontal_content_list"`
	TaskID     string `json:"task_id"`
	ButtonList []struct {
		Text  string `json:"text"`
		Style int    `json:"style"`
		Key   string `json:"key"`
	} `json:"button_list"`
}

// CardUpdate is one accepted /cgi-bin/message/update_template_card call.
type CardUpdate struct {
	UserIDs      []string `json:"userids"`
	AgentID      int      `json:"agentid"`
	ResponseCode string   `json:"response_code"`
	Button       struct {
		ReplaceName string `json:"replace_name"`
	} `json:"button"`
}

// Body returns the text of a text or markdown message.
func (m Message) Body() string {
	switch {
	case m.Text != nil:
		return m.Text.Content
	case m.Markdown != nil:
		return m.Markdown.Content
	}
	return ""
}

type failure struct {
	errcode int // WeCom errcode, when status is 0
	status  int // HTTP status
}

// Server is a fake WeCom API and callback sealer.
type Server struct {
	addr    string       // 127.0.0.1:port, kept while the port is closed
	handler http.Handler // the API, behind the switches
	srvMu   sync.Mutex   // guards srv
	srv     *http.Server // nil while the port is closed
	// URL is the API base to configure in the client under test.
	URL string

	CorpID         string
	Secret         string
	AgentID        int
	Token          string // callback token
	EncodingAESKey string // callback key, 43 characters
	// Now stamps the callbacks built (timestamp, CreateTime); default time.Now.
	Now func() time.Time

	mu            sync.Mutex
	changed       chan struct{} // closed and replaced on every recorded change
	tokens        map[string]bool
	tokenN        int
	tokenRequests int
	sendRequests  int
	messages      []Message
	updates       []CardUpdate
	script        []failure
	rateLimited   bool
	delay         time.Duration
	down          bool
	refuseCode    int             // every call, gettoken included, answers this errcode
	refuseStatus  int             // every call answers this HTTP status
	answerDelay   time.Duration   // message/send records the message, then waits this long to answer
	invalid       map[string]bool // user → report via invaliduser field (true) or 81013 (false)
	userCodes     map[string]int  // user → the errcode messages to them answer (errors.go)
	messageCode   int             // every message call answers this errcode (errors.go)
	chats         map[string]bool // created through appchat/create
	uploads       []Upload        // media.go

	// web login (oauth.go)
	loginUser        string
	trustedDomain    string
	codes            map[string]*loginCode
	userInfoRequests int

	wb        workbench // workbench.go
	downloads downloads // media/get (download.go)
}

// New starts a fake WeCom on 127.0.0.1, closed when the test ends.
func New(t testing.TB) *Server {
	key := make([]byte, 32)
	rand.Read(key)
	s := &Server{
		CorpID: DefaultCorpID, Secret: DefaultSecret, AgentID: DefaultAgentID,
		Token:          DefaultToken,
		EncodingAESKey: base64.StdEncoding.EncodeToString(key)[:43],
		Now:            time.Now,
		changed:        make(chan struct{}),
		tokens:         map[string]bool{},
		invalid:        map[string]bool{},
		userCodes:      map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/gettoken", s.getToken)
	mux.HandleFunc("POST /cgi-bin/message/send", s.send)
	mux.HandleFunc("POST /cgi-bin/message/update_template_card", s.updateCard)
	mux.HandleFunc("POST /cgi-bin/appchat/create", s.createChat)
	mux.HandleFunc("POST /cgi-bin/appchat/send", s.chatSend)
	mux.HandleFunc("POST /cgi-bin/media/upload", s.upload)
	s.routeOAuth(mux)
	s.routeWorkbench(mux)
	mux.HandleFunc("GET /cgi-bin/media/get", s.mediaGet)
	s.handler = s.gate(mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("wecomtest: listen: %v", err)
	}
	s.addr = ln.Addr().String()
	s.URL = "http://" + s.addr
	s.serve(ln)
	t.Cleanup(s.Close)
	return s
}

func (s *Server) serve(ln net.Listener) {
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 5 * time.Second}
	s.srv = srv
	go srv.Serve(ln)
}

// Close stops the server.
func (s *Server) Close() {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.srv != nil {
		s.srv.Close()
		s.srv = nil
	}
}

// SetPortClosed closes the fake's port (connections are refused, as when
// WeCom's host is unreachable) or opens it again on the same address.
func (s *Server) SetPortClosed(closed bool) error {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	switch {
	case closed && s.srv != nil:
		s.srv.Close()
		s.srv = nil
	case !closed && s.srv == nil:
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			return fmt.Errorf("wecomtest: reopen %s: %w", s.addr, err)
		}
		s.serve(ln)
	}
	return nil
}

// RefuseAll makes every call, gettoken included, answer errcode while it
// is not 0: 60020 (this server's IP is not trusted) is WeCom's answer to
// a server missing from the app's trusted IPs, -1 when it is busy, or a
// code duban does not know.
func (s *Server) RefuseAll(errcode int) { s.set(func() { s.refuseCode = errcode }) }

// SetAnswerDelay makes message/send record each message and then wait d
// before answering (until the caller hangs up): WeCom has the message, the
// sender does not know yet — the moment a crash makes a resend possible.
func (s *Server) SetAnswerDelay(d time.Duration) { s.set(func() { s.answerDelay = d }) }

// SetHTTPStatus makes every call, gettoken included, answer HTTP status
// (e.g. 502 from WeCom's gateway) while it is not 0.
func (s *Server) SetHTTPStatus(status int) { s.set(func() { s.refuseStatus = status }) }

// ExpireTokens makes every token issued so far answer 42001.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.tokens {
		s.tokens[t] = false
	}
}

// SetRateLimited makes message calls answer 45009 while on.
func (s *Server) SetRateLimited(on bool) { s.set(func() { s.rateLimited = on }) }

// SetDelay makes every call wait d before answering.
func (s *Server) SetDelay(d time.Duration) { s.set(func() { s.delay = d }) }

// SetDown makes every call's connection close without an answer while on.
func (s *Server) SetDown(on bool) { s.set(func() { s.down = on }) }

// FailNext makes the next n message calls answer errcode (e.g. -1, 45033).
func (s *Server) FailNext(n, errcode int) {
	s.set(func() {
		for range n {
			s.script = append(s.script, failure{errcode: errcode})
		}
	})
}

// FailNextHTTP makes the next n message calls answer HTTP status.
func (s *Server) FailNextHTTP(n, status int) {
	s.set(func() {
		for range n {
			s.script = append(s.script, failure{status: status})
		}
	})
}

// SetInvalidUser makes messages to user fail: with errcode 81013, or, when
// viaField, with errcode 0 and the user named in "invaliduser".
func (s *Server) SetInvalidUser(user string, viaField bool) {
	s.set(func() { s.invalid[user] = viaField })
}

func (s *Server) set(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// Messages returns the messages delivered so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// MessagesTo returns the messages delivered to user, in order.
func (s *Server) MessagesTo(user string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if m.ToUser == user {
			out = append(out, m)
		}
	}
	return out
}

// CardUpdates returns the accepted card updates, in order.
func (s *Server) CardUpdates() []CardUpdate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CardUpdate(nil), s.updates...)
}

// TokenRequests counts gettoken calls; SendRequests counts message calls
// (send and update) that reached the fake, whatever their answer.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenRequests
}

// SendRequests counts message calls that reached the fake.
func (s *Server) SendRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sendRequests
}

// WaitMessages waits until at least n messages were delivered, or timeout.
func (s *Server) WaitMessages(n int, timeout time.Duration) ([]Message, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, ch := len(s.messages), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Messages(), nil
		}
		select {
		case <-ch:
		case <-deadline.C:
			return s.Messages(), fmt.Errorf("wecomtest: %d messages delivered after %v, want %d", got, timeout, n)
		}
	}
}

// changedLocked wakes waiters; s.mu is held.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// gate applies the down and delay switches to every call.
func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		down, delay, code, status := s.down, s.delay, s.refuseCode, s.refuseStatus
		if code != 0 || status != 0 {
			if r.URL.Path == "/cgi-bin/gettoken" {
				s.tokenRequests++
			} else {
				s.sendRequests++
			}
		}
		s.mu.Unlock()
		if down {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case status != 0:
			http.Error(w, http.StatusText(status), status)
		case code != 0:
			apiError(w, code, Errmsg(code))
		default:
			next.ServeHTTP(w, r) // the answer stays buffered until we return
			s.mu.Lock()
			wait := s.answerDelay
			s.mu.Unlock()
			if wait > 0 && r.URL.Path == "/cgi-bin/message/send" {
				select {
				case <-time.After(wait):
				case <-r.Context().Done():
				}
			}
		}
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(v)
}

func (s *Server) getToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenRequests++
	switch {
	case q.Get("corpid") != s.CorpID:
		apiError(w, 40013, "invalid corpid")
		return
	case q.Get("corpsecret") != s.Secret:
		apiError(w, 40001, "invalid credential")
		return
	}
	s.tokenN++
	tok := "fake-token-" + strconv.Itoa(s.tokenN)
	s.tokens[tok] = true
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": 7200})
}

// gateMessageCall applies token, script and rate-limit checks shared by
// send and update; it reports whether the call may proceed.
func (s *Server) gateMessageCall(w http.ResponseWriter, r *http.Request) bool {
	s.sendRequests++
	valid, known := s.tokens[r.URL.Query().Get("access_token")]
	switch {
	case !known:
		apiError(w, 40014, "invalid access_token")
		return false
	case !valid:
		apiError(w, 42001, "access_token expired")
		return false
	}
	if len(s.script) > 0 {
		f := s.script[0]
		s.script = s.script[1:]
		if f.status != 0 {
			http.Error(w, http.StatusText(f.status), f.status)
		} else {
			apiError(w, f.errcode, Errmsg(f.errcode))
		}
		return false
	}
	if s.messageCode != 0 {
		apiError(w, s.messageCode, Errmsg(s.messageCode))
		return false
	}
	if s.rateLimited {
		apiError(w, 45009, Errmsg(45009))
		return false
	}
	return true
}

// accept decodes a message call's JSON body into v and takes the lock,
// unless the call is refused (bad JSON, a scripted failure, an expired
// token…): then the answer is written, the lock is not held, and it
// returns false.
func (s *Server) accept(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		apiError(w, 40058, "invalid json")
		return false
	}
	s.mu.Lock()
	if !s.gateMessageCall(w, r) {
		s.mu.Unlock()
		return false
	}
	return true
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	if !s.accept(w, r, &raw) {
		return
	}
	defer s.mu.Unlock()
	var probe struct {
		AgentID any `json:"agentid"`
	}
	json.Unmarshal(raw, &probe)
	if _, isNumber := probe.AgentID.(float64); !isNumber {
		apiError(w, 40056, "invalid agentid: must be an integer")
		return
	}
	var m Message
	if err := json.Unmarshal(raw, &m); err != nil || m.ToUser == "" || m.MsgType == "" {
		apiError(w, 40058, "invalid message")
		return
	}
	if m.AgentID != s.AgentID {
		apiError(w, 40056, "invalid agentid")
		return
	}
	if body := m.Body(); (m.Text != nil || m.Markdown != nil) && body == "" {
		apiError(w, 44004, "empty content")
		return
	}
	if !s.mediaOK(w, m.MsgType, m.File, m.Image) {
		return
	}
	if code, bad := s.userCodes[m.ToUser]; bad {
		apiError(w, code, Errmsg(code))
		return
	}
	if viaField, bad := s.invalid[m.ToUser]; bad {
		if viaField {
			writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "invaliduser": m.ToUser, "msgid": ""})
		} else {
			apiError(w, 81013, "user & party & tag all invalid")
		}
		return
	}
	m.Raw = raw
	m.MsgID = "fake-msgid-" + strconv.Itoa(len(s.messages)+1)
	s.messages = append(s.messages, m)
	s.changedLocked()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": m.MsgID})
}

func (s *Server) updateCard(w http.ResponseWriter, r *http.Request) {
	var u CardUpdate
	if !s.accept(w, r, &u) {
		return
	}
	defer s.mu.Unlock()
	if u.AgentID != s.AgentID || u.ResponseCode == "" {
		apiError(w, 40058, "invalid agentid or response_code")
		return
	}
	s.updates = append(s.updates, u)
	s.changedLocked()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "invaliduser": ""})
}

// createChat answers /cgi-bin/appchat/create: a chat needs at least two
// members and gets the chatid asked for, or a generated one.
func (s *Server) createChat(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name     string   `json:"name"`
		Owner    string   `json:"owner"`
		UserList []string `json:"userlist"`
		ChatID   string   `json:"chatid"`
	}
	if !s.accept(w, r, &req) {
		return
	}
	defer s.mu.Unlock()
	if len(req.UserList) < 2 {
		apiError(w, 86216, "chat member count must be at least 2")
		return
	}
	if req.ChatID == "" {
		req.ChatID = "fakechat" + strconv.Itoa(len(s.chats)+1)
	}
	if s.chats == nil {
		s.chats = map[string]bool{}
	}
	s.chats[req.ChatID] = true
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "chatid": req.ChatID})
}

// chatSend answers /cgi-bin/appchat/send for chats created through the fake;
// the message is recorded with ToUser "chat:<chatid>".
func (s *Server) chatSend(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ChatID  string    `json:"chatid"`
		MsgType string    `json:"msgtype"`
		Text    *Content  `json:"text"`
		File    *MediaRef `json:"file"`
		Image   *MediaRef `json:"image"`
	}
	if !s.accept(w, r, &req) {
		return
	}
	defer s.mu.Unlock()
	if !s.chats[req.ChatID] {
		apiError(w, 86003, "chat not exist")
		return
	}
	if req.MsgType == "file" || req.MsgType == "image" {
		if !s.mediaOK(w, req.MsgType, req.File, req.Image) {
			return
		}
	} else if req.Text == nil || req.Text.Content == "" {
		apiError(w, 44004, "empty content")
		return
	}
	s.messages = append(s.messages, Message{ToUser: "chat:" + req.ChatID, MsgType: req.MsgType, Text: req.Text,
		File: req.File, Image: req.Image, MsgID: "fake-msgid-" + strconv.Itoa(len(s.messages)+1)})
	s.changedLocked()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}
