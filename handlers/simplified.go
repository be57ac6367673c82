package handlers

import (
	"log/slog"
	"sync"

	"github.com/liuzl/gocc"
)

// Traditional characters (a phone set to them, text pasted from elsewhere:
// T003已經完成, 完成了嗎) are read as their simplified forms, phrase by
// phrase as OpenCC converts them, so that every word the grammar knows —
// and every question mark it must not act on — is found whichever way it
// was written. The message is read, and its note kept, in simplified
// characters.

var toSimplified = sync.OnceValue(func() *gocc.OpenCC {
	cc, err := gocc.New("t2s")
	if err != nil { // the dictionaries are embedded: only a broken build fails
		slog.Error("traditional characters will not be read: OpenCC t2s", "err", err)
		return nil
	}
	return cc
})

// simplified is s in simplified characters (s itself when it has none to
// convert or the converter is missing).
func simplified(s string) string {
	if !hasNonASCII(s) {
		return s
	}
	cc := toSimplified()
	if cc == nil {
		return s
	}
	out, err := cc.Convert(s)
	if err != nil {
		return s
	}
	return out
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}
