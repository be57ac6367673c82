package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// DefaultAPIBase is WeCom's public API host.
const DefaultAPIBase = "https://qyapi.weixin.qq.com"

// API operations, as they appear in errors and logs.
const (
	opGetToken   = "gettoken"
	opSend       = "message/send"
	opUpdateCard = "message/update_template_card"
	opChatSend   = "appchat/send"
	opChatCreate = "appchat/create"
)

// tokenMargin renews a token this long before WeCom says it expires, so a
// message is never sent with a token that dies in flight.
const tokenMargin = 5 * time.Minute

// ClientConfig configures a WeComClient.
type ClientConfig struct {
	APIBase string // default DefaultAPIBase; a private deployment or a test server
	CorpID  string
	AgentID int
	Secret  string // the app's Secret
	// HTTPClient must have timeouts; nil means one with a 10 s overall limit.
	HTTPClient *http.Client
	Now        func() time.Time // nil means time.Now
	Logger     *slog.Logger
	// TokenMinBackoff and TokenMaxBackoff bound the wait after a failed
	// gettoken before the next (defaults 2 s and 15 s): while it lasts,
	// every call fails at once with the same error instead of asking again.
	// The ceiling is half the sender's probe interval, so a probe after an outage
	// does ask WeCom.
	TokenMinBackoff, TokenMaxBackoff time.Duration
}

// WeComClient calls WeCom's message API for one self-built app. It is a
// Deliverer. The access_token is cached in memory and in the store (so it
// survives restarts), refreshed by one caller at a time, and renewed and the
// call resent once when WeCom rejects it.
type WeComClient struct {
	base    string
	corpID  string
	agentID int
	secret  string
	http    *http.Client
	now     func() time.Time
	log     *slog.Logger
	st      *store.Store // nil: memory only
	name    string       // token cache key

	mu  sync.Mutex // guards tok
	tok store.AccessToken

	refresh   chan struct{} // one token refresh at a time; a context-aware mutex
	uploading chan struct{} // one file upload at a time (files.go)

	// The last gettoken failures, guarded by refresh.
	tokenMin, tokenMax time.Duration
	tokenFails         int
	tokenErr           error
	tokenRetryAt       time.Time
}

// NewWeComClient returns a client; st (may be nil) caches the token.
func NewWeComClient(cfg ClientConfig, st *store.Store) (*WeComClient, error) {
	if cfg.CorpID == "" || cfg.Secret == "" || cfg.AgentID == 0 {
		return nil, errors.New("wecom client: corp id, agent id and secret are required")
	}
	base := strings.TrimRight(cfg.APIBase, "/")
	if base == "" {
		base = DefaultAPIBase
	}
	if _, err := url.Parse(base); err != nil {
		return nil, fmt.Errorf("wecom client: api base %q: %w", cfg.APIBase, err)
	}
	c := &WeComClient{
		base: base, corpID: cfg.CorpID, agentID: cfg.AgentID, secret: cfg.Secret,
		http: cfg.HTTPClient, now: cfg.Now, log: cfg.Logger, st: st,
		name:    cfg.CorpID + "/" + strconv.Itoa(cfg.AgentID),
		refresh: make(chan struct{}, 1), uploading: make(chan struct{}, 1),
		tokenMin: cfg.TokenMinBackoff, tokenMax: cfg.TokenMaxBackoff,
	}
	if c.tokenMin <= 0 {
		c.tokenMin = 2 * time.Second
	}
	if c.tokenMax < c.tokenMin {
		c.tokenMax = max(15*time.Second, c.tokenMin)
	}
	if c.http == nil {
		c.http = NewHTTPClient(10 * time.Second)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c, nil
}

// NewHTTPClient returns an HTTP client whose every phase is bounded.
func NewHTTPClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 5 * time.Second
	t.ResponseHeaderTimeout = timeout
	t.MaxIdleConnsPerHost = 8
	return &http.Client{Timeout: timeout, Transport: t}
}

// Deliver sends one part prepared by the Sender: a file, a card update, a
// template_card, or a text of at most 2048 bytes.
func (c *WeComClient) Deliver(ctx context.Context, m duban.Outgoing) error {
	if m.File != nil {
		return c.deliverFile(ctx, m)
	}
	if chatID, ok := m.ChatID(); ok {
		return c.SendToChat(ctx, chatID, m.Text)
	}
	switch {
	case m.CardUpdate != nil:
		return c.UpdateTemplateCard(ctx, []string{m.To}, m.CardUpdate.ResponseCode, m.CardUpdate.Note)
	case m.Card != nil:
		_, err := c.Send(ctx, NewButtonCard(m.To, *m.Card))
		return err
	default:
		_, err := c.Send(ctx, NewText(m.To, m.Text))
		return err
	}
}

