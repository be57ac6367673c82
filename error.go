package duban

import (
	"errors"
	"fmt"
)

// Error codes. A coded error carries a message meant for the person in chat;
// anything uncoded is an internal error, logged and shown as "内部错误".
const (
	EINVALID   = "invalid"   // the input is malformed or incomplete
	ENOTFOUND  = "not_found" // no such task, unit or person
	EFORBIDDEN = "forbidden" // the sender's post does not allow it
	ECONFLICT  = "conflict"  // not allowed in the task's current state
	ESTALE     = "stale"     // a card acted on a request or report no longer pending
	EINTERNAL  = "internal"
)

// Error is a domain error with a code and a user-facing message.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns a coded error whose message is shown to users as is.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, or EINTERNAL when err carries none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; uncoded errors are
// hidden behind a generic message so internals never reach a chat.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	if err == nil {
		return ""
	}
	return "内部错误，请稍后再试或联系编办。"
}
