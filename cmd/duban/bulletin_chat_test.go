package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/duban-org/duban/docx/docxtest"
	"github.com/duban-org/duban/store"
)

// 通报 in chat previews to the requester alone; 确认 numbers, archives and
// sends one short message and the documents to each recipient, once.
func TestChatBulletinPreviewThenPublish(t *testing.T) {
	cfg, dir := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := cli(t, "通报\n确认\n确认\n", "chat", "--config", cfg, "--as", "lixiaodong", "--now", "2026-12-30 16:00")
	if code != 0 {
		t.Fatalf("chat: %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "已发布工作通报（2026年第1期），发送给编办和督办组长共") {
		t.Fatalf("no word of publishing:\n%s", out)
	}
	// Everything before the first message to someone else is the preview.
	cut := strings.Index(out, "【发给 ")
	if cut < 0 {
		t.Fatalf("nothing sent to anyone else:\n%s", out)
	}
	preview, after := out[:cut], out[cut:]
	for _, want := range []string{"［文件］工作通报-预览.docx", "［文件］红黄灯清单-预览.xlsx", "工作通报（预览，未编号）",
		"回复「确认」发布", "[确认发布 → /click confirm:"} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview lacks %q:\n%s", want, preview)
		}
	}
	if strings.Contains(preview, "2026年第1期") {
		t.Errorf("the preview is numbered:\n%s", preview)
	}
	// The preview's headline figures are the published ones (nothing
	// changed in between).
	figures := regexp.MustCompile(`\d+ 个单位共 \d+ 项任务，已销号 \d+ 项（[\d.]+%），已报完成待销号 \d+ 项，逾期 \d+ 项；见底清零单位 \d+ 个`)
	pf := figures.FindString(preview)
	if pf == "" || !strings.Contains(after, pf) {
		t.Errorf("published figures differ from the preview's %q:\n%s", pf, after)
	}
	// Every group leader gets one short message, then the two files.
	for _, who := range []string{"liujianhua", "chenzhiqiang"} {
		msg := "【发给 " + who + "】\n工作通报（2026年第1期）\n"
		i := strings.Index(after, msg)
		if i < 0 {
			t.Fatalf("no headline for %s:\n%s", who, after)
		}
		rest := after[i+len(msg):]
		end := strings.Index(rest, "【发给 "+who+"】\n［文件］工作通报-2026年第1期.docx")
		if end < 0 || strings.Count(rest[:end], "\n") > 6 || strings.Contains(rest[:end], "六、单位排名") {
			t.Errorf("%s: not one short message followed by the document:\n%s", who, after)
		}
		if !strings.Contains(after, "【发给 "+who+"】\n［文件］红黄灯清单-2026年第1期.xlsx") {
			t.Errorf("%s did not get the workbook", who)
		}
	}
	if strings.Count(out, "没有待确认的变更") != 1 {
		t.Errorf("the second 确认 did something:\n%s", after)
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	all, err := st.Bulletins(ctx)
	if err != nil || len(all) != 1 || len(all[0].Files) != 2 {
		t.Fatalf("archive after one 确认: %+v %v", all, err)
	}
	doc, err := st.BulletinDocument(ctx, 1, "工作通报-2026年第1期.docx")
	if err != nil {
		t.Fatal(err)
	}
	if text := docxtest.Text(t, docxtest.Parts(t, doc)["word/document.xml"]); !strings.Contains(text, "2026年第1期") || strings.Contains(text, "预览稿") {
		t.Errorf("archived document is not the numbered one:\n%.600s", text)
	}
}

