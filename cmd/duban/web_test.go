package main

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// freeAddr returns a loopback address with a port free a moment ago: the
// pages' public URL must be known before serve starts.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// pagesBrowser follows redirects with its own cookies, like WeCom's browser.
type pagesBrowser struct {
	t *testing.T
	c *http.Client
}

func newPagesBrowser(t *testing.T) *pagesBrowser {
	jar, _ := cookiejar.New(nil)
	return &pagesBrowser{t: t, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (b *pagesBrowser) get(u string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestServeLedgerPages runs serve with [web] against the fake WeCom, which
// performs the login, and checks from outside that each role's page lists
// exactly what that role may see, and that a 销号 from the page reaches the
// unit through WeCom like one from chat.
func TestServeLedgerPages(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	addr := freeAddr(t)
	cfg, err := os.ReadFile(e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(cfg), `listen = "127.0.0.1:0"`, `listen = "`+addr+`"`, 1)
	text += "\n[web]\npublic_url = \"http://" + addr + "\"\nauthorize_url = \"" + e.fake.AuthorizeURL() + "\"\nworkbench = true\n"
	if err := os.WriteFile(e.cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	e.fake.SetTrustedDomain(addr)
	p := e.serve()

	// What the sample ledger says each group holds, to compare the pages with.
	units := map[string][]string{} // group → unit names
	unitsCSV, err := os.ReadFile("../../examples/sample/units.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(unitsCSV)), "\n")[1:] {
		f := strings.Split(strings.TrimSpace(line), ",")
		units[f[2]] = append(units[f[2]], f[1])
	}

	e.fake.SetLoginUser("liujianhua")
	leader := newPagesBrowser(t)
	code, body := leader.get(p.url("/ledger/"))
	if code != http.StatusOK || !strings.Contains(body, "<h1>党群组</h1>") {
		t.Fatalf("leader's first visit: %d\n%s", code, body)
	}
	for group, names := range units {
		for _, name := range names {
			shown := strings.Contains(body, ">"+name+"<")
			if shown != (group == "党群组") {
				t.Errorf("党群组's page shows %s of %s: %v", name, group, shown)
			}
		}
	}
	if code, _ := leader.get(p.url("/ledger/group?name=" + url.QueryEscape("政府组"))); code != http.StatusNotFound {
		t.Errorf("the leader opens another group: %d", code)
	}

	e.fake.SetLoginUser("zhaojie")
	contact := newPagesBrowser(t)
	code, body = contact.get(p.url("/ledger/"))
	if code != http.StatusOK || !strings.Contains(body, "<h1>市委办公室</h1>") {
		t.Fatalf("contact's first visit: %d\n%s", code, body)
	}
	if code, _ := contact.get(p.url("/ledger/unit?code=DQ02")); code != http.StatusNotFound {
		t.Errorf("the contact opens another unit: %d", code)
	}

	// The workbench tile: a template, then each person's own figures.
	reported := func() []string { // the leader's 待销号, as set
		var out []string
		for _, d := range e.fake.WorkbenchData() {
			for _, it := range d.KeyData.Items {
				if d.UserID == "liujianhua" && it.Key == "待销号" {
					out = append(out, it.Data)
				}
			}
		}
		return out
	}
	waitFor(t, 15*time.Second, "the leader's workbench figures", func() bool { return len(reported()) > 0 })
	if tpl := e.fake.WorkbenchTemplates(); len(tpl) != 1 || !tpl[0].ReplaceUserData {
		t.Fatalf("workbench templates: %+v", tpl)
	}
	before, _ := strconv.Atoi(reported()[0])
	latest := func() string { r := reported(); return r[len(r)-1] }

	// zhaojie reports T003 in chat; the leader closes it from the page.
	p.mustAck(e.fake.NewTextCallback("zhaojie", "完成 T003 方案已报编办", "web-1"))
	waitFor(t, 10*time.Second, "the report to reach the leader", func() bool { return len(e.fake.MessagesTo("liujianhua")) > 0 })
	waitFor(t, 20*time.Second, "the leader's 待销号 to count the report", func() bool { return latest() == strconv.Itoa(before+1) })
	_, page := leader.get(p.url("/ledger/task?id=T003"))
	form := url.Values{"act": {"verify"}}
	for _, m := range regexp.MustCompile(`name="(csrf|nonce|id|ref)" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !form.Has(m[1]) {
			form.Set(m[1], m[2])
		}
	}
	resp, err := leader.c.PostForm(p.url("/ledger/decide"), form)
	if err != nil {
		t.Fatal(err)
	}
	flash, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(flash), "已办理：销号：已报完成 → 已销号") {
		t.Fatalf("销号 from the page: %d\n%s", resp.StatusCode, flash)
	}
	waitFor(t, 15*time.Second, "the 销号 to reach the unit's head", func() bool { return len(e.fake.MessagesTo("zhangwei")) > 0 })
	msgs := e.fake.MessagesTo("zhangwei")
	if !strings.Contains(describe(msgs), "已销号") {
		t.Errorf("the unit's head was not told of the 销号:\n%s", describe(msgs))
	}
	waitFor(t, 20*time.Second, "the leader's 待销号 to drop the closed report", func() bool { return latest() == strconv.Itoa(before) })

}

// TestWebPreview runs `duban web --as` on loopback: the pages of that user,
// marked 本地预览, read-only; a non-loopback address is refused.
func TestWebPreview(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	if _, errOut, code := e.duban("web", "--config", e.cfgPath, "--as", "liujianhua", "--listen", "0.0.0.0:0"); code == 0 || !strings.Contains(errOut, "只能在本机地址上提供") {
		t.Errorf("a preview on every interface: exit %d\n%s", code, errOut)
	}
	if _, errOut, code := e.duban("web", "--config", e.cfgPath, "--as", "nobody"); code == 0 || !strings.Contains(errOut, "任务清单的人员中没有这个账号") {
		t.Errorf("a preview as a stranger: exit %d\n%s", code, errOut)
	}
	addr := freeAddr(t)
	cmd := exec.Command(e.bin, "web", "--config", e.cfgPath, "--as", "liujianhua", "--listen", addr)
	cmd.Dir = e.dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	b := newPagesBrowser(t)
	var code int
	var body string
	waitFor(t, 15*time.Second, "the preview to answer", func() bool {
		resp, err := b.c.Get("http://" + addr + "/ledger/")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		code, body = resp.StatusCode, string(raw)
		return true
	})
	if code != http.StatusOK || !strings.Contains(body, "本地预览") || !strings.Contains(body, "<h1>党群组</h1>") {
		t.Errorf("preview: %d\n%s", code, body)
	}
	if code, _ := b.get("http://" + addr + "/ledger/group?name=" + url.QueryEscape("政府组")); code != http.StatusNotFound {
		t.Errorf("the preview opens another group: %d", code)
	}
}
