package bot

import (
	"testing"
	"time"

	"github.com/duban-org/duban/bot/wecomtest"
)

func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte(`<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[abc=]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>`))
	f.Add([]byte(`<xml><Encrypt>x</Encrypt></xml><xml><Encrypt>y</Encrypt></xml>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt>&a;</Encrypt></xml>`))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := parseEnvelope(body)
		if err == nil && env.Encrypt == "" {
			t.Fatal("accepted an envelope without Encrypt")
		}
	})
}

func FuzzParseMessage(f *testing.F) {
	f.Add([]byte(`<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[u1]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[T012 已完成]]></Content><MsgId>1234567890123456</MsgId><AgentID>1</AgentID></xml>`))
	f.Add([]byte(`<xml><FromUserName>u1</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>template_card_event</Event><EventKey>k</EventKey><TaskId>t</TaskId><CardType>button_interaction</CardType><ResponseCode>r</ResponseCode></xml>`))
	f.Add([]byte(`<xml><FromUserName>u1</FromUserName><CreateTime>-5</CreateTime><MsgType>event</MsgType><Event>LOCATION</Event></xml>`))
	f.Add([]byte(`<xml><FromUserName>u1</FromUserName><CreateTime>99999999999999999999</CreateTime><MsgType>image</MsgType></xml>`))
	f.Add([]byte(`<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[u1]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[https://wework.qpic.cn/x/0]]></PicUrl><MediaId><![CDATA[1abc_media]]></MediaId><MsgId>1234567890123457</MsgId><AgentID>1</AgentID></xml>`))
	f.Fuzz(func(t *testing.T, plain []byte) {
		m, err := parseMessage(plain)
		if err != nil {
			return
		}
		in, err := m.inbound()
		if err != nil {
			return
		}
		if in.Key == "" || in.From == "" {
			t.Fatalf("inbound without key or sender: %+v", in)
		}
		if (in.Event == "") == (m.MsgType == MsgTypeEvent) {
			t.Fatalf("event %q from MsgType %q", in.Event, m.MsgType)
		}
	})
}

// Decryption of anything that passes the signature must fail cleanly.
func FuzzDecrypt(f *testing.F) {
	fake := &wecomtest.Server{CorpID: "ww1", Token: "t", EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", Now: time.Now, AgentID: 1}
	good := fake.NewTextCallback("u1", "hi", "m1")
	env, _ := parseEnvelope(good.Body)
	f.Add(env.Encrypt)
	f.Add("AAAA")
	f.Add("not base64!")
	f.Add(env.Encrypt[:len(env.Encrypt)-8] + "AAAAAAA=")
	c, err := newCrypter("t", fake.EncodingAESKey, "ww1")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, encrypted string) {
		plain, err := c.decrypt(encrypted)
		if err == nil && plain == nil {
			t.Fatal("nil plaintext without error")
		}
	})
}
