package report

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/chart"
	"github.com/duban-org/duban/docx/docxtest"
	"github.com/duban-org/duban/remind"
)

var shanghai = time.FixedZone("CST", 8*3600)

func date(s string) duban.Date {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return duban.DateOf(t)
}

func task(id, unit, title, deadline string, st duban.Status) duban.Task {
	return duban.Task{ID: id, Unit: unit, Title: title, Deadline: date(deadline), Status: st}
}

// knownLedger: 市财政局 cleared, 市农业局 two overdue tasks, 市委办公室 one
// reported and one yellow, 市档案馆 one overdue.
func knownLedger() duban.Ledger {
	return duban.Ledger{
		Units: []duban.Unit{
			{Code: "U1", Name: "市财政局", Group: "政府组"},
			{Code: "U2", Name: "市农业局", Group: "政府组"},
			{Code: "U3", Name: "市委办公室", Group: "党群组"},
			{Code: "U4", Name: "市档案馆", Group: "政府组"},
		},
		People: []duban.Person{
			{UserID: "h2", Name: "王建国", Posts: []duban.Post{{Role: duban.RoleHead, Scope: "U2"}}},
			{UserID: "c2", Name: "李联络", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "U2"}}},
		},
		Tasks: []duban.Task{
			task("T1", "U1", "制定三定规定", "2026-09-30", duban.StatusVerified),
			task("T2", "U1", "人员转岗到位", "2026-10-30", duban.StatusVerified),
			task("T3", "U2", "内设机构调整到位", "2026-09-30", duban.StatusInProgress),
			task("T4", "U2", "核减领导职数", "2026-10-09", duban.StatusNotStarted),
			task("T5", "U3", "科室合并方案", "2026-09-21", duban.StatusReported),
			task("T6", "U3", "印发实施方案", "2026-10-21", duban.StatusNotStarted),
			task("T7", "U4", "档案移交", "2026-10-14", duban.StatusNotStarted),
		},
	}
}

func knownBulletin(t *testing.T) remind.Bulletin {
	t.Helper()
	b := remind.ComputeBulletin(knownLedger(), remind.Defaults(), remind.DefaultCalendar(), time.Date(2026, 10, 19, 16, 0, 0, 0, shanghai))
	if b.Total != 7 || b.Verified != 2 || b.Overdue != 3 {
		t.Fatalf("the known ledger computes %+v", b)
	}
	return b
}

var office = Office{Name: "中共咸宁市委机构编制委员会办公室", ShortName: "市委编办", BulletinTitle: "工作通报",
	LetterPrefix: "咸编办函", Contact: "联系人：王某，电话：0715-8120000", CC: []string{"市委办公室", "市政府办公室"}}

func TestBulletinDocxHoldsTheFigures(t *testing.T) {
	b := knownBulletin(t)
	prev := b
	prev.No, prev.Year, prev.At = 2, 2026, time.Date(2026, 10, 12, 16, 0, 0, 0, shanghai)
	// Then: one task 销号, nobody cleared, only T3 overdue.
	prev.Verified, prev.Cleared = 1, nil
	prev.Red = []remind.Lag{{Unit: b.Red[0].Unit, Tasks: b.Red[0].Tasks[:1:1]}}
	b.No, b.Year = 3, 2026
	change := remind.Compare(prev, b)
	data, err := BulletinDocx(office, b, &change)
	if err != nil {
		t.Fatal(err)
	}
	parts := docxtest.Parts(t, data)
	text := docxtest.Text(t, parts["word/document.xml"])
	for _, want := range []string{
		"工作通报", "2026年第3期", "中共咸宁市委机构编制委员会办公室\t2026年10月19日",
		"纳入改革的4个单位共有改革任务7项，已销号2项，销号率28.6%；已报完成待销号1项；逾期未完成3项；见底清零单位1个。",
		"与上期（2026年第2期，2026年10月12日）相比，销号率提高14.3个百分点（新增销号1项）；新增见底清零单位1个（市财政局）；新增逾期任务2项（",
		"|政府组|3|5|2|40.0%|0|3|1\n", "|党群组|1|2|0|0.0%|1|0|0\n",
		"以下1个单位任务全部销号，实现见底清零：市财政局。",
		"|1|市农业局|T3 内设机构调整到位|2026-09-30|9\n", "||T4 核减领导职数|2026-10-09|7\n", "|2|市档案馆|T7 档案移交|2026-10-14|3\n",
		"|T6 印发实施方案|2026-10-21\n",
		"|1|市财政局|政府组|2/2|100.0%|0\n",
		"抄送：市委办公室，市政府办公室。", "中共咸宁市委机构编制委员会办公室\t2026年10月19日印发",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("document text:\n%s", text)
	}
	img, err := png.Decode(bytes.NewReader(parts["word/media/image1.png"]))
	if err != nil {
		t.Fatalf("chart: %v", err)
	}
	if got := img.Bounds().Size(); got.X != chart.Width || got.Y != chart.Height(len(b.Groups)) {
		t.Errorf("chart is %v", got)
	}
	if os.Getenv("REPORT_OUT") != "" {
		_ = os.WriteFile(filepath.Join(os.Getenv("REPORT_OUT"), "bulletin.docx"), data, 0o644)
	}
}

func TestPreviewBulletinIsMarkedUnnumbered(t *testing.T) {
	data, err := BulletinDocx(office, knownBulletin(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	text := docxtest.Text(t, docxtest.Parts(t, data)["word/document.xml"])
	if !strings.Contains(text, "预览稿") || strings.Contains(text, "与上期") {
		t.Errorf("preview text:\n%s", text)
	}
}

func TestListsXLSX(t *testing.T) {
	data, err := ListsXLSX(knownBulletin(t))
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	red, err := f.GetRows("红灯（逾期）")
	if err != nil {
		t.Fatal(err)
	}
	if len(red) != 4 || strings.Join(red[1], ",") != "U2,市农业局,政府组,T3,内设机构调整到位,2026-09-30,19,9" {
		t.Errorf("red rows %q", red)
	}
	yellow, err := f.GetRows("黄灯（临近时限）")
	if err != nil {
		t.Fatal(err)
	}
	if len(yellow) != 2 || strings.Join(yellow[1], ",") != "U3,市委办公室,党群组,T6,印发实施方案,2026-10-21,2" {
		t.Errorf("yellow rows %q", yellow)
	}
}

func TestLetters(t *testing.T) {
	b := knownBulletin(t)
	letters := Lagging(b, knownLedger().People, 5)
	if len(letters) != 1 || letters[0].Unit.Code != "U2" || letters[0].Head != "王建国" || len(letters[0].Tasks) != 2 {
		t.Fatalf("lagging %+v", letters)
	}
	if all := Lagging(b, nil, 0); len(all) != 2 || all[1].Head != "" {
		t.Fatalf("every red unit: %+v", all)
	}
	l := letters[0]
	l.Number = LetterNumber(office.LetterPrefix, 2026, 7)
	l.ReplyBy = date("2026-10-26")
	data, err := LetterDocx(office, l)
	if err != nil {
		t.Fatal(err)
	}
	text := docxtest.Text(t, docxtest.Parts(t, data)["word/document.xml"])
	for _, want := range []string{"中共咸宁市委机构编制委员会办公室\n", "咸编办函〔2026〕7号", "关于督促市农业局\n加快完成改革任务的函",
		"市农业局王建国同志：", "贵单位有2项任务已超过完成时限", "|1|T3 内设机构调整到位|2026-09-30|19|9\n", "|2|T4 核减领导职数|2026-10-09|10|7\n",
		"于2026年10月26日前将办理情况书面报送市委编办", "（联系人：王某，电话：0715-8120000）"} {
		if !strings.Contains(text, want) {
			t.Errorf("letter lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("letter:\n%s", text)
	}
	if got := LetterNumber("咸编办函", 2026, 0); got != "咸编办函〔2026〕　　号" {
		t.Errorf("draft number %q", got)
	}
	if l.FileName() != "专函督办-市农业局.docx" || (Letter{Unit: duban.Unit{Name: "a/b:c"}}).FileName() != "专函督办-a_b_c.docx" {
		t.Errorf("file names")
	}
}

// TestLibreOfficeConverts converts the bulletin of the sample-sized ledger
// to PDF with LibreOffice (headless) and counts its pages; skipped where
// soffice is not installed.
func TestLibreOfficeConverts(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("soffice not installed (Debian: libreoffice-writer-nogui)")
	}
	b := knownBulletin(t)
	b.No, b.Year = 1, 2026
	data, err := BulletinDocx(office, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "bulletin.docx")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless", "--convert-to", "pdf", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "bulletin.pdf"))
	if err != nil {
		t.Fatalf("no PDF: %v", err)
	}
	// The page count is in the page tree's /Count.
	m := regexp.MustCompile(`/Type\s*/Pages\b[^>]*?/Count\s+(\d+)`).FindSubmatch(pdf)
	if m == nil {
		m = regexp.MustCompile(`/Count\s+(\d+)`).FindSubmatch(pdf)
	}
	if m == nil {
		t.Fatal("no page count in the PDF")
	}
	pages, _ := strconv.Atoi(string(m[1]))
	if pages != 3 {
		t.Errorf("%d pages, want 3", pages)
	}
	if out := os.Getenv("REPORT_OUT"); out != "" {
		_ = os.WriteFile(filepath.Join(out, "bulletin.pdf"), pdf, 0o644)
	}
}
