package bot

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
)

// APIError is an error answer from the WeCom API (errcode != 0), or a
// success answer that names an invalid recipient (InvalidUser set).
type APIError struct {
	Op          string // gettoken, message/send, message/update_template_card
	Code        int
	Msg         string
	InvalidUser string // the response's invaliduser field, when not empty
}

func (e *APIError) Error() string {
	if e.Code == 0 && e.InvalidUser != "" {
		return fmt.Sprintf("wecom %s: invalid user %q", e.Op, e.InvalidUser)
	}
	return fmt.Sprintf("wecom %s: errcode %d: %s", e.Op, e.Code, e.Msg)
}

// HTTPStatusError is a non-200 answer from the WeCom API.
type HTTPStatusError struct {
	Op     string
	Status int
}

func (e *HTTPStatusError) Error() string {
	return fmt.Sprintf("wecom %s: HTTP status %d", e.Op, e.Status)
}

// CallError is a call to WeCom that got no answer (refused connection,
// DNS failure, timeout, cut-off body). It names the API path only: the
// query carries the app's Secret (gettoken) or the access token, and Go's
// *url.Error would repeat it into logs and the store.
type CallError struct {
	Op   string // gettoken, message/send…
	Path string // /cgi-bin/gettoken…
	Err  error  // the transport's error, without the URL
}

func (e *CallError) Error() string { return fmt.Sprintf("wecom %s %s: %v", e.Op, e.Path, e.Err) }
func (e *CallError) Unwrap() error { return e.Err }

// WeCom's global error codes (企业微信全局错误码) that duban knows, and
// why each makes a call fail. Three classes follow from the cause:
//   - the token codes (40001, 40014, 42001) renew the access token and
//     resend at once (post); a second refusal is CauseToken;
//   - causes that pass — WeCom busy or rate-limiting (-1, 45009, 45033),
//     unreachable, or the app's own settings (trusted IP, credentials, API
//     permission), which an administrator fixes once for every message —
//     are retried with back-off until the sender's MaxAge;
//   - causes about the one message — its recipient, its chat, its content
//     — fail it for good at once, kept with plain words and told to 编办.
//
// A code not listed here is retried a few times (unknownAttempts) and then
// kept as failed with its code, for an administrator to look up: WeCom did
// answer, and the codes left are nearly all about the request itself.
const (
	codeSystemBusy        = -1
	codeInvalidCredential = 40001 // bad secret, or a token WeCom no longer accepts
	codeInvalidToken      = 40014
	codeTokenExpired      = 42001
	codeInvalidMediaID    = 40007 // an upload WeCom forgot (three days old): uploaded again
)

var codeCauses = map[int]Cause{
	codeSystemBusy: CauseBusy,
	45009:          CauseBusy, // api freq out of limit
	45033:          CauseBusy, // api concurrent out of limit

	60020: CauseUntrustedIP, // not allow to access from your ip

	40013:   CauseCredentials, // invalid corpid
	40056:   CauseCredentials, // invalid agentid
	40091:   CauseCredentials, // a secret of another corp
	41002:   CauseCredentials, // corpid missing
	41004:   CauseCredentials, // secret missing
	301002:  CauseCredentials, // the token is another app's: agent_id and secret of two apps
	2000002: CauseCredentials, // no such corp

	48002: CauseForbidden, // api forbidden: the secret is not the app's (通讯录同步…)
	50003: CauseForbidden, // the app is disabled

	81013: CauseRecipient, // user & party & tag all invalid (or outside the visible range)
	82001: CauseRecipient, // every member, department and tag named is invalid
	60011: CauseRecipient, // no privilege for the member
	50002: CauseRecipient, // the member is outside the app's range

	40003: CauseNoSuchUser, // invalid userid
	40031: CauseNoSuchUser, // a userid of the list is not in the address book
	46004: CauseNoSuchUser, // no such member
	60111: CauseNoSuchUser, // userid not found

	86001: CauseChat, // invalid chatid
	86003: CauseChat, // chat not exist
	86008: CauseChat, // a chat the app did not create

	85002: CauseBlockedWords, // the content holds words WeCom does not allow

	40004: CauseContent, 40005: CauseContent, 40006: CauseContent, codeInvalidMediaID: CauseContent, // media type, size, id
	40008: CauseContent, 40009: CauseContent, 40011: CauseContent, // msgtype, image and video size
	40033: CauseContent, 40035: CauseContent, 40058: CauseContent, 40063: CauseContent, // bad characters, parameters
	40074: CauseContent, 40094: CauseContent, // secrecy of news, a bad URL
	41006: CauseContent, 41016: CauseContent, 41033: CauseContent, // media_id, title, description missing
	44001: CauseContent, 44004: CauseContent, // empty file, empty text
	45001: CauseContent, 45002: CauseContent, // file or message too large
}

