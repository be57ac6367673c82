package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/duban-org/duban"
)

// Inbox is where accepted callbacks go; *store.Store implements it.
type Inbox interface {
	// Enqueue stores in unless a delivery with the same Key was accepted
	// within dedupeTTL; fresh is false for such a duplicate.
	Enqueue(ctx context.Context, in duban.Inbound, dedupeTTL time.Duration) (fresh bool, err error)
}

// CallbackConfig configures a Callback.
type CallbackConfig struct {
	Token          string // the app's callback Token
	EncodingAESKey string // 43 characters
	CorpID         string // checked against the receiver id inside every message
	// TimestampWindow refuses callbacks whose timestamp is further than this
	// from Now. Zero means DefaultTimestampWindow, so a forgotten setting is
	// safe; the config's "0s" maps to DisableTimestampCheck.
	TimestampWindow time.Duration
	// DisableTimestampCheck turns the stale-timestamp check off (as does a
	// negative TimestampWindow).
	DisableTimestampCheck bool
	// MaxBodyBytes caps a POST body; zero means 64 KiB.
	MaxBodyBytes int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultTimestampWindow = 5 * time.Minute
	DefaultMaxBodyBytes    = 64 << 10
	// minDedupeTTL keeps dedupe records past WeCom's three retries even when
	// the timestamp check is short.
	minDedupeTTL = 10 * time.Minute
	// dedupeTTLWithoutWindow is used when replays are not refused by time.
	dedupeTTLWithoutWindow = 24 * time.Hour
)

// Callback is the http.Handler for the app's callback URL: GET answers
// WeCom's URL verification, POST accepts messages and events.
type Callback struct {
	crypt     *crypter
	window    time.Duration // 0: no check
	dedupeTTL time.Duration
	maxBody   int64
	now       func() time.Time
	inbox     Inbox
	log       *slog.Logger
	logLimit  *throttle

	clockMu  sync.Mutex
	clockOff time.Duration // see ClockOff
	clockAt  time.Time     // zero: none since the last accepted callback
}

// ClockOff reports by how much the server clock was off the timestamp of
// the last genuine callback (its signature good) refused as stale, and
// when, while no callback has been accepted since: WeCom retries such a
// callback three times and then drops it, so its sender gets no answer.
// A positive off means the server clock is ahead.
func (cb *Callback) ClockOff() (off time.Duration, at time.Time, ok bool) {
	cb.clockMu.Lock()
	defer cb.clockMu.Unlock()
	return cb.clockOff, cb.clockAt, !cb.clockAt.IsZero()
}

func (cb *Callback) noteClock(err error) {
	cb.clockMu.Lock()
	defer cb.clockMu.Unlock()
	if se, ok := errors.AsType[*staleError](err); ok {
		cb.clockOff, cb.clockAt = se.behind, cb.now()
	} else if err == nil {
		cb.clockOff, cb.clockAt = 0, time.Time{}
	}
}

// NewCallback returns the callback handler storing into inbox.
func NewCallback(cfg CallbackConfig, inbox Inbox) (*Callback, error) {
	c, err := newCrypter(cfg.Token, cfg.EncodingAESKey, cfg.CorpID)
	if err != nil {
		return nil, err
	}
	if inbox == nil {
		return nil, errors.New("wecom callback: no inbox")
	}
	cb := &Callback{
		crypt:   c,
		window:  cfg.TimestampWindow,
		maxBody: cfg.MaxBodyBytes,
		now:     cfg.Now,
		inbox:   inbox,
		log:     cfg.Logger,
	}
	switch {
	case cfg.DisableTimestampCheck || cb.window < 0:
		cb.window = 0
	case cb.window == 0:
		cb.window = DefaultTimestampWindow
	}
	// A replay inside the window must still meet its dedupe record: keep it
	// for the window on either side of the timestamp, and never less than
	// WeCom's retries need.
	cb.dedupeTTL = max(2*cb.window, minDedupeTTL)
	if cb.window == 0 {
		cb.dedupeTTL = dedupeTTLWithoutWindow
	}
	if cb.maxBody <= 0 {
		cb.maxBody = DefaultMaxBodyBytes
	}
	if cb.now == nil {
		cb.now = time.Now
	}
	if cb.log == nil {
		cb.log = slog.Default()
	}
	cb.logLimit = newThrottle(time.Minute, time.Now)
	return cb, nil
}

