package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// wire is the HTTP transport under go-openai: the one place that knows how
// real OpenAI-compatible servers differ on the wire. It merges the
// configured extra fields into every chat request, retries rate limits and
// server errors (honouring Retry-After, bounded by attempts, a cap on one
// wait and the request's deadline), turns tool-call arguments sent as a JSON
// object into the string go-openai expects, and logs replies that are not
// JSON.
type wire struct {
	next http.RoundTripper
	log  *slog.Logger
	// extra is merged into every chat completion request body.
	extra map[string]any
	// retries is how many times one request is repeated after a 429, a
	// 5xx or a network error.
	retries int
	// backoff is the first wait when the server names none; it doubles.
	backoff time.Duration
}

// maxRetryWait caps one wait between attempts: a server asking for longer
// is not waited for, the call fails at once and the caller falls back.
const maxRetryWait = 20 * time.Second

func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	chat := strings.HasSuffix(req.URL.Path, "/chat/completions")
	if chat && len(w.extra) > 0 && req.Body != nil {
		if err := w.mergeExtra(req); err != nil {
			return nil, err
		}
	}
	wait := w.backoff
	for attempt := 0; ; attempt++ {
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("rewind request body: %w", err)
			}
			req.Body = body
		}
		resp, err := w.next.RoundTrip(req)
		retry, after := w.retryable(req.Context(), resp, err)
		rewindable := req.Body == nil || req.GetBody != nil
		if !retry || attempt >= w.retries || !rewindable {
			if err != nil {
				return nil, err
			}
			return w.finish(req, resp, chat)
		}
		if after <= 0 {
			after = wait
			wait *= 2
		}
		if after > maxRetryWait || !fits(req.Context(), after) {
			if err != nil {
				return nil, err
			}
			return w.finish(req, resp, chat)
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		w.log.Info("llm: retrying", "path", req.URL.Path, "status", status, "err", err, "wait", after, "attempt", attempt+1)
		t := time.NewTimer(after)
		select {
		case <-req.Context().Done():
			t.Stop()
			return nil, req.Context().Err()
		case <-t.C:
		}
	}
}

// retryable says whether the attempt may succeed if repeated, and how long
// the server asked to wait (0 when it did not say).
func (w *wire) retryable(ctx context.Context, resp *http.Response, err error) (bool, time.Duration) {
	if err != nil {
		return ctx.Err() == nil, 0
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		if ms, err := strconv.ParseFloat(resp.Header.Get("Retry-After-Ms"), 64); err == nil && ms > 0 { // OpenAI's finer hint
			return true, time.Duration(ms * float64(time.Millisecond))
		}
		return true, retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return false, 0
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// fits reports whether waiting d still leaves the context time for the call.
func fits(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}

// mergeExtra adds the configured fields to a chat request's JSON body; the
// request's own fields stay as they are.
func (w *wire) mergeExtra(req *http.Request) error {
	raw, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return fmt.Errorf("read request body: %w", err)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(raw, &body); err != nil {
		return fmt.Errorf("request body is not a JSON object: %w", err)
	}
	for k, v := range w.extra {
		if _, set := body[k]; set {
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("extra_body.%s: %w", k, err)
		}
		body[k] = b
	}
	merged, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req.Body = io.NopCloser(bytes.NewReader(merged))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(merged)), nil }
	req.ContentLength = int64(len(merged))
	return nil
}

