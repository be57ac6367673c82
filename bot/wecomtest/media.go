package wecomtest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// WeCom's limits on /cgi-bin/media/upload.
const (
	minMedia = 6 // more than 5 bytes
	maxFile  = 20 << 20
	maxImage = 10 << 20
	maxVoice = 2 << 20
	maxVideo = 10 << 20
)

// MediaRef is the body of a file or image message.
type MediaRef struct {
	MediaID string `json:"media_id"`
}

// Upload is one file the fake accepted on /cgi-bin/media/upload.
type Upload struct {
	Type     string // file, image, voice, video
	Name     string // the part's filename
	Length   int    // the part's filelength, -1 when absent
	Data     []byte
	MediaID  string
	Accepted bool

	forgotten bool // ForgetUploads: its media_id is no longer valid
}

// Uploads returns the accepted uploads, in order.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Upload(nil), s.uploads...)
}

// ForgetUploads makes every media_id given out so far unknown, as WeCom's
// are after three days: a file message naming one is answered 40007.
func (s *Server) ForgetUploads() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.uploads {
		s.uploads[i].forgotten = true
	}
}

// upload answers /cgi-bin/media/upload as WeCom does: a multipart form with
// one part named "media" carrying filename (and filelength), type one of
// image, voice, video, file, within each type's size limits; 40005 for an
// unknown type, 40006 (40009 for images) for a size outside them, 40004 for
// an image that is not JPG or PNG, 41005 for no media part, 44001 for an
// empty one.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.gateMessageCall(w, r) {
		return
	}
	kind := r.URL.Query().Get("type")
	limit := map[string]int{"file": maxFile, "image": maxImage, "voice": maxVoice, "video": maxVideo}[kind]
	if limit == 0 {
		apiError(w, 40005, "invalid file type")
		return
	}
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		apiError(w, 41005, "media data missing")
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		apiError(w, 41005, "media data missing")
		return
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			apiError(w, 41005, "media data missing")
			return
		}
		if err != nil {
			apiError(w, 41005, "media data missing")
			return
		}
		if part.FormName() != "media" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, int64(maxFile)+1))
		if err != nil {
			apiError(w, 41005, "media data missing")
			return
		}
		u := Upload{Type: kind, Name: part.FileName(), Length: fileLength(part.Header.Get("Content-Disposition")), Data: data}
		switch {
		case len(data) == 0:
			apiError(w, 44001, "empty media data")
		case len(data) < minMedia || len(data) > limit:
			if kind == "image" {
				apiError(w, 40009, "invalid image size")
			} else {
				apiError(w, 40006, "invalid file size")
			}
		case kind == "image" && !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) && !bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
			apiError(w, 40004, "invalid media type")
		case u.Name == "":
			apiError(w, 40004, "invalid media type")
		default:
			u.MediaID = "fake-media-" + strconv.Itoa(len(s.uploads)+1)
			u.Accepted = true
			s.uploads = append(s.uploads, u)
			s.changedLocked()
			writeJSON(w, map[string]any{"errcode": 0, "errmsg": "", "type": kind, "media_id": u.MediaID, "created_at": "1735689600"})
		}
		return
	}
}

func fileLength(disposition string) int {
	_, params, err := mime.ParseMediaType(disposition)
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(params["filelength"]))
	if err != nil {
		return -1
	}
	return n
}

// mediaOK checks a file or image message's media_id against the uploads;
// it answers 40007 (and returns false) for one the fake never gave out.
// Called with s.mu held.
func (s *Server) mediaOK(w http.ResponseWriter, msgType string, file, image *MediaRef) bool {
	var ref *MediaRef
	switch msgType {
	case "file":
		ref = file
	case "image":
		ref = image
	default:
		return true
	}
	if ref != nil {
		for _, u := range s.uploads {
			if u.MediaID == ref.MediaID && u.Type == msgType && !u.forgotten {
				return true
			}
		}
	}
	apiError(w, 40007, "invalid media_id")
	return false
}
