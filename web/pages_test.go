package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// Each role opens exactly the pages it may: anything else answers as a page
// that does not exist, whatever id is put in the address.
func TestEachRoleSeesOnlyItsOwnPages(t *testing.T) {
	r := newRig(t)
	pages := []string{
		"/unit?code=A1", "/unit?code=A2", "/unit?code=B1",
		"/task?id=T1", "/task?id=T3", "/task?id=T4", "/task?id=t1",
		"/group?name=" + url.QueryEscape("政府组"), "/group?name=" + url.QueryEscape("党群组"),
		"/city", "/bulletins", "/bulletin?no=1", "/notices",
		"/unit?code=ZZ", "/task?id=T999", "/group?name=nosuch", "/unit?code=", "/task?id=",
	}
	allowed := map[string][]string{
		"lilei":     {"/unit?code=A1", "/task?id=T1", "/task?id=t1"},
		"hanmeimei": {"/unit?code=A1", "/task?id=T1", "/task?id=t1"},
		"zhaoliu":   {"/unit?code=A2", "/task?id=T3"},
		"wang":      {"/unit?code=A1", "/unit?code=A2", "/task?id=T1", "/task?id=t1", "/task?id=T3", "/group?name=" + url.QueryEscape("政府组")},
		"liu":       {"/unit?code=B1", "/task?id=T4", "/group?name=" + url.QueryEscape("党群组")},
		"qian":      {"/unit?code=A2", "/task?id=T3", "/unit?code=B1", "/task?id=T4", "/group?name=" + url.QueryEscape("党群组")},
		"zhou": {"/unit?code=A1", "/unit?code=A2", "/unit?code=B1", "/task?id=T1", "/task?id=t1", "/task?id=T3", "/task?id=T4",
			"/group?name=" + url.QueryEscape("政府组"), "/group?name=" + url.QueryEscape("党群组"), "/city", "/bulletins", "/notices"},
	}
	for who, ok := range allowed {
		c := r.login(who)
		for _, p := range pages {
			resp, body := r.get(c, prefix+p)
			want := http.StatusNotFound
			for _, a := range ok {
				if a == p {
					want = http.StatusOK
				}
			}
			if resp.StatusCode != want {
				t.Errorf("%s %s: status %d, want %d", who, p, resp.StatusCode, want)
			}
			if want == http.StatusNotFound && (strings.Contains(body, "任务清单") || strings.Contains(body, "<table")) {
				t.Errorf("%s %s: a refused page shows the ledger", who, p)
			}
		}
	}
}

