package llm

import (
	"context"
	"errors"
	"fmt"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// Check is the outcome of one probe of the endpoint.
type Check struct {
	What   string // 对话, 工具调用, 向量
	Model  string
	Skip   bool // the model is not configured
	OK     bool
	Detail string // what came back, or the provider's own error text
}

// Probe calls the endpoint once for chat, once with tools and once for
// embeddings, and says what works, for `duban llm check`. It bypasses
// nothing: the same transport, extra_body and retries as real calls.
func (c *Client) Probe(ctx context.Context) []Check {
	chat := Check{What: "对话", Model: c.ChatModel(), Skip: !c.CanChat()}
	tools := Check{What: "工具调用", Model: c.ChatModel(), Skip: !c.CanChat()}
	embed := Check{What: "向量", Model: c.Model(), Skip: !c.CanEmbed()}
	if !chat.Skip {
		choice, err := c.chat(ctx, "check", openai.ChatCompletionRequest{Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleUser, Content: "请只回复一个字：好"},
		}})
		if err == nil {
			var text string
			if text, err = answerText(choice); err == nil {
				chat.OK, chat.Detail = true, "回复："+clip(text, 40)
				if strings.Contains(choice.Message.Content, "</think>") || choice.Message.ReasoningContent != "" {
					chat.Detail += "（回复带有思考过程，已去除）"
				}
			}
		}
		if err != nil {
			chat.Detail = providerText(err)
		}
		tools.OK, tools.Detail = c.probeTools(ctx)
	}
	if !embed.Skip {
		vecs, err := c.Embed(ctx, "", []string{"大科室制改革"})
		if err != nil {
			embed.Detail = providerText(err)
		} else {
			embed.OK, embed.Detail = true, fmt.Sprintf("%d 维", len(vecs[0]))
		}
	}
	return []Check{chat, tools, embed}
}

func (c *Client) probeTools(ctx context.Context) (bool, string) {
	req := openai.ChatCompletionRequest{
		Messages:   []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "列出我的任务。"}},
		Tools:      []openai.Tool{function(toolList, "列出发消息的人名下的任务及其状态。", map[string]any{})},
		ToolChoice: "auto",
	}
	choice, err := c.chat(ctx, "check tools", req)
	if errors.Is(err, errToolsRefused) {
		return false, providerText(err) + "。duban 会改用“JSON 文本”方式理解消息；也可设 tools = false"
	}
	if err != nil {
		return false, providerText(err)
	}
	intent, err := c.intentOf(choice, UnderstandInput{})
	switch {
	case err == nil && intent.Kind == KindList:
		if len(choice.Message.ToolCalls) == 0 && choice.Message.FunctionCall == nil {
			return true, "调用写在回复文字中，已能识别"
		}
		return true, "模型调用了 list_tasks"
	case err != nil:
		return false, Explain(err)
	}
	return false, "模型没有调用工具，回复：" + clip(intent.Reply, 60)
}

// providerText is the error as a person fixing the deployment needs it:
// in plain Chinese, with the provider's own words.
func providerText(err error) string { return Explain(err) }
