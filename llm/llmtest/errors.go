package llmtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// The refusals providers an office in China configures send, status and
// body. Reply{Error: &r} answers with one. Bodies are copied from public
// reports where one was found (DashScope's data_inspection_failed, Zhipu's
// 1301, DeepSeek's 401 and 402, vLLM's context length, Moonshot's limits,
// MiniMax's base_resp); the others follow the provider's documented shape.
var (
	// Content moderation.
	QwenInputInspection = Refusal{400, `{"error":{"code":"data_inspection_failed","param":null,"message":"Input data may contain inappropriate content.","type":"data_inspection_failed"},"id":"chatcmpl-deab386b-2562-9a7b-b8fa-0ba9385a5c28","request_id":"deab386b-2562-9a7b-b8fa-0ba9385a5c28"}`}
	QwenAlgoInspection  = Refusal{400, `{"error":{"code":"data_inspection_failed","param":null,"message":"<400> InternalError.Algo.DataInspectionFailed: Input text data may contain inappropriate content.","type":"data_inspection_failed"},"id":"chatcmpl-11a6c2af-d157-44b6-b7fb-b7ec00f936b0","request_id":"11a6c2af-d157-44b6-b7fb-b7ec00f936b0"}`}
	ZhipuSensitive      = Refusal{400, `{"error":{"code":"1301","message":"系统检测到输入或生成内容可能包含不安全或敏感内容，请您避免输入易产生敏感内容的提示语，感谢您的配合。"}}`}
	DoubaoSensitive     = Refusal{400, `{"error":{"code":"SensitiveContentDetected","message":"The request failed because the input text may contain sensitive information. Request id: 021732412345678abcdef0123456789abcdef0123456789abcd","param":"","type":"BadRequest"}}`}
	KimiHighRisk        = Refusal{400, `{"error":{"message":"The request was rejected because it was considered high risk","type":"content_filter"}}`}
	// MiniMax answers errors with 200 and base_resp.
	MiniMaxSensitive = Refusal{200, `{"id":"04d9bdd5d7a2d1fbe2f1f8e8f0c7b1a2","choices":null,"created":1733212345,"model":"MiniMax-M1","object":"chat.completion","usage":{"total_tokens":0},"input_sensitive":false,"output_sensitive":true,"input_sensitive_type":0,"output_sensitive_type":1,"base_resp":{"status_code":1027,"status_msg":"output new_sensitive"}}`}

	// The request is longer than the model's context.
	DeepSeekContextLength = Refusal{400, `{"error":{"message":"This model's maximum context length is 131072 tokens. However, you requested 140215 tokens (140215 in the messages, 0 in the completion). Please reduce the length of the messages or completion.","type":"invalid_request_error","param":null,"code":"invalid_request_error"}}`}
	VLLMContextLength     = Refusal{400, `{"object":"error","message":"This model's maximum context length is 32768 tokens. However, you requested 40960 tokens in the messages, Please reduce the length of the messages.","type":"BadRequestError","param":null,"code":400}`}
	QwenInputTooLong      = Refusal{400, `{"error":{"code":"invalid_parameter_error","param":null,"message":"<400> InternalError.Algo.InvalidParameter: Range of input length should be [1, 129024]","type":"invalid_request_error"},"id":"chatcmpl-3c5e1a0e-0b1e-9f5e-a6f5-7d0c1f2e3a4b","request_id":"3c5e1a0e-0b1e-9f5e-a6f5-7d0c1f2e3a4b"}`}
	KimiTokenLimit        = Refusal{400, `{"error":{"message":"Invalid request: Your request exceeded model token limit: 131072","type":"invalid_request_error"}}`}

	// The account.
	DashScopeBadKey   = Refusal{401, `{"error":{"message":"Incorrect API key provided. ","type":"invalid_request_error","param":null,"code":"invalid_api_key"},"request_id":"2b5d7e8f-3c4a-9a1b-8e6f-0d1c2b3a4f5e"}`}
	DeepSeekNoBalance = Refusal{402, `{"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}}`}
	KimiSuspended     = Refusal{429, `{"error":{"message":"Your account org-3f2b9c1d0e8a4b7c<ak-f7e6d5c4b3a2> is suspended, please check your plan and billing details","type":"exceeded_current_quota_error"}}`}
	ZhipuArrears      = Refusal{429, `{"error":{"code":"1113","message":"您的账户已欠费，请充值后重试。"}}`}

	// Rate limits (sent with a Retry-After where the provider does).
	ZhipuRateLimit  = Refusal{429, `{"error":{"code":"1302","message":"您的账户已达到速率限制，请您控制请求频率"}}`}
	DoubaoRateLimit = Refusal{429, `{"error":{"code":"RateLimitExceeded.EndpointRPMExceeded","message":"The request has exceeded the RPM limit of the endpoint. Request id: 021732412345678abcdef0123456789abcdef0123456789abce","param":"","type":"TooManyRequests"}}`}

	// Servers failing.
	DeepSeekOverloaded = Refusal{503, `{"error":{"message":"Server overloaded, please try again later.","type":"service_unavailable_error","param":null,"code":"service_unavailable"}}`}
	GatewayTimeout     = Refusal{504, "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"}
)

// DeepSeekBadKey is DeepSeek's 401, which quotes the key's last four
// characters back.
func DeepSeekBadKey(key string) Refusal {
	return Refusal{401, `{"error":{"message":"Authentication Fails, Your api key: ****` + key[max(len(key)-4, 0):] +
		` is invalid","type":"authentication_error","param":null,"code":"invalid_request_error"}}`}
}

// GatewayBadKey is a relay gateway's 401 that quotes the whole key back,
// as some do.
func GatewayBadKey(key string) Refusal {
	msg, _ := json.Marshal("Incorrect API key provided: " + key + ". You can find your API key in the console.")
	return Refusal{401, `{"error":{"message":` + string(msg) + `,"type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`}
}

// MiniMaxBadKey is MiniMax's refusal of a key: 200, with base_resp 1004.
func MiniMaxBadKey() Refusal {
	return Refusal{200, `{"id":"","choices":null,"created":0,"model":"","object":"","base_resp":{"status_code":1004,"status_msg":"login fail: Please carry the API secret key in the 'Authorization' field of the request header"}}`}
}

// MiniMaxM2 is MiniMax's M2 models: the thinking in <think> tags inside
// the content, tool calls as OpenAI's.
func MiniMaxM2() Quirks { return Quirks{Think: ThinkTags} }

// DoubaoSeed is Volcengine Ark serving Doubao-Seed with thinking on:
// reasoning_content beside the content.
func DoubaoSeed() Quirks { return Quirks{Think: ThinkField} }

// writeCut sends v's first n bytes as a 200 completion announcing all of
// it, then drops the connection.
func writeCut(w http.ResponseWriter, v any, n int) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b[:min(n, len(b)-1)])
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// isJSON reports whether body is a JSON document (the catalogue's check).
func isJSON(body string) bool { return json.Valid([]byte(strings.TrimSpace(body))) }