// A group leader's page lists their group's units and nothing of another.
func TestGroupPageListsOnlyTheGroup(t *testing.T) {
	r := newRig(t)
	r.say("lilei", "完成 T1 方案已报编办", "m1")
	c := r.login("wang")
	resp, body := r.get(c, prefix+"/")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != prefix+"/group?name="+url.QueryEscape("政府组") {
		t.Fatalf("a leader's home: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = r.get(c, resp.Header.Get("Location"))
	for _, want := range []string{"市财政局", "市民政局", "待销号的报送（1）", "李雷（联络员）", "方案已报编办", "<svg", "各单位完成率"} {
		if !strings.Contains(body, want) {
			t.Errorf("group page lacks %q", want)
		}
	}
	for _, not := range []string{"市委", "设置法制机构", "T4"} {
		if strings.Contains(body, not) {
			t.Errorf("group page shows %q of another group", not)
		}
	}
}

func TestStoredStringsAreEscapedAndPagesCarryCSP(t *testing.T) {
	r := newRig(t)
	r.say("lilei", "进展 T2 "+hostile, "m1")
	c := r.login("zhou")
	for _, p := range []string{"/unit?code=A1", "/task?id=T2", "/city", "/unit?code=B1", "/group?name=" + url.QueryEscape("党群组")} {
		resp, body := r.get(c, prefix+p)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "<b>办") {
			t.Errorf("%s: a stored string rendered as markup", p)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") && !strings.Contains(body, "&lt;b&gt;办&lt;/b&gt;") {
			t.Errorf("%s: the hostile text is not shown as text", p)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
	}
}

// decide posts a decision form from task id's page as c.
func (r *rig) decide(c *http.Client, id, act, note string) (*http.Response, string) {
	r.t.Helper()
	_, page := r.get(c, prefix+"/task?id="+id)
	f := form(page)
	if f.Get("csrf") == "" {
		r.t.Fatalf("task %s: no decision form\n%s", id, page)
	}
	f.Set("act", act)
	f.Set("note", note)
	return r.post(c, prefix+"/decide", f)
}

func TestVerifyFromThePageIsRecordedLikeChat(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.say("lilei", "完成 T1 方案已报编办", "m1")
	r.say("lilei", "完成 T5 已全部到位", "m2")
	// The same decision by chat, for comparison.
	r.say("wang", "销号 T5", "m3")

	c := r.login("wang")
	resp, body := r.decide(c, "T1", "verify", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "已办理：销号：已报完成 → 已销号") {
		t.Fatalf("verify from the page: %d\n%s", resp.StatusCode, body)
	}
	task, _ := r.st.Task(ctx, "T1")
	if task.Status != duban.StatusVerified {
		t.Fatalf("T1 is %s", task.Status)
	}
	page := last(t, r.st, "T1")
	chat := last(t, r.st, "T5")
	if page.Action != chat.Action || page.By != chat.By || page.FromStatus != chat.FromStatus || page.ToStatus != chat.ToStatus || page.MsgID == "" {
		t.Errorf("page entry %+v\nchat entry %+v", page, chat)
	}
	// The unit is told, as after a 销号 in chat.
	out, err := r.st.PendingOutgoing(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	told := 0
	for _, e := range out {
		if (e.Msg.To == "lilei" || e.Msg.To == "hanmeimei") && strings.Contains(e.Msg.Text, "T1") && strings.Contains(e.Msg.Text, "销号") {
			told++
		}
	}
	if told != 2 {
		t.Errorf("%d notices of the 销号 to the unit's contact and head, want 2", told)
	}
	if q, _ := r.st.InboxLen(ctx); q != 0 {
		t.Errorf("%d entries left in the inbox", q)
	}

	// The same form again (a reload) changes nothing.
	_, page2 := r.get(c, prefix+"/task?id=T1")
	if strings.Contains(page2, `value="verify"`) {
		t.Error("a closed task still offers 销号")
	}
}

func last(t *testing.T, st *store.Store, id string) duban.Change {
	t.Helper()
	h, err := st.History(context.Background(), id)
	if err != nil || len(h) == 0 {
		t.Fatalf("history of %s: %v", id, err)
	}
	return h[len(h)-1]
}

func TestDecisionsAreCheckedLikeChat(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.say("lilei", "完成 T1 方案已报编办", "m1")
	r.say("lilei", "延期 T5 2027-01-20 待市编委会审议", "m2")
	c := r.login("wang")

	t.Run("reject needs a reason", func(t *testing.T) {
		resp, body := r.decide(c, "T1", "reject", "  ")
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "须写明理由") {
			t.Errorf("%d\n%s", resp.StatusCode, body)
		}
		if tk, _ := r.st.Task(ctx, "T1"); tk.Status != duban.StatusReported {
			t.Errorf("T1 is %s", tk.Status)
		}
	})
	t.Run("without the CSRF token", func(t *testing.T) {
		_, page := r.get(c, prefix+"/task?id=T1")
		f := form(page)
		f.Set("csrf", "forged")
		f.Set("act", "verify")
		resp, _ := r.post(c, prefix+"/decide", f)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d", resp.StatusCode)
		}
		if tk, _ := r.st.Task(ctx, "T1"); tk.Status != duban.StatusReported {
			t.Errorf("T1 is %s", tk.Status)
		}
	})
	t.Run("a stale page", func(t *testing.T) {
		_, page := r.get(c, prefix+"/task?id=T1")
		r.say("wang", "驳回 T1 未附纪要", "m3")
		r.say("lilei", "完成 T1 已补纪要", "m4")
		f := form(page)
		f.Set("act", "verify")
		resp, body := r.post(c, prefix+"/decide", f)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "页面已过期") {
			t.Errorf("%d\n%s", resp.StatusCode, body)
		}
		if tk, _ := r.st.Task(ctx, "T1"); tk.Status != duban.StatusReported {
			t.Errorf("T1 is %s", tk.Status)
		}
	})
	t.Run("reject with a reason", func(t *testing.T) {
		resp, body := r.decide(c, "T1", "reject", "请附党组会纪要")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "驳回") {
			t.Errorf("%d\n%s", resp.StatusCode, body)
		}
		if c := last(t, r.st, "T1"); c.Action != duban.ActReject || c.Note != "请附党组会纪要" || c.By != "wang" {
			t.Errorf("last entry %+v", c)
		}
	})
	t.Run("approve an extension", func(t *testing.T) {
		resp, _ := r.decide(c, "T5", "approve", "")
		tk, _ := r.st.Task(ctx, "T5")
		if resp.StatusCode != http.StatusOK || tk.Deadline != duban.NewDate(2027, 1, 20) || tk.Extension != nil {
			t.Errorf("%d: %+v", resp.StatusCode, tk)
		}
	})
	t.Run("a contact cannot decide", func(t *testing.T) {
		r.say("lilei", "完成 T1 再次报送", "m5")
		lc := r.login("lilei")
		_, page := r.get(lc, prefix+"/task?id=T1")
		if strings.Contains(page, `value="verify"`) {
			t.Error("a contact is offered 销号")
		}
		// Even with her own valid token and the ref the leader's page shows,
		// the post is refused.
		_, wpage := r.get(c, prefix+"/task?id=T1")
		wf := form(wpage)
		wf.Set("act", "verify")
		wf.Set("csrf", csrfOf(r, lc))
		resp, _ := r.post(lc, prefix+"/decide", wf)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("status %d", resp.StatusCode)
		}
		if tk, _ := r.st.Task(ctx, "T1"); tk.Status != duban.StatusReported {
			t.Errorf("T1 is %s", tk.Status)
		}
	})
}