// 专函 in chat: 编办 previews each draft, 取消 discards it, 确认 issues it
// with its 文号 and sends the notice and the .docx to the unit's 一把手.
func TestChatLettersPreviewThenIssue(t *testing.T) {
	cfg, dir := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := cli(t, "专函\n取消\n确认\n", "chat", "--config", cfg, "--as", "lixiaodong", "--now", "2026-12-30 16:00")
	if code != 0 {
		t.Fatalf("chat: %d\n%s\n%s", code, out, errs)
	}
	drafts := regexp.MustCompile(`［文件］(专函督办-[^\n]+\.docx)\n\n专函督办草稿（尚有 (\d+) 件待处理）`).FindAllStringSubmatch(out, -1)
	if len(drafts) < 3 || drafts[0][1] == drafts[1][1] {
		t.Fatalf("want a draft, the next after 取消 and the next after 确认:\n%s", out)
	}
	issued := regexp.MustCompile(`已发出专函督办 \S*〔2026〕1号（([^）]+)），通知和函件已发送给`).FindStringSubmatch(out)
	if issued == nil || drafts[1][1] != "专函督办-"+issued[1]+".docx" {
		t.Fatalf("the second draft was not the one issued:\n%s", out)
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	letters, err := st.Letters(context.Background())
	if err != nil || len(letters) != 1 || letters[0].Name != issued[1] || letters[0].HeadID == "" {
		t.Fatalf("letters %+v %v", letters, err)
	}
	head := letters[0].HeadID
	for _, want := range []string{"【发给 " + head + "】\n【专函督办】", "【发给 " + head + "】\n［文件］" + letters[0].File} {
		if !strings.Contains(out, want) {
			t.Errorf("the 一把手 did not get %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "已取消：向") {
		t.Errorf("no word of the discarded draft:\n%s", out)
	}
}

// 确认 publishes the figures that were previewed, even when the ledger moved
// in between: the person approved what they saw.
func TestChatBulletinPublishesThePreviewedFigures(t *testing.T) {
	cfg, _ := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := cli(t, "通报\n销号 T008\n确认\n", "chat", "--config", cfg, "--as", "lixiaodong", "--now", "2026-12-30 16:00")
	if code != 0 {
		t.Fatalf("chat: %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "已销号。") || !strings.Contains(out, "已发布工作通报（2026年第1期）") {
		t.Fatalf("want 销号 between the preview and its publishing:\n%s", out)
	}
	closed := regexp.MustCompile(`已销号 (\d+) 项（[\d.]+%），已报完成待销号 (\d+) 项`)
	cut := strings.Index(out, "销号：已报完成 → 已销号")
	preview, after := closed.FindStringSubmatch(out[:cut]), closed.FindStringSubmatch(out[cut:])
	if preview == nil || after == nil || preview[0] != after[0] {
		t.Fatalf("published %q, previewed %q:\n%s", after, preview, out)
	}
	// Computed afresh, the bulletin would count T008 as closed.
	code, now, _ := cli(t, "", "report", "--config", cfg, "--now", "2026-12-30 16:00")
	if fresh := closed.FindStringSubmatch(now); code != 0 || fresh == nil || fresh[0] == preview[0] {
		t.Fatalf("the 销号 did not change the figures, so this test shows nothing: %q vs %q", fresh, preview)
	}
}

// A preview confirmed after another bulletin was published from a later
// reading of the ledger is not published: its figures would go out as the
// newer issue while older than the one before it.
func TestChatBulletinRefusesAPreviewOlderThanTheLastIssue(t *testing.T) {
	cfg, _ := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	script := "通报\n/as liujianhua\n通报\n确认\n/as lixiaodong\n确认\n"
	code, out, errs := cli(t, script, "chat", "--config", cfg, "--as", "lixiaodong", "--now", "2026-12-30 16:00")
	if code != 0 {
		t.Fatalf("chat: %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "已发布工作通报（2026年第1期）") {
		t.Fatalf("the group leader's preview was not published:\n%s", out)
	}
	if strings.Contains(out, "第2期") || !strings.Contains(out, "请重新发送「通报」预览") {
		t.Fatalf("the older preview was published after the newer issue, or refused without saying so:\n%s", out)
	}
}
