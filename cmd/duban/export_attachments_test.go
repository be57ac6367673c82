package main

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// The export writes each task's evidence beside the workbook, byte for
// byte, one folder per task, names made safe, and the workbook lists them.
func TestExportWritesAttachments(t *testing.T) {
	cfg, dir := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %s %s", out, errs)
	}
	var photo bytes.Buffer
	jpeg.Encode(&photo, image.NewRGBA(image.Rect(0, 0, 40, 30)), nil)
	pdf, err := os.ReadFile("../../testdata/evidence/minutes.pdf")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	for _, a := range []struct {
		task, name string
		content    []byte
	}{
		{"T003", "", photo.Bytes()},
		{"T003", "../../纪要.pdf", pdf},
		{"T004", "纪要.pdf", pdf},
	} {
		if _, err := st.Attach(ctx, duban.Attachment{Task: a.task, Name: a.name, By: "zhaojie", At: at}, bytes.NewReader(a.content), 0); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	out := filepath.Join(t.TempDir(), "台账.xlsx")
	code, stdout, errs := cli(t, "", "export", "--config", cfg, out)
	if code != 0 || !strings.Contains(stdout, "已导出佐证材料 3 份到") {
		t.Fatalf("export: %d %s %s", code, stdout, errs)
	}
	folder := filepath.Join(filepath.Dir(out), "台账-附件")
	for rel, want := range map[string][]byte{
		"T003/图片-20261130-180000.jpg": photo.Bytes(),
		"T003/纪要.pdf":                 pdf,
		"T004/纪要.pdf":                 pdf,
	} {
		got, err := os.ReadFile(filepath.Join(folder, rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, %v", rel, len(got), err)
		}
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("附件")
	listed := map[string]bool{}
	for _, r := range rows[1:] {
		listed[strings.Join([]string{r[0], r[1], r[5], r[8]}, " ")] = true
	}
	if err != nil || len(rows) != 4 || rows[0][0] != "任务编号" || !listed["T003 纪要.pdf zhaojie 台账-附件/T003/纪要.pdf"] ||
		!listed["T004 纪要.pdf zhaojie 台账-附件/T004/纪要.pdf"] || !listed["T003 图片-20261130-180000.jpg zhaojie 台账-附件/T003/图片-20261130-180000.jpg"] {
		t.Fatalf("附件 sheet: %q %v", rows, err)
	}
	// The workbook with its 附件 sheet is imported again as it was.
	if code, out, errs := cli(t, "", "import", "--dry-run", "--config", cfg, out); code != 0 {
		t.Errorf("re-import: %s %s", out, errs)
	}

	// A CSV export puts them in its directory.
	csvOut := filepath.Join(t.TempDir(), "ledger")
	if code, stdout, errs := cli(t, "", "export", "--config", cfg, csvOut); code != 0 {
		t.Fatalf("csv export: %s %s", stdout, errs)
	}
	if got, err := os.ReadFile(filepath.Join(csvOut, "附件", "T004", "纪要.pdf")); err != nil || !bytes.Equal(got, pdf) {
		t.Errorf("csv export's attachment: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(csvOut, "attachments.csv")); err != nil || !strings.Contains(string(b), "附件/T003/图片-20261130-180000.jpg") {
		t.Errorf("attachments.csv: %s %v", b, err)
	}
}
