package web

import (
	"bytes"
	"testing"
	"time"
)

// FuzzOpenCookie: a cookie comes from the browser; whatever it holds,
// open never panics and accepts only the very value seal produced.
func FuzzOpenCookie(f *testing.F) {
	s := &Server{cfg: Config{SessionKey: bytes.Repeat([]byte("k"), 32)}}
	good := s.seal(sessionCookie, session{UserID: "lilei", Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), CSRF: "c"})
	for _, seed := range []string{good, good[:len(good)-1], "", ".", "e30.", "e30.AAAA", "%%%.***", good + "." + good} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		var sess session
		if s.open(sessionCookie, value, &sess) && value != good {
			t.Fatalf("opened %q, which seal did not make", value)
		}
	})
}