// SendResult is WeCom's answer to message/send.
type SendResult struct {
	ErrCode      int    `json:"errcode"`
	ErrMsg       string `json:"errmsg"`
	InvalidUser  string `json:"invaliduser"`
	InvalidParty string `json:"invalidparty"`
	InvalidTag   string `json:"invalidtag"`
	MsgID        string `json:"msgid"`
	ResponseCode string `json:"response_code"`
}

// Send posts msg to /cgi-bin/message/send with the app's agentid. A success
// answer naming an invalid user is returned as an *APIError with Code 0.
func (c *WeComClient) Send(ctx context.Context, msg Sendable) (SendResult, error) {
	h := msg.header()
	h.AgentID = c.agentID
	var res SendResult
	if err := c.post(ctx, opSend, "/cgi-bin/message/send", msg, &res); err != nil {
		return res, err
	}
	if res.InvalidUser != "" {
		return res, &APIError{Op: opSend, Code: 0, Msg: res.ErrMsg, InvalidUser: res.InvalidUser}
	}
	return res, nil
}

// SendToChat posts text to a group chat the app created
// (/cgi-bin/appchat/send). Cards cannot go to such chats; text can.
func (c *WeComClient) SendToChat(ctx context.Context, chatID, text string) error {
	body := map[string]any{"chatid": chatID, "msgtype": "text", "text": map[string]string{"content": text}, "safe": 0}
	var res SendResult
	return c.post(ctx, opChatSend, "/cgi-bin/appchat/send", body, &res)
}

// CreateChat creates a group chat owned by the app (/cgi-bin/appchat/create)
// with the given members (at least two), and returns its chatid. Only chats
// the app created can receive its messages.
func (c *WeComClient) CreateChat(ctx context.Context, name, owner string, members []string) (string, error) {
	body := map[string]any{"name": name, "owner": owner, "userlist": members}
	var res struct {
		SendResult
		ChatID string `json:"chatid"`
	}
	if err := c.post(ctx, opChatCreate, "/cgi-bin/appchat/create", body, &res); err != nil {
		return "", err
	}
	return res.ChatID, nil
}

// UpdateTemplateCard replaces the buttons of the card a click answered
// (identified by its response_code) with note, for userids.
func (c *WeComClient) UpdateTemplateCard(ctx context.Context, userIDs []string, responseCode, note string) error {
	body := struct {
		UserIDs      []string `json:"userids"`
		AgentID      int      `json:"agentid"`
		ResponseCode string   `json:"response_code"`
		Button       struct {
			ReplaceName string `json:"replace_name"`
		} `json:"button"`
	}{UserIDs: userIDs, AgentID: c.agentID, ResponseCode: responseCode}
	body.Button.ReplaceName = note
	var res SendResult
	if err := c.post(ctx, opUpdateCard, "/cgi-bin/message/update_template_card", body, &res); err != nil {
		return err
	}
	if res.InvalidUser != "" {
		return &APIError{Op: opUpdateCard, Msg: res.ErrMsg, InvalidUser: res.InvalidUser}
	}
	return nil
}

// apiResult is the common head of every WeCom answer.
type apiResult interface{ code() (int, string) }

func (r *SendResult) code() (int, string) { return r.ErrCode, r.ErrMsg }

type tokenResult struct {
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

func (r *tokenResult) code() (int, string) { return r.ErrCode, r.ErrMsg }

// post calls path with the access token, renewing it and resending once if
// WeCom says it is invalid or expired.
func (c *WeComClient) post(ctx context.Context, op, path string, body any, out apiResult) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("wecom %s: encode: %w", op, err)
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.Token(ctx)
		if err != nil {
			return err
		}
		req, err := c.request(ctx, http.MethodPost, path, url.Values{"access_token": {tok}}, bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("wecom %s: %w", op, err)
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		err = c.do(op, path, req, out)
		if ae, ok := errors.AsType[*APIError](err); ok && isTokenCode(ae.Code) && attempt == 0 {
			c.log.Info("wecom access token refused; renewing and resending", "op", op, "errcode", ae.Code)
			c.invalidate(ctx, tok)
			continue
		}
		return err
	}
}

// request builds a request for path with query q. The URL is parsed
// without the query, so no error about it can carry the secret or token.
func (c *WeComClient) request(ctx context.Context, method, path string, q url.Values, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("build request for %s: %w", path, err)
	}
	req.URL.RawQuery = q.Encode()
	return req, nil
}