// csrfOf reads the CSRF token of c's session from its cookie.
func csrfOf(r *rig, c *http.Client) string {
	u, _ := url.Parse(r.ts.URL + prefix + "/")
	for _, ck := range c.Jar.Cookies(u) {
		var s session
		if ck.Name == sessionCookie && r.srv.open(sessionCookie, ck.Value, &s) {
			return s.CSRF
		}
	}
	return ""
}

// Nobody closes their own report, from the page either.
func TestOwnReportCannotBeClosedFromThePage(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	// wang leads 政府组 and is also A2's contact here.
	p, _ := r.st.Person(ctx, "wang")
	l := testLedger()
	for i := range l.People {
		if l.People[i].UserID == "wang" {
			l.People[i].Posts = append(p.Posts, duban.Post{Role: duban.RoleContact, Scope: "A2"})
		}
	}
	if _, err := r.st.Import(ctx, l, "import", r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	r.say("wang", "完成 T3 已办结", "m1")
	c := r.login("wang")
	_, page := r.get(c, prefix+"/task?id=T3")
	if strings.Contains(page, `value="verify"`) || !strings.Contains(page, "本人") {
		t.Errorf("own report: page offers 销号 or does not say why not\n%s", page)
	}
}

func TestPreviewIsMarkedAndReadOnly(t *testing.T) {
	r := newRig(t, func(c *Config) { c.Preview = "wang"; c.Decisions = false })
	r.say("lilei", "完成 T1 方案已报编办", "m1")
	c := r.browser()
	resp, body := r.get(c, prefix+"/task?id=T1")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "本地预览") || strings.Contains(body, `value="verify"`) {
		t.Errorf("%d\n%s", resp.StatusCode, body)
	}
	resp, _ = r.get(c, prefix+"/task?id=T4")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("preview as wang opens another group's task: %d", resp.StatusCode)
	}
	resp, _ = r.post(c, prefix+"/decide", url.Values{"act": {"verify"}, "id": {"T1"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a decision in preview: %d", resp.StatusCode)
	}
}

// A task imported as 已报完成 names no report: the page still closes it.
func TestVerifyAnImportedReport(t *testing.T) {
	l := testLedger()
	l.Tasks[2].Status = duban.StatusReported // T3 of A2
	r := newRigWith(t, l)
	c := r.login("wang")
	resp, body := r.decide(c, "T3", "verify", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "已办理：销号：已报完成 → 已销号") {
		t.Fatalf("%d\n%s", resp.StatusCode, body)
	}
	if tk, _ := r.st.Task(context.Background(), "T3"); tk.Status != duban.StatusVerified {
		t.Errorf("T3 is %s", tk.Status)
	}
}

// A unit's page and a task's page show the reminder notices (留痕) with
// their delivery and acknowledgement.
func TestNoticesAreShown(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	k := "T1|overdue-1|lilei|2026-11-20"
	recs := map[string]store.NoticeRecord{k: {TaskID: "T1", Stage: "overdue-1", To: "lilei", Role: duban.RoleContact, Unit: "A1", Deadline: duban.NewDate(2026, 11, 20)}}
	if _, err := r.st.RecordNotices(ctx, []duban.Outgoing{{To: "lilei", Text: "提醒", NoticeKeys: []string{k}}}, recs, r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	c := r.login("hanmeimei")
	for _, p := range []string{"/unit?code=A1", "/task?id=T1"} {
		_, body := r.get(c, prefix+p)
		if !strings.Contains(body, "逾期 1 个工作日催办") || !strings.Contains(body, "李雷（联络员）") || !strings.Contains(body, "待发送") {
			t.Errorf("%s lacks the notice", p)
		}
	}
	zc := r.login("zhou")
	if _, body := r.get(zc, prefix+"/notices"); !strings.Contains(body, "逾期 1 个工作日催办") {
		t.Error("the notice ledger lacks the notice")
	}
}

// Someone with several posts chooses among their pages.
func TestHomeListsEveryPost(t *testing.T) {
	r := newRig(t)
	c := r.login("qian")
	resp, body := r.get(c, prefix+"/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "党群组（督办组组长）") || !strings.Contains(body, "市民政局（一把手）") ||
		strings.Contains(body, "市财政局") || strings.Contains(body, "全市总览") {
		t.Errorf("%d\n%s", resp.StatusCode, body)
	}
}

// A group of many units is a summary and pages of 20 rows: each list turns
// by its own parameter, an unreadable page is the first and one past the end
// the last, and the rows of one page are not on another.
func TestLongListsArePaged(t *testing.T) {
	l := testLedger()
	for i := range 45 {
		code := fmt.Sprintf("G%02d", i)
		l.Units = append(l.Units, duban.Unit{Code: code, Name: fmt.Sprintf("第%02d分局", i), Group: "政府组"})
		l.Tasks = append(l.Tasks, duban.Task{ID: "X" + code, Unit: code, Title: "整合科室", Deadline: duban.NewDate(2026, 11, 1+i%20)})
	}
	r := newRigWith(t, l)
	c := r.login("wang")
	group := prefix + "/group?name=" + url.QueryEscape("政府组")
	_, body := r.get(c, group)
	for _, want := range []string{"单位排名（47）", "第 1/3 页（第 1–20 项，共 47 项）", `rel="next"`, "红灯：有逾期任务的单位（46，逾期最久在前）", "各单位完成率（排名第 1–20 名）"} {
		if !strings.Contains(body, want) {
			t.Errorf("page 1 lacks %q", want)
		}
	}
	ranked := regexp.MustCompile(`<tr><td>(\d+)</td><td><a href="[^"]*unit\?code=(\w+)"`)
	seen := map[string]int{}
	for page, want := range map[string]string{"1": "第 1–20 项", "2": "第 21–40 项", "3": "第 41–47 项", "x": "第 1–20 项", "-4": "第 1–20 项", "99": "第 41–47 项"} {
		_, body := r.get(c, group+"&units="+page)
		if !strings.Contains(body, want) {
			t.Errorf("units=%s lacks %q", page, want)
		}
		if page == "x" || page == "-4" || page == "99" {
			continue
		}
		rows := ranked.FindAllStringSubmatch(body, -1)
		if len(rows) == 0 || len(rows) > 20 {
			t.Fatalf("units=%s shows %d ranked units", page, len(rows))
		}
		for _, m := range rows {
			seen[m[2]]++
		}
	}
	if len(seen) != 47 {
		t.Errorf("the three pages show %d distinct units, want 47", len(seen))
	}
	for code, n := range seen {
		if n != 1 {
			t.Errorf("%s is on %d pages", code, n)
		}
	}
	// The red list turns apart from the ranking, keeping its page.
	_, body = r.get(c, group+"&units=2&red=3")
	if !strings.Contains(body, "第 21–40 项，共 47 项") || !strings.Contains(body, "第 41–46 项，共 46 项") {
		t.Error("two lists on their own pages")
	}
	c = r.login("zhou")
	_, body = r.get(c, prefix+"/city?units=3")
	if !strings.Contains(body, "第 41–48 项，共 48 项") || strings.Count(body, `unit?code=`) > 200 {
		t.Error("the city's ranking is not paged")
	}
}
