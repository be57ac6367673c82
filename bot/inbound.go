package bot

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/duban-org/duban"
)

// Envelope is the outer XML of a POSTed callback. Only Encrypt is signed.
type Envelope struct {
	ToUserName string `xml:"ToUserName"` // corp id
	Encrypt    string `xml:"Encrypt"`
	AgentID    string `xml:"AgentID"`
}

// parseEnvelope reads the outer XML of a callback body.
func parseEnvelope(body []byte) (Envelope, error) {
	var env Envelope
	if err := decodeXML(body, &env); err != nil {
		return Envelope{}, fmt.Errorf("%w: envelope: %v", errMalformed, err)
	}
	env.Encrypt = strings.TrimSpace(env.Encrypt)
	if env.Encrypt == "" {
		return Envelope{}, fmt.Errorf("%w: envelope has no Encrypt", errMalformed)
	}
	return env, nil
}

// Message is a decrypted callback: a message (MsgType text, image, …) or an
// event (MsgType event). Fields that a type does not use are empty.
type Message struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	AgentID      string `xml:"AgentID"`

	// text (and other messages)
	Content string `xml:"Content"`
	MsgID   string `xml:"MsgId"`
	// image, file (and voice, video)
	MediaID string `xml:"MediaId"`
	PicURL  string `xml:"PicUrl"`

	// events
	Event    string `xml:"Event"`
	EventKey string `xml:"EventKey"`
	// template_card_event
	TaskID       string `xml:"TaskId"`
	CardType     string `xml:"CardType"`
	ResponseCode string `xml:"ResponseCode"`
}

// Message types and events duban understands.
const (
	MsgTypeText  = "text"
	MsgTypeImage = "image"
	MsgTypeFile  = "file"
	MsgTypeEvent = "event"

	EventEnterAgent        = "enter_agent"
	EventClick             = "click"
	EventTemplateCardEvent = "template_card_event"
)

// parseMessage reads a decrypted callback.
func parseMessage(plain []byte) (Message, error) {
	var m Message
	if err := decodeXML(plain, &m); err != nil {
		return Message{}, fmt.Errorf("%w: message: %v", errMalformed, err)
	}
	if m.FromUserName == "" || m.MsgType == "" {
		return Message{}, fmt.Errorf("%w: message without FromUserName or MsgType", errMalformed)
	}
	return m, nil
}

// errIgnored marks a well-formed callback duban has no use for (an event it
// does not handle). It is acknowledged and not stored.
type errIgnored struct{ what string }

func (e errIgnored) Error() string { return "ignored " + e.what }

// inbound converts m to what the inbox stores.
//
// Messages other than text (image, voice, file, location…) are kept with
// their MsgType, and the MediaId and PicUrl of a photo or file, so the
// conversation can attach them as evidence or say what it accepts. Events other than enter_agent, click and
// template_card_event are ignored (WeCom sends location reports and menu
// views that nobody asked about).
func (m Message) inbound() (duban.Inbound, error) {
	in := duban.Inbound{From: m.FromUserName, At: time.Unix(m.CreateTime, 0)}
	if m.MsgType == MsgTypeEvent {
		switch m.Event {
		case EventEnterAgent, EventClick, EventTemplateCardEvent:
		default:
			return duban.Inbound{}, errIgnored{"event " + m.Event}
		}
		in.Event, in.EventKey = m.Event, m.EventKey
		if m.Event == EventTemplateCardEvent {
			in.CardID, in.ResponseCode = m.TaskID, m.ResponseCode
		}
		in.Key = "evt:" + m.FromUserName + ":" + strconv.FormatInt(m.CreateTime, 10) + ":" + m.Event + ":" + m.EventKey + "/" + m.TaskID
		return in, nil
	}
	switch m.MsgType {
	case MsgTypeText:
		in.Text = m.Content
	case MsgTypeImage, MsgTypeFile:
		in.MsgType, in.MediaID, in.PicURL = m.MsgType, m.MediaID, m.PicURL
	case duban.MsgTypeEvidenceAdded:
		in.MsgType = "unknown" // only the pages say this, never WeCom
	default:
		in.MsgType = m.MsgType
	}
	if m.MsgID != "" {
		in.Key = "msg:" + m.MsgID
	} else {
		// Every message is documented to carry MsgId; if one does not, the
		// sender, second and type still tell WeCom's retries apart.
		in.Key = "msg:" + m.FromUserName + ":" + strconv.FormatInt(m.CreateTime, 10) + ":" + m.MsgType
	}
	return in, nil
}

// decodeXML decodes exactly one root element, with no DTD or entity tricks
// (encoding/xml expands no external entities) and trailing junk refused.
func decodeXML(b []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	if err := d.Decode(v); err != nil {
		return err
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil // io.EOF, or junk after the root that we ignore
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return fmt.Errorf("second root element <%s>", t.Name.Local)
		}
	}
}