// ServeHTTP implements http.Handler.
func (cb *Callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		cb.verifyURL(w, r)
	case http.MethodPost:
		cb.accept(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// verifyURL answers WeCom's URL verification with the bare decrypted echostr.
func (cb *Callback) verifyURL(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	echo := q.Get("echostr")
	if echo == "" {
		cb.refuse(w, r, errMalformed)
		return
	}
	if err := cb.check(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), echo); err != nil {
		cb.refuse(w, r, err)
		return
	}
	plain, err := cb.crypt.decrypt(echo)
	if err != nil {
		cb.refuse(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(plain)
}

// accept verifies, decrypts, deduplicates and stores one callback, then
// answers 200 with an empty body; the reply goes out later via the outbox.
func (cb *Callback) accept(w http.ResponseWriter, r *http.Request) {
	in, err := cb.open(w, r)
	cb.noteClock(err)
	var ign errIgnored
	switch {
	case errors.As(err, &ign):
		cb.log.Info("wecom callback ignored", "what", ign.what)
		w.WriteHeader(http.StatusOK)
		return
	case err != nil:
		cb.refuse(w, r, err)
		return
	}
	fresh, err := cb.inbox.Enqueue(r.Context(), in, cb.dedupeTTL)
	if err != nil {
		// No 200: WeCom will retry, and nothing was stored.
		http.Error(w, "internal error", http.StatusInternalServerError)
		if ok, n := cb.logLimit.allow("not stored"); ok {
			cb.log.Error("wecom callback not stored", "key", in.Key, "err", err, "like_this_not_logged", n)
		}
		return
	}
	if !fresh {
		cb.log.Debug("wecom callback duplicate", "key", in.Key)
	}
	w.WriteHeader(http.StatusOK)
}

// open reads, verifies and decrypts a POSTed callback.
func (cb *Callback) open(w http.ResponseWriter, r *http.Request) (duban.Inbound, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, cb.maxBody))
	if err != nil {
		return duban.Inbound{}, err
	}
	env, err := parseEnvelope(body)
	if err != nil {
		return duban.Inbound{}, err
	}
	q := r.URL.Query()
	if err := cb.check(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), env.Encrypt); err != nil {
		return duban.Inbound{}, err
	}
	if env.ToUserName != "" && env.ToUserName != cb.crypt.corpID {
		return duban.Inbound{}, errDecrypt
	}
	plain, err := cb.crypt.decrypt(env.Encrypt)
	if err != nil {
		return duban.Inbound{}, err
	}
	m, err := parseMessage(plain)
	if err != nil {
		return duban.Inbound{}, err
	}
	return m.inbound()
}

// check verifies the signature, then the timestamp's freshness.
func (cb *Callback) check(signature, timestamp, nonce, encrypted string) error {
	if err := cb.crypt.verify(signature, timestamp, nonce, encrypted); err != nil {
		return err
	}
	if cb.window == 0 {
		return nil
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errStale
	}
	if d := cb.now().Sub(time.Unix(sec, 0)); d > cb.window || d < -cb.window {
		return &staleError{behind: d}
	}
	return nil
}

// staleError is errStale saying by how much the callback's timestamp was
// off the server's clock.
type staleError struct {
	behind time.Duration // server clock minus the timestamp; negative: ahead
}

func (e *staleError) Error() string {
	if e.behind < 0 {
		return fmt.Sprintf("%v: %s ahead of the server clock", errStale, (-e.behind).Round(time.Second))
	}
	return fmt.Sprintf("%v: %s behind the server clock", errStale, e.behind.Round(time.Second))
}

func (e *staleError) Is(target error) bool { return target == errStale }

// refuse answers a bad callback with a 4xx and logs why.
func (cb *Callback) refuse(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusBadRequest
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		status = http.StatusRequestEntityTooLarge
	case errors.Is(err, errBadSignature), errors.Is(err, errStale), errors.Is(err, errDecrypt):
		status = http.StatusForbidden
	}
	http.Error(w, http.StatusText(status), status)
	// A flood (a slow-body client, a replayer, a wrong Token) writes a
	// line a minute per kind, with the count of those left out.
	kind := refusalKind(err)
	ok, suppressed := cb.logLimit.allow(strconv.Itoa(status) + " " + kind)
	if !ok {
		return
	}
	attrs := []any{"method", r.Method, "remote", r.RemoteAddr, "status", status, "why", kind, "err", err}
	if se, ok := errors.AsType[*staleError](err); ok {
		attrs = append(attrs, "clock_off", se.behind.Round(time.Second).String())
	}
	if suppressed > 0 {
		attrs = append(attrs, "like_this_not_logged", suppressed)
	}
	cb.log.Warn("wecom callback refused", attrs...)
}

// refusalKind names why a callback was refused, for the log and its limit.
func refusalKind(err error) string {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return "body too large"
	case errors.Is(err, errStale):
		return "stale timestamp"
	case errors.Is(err, errBadSignature):
		return "bad signature"
	case errors.Is(err, errDecrypt):
		return "cannot decrypt"
	case errors.Is(err, errMalformed):
		return "malformed"
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return "slow or broken client"
	}
	return "unreadable body"
}
