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

// WeCom error codes duban treats specially. The recipient codes are the
// only API answers that make a message fail for good: they name someone
// WeCom will never deliver to. Content codes refuse the message itself.
// Everything else — outages, limits, the trusted-IP list, credentials,
// codes not listed here — is retried until the sender's MaxAge.
const (
	codeSystemBusy        = -1
	codeInvalidCredential = 40001 // bad secret, or a token WeCom no longer accepts
	codeInvalidUserID     = 40003
	codeInvalidMediaType  = 40004
	codeInvalidFileType   = 40005
	codeInvalidFileSize   = 40006
	codeInvalidMediaID    = 40007
	codeInvalidMsgType    = 40008
	codeInvalidCorpID     = 40013
	codeInvalidToken      = 40014
	codeInvalidUserList   = 40031
	codeBadCharacters     = 40033
	codeInvalidAgentID    = 40056
	codeInvalidParameter  = 40058
	codeTokenExpired      = 42001
	codeEmptyContent      = 44004
	codeContentTooLong    = 45002
	codeFreqLimit         = 45009
	codeConcurrencyLimit  = 45033
	codeNoSuchMember      = 46004
	codeNoPrivilege       = 60011 // the member is outside the app's visible range
	codeUntrustedIP       = 60020
	codeUserIDNotFound    = 60111
	codeUserNotInScope    = 81013 // invalid user, or not in the app's visible range
	codeChatNotFound      = 86003
)

// isTokenCode reports whether code asks for a new access_token.
func isTokenCode(code int) bool {
	return code == codeInvalidCredential || code == codeInvalidToken || code == codeTokenExpired
}

// Cause is why a delivery failed, in a word fit for a metric label; its
// Words say it in plain Chinese for the people who read 记录.
type Cause string

// Causes of failed deliveries.
const (
	CauseUnreachable Cause = "unreachable"  // no answer: network, DNS, timeout, HTTP 5xx
	CauseCertificate Cause = "certificate"  // WeCom's HTTPS certificate not trusted here
	CauseBusy        Cause = "busy"         // -1, 45009, 45033, HTTP 429
	CauseUntrustedIP Cause = "untrusted_ip" // 60020
	CauseCredentials Cause = "credentials"  // corp id, secret or agent id refused
	CauseToken       Cause = "token"        // the access token refused even after renewal
	CauseRecipient   Cause = "recipient"    // not a member, or outside the visible range: final
	CauseNoSuchUser  Cause = "no_such_user" // the userid does not exist: final
	CauseContent     Cause = "content"      // the message itself refused: final
	CauseUnknown     Cause = "unknown"      // anything else: retried
	CauseConsole     Cause = "console"      // the console could not show it
)

// Final reports whether a failure of this cause can never succeed later.
func (c Cause) Final() bool {
	return c == CauseRecipient || c == CauseNoSuchUser || c == CauseContent || c == CauseConsole
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
	case CauseToken:
		return "企业微信不接受本应用的访问凭证"
	case CauseRecipient:
		return "该账号不在应用可见范围内"
	case CauseNoSuchUser:
		return "企业微信中没有该账号"
	case CauseContent:
		return "企业微信拒收该消息的内容"
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
		return "check [wecom] corp_id, agent_id and secret"
	case CauseRecipient:
		return "the recipient is not a member visible to the app; widen the app's visible range"
	case CauseNoSuchUser:
		return "the userid does not exist in WeCom; correct it in the task list's people"
	case CauseUnreachable:
		return "WeCom does not answer; check the network and DNS"
	case CauseCertificate:
		return "install the system's CA certificates (package ca-certificates), or add the CA of the TLS-inspecting proxy to them; SSL_CERT_FILE or SSL_CERT_DIR point duban at another bundle"
	}
	return ""
}

// advice tells a person what to do about c, in plain Chinese, or "".
func (c Cause) advice() string {
	switch c {
	case CauseUntrustedIP:
		return "请在企业微信管理后台「应用管理 → 本应用 → 企业可信IP」中加入本服务器的公网IP"
	case CauseCredentials:
		return "请核对配置中的 [wecom] corp_id、agent_id 和 secret"
	case CauseRecipient:
		return "请在企业微信管理后台扩大本应用的可见范围"
	case CauseNoSuchUser:
		return "请核对账号是否与企业微信通讯录一致"
	case CauseUnreachable:
		return "请检查本机的网络、DNS 和 [wecom] api_base"
	case CauseCertificate:
		return "请安装系统根证书（ca-certificates 软件包），经代理上网时将代理的根证书加入系统信任"
	case CauseBusy, CauseToken:
		return "请稍后再试"
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
		switch ae.Code {
		case 0:
			if ae.InvalidUser != "" {
				return CauseRecipient
			}
		case codeSystemBusy, codeFreqLimit, codeConcurrencyLimit:
			return CauseBusy
		case codeUntrustedIP:
			return CauseUntrustedIP
		case codeInvalidCorpID, codeInvalidAgentID:
			return CauseCredentials
		case codeInvalidCredential, codeInvalidToken, codeTokenExpired:
			if ae.Op == opGetToken {
				return CauseCredentials
			}
			return CauseToken // already renewed and resent once
		case codeUserNotInScope, codeNoPrivilege, codeInvalidUserList, codeChatNotFound:
			return CauseRecipient
		case codeInvalidUserID, codeUserIDNotFound, codeNoSuchMember:
			return CauseNoSuchUser
		case codeInvalidMsgType, codeInvalidParameter, codeBadCharacters, codeEmptyContent, codeContentTooLong,
			codeInvalidMediaType, codeInvalidFileType, codeInvalidFileSize, codeInvalidMediaID:
			return CauseContent
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

// invalidUser returns the recipient WeCom refused, if err says so.
func invalidUser(err error, to string) string {
	ae, ok := errors.AsType[*APIError](err)
	if !ok {
		return ""
	}
	switch c := CauseOf(err); {
	case ae.InvalidUser != "":
		return ae.InvalidUser
	case c == CauseRecipient || c == CauseNoSuchUser:
		return to
	}
	return ""
}
