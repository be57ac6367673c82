package llmtest

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The catalogue's bodies are JSON where the provider sends JSON.
func TestRefusalCatalogue(t *testing.T) {
	for name, r := range map[string]Refusal{
		"QwenInputInspection": QwenInputInspection, "QwenAlgoInspection": QwenAlgoInspection, "ZhipuSensitive": ZhipuSensitive,
		"DoubaoSensitive": DoubaoSensitive, "KimiHighRisk": KimiHighRisk, "MiniMaxSensitive": MiniMaxSensitive,
		"DeepSeekContextLength": DeepSeekContextLength, "VLLMContextLength": VLLMContextLength, "QwenInputTooLong": QwenInputTooLong,
		"KimiTokenLimit": KimiTokenLimit, "DashScopeBadKey": DashScopeBadKey, "DeepSeekNoBalance": DeepSeekNoBalance,
		"KimiSuspended": KimiSuspended, "ZhipuArrears": ZhipuArrears, "ZhipuRateLimit": ZhipuRateLimit,
		"DoubaoRateLimit": DoubaoRateLimit, "DeepSeekOverloaded": DeepSeekOverloaded,
		"DeepSeekBadKey": DeepSeekBadKey("sk-abcdef"), "GatewayBadKey": GatewayBadKey(`sk-"quoted"`), "MiniMaxBadKey": MiniMaxBadKey(),
	} {
		if !isJSON(r.Body) || r.Status == 0 {
			t.Errorf("%s: status %d, body not JSON: %s", name, r.Status, r.Body)
		}
	}
	if isJSON(GatewayTimeout.Body) {
		t.Error("the gateway's page is HTML")
	}
}

// A cut reply announces more than it sends and drops the connection.
func TestCutReply(t *testing.T) {
	s := NewServer(func(ChatRequest) Reply { return Reply{Content: "好的", CutAfter: 40} })
	defer s.Close()
	resp, err := http.Post(s.BaseURL()+"/chat/completions", "application/json",
		strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"你好"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(body) != 40 {
		t.Errorf("read %d bytes, err %v; want 40 and an unexpected EOF", len(body), err)
	}
}
