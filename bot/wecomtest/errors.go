package wecomtest

import (
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// errmsgs are the words WeCom puts before ", hint:" in errmsg for the
// codes the fake answers: copied from public reports where one was found
// (-1, 40014, 42001, 45009, 48002, 60020, 60111, 81013, 301002), in its
// style elsewhere. Nothing in duban reads them: they make the fake's
// answers look like the real ones in logs and tests.
var errmsgs = map[int]string{
	-1:     "system busy",
	40001:  "invalid credential",
	40003:  "invalid userid",
	40013:  "invalid corpid",
	40014:  "invalid access_token",
	40031:  "invalid userid list",
	40056:  "invalid agentid",
	40058:  "invalid parameter",
	42001:  "access_token expired",
	44004:  "empty content",
	45002:  "content size out of limit",
	45009:  "api freq out of limit",
	45033:  "api concurrent out of limit",
	46004:  "user no exist",
	48002:  "api forbidden",
	50003:  "application is disabled",
	60011:  "no privilege to access/modify contact/party/agent",
	60020:  "not allow to access from your ip",
	60111:  "userid not found",
	81013:  "user & party & tag all invalid",
	82001:  "All touser & toparty & totag invalid",
	85002:  "contain sensitive words",
	86003:  "chat not exist",
	86216:  "chat member count must be at least 2",
	301002: "not allow operate another agent with this accesstoken.",
}

// Errmsg is WeCom's errmsg text for code, without the hint.
func Errmsg(code int) string {
	if m, ok := errmsgs[code]; ok {
		return m
	}
	return "unknown error"
}

var hints atomic.Int64

// apiError answers errcode as WeCom does: HTTP 200, the code and message
// in the JSON body and in the Error-Code and Error-Msg headers, the
// message followed by a request hint, the caller's IP and a link to the
// code's page.
func apiError(w http.ResponseWriter, code int, msg string) {
	if code != 0 {
		msg = fmt.Sprintf("%s, hint: [%d%06d], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=%d",
			msg, time.Now().Unix(), hints.Add(1), code)
		w.Header().Set("Error-Code", strconv.Itoa(code))
		w.Header().Set("Error-Msg", msg)
	}
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg})
}

// RefuseMessages makes every message call (send, card update, chat) answer
// errcode while it is not 0, gettoken still answering: 48002 (the API is
// forbidden to the app), 301002 (the token is another app's), 50003 (the
// app is disabled) or a code duban does not know.
func (s *Server) RefuseMessages(errcode int) { s.set(func() { s.messageCode = errcode }) }

// SetUserError makes messages to user answer errcode (0: deliver again):
// 40003 or 60111 (no such userid), 46004, 82001, 60011…
func (s *Server) SetUserError(user string, errcode int) {
	s.set(func() {
		if errcode == 0 {
			delete(s.userCodes, user)
			return
		}
		s.userCodes[user] = errcode
	})
}

// RevokeTokens makes WeCom forget every token issued so far: they answer
// 40014 (invalid access_token), as after the Secret was reset.
func (s *Server) RevokeTokens() { s.set(func() { clear(s.tokens) }) }
