package bot

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/duban-org/duban/bot/wecomtest"
)

// Photos and files keep what it takes to fetch them; voice, video and
// location keep their type, so the conversation can say what it accepts.
func TestCallbackMediaMessages(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	at := time.Unix(1767225600, 0)
	fake.Now = func() time.Time { return at }
	target, _ := callbackServer(t, fake, st, func(c *CallbackConfig) { c.Now = func() time.Time { return at } })
	for _, c := range []wecomtest.Callback{
		fake.NewImageCallback("u1", "MEDIA-1", "img-1"),
		fake.NewFileCallback("u1", "MEDIA-2", "file-1"),
		fake.NewVoiceCallback("u1", "MEDIA-3", "voice-1"),
		fake.NewVideoCallback("u1", "MEDIA-4", "video-1"),
		fake.NewLocationCallback("u1", "市民之家", "loc-1"),
	} {
		if code, body := post(t, c, target); code != http.StatusOK || body != "" {
			t.Fatalf("got %d %q", code, body)
		}
	}
	entries, err := st.InboxEntries(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ key, typ, media, pic string }{
		{"msg:img-1", "image", "MEDIA-1", "https://wework.qpic.cn/wwpic/MEDIA-1/0"},
		{"msg:file-1", "file", "MEDIA-2", ""},
		{"msg:voice-1", "voice", "", ""},
		{"msg:video-1", "video", "", ""},
		{"msg:loc-1", "location", "", ""},
	}
	if len(entries) != len(want) {
		t.Fatalf("inbox has %d entries, want %d", len(entries), len(want))
	}
	for i, w := range want {
		in := entries[i].In
		if in.Key != w.key || in.MsgType != w.typ || in.MediaID != w.media || in.PicURL != w.pic || in.Text != "" || in.From != "u1" {
			t.Errorf("entry %d = %+v, want %+v", i, in, w)
		}
	}
}