// unknownAttempts is how many times a message is tried while WeCom answers
// it with a code not in codeCauses (about half a minute at the default
// back-off) before it is kept as failed.
const unknownAttempts = 5

// isTokenCode reports whether code asks for a new access_token.
func isTokenCode(code int) bool {
	return code == codeInvalidCredential || code == codeInvalidToken || code == codeTokenExpired
}

// Cause is why a delivery failed, in a word fit for a metric label; its
// Words say it in plain Chinese for the people who read 记录.
type Cause string

// Causes of failed deliveries.
const (
	CauseUnreachable  Cause = "unreachable"   // no answer: network, DNS, timeout, HTTP 5xx
	CauseCertificate  Cause = "certificate"   // WeCom's HTTPS certificate not trusted here
	CauseBusy         Cause = "busy"          // -1, 45009, 45033, HTTP 429
	CauseUntrustedIP  Cause = "untrusted_ip"  // 60020
	CauseCredentials  Cause = "credentials"   // corp id, secret or agent id refused
	CauseForbidden    Cause = "forbidden"     // the app may not call the API, or is disabled
	CauseToken        Cause = "token"         // the access token refused even after renewal
	CauseRecipient    Cause = "recipient"     // not a member, or outside the visible range: final
	CauseNoSuchUser   Cause = "no_such_user"  // the userid does not exist: final
	CauseChat         Cause = "chat"          // the group chat is gone or not the app's: final
	CauseContent      Cause = "content"       // the message itself refused: final
	CauseBlockedWords Cause = "blocked_words" // words WeCom does not allow: final
	CauseUnknown      Cause = "unknown"       // anything else: retried (an unknown errcode: a few times)
	CauseConsole      Cause = "console"       // the console could not show it
)

// Final reports whether a failure of this cause can never succeed later.
func (c Cause) Final() bool {
	switch c {
	case CauseRecipient, CauseNoSuchUser, CauseChat, CauseContent, CauseBlockedWords, CauseConsole:
		return true
	}
	return false
}

// Words says the cause in plain Chinese, for 记录 and 编办.
func (c Cause) Words() string {
	switch c {
	case CauseUnreachable:
		return "企业微信暂时无法访问"
	case CauseCertificate:
		return "本服务器不信任企业微信的HTTPS证书（缺少根证书，或经过了改写证书的代理）"
	case CauseBusy:
		return "企业微信繁忙或达到调用频率限制"
	case CauseUntrustedIP:
		return "企业微信拒绝了本服务器的IP（未加入应用的企业可信IP）"
	case CauseCredentials:
		return "企业微信不接受本应用的企业ID、Secret或AgentId"
	case CauseForbidden:
		return "企业微信不允许本应用调用发消息接口（应用已停用，或所配的Secret不是本应用的）"
	case CauseToken:
		return "企业微信不接受本应用的访问凭证"
	case CauseRecipient:
		return "该账号不在应用可见范围内"
	case CauseNoSuchUser:
		return "企业微信中没有该账号"
	case CauseChat:
		return "该群聊不存在，或不是本应用创建的"
	case CauseContent:
		return "企业微信拒收该消息的内容"
	case CauseBlockedWords:
		return "企业微信拒收该消息：内容含有不允许发送的词语"
	case CauseConsole:
		return "控制台无法显示"
	}
	return "企业微信返回了无法识别的错误"
}

