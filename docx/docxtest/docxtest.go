// Package docxtest reads back a .docx for tests: its parts, each checked to
// be well-formed XML, and the runs of text with their fonts and sizes.
package docxtest

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// Parts unzips b and checks that every .xml and .rels part is well-formed.
func Parts(t testing.TB, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		parts[f.Name] = data
		if strings.HasSuffix(f.Name, ".xml") || strings.HasSuffix(f.Name, ".rels") {
			if err := WellFormed(data); err != nil {
				t.Errorf("%s is not well-formed XML: %v", f.Name, err)
			}
		}
	}
	for _, need := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml"} {
		if parts[need] == nil {
			t.Fatalf("no part %s", need)
		}
	}
	return parts
}

// WellFormed reads data to its end as XML.
func WellFormed(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Run is a run of text with its East Asian font and size (half-points).
type Run struct {
	Font string
	Size string
	Text string
}

// Runs returns the text runs of a document or footer part, in order.
func Runs(t testing.TB, part []byte) []Run {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(part))
	var out []Run
	var cur *Run
	inText := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "r":
				cur = &Run{}
			case "rFonts":
				if cur != nil {
					cur.Font = attr(e, "eastAsia")
				}
			case "sz":
				if cur != nil {
					cur.Size = attr(e, "val")
				}
			case "t":
				inText = true
			case "tab":
				if cur != nil {
					cur.Text += "\t"
				}
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "r":
				if cur != nil {
					out = append(out, *cur)
				}
				cur = nil
			case "t":
				inText = false
			}
		case xml.CharData:
			if inText && cur != nil {
				cur.Text += string(e)
			}
		}
	}
}

// Text returns the text of a part, paragraphs on their own lines and a
// table row on one line, each cell opened by '|'.
func Text(t testing.TB, part []byte) string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(part))
	var s strings.Builder
	inText, inCell, inRun := false, false, false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return s.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "t":
				inText = true
			case "r":
				inRun = true
			case "tab":
				if inRun { // not a tab stop of the paragraph's properties
					s.WriteByte('\t')
				}
			case "tc":
				s.WriteByte('|')
				inCell = true
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "t":
				inText = false
			case "r":
				inRun = false
			case "tc":
				inCell = false
			case "tr":
				s.WriteByte('\n')
			case "p":
				if !inCell {
					s.WriteByte('\n')
				}
			}
		case xml.CharData:
			if inText {
				s.Write(e)
			}
		}
	}
}

// Attr returns the value of the first element named local carrying
// attribute name in part, or "".
func Attr(part []byte, local, name string) string {
	d := xml.NewDecoder(bytes.NewReader(part))
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if e, ok := tok.(xml.StartElement); ok && e.Name.Local == local {
			if v := attr(e, name); v != "" {
				return v
			}
		}
	}
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// Find returns the first run whose text contains s.
func Find(runs []Run, s string) (Run, error) {
	for _, r := range runs {
		if strings.Contains(r.Text, s) {
			return r, nil
		}
	}
	return Run{}, fmt.Errorf("no run holds %q", s)
}
