package duban

import (
	"strings"
	"time"
)

// Inbound is one thing a person said or clicked in chat, whatever the channel
// (WeCom callback or the local console). It is what the inbox stores and what
// the handlers read.
type Inbound struct {
	// Key deduplicates deliveries: "msg:<MsgId>" for messages, and
	// "evt:<From>:<CreateTime>:<Event>:<EventKey or TaskId>" for events.
	Key  string    `json:"key"`
	From string    `json:"from"` // WeCom userid
	At   time.Time `json:"at"`
	// Text is the content of a text message; empty for events.
	Text string `json:"text,omitempty"`
	// MsgType is WeCom's type of a message other than text (image, file,
	// voice, video, location, link); empty for text and events.
	MsgType string `json:"msg_type,omitempty"`
	// MediaID names the photo or file of an image or file message, to
	// fetch from WeCom within three days; PicURL is a photo's URL.
	MediaID string `json:"media_id,omitempty"`
	PicURL  string `json:"pic_url,omitempty"`
	// Event is enter_agent, click or template_card_event; empty for messages.
	Event    string `json:"event,omitempty"`
	EventKey string `json:"event_key,omitempty"`
	// CardID and ResponseCode come with template_card_event: the card's
	// task_id and the code that lets the card be updated once.
	CardID       string `json:"card_id,omitempty"`
	ResponseCode string `json:"response_code,omitempty"`
}

// Outgoing is one message for one person. Text is always set and readable on
// its own (markdown does not render in the personal-WeChat plugin); Card,
// when set, is a button card the channel may send instead.
type Outgoing struct {
	To   string `json:"to"` // WeCom userid
	Text string `json:"text"`
	Card *Card  `json:"card,omitempty"`
	// CardUpdate, when set, replaces a clicked card's buttons with a note
	// instead of sending a new message.
	CardUpdate *CardUpdate `json:"card_update,omitempty"`
	// NoticeKeys names the reminder notices this message carries, so their
	// delivery can be recorded in the evidence trail (留痕).
	NoticeKeys []string `json:"notice_keys,omitempty"`
	// File, when set, makes this a file message: the archived document it
	// names is uploaded and sent as a file. Text then says what the file is
	// (for the console and the records); it is not sent.
	File *FileRef `json:"file,omitempty"`
}

// FileRef names a document the store keeps (a published bulletin's, an
// issued letter's, a preview's) by its archive key.
type FileRef struct {
	Key  string `json:"key"`  // bulletin/<no>/<name>, letter/<year>/<no> or preview/<id>/<name>
	Name string `json:"name"` // the file name a recipient sees
}

// Card is a button-interaction card about one subject (usually one task).
type Card struct {
	ID    string `json:"id"` // WeCom task_id: unique per card, ≤128 bytes of [A-Za-z0-9_\-@]
	Title string `json:"title"`
	// Fields are the facts a decision needs (单位, 申请人, 完成时限…), one
	// short label and value each, at most six.
	Fields  []Field  `json:"fields,omitempty"`
	Desc    string   `json:"desc"`
	Buttons []Button `json:"buttons"`
}

// Field is one labelled fact on a card.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Button is one card button; Key comes back as EventKey when clicked.
type Button struct {
	Text string `json:"text"`
	Key  string `json:"key"`
	// Primary marks the button to emphasise.
	Primary bool `json:"primary,omitempty"`
}

// CardUpdate replaces a clicked card's buttons with a short note.
type CardUpdate struct {
	ResponseCode string `json:"response_code"`
	Note         string `json:"note"` // e.g. "已销号"
}

// chatPrefix marks a group-chat recipient in Outgoing.To. WeCom userids
// cannot contain ':', so the two never collide.
const chatPrefix = "chat:"

// ChatRecipient is the Outgoing.To of a group chat the app created
// (WeCom appchat), e.g. for bulletins.
func ChatRecipient(chatID string) string { return chatPrefix + chatID }

// ChatID returns the group chat o is for, if it is for one.
func (o Outgoing) ChatID() (string, bool) {
	id, ok := strings.CutPrefix(o.To, chatPrefix)
	return id, ok && id != ""
}