// do sends req and decodes the answer into out; errcode != 0 is an
// *APIError, no answer a *CallError naming path only.
func (c *WeComClient) do(op, path string, req *http.Request, out apiResult) error {
	resp, err := c.http.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // *url.Error repeats the URL, query and all
		}
		return &CallError{Op: op, Path: path, Err: c.scrub(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return &HTTPStatusError{Op: op, Status: resp.StatusCode}
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
		return &CallError{Op: op, Path: path, Err: fmt.Errorf("decode answer: %w", c.scrub(err))}
	}
	if code, msg := out.code(); code != 0 {
		return &APIError{Op: op, Code: code, Msg: msg}
	}
	return nil
}

// Token returns a valid access_token: from memory, else from the store,
// else from /cgi-bin/gettoken. Concurrent callers share one refresh.
func (c *WeComClient) Token(ctx context.Context) (string, error) {
	if t, ok := c.cached(); ok {
		return t, nil
	}
	select {
	case c.refresh <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("wecom %s: %w", opGetToken, ctx.Err())
	}
	defer func() { <-c.refresh }()
	if t, ok := c.cached(); ok { // renewed while we waited
		return t, nil
	}
	if c.st != nil {
		if at, err := c.st.AccessToken(ctx, c.name); err == nil && c.usable(at) {
			c.set(at)
			return at.Token, nil
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			c.log.Warn("cached wecom access token unreadable; fetching a new one", "err", err)
		}
	}
	if now := c.now(); now.Before(c.tokenRetryAt) {
		return "", fmt.Errorf("%w (not asking again before %s)", c.tokenErr, c.tokenRetryAt.Format(time.TimeOnly))
	}
	at, err := c.fetchToken(ctx)
	if err != nil {
		if ctx.Err() == nil { // a caller giving up is not WeCom failing
			c.tokenFails++
			c.tokenErr = err
			c.tokenRetryAt = c.now().Add(min(c.tokenMin<<min(c.tokenFails-1, 20), c.tokenMax))
		}
		return "", err
	}
	c.tokenFails, c.tokenErr, c.tokenRetryAt = 0, nil, time.Time{}
	c.set(at)
	if c.st != nil {
		if err := c.st.SaveAccessToken(ctx, c.name, at); err != nil {
			c.log.Warn("wecom access token not cached in the store", "err", err)
		}
	}
	return at.Token, nil
}

func (c *WeComClient) fetchToken(ctx context.Context) (store.AccessToken, error) {
	const path = "/cgi-bin/gettoken"
	req, err := c.request(ctx, http.MethodGet, path, url.Values{"corpid": {c.corpID}, "corpsecret": {c.secret}}, nil)
	if err != nil {
		return store.AccessToken{}, fmt.Errorf("wecom %s: %w", opGetToken, err)
	}
	var res tokenResult
	if err := c.do(opGetToken, path, req, &res); err != nil {
		return store.AccessToken{}, err
	}
	if res.AccessToken == "" || res.ExpiresIn <= 0 {
		return store.AccessToken{}, fmt.Errorf("wecom %s: answer without token or expiry", opGetToken)
	}
	return store.AccessToken{
		Token:   res.AccessToken,
		Expires: c.now().Add(time.Duration(res.ExpiresIn) * time.Second),
	}, nil
}

func (c *WeComClient) usable(at store.AccessToken) bool {
	return at.Token != "" && c.now().Add(tokenMargin).Before(at.Expires)
}

func (c *WeComClient) cached() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tok.Token, c.usable(c.tok)
}

func (c *WeComClient) set(at store.AccessToken) {
	c.mu.Lock()
	c.tok = at
	c.mu.Unlock()
}

// invalidate forgets tok, unless another caller already replaced it.
func (c *WeComClient) invalidate(ctx context.Context, tok string) {
	c.mu.Lock()
	if c.tok.Token == tok {
		c.tok = store.AccessToken{}
	}
	c.mu.Unlock()
	if c.st != nil {
		if err := c.st.DeleteAccessToken(ctx, c.name, tok); err != nil {
			c.log.Warn("stale wecom access token not removed from the store", "err", err)
		}
	}
}

// scrub returns err unchanged unless its text holds the secret or the
// current access token (a transport error quoting what it was sent, a
// redirect's Location): then an error with them replaced by "***".
func (c *WeComClient) scrub(err error) error {
	msg := err.Error()
	c.mu.Lock()
	tok := c.tok.Token
	c.mu.Unlock()
	clean := msg
	for _, s := range []string{c.secret, url.QueryEscape(c.secret), tok} {
		if s != "" {
			clean = strings.ReplaceAll(clean, s, "***")
		}
	}
	if clean == msg {
		return err
	}
	return &scrubbed{msg: clean, err: err}
}

// scrubbed is an error whose text had a secret removed; it still unwraps
// to the original, so it is classified the same (a timeout stays one).
type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }
