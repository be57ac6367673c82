package web

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

func photoJPEG(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, 30, 20)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload posts files to the task's page as its form would, with the
// page's csrf token (or the one given).
func (r *rig) upload(c *http.Client, task, csrf string, files map[string][]byte, fields ...string) (*http.Response, string) {
	r.t.Helper()
	_, page := r.get(c, prefix+"/task?id="+task)
	if csrf == "" {
		csrf = form(page).Get("csrf")
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrf)
	mw.WriteField("id", task)
	mw.WriteField("nonce", form(page).Get("nonce"))
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	for name, content := range files {
		part, _ := mw.CreateFormFile("file", name)
		part.Write(content)
	}
	mw.Close()
	resp, err := c.Post(r.ts.URL+prefix+"/attach", mw.FormDataContentType(), &body)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var attachmentLink = regexp.MustCompile(`attachment\?id=([A-Z0-9]+)"`)

func TestUploadShowAndDownloadEvidence(t *testing.T) {
	r := newRig(t, func(c *Config) { c.AttachmentsPerTask = 1 << 20 })
	pdf, err := os.ReadFile("../testdata/evidence/minutes.pdf")
	if err != nil {
		t.Fatal(err)
	}
	photo := photoJPEG(t)
	lilei := r.login("lilei")
	resp, page := r.upload(lilei, "T1", "", map[string][]byte{"党组会纪要.pdf": pdf})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "已保存「党组会纪要.pdf」") {
		t.Fatalf("upload: %d\n%s", resp.StatusCode, page)
	}
	resp, page = r.upload(lilei, "T1", "", map[string][]byte{"窗口.jpg": photo})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<img src="/ledger/attachment?id=`) {
		t.Fatalf("photo: %d\n%s", resp.StatusCode, page)
	}
	list, _ := r.st.Attachments(context.Background(), "T1")
	if len(list) != 2 || list[0].Via != duban.AttachedViaWeb || list[0].By != "lilei" {
		t.Fatalf("stored: %+v", list)
	}

	// Each refusal says why and stores nothing.
	for _, c := range []struct {
		files map[string][]byte
		csrf  string
		want  string
	}{
		{map[string][]byte{"纪要.docx": pdf}, "", "与扩展名「.docx」不符"},
		{map[string][]byte{"空.pdf": nil}, "", "是空的"},
		{map[string][]byte{"说明.txt": []byte("会议纪要")}, "", "不是可接受的佐证材料"},
		{map[string][]byte{"大.pdf": append(append([]byte(nil), pdf...), make([]byte, 1<<20)...)}, "", "将超过每项任务 1.0 MB 的上限"},
		{map[string][]byte{"纪要.pdf": pdf}, "forged", "页面已过期或请求不是从本页发出的"},
	} {
		resp, page := r.upload(lilei, "T1", c.csrf, c.files)
		if resp.StatusCode == http.StatusOK || !strings.Contains(page, c.want) {
			t.Errorf("%v: %d, want %q in\n%s", c.want, resp.StatusCode, c.want, page)
		}
	}
	huge := append(append([]byte(nil), pdf...), make([]byte, duban.MaxAttachmentBytes)...)
	if resp, page := r.upload(lilei, "T1", "", map[string][]byte{"巨大.pdf": huge}); resp.StatusCode == http.StatusOK || !strings.Contains(page, "超过 20 MB") {
		t.Errorf("past 20 MB: %d %s", resp.StatusCode, page)
	}
	if list, _ := r.st.Attachments(context.Background(), "T1"); len(list) != 2 {
		t.Errorf("refusals stored something: %d", len(list))
	}
	// The group leader may not upload (the report gives their page a form
	// and its token); another unit's contact does not find the task.
	r.say("lilei", "完成 T1 方案已报", "msg:report-T1")
	if resp, page := r.upload(r.login("wang"), "T1", "", map[string][]byte{"x.pdf": pdf}); resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "联络员或一把手上传") {
		t.Errorf("leader upload: %d", resp.StatusCode)
	}
	if resp, _ := r.upload(r.login("zhaoliu"), "T1", "", map[string][]byte{"x.pdf": pdf}); resp.StatusCode == http.StatusOK {
		t.Errorf("another unit's upload: %d", resp.StatusCode)
	}

	// Download: the unit, its group leader and 编办; not another unit, even by id.
	_, page = r.get(lilei, prefix+"/task?id=T1")
	ids := attachmentLink.FindAllStringSubmatch(page, -1)
	if len(ids) == 0 {
		t.Fatalf("no links on the page:\n%s", page)
	}
	var pdfID string
	for _, a := range list {
		if a.Type == "application/pdf" {
			pdfID = a.ID
		}
	}
	for user, want := range map[string]int{"lilei": 200, "wang": 200, "zhou": 200, "zhaoliu": 404, "liu": 404} {
		resp, body := r.get(r.login(user), prefix+"/attachment?id="+pdfID)
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", user, resp.StatusCode, want)
		}
		if want == 200 && (body != string(pdf) || resp.Header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment; filename*=UTF-8''") ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox")) {
			t.Errorf("%s got %d bytes %q %q", user, len(body), resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
	}
	if resp, _ := r.get(lilei, prefix+"/attachment?id=AAAAAAAAAAAAAAAAAAAAAAAAAA"); resp.StatusCode != 404 {
		t.Errorf("guessed id: %d", resp.StatusCode)
	}
}

// Files and the report in one go: stored first, then 完成 through the
// worker, so the 待销号 notice counts them.
func TestUploadWithTheReport(t *testing.T) {
	r := newRig(t)
	pdf, err := os.ReadFile("../testdata/evidence/minutes.pdf")
	if err != nil {
		t.Fatal(err)
	}
	resp, page := r.upload(r.login("hanmeimei"), "T5", "", map[string][]byte{"转岗名单.pdf": pdf}, "report", "1", "note", "人员已全部转岗")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "已保存「转岗名单.pdf」") || !strings.Contains(page, "已办理：完成") {
		t.Fatalf("upload with report: %d\n%s", resp.StatusCode, page)
	}
	task, _ := r.st.Task(context.Background(), "T5")
	if task.Status != duban.StatusReported || task.Progress != "人员已全部转岗" {
		t.Errorf("T5: %s %q", task.Status, task.Progress)
	}
	// More evidence on the pending report: whoever verifies it is told,
	// through the worker, with the new count.
	resp, page = r.upload(r.login("hanmeimei"), "T5", "", map[string][]byte{"现场.jpg": photoJPEG(t)})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "已通知负责对账销号的人员") {
		t.Fatalf("upload to a pending report: %d\n%s", resp.StatusCode, page)
	}
	var told string
	deadline := time.Now().Add(5 * time.Second)
	for told == "" && time.Now().Before(deadline) {
		pending, err := r.st.PendingOutgoing(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range pending {
			if e.Msg.To == "wang" && strings.Contains(e.Msg.Text, "【待销号·补充佐证材料】任务 T5") {
				told = e.Msg.Text
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(told, "韩梅梅（一把手）补充了「现场.jpg」") || !strings.Contains(told, "佐证材料：2 件") {
		t.Errorf("the leader was told: %q", told)
	}
	// A refused file sends no report.
	resp, page = r.upload(r.login("lilei"), "T1", "", map[string][]byte{"x.docx": pdf}, "report", "1")
	if resp.StatusCode == http.StatusOK || !strings.Contains(page, "未报送完成") {
		t.Errorf("refused file with report: %d", resp.StatusCode)
	}
	if task, _ := r.st.Task(context.Background(), "T1"); task.Status == duban.StatusReported {
		t.Error("reported despite the refused file")
	}
}
