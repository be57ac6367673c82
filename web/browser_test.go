package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples"
	"github.com/duban-org/duban/tasklist"
)

// chromium finds Debian's chromium (or another Chrome) on PATH.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browse starts a headless Chromium with a fresh profile, sized w×h.
func browse(t *testing.T, exe string, w, h int) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(w, h),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// shot saves a full-page PNG of the current page.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	save(t, name, png)
}

// save writes a screenshot into docs/ (the ones README shows) when
// DUBAN_SCREENSHOTS=1, else into the test's temporary directory, so a test
// run on a machine with other fonts leaves the tree as it was.
func save(t *testing.T, name string, png []byte) {
	t.Helper()
	dir := t.TempDir()
	if os.Getenv("DUBAN_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "docs")
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserEachRole logs each role in through the fake WeCom's login in
// headless Chromium, opens their page, clicks into a unit and a task, and
// saves the screenshots README shows. A group leader closes a report from
// the task's page.
func TestBrowserEachRole(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	exe := chromium()
	if exe == "" {
		t.Skip("Chromium is not installed (Debian: apt-get install chromium), so the browser test cannot run")
	}
	l, err := tasklist.ReadFS(examples.Sample, ".")
	if err != nil {
		t.Fatal(err)
	}
	r := newRigWith(t, duban.Ledger{Units: l.Units, People: l.People, Tasks: l.Tasks})
	r.say("zhaojie", "完成 T003 方案已经党组会通过并报编办", "m1")
	r.say("zhaojie", "延期 T004 2027-01-20 待市编委会审议职数", "m2")

	text := func(ctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}
	open := func(ctx context.Context, userid string) {
		t.Helper()
		r.wecom.SetLoginUser(userid)
		if err := chromedp.Do(ctx, chromedp.Navigate(r.ts.URL+prefix+"/"), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
			t.Fatalf("%s: open the home page: %v", userid, err)
		}
	}
	// click clicks the first element sel (CSS, or XPath when it starts
	// with /) selects and waits for the next page.
	click := func(ctx context.Context, sel string) {
		t.Helper()
		do := chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)
		if strings.HasPrefix(sel, "/") {
			do = chromedp.Click(sel, chromedp.NodeVisible)
		}
		if err := chromedp.Do(ctx, do, chromedp.WaitVisible(chromedp.CSS("footer"))); err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
		time.Sleep(200 * time.Millisecond) // let the new page settle before reading it
	}

	t.Run("联络员", func(t *testing.T) {
		ctx := browse(t, exe, 412, 900)
		open(ctx, "zhaojie")
		if h := text(ctx, "h1"); h != "市委办公室" {
			t.Fatalf("a contact's home is %q, want their unit", h)
		}
		if w := text(ctx, "ul.waiting"); !strings.Contains(w, "T003") {
			t.Errorf("待您办理 lacks the reported task: %q", w)
		}
		shot(t, ctx, "web-unit.png")
		click(ctx, `a[href$="task?id=T004"]`)
		if h := text(ctx, "h1"); !strings.HasPrefix(h, "T004") {
			t.Fatalf("task page is %q", h)
		}
		if s := text(ctx, "main"); !strings.Contains(s, "申请将完成时限由") || strings.Contains(s, "同意延期\n") {
			t.Errorf("the task page of a contact: %q", s)
		}
		shot(t, ctx, "web-task.png")
	})

	t.Run("督办组组长", func(t *testing.T) {
		ctx := browse(t, exe, 412, 900)
		open(ctx, "liujianhua")
		if h := text(ctx, "h1"); h != "党群组" {
			t.Fatalf("a leader's home is %q, want the group", h)
		}
		if s := text(ctx, "main"); strings.Contains(s, "政府组") {
			t.Error("the group page names another group")
		}
		shot(t, ctx, "web-group.png")
		click(ctx, `a[href$="unit?code=DQ01"]`)
		if h := text(ctx, "h1"); h != "市委办公室" {
			t.Fatalf("unit page is %q", h)
		}
		click(ctx, `a[href$="task?id=T003"]`)
		if h := text(ctx, "h1"); !strings.HasPrefix(h, "T003") {
			t.Fatalf("task page is %q", h)
		}
		shot(t, ctx, "web-decide.png")
		click(ctx, `button[value="verify"]`)
		if f := text(ctx, ".flash"); !strings.Contains(f, "已销号") {
			t.Errorf("after 销号: %q", f)
		}
		if c := last(t, r.st, "T003"); c.Action != "销号" || c.By != "liujianhua" {
			t.Errorf("last entry of T003: %+v", c)
		}
	})

	t.Run("编办", func(t *testing.T) {
		ctx := browse(t, exe, 1100, 1400)
		open(ctx, "lixiaodong")
		if h := text(ctx, "h1"); h != "全市总览" {
			t.Fatalf("编办's home is %q", h)
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		save(t, "web-city.png", png)
		// 84 units are ranked 20 to a page: the next page starts at 21.
		if p := text(ctx, "#units .pager"); !strings.Contains(p, "第 1/5 页（第 1–20 项，共 84 项）") {
			t.Errorf("the ranking's pager: %q", p)
		}
		click(ctx, `#units a[rel="next"]`)
		if p := text(ctx, "#units .pager"); !strings.Contains(p, "第 2/5 页（第 21–40 项，共 84 项）") {
			t.Errorf("the ranking's second page: %q", p)
		}
		if first := text(ctx, "#units tbody tr td"); first != "21" {
			t.Errorf("the second page starts at rank %q", first)
		}
		click(ctx, `//table//a[text()="政府组"]`)
		if h := text(ctx, "h1"); h != "政府组" {
			t.Fatalf("group page is %q", h)
		}
		click(ctx, `table a[href*="unit?code="]`)
		click(ctx, `table.tasks a[href*="task?id="]`)
		if s := text(ctx, "main"); !strings.Contains(s, "变更记录") {
			t.Errorf("task page: %q", s)
		}
	})
}
