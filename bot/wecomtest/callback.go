package wecomtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// Callback is a request WeCom would make to the app's callback URL.
type Callback struct {
	Method string
	Query  url.Values // msg_signature, timestamp, nonce (and echostr)
	Body   []byte     // POST only
}

// Request returns c as a request to target, the callback URL.
func (c Callback) Request(target string) (*http.Request, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	u.RawQuery = c.Query.Encode()
	req, err := http.NewRequest(c.Method, u.String(), bytes.NewReader(c.Body))
	if err != nil {
		return nil, err
	}
	if c.Method == http.MethodPost {
		req.Header.Set("Content-Type", "text/xml")
	}
	return req, nil
}

// Send makes the request with client (http.DefaultClient when nil).
func (c Callback) Send(client *http.Client, target string) (*http.Response, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := c.Request(target)
	if err != nil {
		return nil, err
	}
	return client.Do(req)
}

// CDATA is XML character data written as CDATA, as WeCom does.
type CDATA struct {
	Text string `xml:",cdata"`
}

// PlainMessage is the decrypted XML of a callback; build one to seal
// anything NewTextCallback and friends do not cover.
type PlainMessage struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   CDATA    `xml:"ToUserName"`
	FromUserName CDATA    `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      CDATA    `xml:"MsgType"`
	Content      *CDATA   `xml:"Content,omitempty"`
	MsgID        *CDATA   `xml:"MsgId,omitempty"`
	Event        *CDATA   `xml:"Event,omitempty"`
	EventKey     *CDATA   `xml:"EventKey,omitempty"`
	TaskID       *CDATA   `xml:"TaskId,omitempty"`
	CardType     *CDATA   `xml:"CardType,omitempty"`
	ResponseCode *CDATA   `xml:"ResponseCode,omitempty"`
	AgentID      int      `xml:"AgentID"`
}

// Text returns s as optional CDATA, for the fields of a PlainMessage.
func Text(s string) *CDATA { return &CDATA{s} }

// Sealer builds correctly encrypted and signed callbacks, as WeCom does,
// without a fake server: for load generators and other tools outside
// tests. Server's callback builders use it with the server's settings.
type Sealer struct {
	CorpID         string
	AgentID        int
	Token          string // callback token
	EncodingAESKey string // callback key, 43 characters
}

// sealer returns the server's callback settings.
func (s *Server) sealer() Sealer {
	return Sealer{CorpID: s.CorpID, AgentID: s.AgentID, Token: s.Token, EncodingAESKey: s.EncodingAESKey}
}

// NewPlain returns the common head of a message from user `from` at Now.
func (s *Server) NewPlain(from, msgType string) PlainMessage {
	return s.sealer().NewPlain(from, msgType, s.Now())
}

// NewTextCallback returns a text message callback.
func (s *Server) NewTextCallback(from, content, msgID string) Callback {
	return s.sealer().TextCallback(from, content, msgID, s.Now())
}

// NewEventCallback returns an event callback (enter_agent, click…).
func (s *Server) NewEventCallback(from, event, eventKey string) Callback {
	p := s.NewPlain(from, "event")
	p.Event, p.EventKey = Text(event), Text(eventKey)
	return s.SealMessage(p)
}

// NewCardEventCallback returns the template_card_event of a button click
// on the card taskID.
func (s *Server) NewCardEventCallback(from, taskID, eventKey, responseCode string) Callback {
	p := s.NewPlain(from, "event")
	p.Event, p.EventKey, p.TaskID = Text("template_card_event"), Text(eventKey), Text(taskID)
	p.CardType, p.ResponseCode = Text("button_interaction"), Text(responseCode)
	return s.SealMessage(p)
}

// SealMessage encrypts and signs p for the server's corp id, stamped Now.
func (s *Server) SealMessage(p PlainMessage) Callback {
	return s.sealer().SealMessage(p, s.Now())
}

// Seal encrypts plain for receiver corpID (the server's, or another to test
// refusal) and signs it with timestamp at.
func (s *Server) Seal(plain []byte, corpID string, at time.Time) Callback {
	return s.sealer().Seal(plain, corpID, at)
}

// NewURLVerification returns the GET WeCom makes when the callback URL is
// saved in the admin console; the handler must answer echo.
func (s *Server) NewURLVerification(echo string) Callback {
	return s.sealer().URLVerification(echo, s.Now())
}

// NewPlain returns the common head of a message from user `from` at time at.
func (s Sealer) NewPlain(from, msgType string, at time.Time) PlainMessage {
	return PlainMessage{
		ToUserName: CDATA{s.CorpID}, FromUserName: CDATA{from},
		CreateTime: at.Unix(), MsgType: CDATA{msgType}, AgentID: s.AgentID,
	}
}

// TextCallback returns a text message callback sent at time at.
func (s Sealer) TextCallback(from, content, msgID string, at time.Time) Callback {
	p := s.NewPlain(from, "text", at)
	p.Content, p.MsgID = Text(content), Text(msgID)
	return s.SealMessage(p, at)
}

// SealMessage encrypts and signs p for s.CorpID with timestamp at.
func (s Sealer) SealMessage(p PlainMessage, at time.Time) Callback {
	b, err := xml.Marshal(p)
	if err != nil {
		panic(err) // a PlainMessage always marshals
	}
	return s.Seal(b, s.CorpID, at)
}

// Seal encrypts plain for receiver corpID (s.CorpID, or another to test
// refusal) and signs it with timestamp at. It panics on a malformed
// EncodingAESKey.
func (s Sealer) Seal(plain []byte, corpID string, at time.Time) Callback {
	encrypted := s.encrypt(plain, corpID)
	env := struct {
		XMLName    xml.Name `xml:"xml"`
		ToUserName CDATA    `xml:"ToUserName"`
		Encrypt    CDATA    `xml:"Encrypt"`
		AgentID    CDATA    `xml:"AgentID"`
	}{ToUserName: CDATA{s.CorpID}, Encrypt: CDATA{encrypted}, AgentID: CDATA{strconv.Itoa(s.AgentID)}}
	body, err := xml.Marshal(env)
	if err != nil {
		panic(err)
	}
	return Callback{Method: http.MethodPost, Query: s.sign(encrypted, at), Body: body}
}

// URLVerification returns the GET WeCom makes when the callback URL is
// saved in the admin console; the handler must answer echo.
func (s Sealer) URLVerification(echo string, at time.Time) Callback {
	encrypted := s.encrypt([]byte(echo), s.CorpID)
	q := s.sign(encrypted, at)
	q.Set("echostr", encrypted)
	return Callback{Method: http.MethodGet, Query: q}
}

func (s Sealer) encrypt(plain []byte, corpID string) string {
	random := make([]byte, 16)
	rand.Read(random)
	b, err := util.EncryptMsg(random, plain, corpID, s.EncodingAESKey)
	if err != nil {
		panic(err) // only a malformed EncodingAESKey fails
	}
	return string(b)
}

func (s Sealer) sign(encrypted string, at time.Time) url.Values {
	n := make([]byte, 8)
	rand.Read(n)
	ts := strconv.FormatInt(at.Unix(), 10)
	nonce := hex.EncodeToString(n)
	return url.Values{
		"msg_signature": {util.Signature(s.Token, ts, nonce, encrypted)},
		"timestamp":     {ts},
		"nonce":         {nonce},
	}
}
