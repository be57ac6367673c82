package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// Refusals a caller tells apart with errors.Is, beside those in llm.go.
var (
	// ErrRefused means the provider refused this one request for what it
	// holds, not for its own state: ErrModerated or ErrTooLong. Another
	// message may pass, so it does not count against the endpoint's
	// health; the caller falls back as for any failure.
	ErrRefused = errors.New("llm: the provider refused this request")
	// ErrModerated: the provider's content moderation stopped the message
	// or the answer (DashScope data_inspection_failed, Zhipu 1301, Ark
	// SensitiveContentDetected, Moonshot's high risk, MiniMax 1026/1027,
	// finish_reason content_filter or sensitive).
	ErrModerated = errors.New("llm: stopped by the provider's content moderation")
	// ErrTooLong: the request exceeds the model's context.
	ErrTooLong = errors.New("llm: request longer than the model's context")
	// ErrQuota (HTTP 402, or a balance or quota message) is a kind of
	// ErrUnavailable: the account must be topped up.
	ErrQuota = errors.New("llm: account balance or quota exhausted")
)

// Codes and words the providers use for each refusal, in their error
// bodies' code, type and message.
var (
	moderatedCodes = map[string]bool{"data_inspection_failed": true, "DataInspectionFailed": true, "1301": true,
		"content_filter": true, "content_policy_violation": true, "1026": true, "1027": true}
	moderatedWords = regexp.MustCompile(`(?i)DataInspectionFailed|inappropriate content|SensitiveContent|sensitive (information|content|words)|content[_ ](filter|policy)|considered high risk|不安全或敏感|敏感内容|内容安全`)
	tooLongCodes   = map[string]bool{"context_length_exceeded": true, "string_above_max_length": true}
	tooLongWords   = regexp.MustCompile(`(?i)context[_ ]length|maximum context|context window|token limit|too many tokens|Range of input length|prompt is too long|input is too long|上下文长度|超过.*最大.*长度`)
	quotaCodes     = map[string]bool{"insufficient_quota": true, "exceeded_current_quota_error": true, "Arrearage": true, "1113": true, "1008": true}
	quotaWords     = regexp.MustCompile(`(?i)insufficient[_ ](balance|quota)|exceeded_current_quota|Arrearage|account is suspended|in good standing|欠费|余额不足`)
)

// refusalOf names what an error answer means beyond its status: ErrQuota,
// ErrModerated, ErrTooLong, or nil.
func refusalOf(status int, code, msg string) error {
	words := code + " " + msg
	switch {
	case status == http.StatusPaymentRequired || quotaCodes[code] || quotaWords.MatchString(words):
		return ErrQuota
	case status < 400 || status >= 500 || status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusTooManyRequests:
		return nil
	case moderatedCodes[code] || moderatedWords.MatchString(words):
		return ErrModerated
	case tooLongCodes[code] || tooLongWords.MatchString(words):
		return ErrTooLong
	}
	return nil
}

// moderatedFinish reports a completion the provider's moderation cut:
// OpenAI's and Moonshot's content_filter, Zhipu's sensitive.
func moderatedFinish(reason string) bool { return reason == "content_filter" || reason == "sensitive" }

// secretish are the shapes a key takes when a provider quotes it back
// (DeepSeek's "Your api key: ****abcd", a gateway echoing "sk-…").
var secretish = regexp.MustCompile(`\*{3,}[0-9A-Za-z_-]{0,8}|\bsk-[0-9A-Za-z_*-]{4,}`)

// scrub removes the key, and anything shaped like one, from a provider's
// message before it reaches a log line or a person.
func scrub(msg, key string) string {
	if key = strings.TrimSpace(key); len(key) >= 4 {
		msg = strings.ReplaceAll(msg, key, "***")
	}
	return secretish.ReplaceAllString(msg, "***")
}

// Explain says in plain Chinese why a call failed, for the person who
// configures the endpoint (`duban llm check`): the cause, what to do, and
// the provider's own words (without the key) when it answered.
func Explain(err error) string {
	var w string
	switch {
	case err == nil:
		return ""
	case errors.Is(err, errToolsRefused):
		w = "该模型或服务不支持工具调用"
	case errors.Is(err, ErrDisabled):
		w = "未配置所需的模型（[llm] chat_model 或 embedding_model）"
	case errors.Is(err, ErrModerated):
		w = "大模型服务的内容审核拦截了这次请求（换一种说法，或使用未开启审核的本地模型）"
	case errors.Is(err, ErrTooLong):
		w = "请求超出了模型的上下文长度（请换用上下文更长的模型）"
	case errors.Is(err, ErrUnauthorized):
		w = "大模型服务不接受所配的 API Key（请核对 [llm] api_key、api_key_file 或环境变量 DUBAN_LLM_API_KEY）"
	case errors.Is(err, ErrQuota):
		w = "大模型服务账户余额或额度不足（请充值或提高额度）"
	case errors.Is(err, ErrRateLimited):
		w = "大模型服务限流：请求过于频繁，请稍后再试"
	case errors.Is(err, errCircuitOpen):
		w = "大模型服务连续出错，已暂停调用几分钟"
	case errors.Is(err, context.DeadlineExceeded):
		w = "大模型服务在时限内没有答复（可调大 [llm] timeout）"
	case errors.Is(err, ErrMalformed):
		w = "大模型的回复无法识别"
	default:
		var he *httpError
		switch {
		case errors.As(err, &he) && he.status >= 500:
			w = fmt.Sprintf("大模型服务出错（HTTP %d）", he.status)
		case errors.As(err, &he):
			w = fmt.Sprintf("大模型服务拒绝了请求（HTTP %d）", he.status)
		default:
			w = "无法连接大模型服务，或其答复不完整（请核对 [llm] base_url 和网络）"
		}
	}
	var he *httpError
	if errors.As(err, &he) && he.msg != "" {
		w += "。服务商答复：" + he.msg
	}
	return w
}