// hint tells the operator what to do, in the log (English), or "".
func (c Cause) hint() string {
	switch c {
	case CauseUntrustedIP:
		return "add this server's public IP to the app's trusted IP list (应用管理 → the app → 企业可信IP) in the WeCom admin console"
	case CauseCredentials:
		return "check [wecom] corp_id, agent_id and secret (the secret must be this app's, agent_id its AgentId)"
	case CauseForbidden:
		return "enable the app in the WeCom admin console and check that [wecom] secret is this app's Secret, not the address book's or another app's"
	case CauseRecipient:
		return "the recipient is not a member visible to the app; widen the app's visible range"
	case CauseNoSuchUser:
		return "the userid does not exist in WeCom; correct it in the task list's people"
	case CauseChat:
		return "create the group chat again (duban groupchat) and set [remind] bulletin_chat_id"
	case CauseUnreachable:
		return "WeCom does not answer; check the network and DNS"
	case CauseCertificate:
		return "install the system's CA certificates (package ca-certificates), or add the CA of the TLS-inspecting proxy to them; SSL_CERT_FILE or SSL_CERT_DIR point duban at another bundle"
	case CauseUnknown:
		return "look the errcode up at https://open.work.weixin.qq.com/devtool/query"
	}
	return ""
}

// advice tells a person what to do about c, in plain Chinese, or "".
func (c Cause) advice() string {
	switch c {
	case CauseUntrustedIP:
		return "请在企业微信管理后台「应用管理 → 本应用 → 企业可信IP」中加入本服务器的公网IP"
	case CauseCredentials:
		return "请核对配置中的 [wecom] corp_id、agent_id 和 secret（secret 须是 agent_id 这个应用的 Secret）"
	case CauseForbidden:
		return "请在企业微信管理后台确认本应用已启用，并核对 [wecom] secret 是本应用的 Secret（不是通讯录同步或其他应用的）"
	case CauseRecipient:
		return "请在企业微信管理后台扩大本应用的可见范围"
	case CauseNoSuchUser:
		return "请核对账号是否与企业微信通讯录一致"
	case CauseChat:
		return "请用 duban groupchat 重新创建群聊，并更新配置中的 [remind] bulletin_chat_id"
	case CauseBlockedWords:
		return "请修改消息中的相关措辞后重新发送"
	case CauseUnreachable:
		return "请检查本机的网络、DNS 和 [wecom] api_base"
	case CauseCertificate:
		return "请安装系统根证书（ca-certificates 软件包），经代理上网时将代理的根证书加入系统信任"
	case CauseBusy, CauseToken:
		return "请稍后再试"
	case CauseUnknown:
		return "请凭错误码在企业微信开发者中心「错误码查询工具」中查明原因"
	}
	return ""
}

// Explain says in plain Chinese why a call to WeCom failed and what to
// do, for a person at the command line: the cause, WeCom's errcode or the
// HTTP status, and the remedy. It holds no secret, no token and none of
// WeCom's own English text.
func Explain(err error) string {
	c := CauseOf(err)
	w := c.Words()
	if ae, ok := errors.AsType[*APIError](err); ok && ae.Code != 0 {
		w += "（错误码 " + strconv.Itoa(ae.Code) + "）"
	} else if he, ok := errors.AsType[*HTTPStatusError](err); ok {
		w += "（HTTP " + strconv.Itoa(he.Status) + "）"
	}
	if a := c.advice(); a != "" {
		w += "：" + a
	}
	return w
}

// Permanent marks err as not worth retrying; a Deliverer other than WeCom
// (the console) uses it to classify its own errors.
func Permanent(err error) error { return &classified{err: err, retry: false} }