// finish caps the body, logs a reply that is not JSON and normalises a
// chat completion's tool calls.
func (w *wire) finish(req *http.Request, resp *http.Response, chat bool) (*http.Response, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if !looksJSON(body) {
		w.log.Warn("llm: reply is not JSON", "path", req.URL.Path, "status", resp.StatusCode,
			"content_type", resp.Header.Get("Content-Type"), "body", firstBytes(body, 200))
	} else if status, e, ok := baseRespError(body); resp.StatusCode == http.StatusOK && ok {
		// MiniMax answers its errors with 200 and base_resp: make it
		// the error status and OpenAI error body it stands for.
		resp.StatusCode, resp.Status, body = status, strconv.Itoa(status)+" base_resp error", e
	} else if resp.StatusCode == http.StatusOK && errorIn200(body) {
		// Some gateways answer errors with 200: make it the error it is,
		// so its message reaches the log and the caller.
		resp.StatusCode, resp.Status = http.StatusBadGateway, "502 error in a 200 reply"
	} else if chat && resp.StatusCode == http.StatusOK {
		body = normalizeCompletion(body)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// looksJSON reports whether body starts as JSON does, whatever the
// Content-Type says (gateways send HTML error pages as application/json).
func looksJSON(body []byte) bool {
	t := bytes.TrimSpace(body)
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// errorIn200 reports whether a 200 body is an error object and no result.
func errorIn200(body []byte) bool {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Choices json.RawMessage `json:"choices"`
		Data    json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	e := bytes.TrimSpace(v.Error)
	return len(e) > 0 && !bytes.Equal(e, []byte("null")) && v.Choices == nil && v.Data == nil
}

// baseRespError reads MiniMax's base_resp: a status_code other than 0 is
// an error whatever the HTTP status. It returns the HTTP status it stands
// for and an OpenAI error body carrying the code and message.
func baseRespError(body []byte) (int, []byte, bool) {
	var v struct {
		BaseResp *struct {
			StatusCode int    `json:"status_code"`
			StatusMsg  string `json:"status_msg"`
		} `json:"base_resp"`
	}
	if json.Unmarshal(body, &v) != nil || v.BaseResp == nil || v.BaseResp.StatusCode == 0 {
		return 0, nil, false
	}
	status := http.StatusBadGateway
	switch v.BaseResp.StatusCode {
	case 1002, 1039: // rate limit, tokens per minute
		status = http.StatusTooManyRequests
	case 1004, 2049: // authentication failed, invalid key
		status = http.StatusUnauthorized
	case 1008: // insufficient balance
		status = http.StatusPaymentRequired
	case 1026, 1027, 2013: // sensitive input, sensitive output, invalid parameters
		status = http.StatusBadRequest
	}
	code := strconv.Itoa(v.BaseResp.StatusCode)
	e, _ := json.Marshal(map[string]any{"error": map[string]any{"message": v.BaseResp.StatusMsg, "type": "base_resp", "code": code}})
	return status, e, true
}

// firstBytes keeps the start of a body printable for a log line.
func firstBytes(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return strings.ToValidUTF8(string(b), "?")
}

// normalizeCompletion rewrites tool-call arguments sent as a JSON object
// (Ollama, some vLLM parsers) as the JSON string the OpenAI format has, so
// the response decodes. Anything else is returned unchanged.
func normalizeCompletion(body []byte) []byte {
	if !bytes.Contains(body, []byte(`"arguments"`)) {
		return body
	}
	var resp map[string]json.RawMessage
	if json.Unmarshal(body, &resp) != nil {
		return body
	}
	var choices []map[string]json.RawMessage
	if json.Unmarshal(resp["choices"], &choices) != nil {
		return body
	}
	changed := false
	for _, ch := range choices {
		var msg map[string]json.RawMessage
		if json.Unmarshal(ch["message"], &msg) != nil {
			continue
		}
		msgChanged := false
		var calls []map[string]json.RawMessage
		if json.Unmarshal(msg["tool_calls"], &calls) == nil {
			for _, call := range calls {
				if fn, ok := stringifyArguments(call["function"]); ok {
					call["function"], msgChanged = fn, true
				}
			}
			if msgChanged {
				msg["tool_calls"], _ = json.Marshal(calls)
			}
		}
		if fn, ok := stringifyArguments(msg["function_call"]); ok {
			msg["function_call"], msgChanged = fn, true
		}
		if msgChanged {
			ch["message"], _ = json.Marshal(msg)
			changed = true
		}
	}
	if !changed {
		return body
	}
	resp["choices"], _ = json.Marshal(choices)
	out, err := json.Marshal(resp)
	if err != nil {
		return body
	}
	return out
}

// stringifyArguments returns fn with an object "arguments" as its JSON text,
// and whether it changed anything.
func stringifyArguments(fn json.RawMessage) (json.RawMessage, bool) {
	var f map[string]json.RawMessage
	if json.Unmarshal(fn, &f) != nil {
		return fn, false
	}
	args := bytes.TrimSpace(f["arguments"])
	if len(args) == 0 || args[0] == '"' {
		return fn, false
	}
	s, _ := json.Marshal(string(args))
	f["arguments"] = s
	out, err := json.Marshal(f)
	if err != nil {
		return fn, false
	}
	return out, true
}
