package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/docx/docxtest"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/store"
)

// TestReportDocuments: the preview's documents hold the figures the text
// preview prints, change nothing in the store, and publishing numbers the
// bulletins consecutively (by year) across runs, archives their documents
// and compares each with the one before.
func TestReportDocuments(t *testing.T) {
	cfg, storeDir := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	dir := t.TempDir()
	docPath, xlsxPath, letters := filepath.Join(dir, "通报.docx"), filepath.Join(dir, "清单.xlsx"), filepath.Join(dir, "letters")
	code, out, errs := cli(t, "", "report", "--config", cfg, "--now", "2026-12-30 16:00", "--docx", docPath, "--xlsx", xlsxPath, "--letters", letters)
	if code != 0 {
		t.Fatalf("report: %d\n%s\n%s", code, out, errs)
	}
	m := regexp.MustCompile(`(\d+) 个单位共 (\d+) 项任务，已销号 (\d+) 项（([\d.]+%)），已报完成待销号 (\d+) 项，逾期 (\d+) 项`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no overall line in:\n%s", out)
	}
	data, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	text := docxtest.Text(t, docxtest.Parts(t, data)["word/document.xml"])
	want := "纳入改革的" + m[1] + "个单位共有改革任务" + m[2] + "项，已销号" + m[3] + "项，销号率" + m[4] + "；已报完成待销号" + m[5] + "项；逾期未完成" + m[6] + "项"
	if !strings.Contains(text, want) || !strings.Contains(text, "预览稿") {
		t.Errorf("document lacks %q:\n%.2000s", want, text)
	}
	wb, err := excelize.OpenFile(xlsxPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wb.GetRows("红灯（逾期）")
	wb.Close()
	if err != nil || strings.Count(out, "｜逾期 ") != len(rows)-1 {
		t.Errorf("red sheet has %d rows for %d overdue tasks in the text (%v)", len(rows)-1, strings.Count(out, "｜逾期 "), err)
	}
	// The reply is due 5 working days (reply_workdays) after the letter's day.
	replyBy := addWorkdays(remind.DefaultCalendar(), duban.NewDate(2026, 12, 30), 5).Time(time.UTC).Format("2006年1月2日前将办理情况书面报送")
	entries, err := os.ReadDir(letters)
	if err != nil || len(entries) == 0 {
		t.Fatalf("no letters: %v", err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(letters, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		text := docxtest.Text(t, docxtest.Parts(t, data)["word/document.xml"])
		if !strings.HasPrefix(e.Name(), "专函督办-") || !strings.Contains(text, "同志：") || !strings.Contains(text, "〔2026〕") || !strings.Contains(text, replyBy) {
			t.Errorf("letter %s:\n%s", e.Name(), text)
		}
	}

	// The preview numbered, archived and queued nothing.
	st, err := store.Open(storeDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	next, _ := st.NextBulletinNo(context.Background())
	queued, _ := st.OutboxLen(context.Background())
	st.Close()
	if next != 1 || queued != 0 {
		t.Fatalf("preview changed the store: next bulletin %d, outbox %d", next, queued)
	}

	for i, now := range []string{"2026-12-30 16:00", "2027-01-08 16:00", "2027-01-15 16:00"} {
		pub := filepath.Join(dir, "pub.docx")
		code, out, errs := cli(t, "", "report", "--config", cfg, "--now", now, "--publish", "--docx", pub)
		if code != 0 {
			t.Fatalf("publish %d: %d\n%s\n%s", i, code, out, errs)
		}
		label := []string{"2026年第1期", "2027年第1期", "2027年第2期"}[i]
		// serve is stopped while a command holds the store: the bulletin
		// is queued, and the message says who sends it.
		if !strings.Contains(errs, "已发布"+label) || !strings.Contains(errs, "已放入发件箱，由 duban serve 发送") || !strings.HasPrefix(out, "工作通报（"+label+"）") {
			t.Fatalf("publish %d: %s\n%.200s", i, errs, out)
		}
		data, err := os.ReadFile(pub)
		if err != nil {
			t.Fatal(err)
		}
		text := docxtest.Text(t, docxtest.Parts(t, data)["word/document.xml"])
		if !strings.Contains(text, label) || strings.Contains(text, "预览稿") {
			t.Errorf("published document %s:\n%.500s", label, text)
		}
		if i > 0 && !strings.Contains(text, "与上期（"+[]string{"", "2026年第1期", "2027年第1期"}[i]+"，") {
			t.Errorf("%s does not compare with the bulletin before:\n%.1500s", label, text)
		}
	}
	code, out, _ = cli(t, "", "report", "--config", cfg, "--list")
	if code != 0 || !strings.Contains(out, "2026年第1期") || !strings.Contains(out, "2027年第2期") || !strings.Contains(out, "工作通报-2027年第2期.docx") {
		t.Fatalf("list: %d\n%s", code, out)
	}
	arch := filepath.Join(dir, "archive")
	code, out, errs = cli(t, "", "report", "--config", cfg, "--archived", "2", "--out", arch)
	if code != 0 {
		t.Fatalf("archived: %d %s %s", code, out, errs)
	}
	for _, name := range []string{"工作通报-2027年第1期.docx", "红黄灯清单-2027年第1期.xlsx"} {
		if _, err := os.Stat(filepath.Join(arch, name)); err != nil {
			t.Errorf("archived document: %v", err)
		}
	}
	if code, _, errs := cli(t, "", "report", "--config", cfg, "--archived", "9", "--out", arch); code == 0 || !strings.Contains(errs, "bulletin 9") {
		t.Errorf("unknown bulletin: %d %s", code, errs)
	}
}