// Temporary marks err as worth retrying later.
func Temporary(err error) error { return &classified{err: err, retry: true} }

// Retryable reports whether a delivery that failed with err will be tried
// again, by the same rule the sender follows.
func Retryable(err error) bool { return !CauseOf(err).Final() }

type classified struct {
	err   error
	retry bool
}

func (c *classified) Error() string { return c.err.Error() }
func (c *classified) Unwrap() error { return c.err }

// CauseOf decides, in one place, why a delivery failed and so whether it
// is retried (with backoff, up to the sender's MaxAge) or final.
func CauseOf(err error) Cause {
	if errors.Is(err, ErrMediaRefused) { // a file WeCom would refuse as it is
		return CauseContent
	}
	if c, ok := errors.AsType[*classified](err); ok {
		if c.retry {
			return CauseUnknown
		}
		return CauseConsole
	}
	if ae, ok := errors.AsType[*APIError](err); ok {
		switch {
		case ae.Code == 0 && ae.InvalidUser != "":
			return CauseRecipient
		case isTokenCode(ae.Code) && ae.Op == opGetToken:
			return CauseCredentials
		case isTokenCode(ae.Code):
			return CauseToken // already renewed and resent once
		}
		if c, ok := codeCauses[ae.Code]; ok {
			return c
		}
		return CauseUnknown
	}
	if he, ok := errors.AsType[*HTTPStatusError](err); ok {
		if he.Status == 429 {
			return CauseBusy
		}
		if he.Status >= 500 {
			return CauseUnreachable
		}
		return CauseUnknown
	}
	if _, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		return CauseCertificate
	}
	if _, ok := errors.AsType[*CallError](err); ok {
		return CauseUnreachable
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return CauseUnreachable
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return CauseUnreachable
	}
	return CauseUnknown
}

// causeWords is what is stored and shown for a failure: the cause in plain
// Chinese, with WeCom's errcode for one it does not know (an operator can
// look it up; it carries nothing secret).
func causeWords(c Cause, err error) string {
	w := c.Words()
	if c == CauseUnknown {
		if ae, ok := errors.AsType[*APIError](err); ok {
			w += "（错误码 " + strconv.Itoa(ae.Code) + "）"
		} else if he, ok := errors.AsType[*HTTPStatusError](err); ok {
			w += "（HTTP " + strconv.Itoa(he.Status) + "）"
		}
	}
	return w
}

// refusedCard reports whether WeCom answered a card with an error about
// the message rather than its recipient or the service, so the card is
// replaced by its text: also for a code duban does not know, since WeCom
// did answer and the text is the safer form.
func refusedCard(err error) bool {
	switch CauseOf(err) {
	case CauseContent:
		return true
	case CauseUnknown:
		ae, answered := errors.AsType[*APIError](err)
		return answered && ae.Op == opSend
	}
	return false
}

// unknownCode reports whether WeCom answered a call about a message with
// an errcode duban does not know (gettoken's concern the app, not the
// message, and are retried as long as any other outage).
func unknownCode(err error) bool {
	ae, ok := errors.AsType[*APIError](err)
	return ok && ae.Op != opGetToken && CauseOf(err) == CauseUnknown
}

// finalWords is what is kept for a message that failed for good: the
// cause, and what an administrator can do about it.
func finalWords(c Cause, err error, tried string) string {
	w := causeWords(c, err) + tried
	if a := c.advice(); a != "" && c != CauseBusy {
		w += "。" + a
	}
	return w
}

// invalidUser returns the recipient WeCom refused, if err says so.
func invalidUser(err error, to string) string {
	ae, ok := errors.AsType[*APIError](err)
	if !ok {
		return ""
	}
	switch c := CauseOf(err); {
	case ae.InvalidUser != "":
		return ae.InvalidUser
	case c == CauseRecipient || c == CauseNoSuchUser || c == CauseChat:
		return to
	}
	return ""
}
