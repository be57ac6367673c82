package duban

import (
	"fmt"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
)

// Attachment is one piece of evidence (佐证材料) — a photo, a 纪要, a 方案 —
// attached to a task. Its content is kept once per SHA256, however many
// tasks or people attach it.
type Attachment struct {
	// ID is random and unguessable: knowing one attachment's id tells
	// nothing about another's.
	ID     string    `json:"id"`
	Task   string    `json:"task"`
	Name   string    `json:"name"` // sanitised (SanitizeName), with an extension matching Type
	Type   string    `json:"type"` // MIME type, detected from the content
	Size   int64     `json:"size"`
	SHA256 string    `json:"sha256"` // hex
	By     string    `json:"by"`     // userid of the uploader
	At     time.Time `json:"at"`
	Via    string    `json:"via"` // AttachedViaChat or AttachedViaWeb
	// Msg is the key of the chat message that brought it, so handling the
	// message again (after a crash) answers as the first time did.
	Msg string `json:"msg,omitempty"`
}

// Where an attachment came from.
const (
	AttachedViaChat = "chat"
	AttachedViaWeb  = "web"
)

// MsgTypeEvidenceAdded is the Inbound.MsgType of evidence uploaded on a
// task's page, passed to the conversation so it can tell whoever verifies
// the task's pending report: EventKey is the task, Text the attachment ids
// separated by spaces.
const MsgTypeEvidenceAdded = "evidence_added"

// MaxAttachmentBytes is the size limit of one attachment.
const MaxAttachmentBytes = 20 << 20

// IsImage reports whether the attachment is a picture a page can show inline.
func (a Attachment) IsImage() bool { return strings.HasPrefix(a.Type, "image/") }

// SizeText is the size as people read it: 823 KB, 3.4 MB.
func SizeText(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d 字节", n)
	case n < 1<<20:
		return fmt.Sprintf("%d KB", (n+512)>>10)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// evidenceKinds are the accepted kinds of content: the detected MIME type
// and the extensions a file of that content may carry.
var evidenceKinds = []struct {
	mime string
	exts []string
	what string
}{
	{"application/pdf", []string{".pdf"}, "PDF"},
	{"application/msword", []string{".doc"}, "Word"},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", []string{".docx"}, "Word"},
	{"application/vnd.ms-excel", []string{".xls"}, "Excel"},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []string{".xlsx"}, "Excel"},
	// Office files whose inner layout the detector does not recognise
	// (WPS writes some): the container is right for the extension.
	{"application/x-ole-storage", []string{".doc", ".xls"}, "Word 或 Excel"},
	{"application/zip", []string{".docx", ".xlsx"}, "Word 或 Excel"},
	{"image/jpeg", []string{".jpg", ".jpeg"}, "图片"},
	{"image/png", []string{".png"}, "图片"},
	{"image/gif", []string{".gif"}, "图片"},
	{"image/webp", []string{".webp"}, "图片"},
	{"image/bmp", []string{".bmp"}, "图片"},
	{"image/heic", []string{".heic"}, "图片"},
	{"image/heif", []string{".heif"}, "图片"},
}

// AcceptedKinds is what people are told can be attached.
const AcceptedKinds = "PDF、Word（doc/docx）、Excel（xls/xlsx）和图片（jpg/png/gif/webp/bmp/heic）"

// CheckAttachment decides whether content named name may be attached: it
// must be non-empty, at most MaxAttachmentBytes, of an accepted kind, and
// its extension must match what it is. An empty name (a photo sent in
// chat) gets one from the kind. It returns the MIME type and the name to
// keep, or a coded error saying what is wrong.
func CheckAttachment(name string, content []byte) (mime, keep string, err error) {
	name = SanitizeName(name)
	shown := name
	if shown == "" {
		shown = "文件"
	}
	switch {
	case len(content) == 0:
		return "", "", Errorf(EINVALID, "「%s」是空的，没有保存。", shown)
	case len(content) > MaxAttachmentBytes:
		return "", "", Errorf(EINVALID, "「%s」超过 %d MB，没有保存。请压缩或拆分后再传。", shown, MaxAttachmentBytes>>20)
	}
	detected := mimetype.Detect(content).String()
	if i := strings.IndexByte(detected, ';'); i >= 0 {
		detected = detected[:i] // "text/plain; charset=utf-8"
	}
	ext := strings.ToLower(path.Ext(name))
	for _, k := range evidenceKinds {
		if k.mime != detected {
			continue
		}
		if name == "" {
			return detected, "", nil
		}
		for _, e := range k.exts {
			if e == ext {
				return canonicalMIME(detected, ext), name, nil
			}
		}
		return "", "", Errorf(EINVALID, "「%s」的内容是%s，与扩展名「%s」不符，没有保存。请用原文件重新上传。", shown, k.what, ext)
	}
	return "", "", Errorf(EINVALID, "「%s」不是可接受的佐证材料（内容为 %s），没有保存。可以上传%s。", shown, detected, AcceptedKinds)
}

// canonicalMIME names a container type (OLE, zip) by its extension.
func canonicalMIME(detected, ext string) string {
	switch ext {
	case ".doc":
		return "application/msword"
	case ".xls":
		return "application/vnd.ms-excel"
	case ".docx":
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return detected
}

// officeZone is China Standard Time, the zone people read times in.
var officeZone = time.FixedZone("CST", 8*3600)

// UnnamedFile names a file that came without a name (a photo sent in chat)
// by its kind and when it came, in office time: 图片-20261130-100000.jpg.
func UnnamedFile(mime string, at time.Time) string {
	what := "文件"
	if strings.HasPrefix(mime, "image/") {
		what = "图片"
	}
	return what + "-" + at.In(officeZone).Format("20060102-150405") + ExtensionOf(mime)
}

// ExtensionOf returns the usual extension of an accepted MIME type (".jpg").
func ExtensionOf(mime string) string {
	for _, k := range evidenceKinds {
		if k.mime == mime {
			return k.exts[0]
		}
	}
	return ""
}

// SanitizeName keeps the last path element of name, without control
// characters, characters that file systems or shells refuse (\ / : * ? " < > |),
// leading dots, or trailing dots and spaces, at most 120 characters (the
// extension kept). What is left may be "".
func SanitizeName(name string) string {
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "")
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case unicode.IsControl(r), strings.ContainsRune(`:*?"<>|`, r), r == utf8.RuneError:
			return -1
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, name)
	name = strings.Trim(name, ". ")
	if utf8.RuneCountInString(name) > 120 {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 10 {
			ext = ""
		}
		r := []rune(strings.TrimSuffix(name, ext))
		name = strings.Trim(string(r[:120-utf8.RuneCountInString(ext)]), ". ") + ext
	}
	return name
}
