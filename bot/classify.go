package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
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

// WeCom error codes duban treats specially.
const (
	codeSystemBusy        = -1
	codeInvalidCredential = 40001 // bad secret, or a token WeCom no longer accepts
	codeInvalidUserID     = 40003
	codeInvalidCorpID     = 40013
	codeInvalidToken      = 40014
	codeTokenExpired      = 42001
	codeFreqLimit         = 45009
	codeConcurrencyLimit  = 45033
	codeNoPrivilege       = 60011
	codeUntrustedIP       = 60020
	codeUserNotInScope    = 81013 // invalid user, or not in the app's visible range
)

// isTokenCode reports whether code asks for a new access_token.
func isTokenCode(code int) bool {
	return code == codeInvalidCredential || code == codeInvalidToken || code == codeTokenExpired
}

// Permanent marks err as not worth retrying; a Deliverer other than WeCom
// (the console) uses it to classify its own errors.
func Permanent(err error) error { return &classified{err: err, retry: false} }

// Temporary marks err as worth retrying later.
func Temporary(err error) error { return &classified{err: err, retry: true} }

// Retryable reports whether a delivery that failed with err will be tried
// again, by the same rule the sender follows.
func Retryable(err error) bool {
	retry, _ := classify(err)
	return retry
}

type classified struct {
	err   error
	retry bool
}

func (c *classified) Error() string { return c.err.Error() }
func (c *classified) Unwrap() error { return c.err }

// classify decides, in one place, whether a failed delivery is retried
// (with backoff) or recorded as failed, and returns the error with a plain
// explanation where an operator must act.
func classify(err error) (retry bool, _ error) {
	if err == nil {
		return false, nil
	}
	if c, ok := errors.AsType[*classified](err); ok {
		return c.retry, err
	}
	if ae, ok := errors.AsType[*APIError](err); ok {
		switch {
		case ae.Code == 0 && ae.InvalidUser != "":
			return false, fmt.Errorf("%w (the recipient is not a member visible to the app)", err)
		case ae.Code == codeSystemBusy, ae.Code == codeFreqLimit, ae.Code == codeConcurrencyLimit:
			return true, err
		case ae.Code == codeUntrustedIP:
			return false, fmt.Errorf("%w: this server's public IP is not on the app's trusted IP list; add it in the WeCom admin console (应用管理 → the app → 企业可信IP)", err)
		case ae.Op == opGetToken && (ae.Code == codeInvalidCredential || ae.Code == codeInvalidCorpID):
			return false, fmt.Errorf("%w: check [wecom] corp_id and secret", err)
		case isTokenCode(ae.Code):
			// Already refreshed and resent once; try again later.
			return true, err
		case ae.Code == codeUserNotInScope, ae.Code == codeInvalidUserID:
			return false, fmt.Errorf("%w (the recipient is not a member visible to the app)", err)
		case ae.Code == codeNoPrivilege:
			return false, fmt.Errorf("%w: the app may not message this member; widen the app's visible range", err)
		}
		return false, err
	}
	if he, ok := errors.AsType[*HTTPStatusError](err); ok {
		return he.Status >= 500 || he.Status == 429, err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true, err
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true, err
	}
	if _, ok := errors.AsType[*url.Error](err); ok {
		return true, err
	}
	// Unknown: retry, bounded by the sender's MaxAge.
	return true, err
}

// refusedContent reports whether a permanent error is about the message
// rather than its recipient or our credentials, so a card may be replaced
// by its text.
func refusedContent(err error) bool {
	ae, ok := errors.AsType[*APIError](err)
	if !ok {
		return true
	}
	switch ae.Code {
	case 0, codeUntrustedIP, codeUserNotInScope, codeInvalidUserID, codeNoPrivilege,
		codeInvalidCredential, codeInvalidCorpID, codeInvalidToken, codeTokenExpired:
		return false
	}
	return true
}

// invalidUser returns the recipient WeCom refused, if err says so.
func invalidUser(err error, to string) string {
	ae, ok := errors.AsType[*APIError](err)
	if !ok {
		return ""
	}
	switch {
	case ae.InvalidUser != "":
		return ae.InvalidUser
	case ae.Code == codeUserNotInScope || ae.Code == codeInvalidUserID:
		return to
	}
	return ""
}
