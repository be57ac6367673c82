package duban

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// photo returns a real JPEG, as a phone's camera would send.
func photo(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		img.Set(x, x%48, color.RGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckAttachmentAcceptsEvidenceAsItComes(t *testing.T) {
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 4, 4)))
	for _, c := range []struct {
		name, file string
		content    []byte
		mime, keep string
	}{
		{name: "党组会纪要.pdf", file: "testdata/evidence/minutes.pdf", mime: "application/pdf"},
		{name: "党组会纪要.docx", file: "testdata/evidence/minutes.docx", mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{name: "党组会纪要.DOC", file: "testdata/evidence/minutes.doc", mime: "application/msword"},
		{name: "台账.xls", file: "testdata/evidence/sheet.xls", mime: "application/vnd.ms-excel"},
		{name: "台账.xlsx", file: "examples/sample.xlsx", mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{name: "窗口.jpeg", content: photo(t), mime: "image/jpeg"},
		{name: "截图.png", content: pngBuf.Bytes(), mime: "image/png"},
		{name: "", content: photo(t), mime: "image/jpeg", keep: "-"},
		{name: `C:\Users\赵杰\桌面\..\方案.pdf`, file: "testdata/evidence/minutes.pdf", mime: "application/pdf", keep: "方案.pdf"},
	} {
		content := c.content
		if c.file != "" {
			content = fixture(t, c.file)
		}
		mime, keep, err := CheckAttachment(c.name, content)
		want := c.keep
		switch want {
		case "":
			want = c.name
		case "-":
			want = ""
		}
		if err != nil || mime != c.mime || keep != want {
			t.Errorf("%q: %q %q %v, want %q %q", c.name, mime, keep, err, c.mime, want)
		}
	}
}

func TestCheckAttachmentRefuses(t *testing.T) {
	pdf := fixture(t, "testdata/evidence/minutes.pdf")
	big := append(append([]byte(nil), pdf...), make([]byte, MaxAttachmentBytes)...)
	for _, c := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"纪要.pdf", nil, "是空的"},
		{"纪要.pdf", big, "超过 20 MB"},
		{"纪要.docx", pdf, "内容是PDF，与扩展名「.docx」不符"},
		{"照片.jpg", fixture(t, "testdata/evidence/minutes.docx"), "内容是Word，与扩展名「.jpg」不符"},
		{"纪要.pdf", []byte("会议纪要：同意方案。"), "不是可接受的佐证材料（内容为 text/plain）"},
		{"setup.exe", append([]byte("MZ"), make([]byte, 200)...), "不是可接受的佐证材料"},
		{"纪要", pdf, "与扩展名「」不符"},
	} {
		_, _, err := CheckAttachment(c.name, c.content)
		if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), c.want) {
			t.Errorf("%q: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestSanitizeName(t *testing.T) {
	long := strings.Repeat("很长", 100) + ".pdf"
	for in, want := range map[string]string{
		"../../etc/passwd":     "passwd",
		`..\..\windows\a.docx`: "a.docx",
		"..":                   "",
		".hidden.pdf":          "hidden.pdf",
		"纪要\x00\n.pdf":         "纪要.pdf",
		`a:b*c?"d<e>f|g.pdf`:   "abcdefg.pdf",
		"方案 .pdf. ":            "方案 .pdf",
		"会议\t纪要.pdf":           "会议 纪要.pdf",
		"ok\xff.pdf":           "ok.pdf",
		long:                   strings.Repeat("很长", 58) + ".pdf",
	} {
		if got := SanitizeName(in); got != want {
			t.Errorf("SanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSanitizeName(f *testing.F) {
	for _, s := range []string{"../../a.pdf", `C:\x\y.doc`, "纪要.pdf", "\x00", ". .", strings.Repeat("长", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SanitizeName(s)
		if strings.ContainsAny(got, "/\\\x00:*?\"<>|") || strings.HasPrefix(got, ".") || got == ".." ||
			!utf8.ValidString(got) || utf8.RuneCountInString(got) > 120 {
			t.Errorf("SanitizeName(%q) = %q", s, got)
		}
		if SanitizeName(got) != got {
			t.Errorf("not idempotent: %q → %q → %q", s, got, SanitizeName(got))
		}
	})
}

func FuzzCheckAttachment(f *testing.F) {
	f.Add("a.pdf", []byte("%PDF-1.4\n"))
	f.Add("a.jpg", []byte{0xff, 0xd8, 0xff, 0xe0})
	f.Add("", []byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, name string, content []byte) {
		mime, keep, err := CheckAttachment(name, content)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Errorf("uncoded error %v", err)
			}
			return
		}
		if mime == "" || (keep != "" && keep != SanitizeName(keep)) {
			t.Errorf("%q: %q %q", name, mime, keep)
		}
	})
}
