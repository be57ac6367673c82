package bot

import (
	"unicode/utf8"

	"github.com/duban-org/duban"
)

// Sendable is a message body for /cgi-bin/message/send.
type Sendable interface{ header() *SendHeader }

// SendHeader is common to every message/send body. AgentID is an integer:
// WeCom documents it so, whatever some libraries send.
type SendHeader struct {
	ToUser  string `json:"touser"`
	MsgType string `json:"msgtype"`
	AgentID int    `json:"agentid"`
	// EnableDuplicateCheck stays 0: WeCom's check compares content and
	// would swallow a legitimate repeat.
	EnableDuplicateCheck int `json:"enable_duplicate_check"`
}

func (h *SendHeader) header() *SendHeader { return h }

// Content is the body of text and markdown messages.
type Content struct {
	Content string `json:"content"`
}

// TextMessage is msgtype text.
type TextMessage struct {
	SendHeader
	Text Content `json:"text"`
}

// MarkdownMessage is msgtype markdown (not rendered in personal WeChat).
type MarkdownMessage struct {
	SendHeader
	Markdown Content `json:"markdown"`
}

// TextCardMessage is msgtype textcard.
type TextCardMessage struct {
	SendHeader
	TextCard TextCard `json:"textcard"`
}

// TextCard is a text card with a link.
type TextCard struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	BtnTxt      string `json:"btntxt,omitempty"`
}

// TemplateCardMessage is msgtype template_card.
type TemplateCardMessage struct {
	SendHeader
	TemplateCard TemplateCard `json:"template_card"`
}

// TemplateCard is a template card; duban sends card_type button_interaction.
type TemplateCard struct {
	CardType              string         `json:"card_type"`
	MainTitle             CardTitle      `json:"main_title"`
	SubTitleText          string         `json:"sub_title_text,omitempty"`
	HorizontalContentList []CardKeyValue `json:"horizontal_content_list,omitempty"`
	TaskID                string         `json:"task_id"`
	ButtonList            []CardButton   `json:"button_list"`
}

// CardTitle is a card's main title.
type CardTitle struct {
	Title string `json:"title,omitempty"`
	Desc  string `json:"desc,omitempty"`
}

// CardKeyValue is one line of a card's horizontal content.
type CardKeyValue struct {
	KeyName string `json:"keyname"`
	Value   string `json:"value,omitempty"`
}

// CardButton is one button of a button_interaction card.
type CardButton struct {
	Text  string `json:"text"`
	Style int    `json:"style,omitempty"` // 1 primary (blue), 2 secondary
	Key   string `json:"key"`
}

// NewText returns a text message for to.
func NewText(to, content string) *TextMessage {
	return &TextMessage{SendHeader: SendHeader{ToUser: to, MsgType: "text"}, Text: Content{content}}
}

// NewMarkdown returns a markdown message for to.
func NewMarkdown(to, content string) *MarkdownMessage {
	return &MarkdownMessage{SendHeader: SendHeader{ToUser: to, MsgType: "markdown"}, Markdown: Content{content}}
}

// NewTextCard returns a textcard message for to.
func NewTextCard(to string, card TextCard) *TextCardMessage {
	return &TextCardMessage{SendHeader: SendHeader{ToUser: to, MsgType: "textcard"}, TextCard: card}
}

// WeCom's limits on card fields, in characters.
const (
	cardTitleMax    = 36
	cardSubTitleMax = 44 * 3 // sub_title_text allows a few lines
	cardButtonMax   = 10
	cardButtonsMax  = 6
	cardFieldsMax   = 6
	cardKeyNameMax  = 5
	cardValueMax    = 30
)

// NewButtonCard returns a button_interaction template card for to.
func NewButtonCard(to string, c duban.Card) *TemplateCardMessage {
	tc := TemplateCard{
		CardType:     "button_interaction",
		MainTitle:    CardTitle{Title: truncateRunes(c.Title, cardTitleMax)},
		SubTitleText: truncateRunes(c.Desc, cardSubTitleMax),
		TaskID:       c.ID,
	}
	for i, f := range c.Fields {
		if i == cardFieldsMax {
			break
		}
		tc.HorizontalContentList = append(tc.HorizontalContentList,
			CardKeyValue{KeyName: truncateRunes(f.Label, cardKeyNameMax), Value: truncateRunes(f.Value, cardValueMax)})
	}
	for i, b := range c.Buttons {
		if i == cardButtonsMax {
			break
		}
		style := 2
		if b.Primary {
			style = 1
		}
		tc.ButtonList = append(tc.ButtonList, CardButton{Text: truncateRunes(b.Text, cardButtonMax), Style: style, Key: b.Key})
	}
	return &TemplateCardMessage{SendHeader: SendHeader{ToUser: to, MsgType: "template_card"}, TemplateCard: tc}
}

// truncateRunes cuts s to at most n runes, marking the cut with "…".
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
