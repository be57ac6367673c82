package wecomtest

// Temporary media a person sent the app (临时素材): /cgi-bin/media/get
// serves it, with WeCom's error answers; and the callbacks of image, file,
// voice, video and location messages.

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// SentFile is a file a member sent, held by the fake under a media_id.
type SentFile struct {
	Name    string // sent in Content-Disposition
	Type    string // Content-Type
	Content []byte
	expired bool
}

type downloads struct {
	files    map[string]*SentFile
	n        int
	script   []failure
	chunked  bool // answer without Content-Length
	requests int
}

// AddMedia holds content as a file a member sent (a photo from the phone)
// and returns its media_id.
func (s *Server) AddMedia(name, contentType string, content []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addMediaLocked(&SentFile{Name: name, Type: contentType, Content: content})
}

func (s *Server) addMediaLocked(f *SentFile) string {
	if s.downloads.files == nil {
		s.downloads.files = map[string]*SentFile{}
	}
	s.downloads.n++
	id := fmt.Sprintf("fake-sent-%d-%d", s.downloads.n, time.Now().UnixNano())
	s.downloads.files[id] = f
	return id
}

// ExpireMedia makes media_id answer 40007, as WeCom does three days after
// the upload.
func (s *Server) ExpireMedia(id string) {
	s.set(func() {
		if f := s.downloads.files[id]; f != nil {
			f.expired = true
		}
	})
}

// FailMediaNext makes the next n media/get calls answer errcode.
func (s *Server) FailMediaNext(n, errcode int) {
	s.set(func() {
		for range n {
			s.downloads.script = append(s.downloads.script, failure{errcode: errcode})
		}
	})
}

// FailMediaNextHTTP makes the next n media/get calls answer HTTP status.
func (s *Server) FailMediaNextHTTP(n, status int) {
	s.set(func() {
		for range n {
			s.downloads.script = append(s.downloads.script, failure{status: status})
		}
	})
}

// SetMediaChunked makes media/get answer without Content-Length, so only
// the stream tells the size.
func (s *Server) SetMediaChunked(on bool) { s.set(func() { s.downloads.chunked = on }) }

// MediaRequests counts media/get calls that reached the fake.
func (s *Server) MediaRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.downloads.requests
}

// getTokenOK answers 40014/42001 for a bad token; s.mu is held.
func (s *Server) getTokenOK(w http.ResponseWriter, r *http.Request) bool {
	valid, known := s.tokens[r.URL.Query().Get("access_token")]
	switch {
	case !known:
		apiError(w, 40014, "invalid access_token")
	case !valid:
		apiError(w, 42001, "access_token expired")
	}
	return known && valid
}

func (s *Server) mediaGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.downloads.requests++
	if !s.getTokenOK(w, r) {
		s.mu.Unlock()
		return
	}
	if len(s.downloads.script) > 0 {
		f := s.downloads.script[0]
		s.downloads.script = s.downloads.script[1:]
		s.mu.Unlock()
		if f.status != 0 {
			http.Error(w, http.StatusText(f.status), f.status)
		} else {
			apiError(w, f.errcode, Errmsg(f.errcode))
		}
		return
	}
	id := r.URL.Query().Get("media_id")
	f, ok := s.downloads.files[id]
	chunked := s.downloads.chunked
	s.mu.Unlock()
	if id == "" {
		apiError(w, 41006, "media_id missing")
		return
	}
	if !ok || f.expired {
		// WeCom answers errors with 200 and a JSON body.
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, `{"errcode":40007,"errmsg":"invalid media_id, hint: [1700000000_1_abc], from ip: 127.0.0.1"}`)
		return
	}
	w.Header().Set("Content-Type", f.Type)
	w.Header().Set("Content-Disposition", `attachment; filename="`+f.Name+`"`)
	w.Header().Set("Cache-Control", "no-cache, must-revalidate")
	if !chunked {
		w.Header().Set("Content-Length", strconv.Itoa(len(f.Content)))
	}
	for b := f.Content; len(b) > 0; {
		n := min(len(b), 32<<10)
		if _, err := w.Write(b[:n]); err != nil {
			return
		}
		b = b[n:]
		if chunked {
			w.(http.Flusher).Flush()
		}
	}
}

// mediaMessage is the decrypted XML of an image, file, voice, video or
// location message.
type mediaMessage struct {
	PlainMessage
	PicURL       *CDATA `xml:"PicUrl,omitempty"`
	MediaID      *CDATA `xml:"MediaId,omitempty"`
	Format       *CDATA `xml:"Format,omitempty"`
	ThumbMediaID *CDATA `xml:"ThumbMediaId,omitempty"`
	LocationX    string `xml:"Location_X,omitempty"`
	LocationY    string `xml:"Location_Y,omitempty"`
	Scale        string `xml:"Scale,omitempty"`
	Label        *CDATA `xml:"Label,omitempty"`
}

func (s *Server) sealMedia(m mediaMessage, msgID string) Callback {
	m.MsgID = Text(msgID)
	b, err := xml.Marshal(m)
	if err != nil {
		panic(err) // a mediaMessage always marshals
	}
	return s.Seal(b, s.CorpID, s.Now())
}

// NewImageCallback returns the callback of a photo a member sent: MsgType
// image with PicUrl and MediaId.
func (s *Server) NewImageCallback(from, mediaID, msgID string) Callback {
	m := mediaMessage{PlainMessage: s.NewPlain(from, "image")}
	m.PicURL = Text("https://wework.qpic.cn/wwpic/" + mediaID + "/0")
	m.MediaID = Text(mediaID)
	return s.sealMedia(m, msgID)
}

// NewFileCallback returns the callback of a file message (MsgType file
// with MediaId), which WeCom does not document for apps but may deliver.
func (s *Server) NewFileCallback(from, mediaID, msgID string) Callback {
	m := mediaMessage{PlainMessage: s.NewPlain(from, "file")}
	m.MediaID = Text(mediaID)
	return s.sealMedia(m, msgID)
}

// NewVoiceCallback returns the callback of a voice message.
func (s *Server) NewVoiceCallback(from, mediaID, msgID string) Callback {
	m := mediaMessage{PlainMessage: s.NewPlain(from, "voice")}
	m.MediaID, m.Format = Text(mediaID), Text("amr")
	return s.sealMedia(m, msgID)
}

// NewVideoCallback returns the callback of a video message.
func (s *Server) NewVideoCallback(from, mediaID, msgID string) Callback {
	m := mediaMessage{PlainMessage: s.NewPlain(from, "video")}
	m.MediaID, m.ThumbMediaID = Text(mediaID), Text(mediaID+"-thumb")
	return s.sealMedia(m, msgID)
}

// NewLocationCallback returns the callback of a location message.
func (s *Server) NewLocationCallback(from, label, msgID string) Callback {
	m := mediaMessage{PlainMessage: s.NewPlain(from, "location")}
	m.LocationX, m.LocationY, m.Scale, m.Label = "30.52", "114.31", "15", Text(label)
	return s.sealMedia(m, msgID)
}
