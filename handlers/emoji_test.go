package handlers

import (
	"strings"
	"testing"
)

// An emoji alone gets a friendly word and the sender's help hint, not
// "this message has no text".
func TestEmojiAloneGetsAFriendlyReply(t *testing.T) {
	h := newHandler(t)
	for _, e := range []string{"👍", "🙏🙏", "[强]", "😊 "} {
		out := to(say(t, h, "zhao", e), "zhao")
		if len(out) != 1 || strings.Contains(out[0].Text, "没看懂") || !strings.Contains(out[0].Text, "帮助") {
			t.Errorf("%q => %+v", e, out)
		}
	}
}
