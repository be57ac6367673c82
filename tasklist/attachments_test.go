package tasklist

import (
	"testing"

	"github.com/duban-org/duban"
)

func TestAttachmentPathsAreSafeAndDistinct(t *testing.T) {
	list := []duban.Attachment{
		{Task: "T003", Name: "纪要.pdf", Type: "application/pdf"},
		{Task: "T003", Name: "纪要.PDF", Type: "application/pdf"},
		{Task: "T003", Name: "../../../etc/passwd.pdf", Type: "application/pdf"},
		{Task: "../T9", Name: "..", Type: "image/jpeg"},
		{Task: "A/B", Name: "纪要.pdf", Type: "application/pdf"},
	}
	want := []string{"附件/T003/纪要.pdf", "附件/T003/纪要 (2).PDF", "附件/T003/passwd.pdf", "附件/_T9/附件.jpg", "附件/A_B/纪要.pdf"}
	for i, a := range AttachmentPaths("附件", list) {
		if a.Path != want[i] {
			t.Errorf("%d: %q, want %q", i, a.Path, want[i])
		}
	}
}
