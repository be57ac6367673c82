package workbench

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot"
	"github.com/duban-org/duban/bot/wecomtest"
	"github.com/duban-org/duban/store"
)

var today = duban.NewDate(2026, 11, 30) // a Monday

func ledger() duban.Ledger {
	post := func(r duban.Role, scope string) []duban.Post { return []duban.Post{{Role: r, Scope: scope}} }
	return duban.Ledger{
		Units: []duban.Unit{{Code: "A1", Name: "市财政局", Group: "政府组"}, {Code: "B1", Name: "市委办公室", Group: "党群组"}},
		People: []duban.Person{
			{UserID: "lilei", Name: "李雷", Posts: post(duban.RoleContact, "A1")},
			{UserID: "wang", Name: "王组长", Posts: post(duban.RoleLeader, "政府组")},
			{UserID: "liu", Name: "刘组长", Posts: post(duban.RoleLeader, "党群组")},
			{UserID: "zhou", Name: "周编办", Posts: post(duban.RoleAdmin, "")},
		},
		Tasks: []duban.Task{
			{ID: "T1", Unit: "A1", Title: "a", Deadline: today.AddDays(-3), Status: duban.StatusNotStarted},                                       // overdue
			{ID: "T2", Unit: "A1", Title: "b", Deadline: today.AddDays(2), Status: duban.StatusInProgress},                                        // yellow, this week
			{ID: "T3", Unit: "A1", Title: "c", Deadline: today.AddDays(20), Status: duban.StatusReported, ReportedBy: "lilei"},                    // waits for 销号
			{ID: "T4", Unit: "A1", Title: "d", Deadline: today.AddDays(6), Status: duban.StatusNotStarted},                                        // this week (Sunday), green
			{ID: "T5", Unit: "B1", Title: "e", Deadline: today.AddDays(30), Status: duban.StatusNotStarted, Extension: &duban.Extension{By: "x"}}, // extension request
		},
	}
}

func TestFiguresFollowThePosts(t *testing.T) {
	l := ledger()
	want := map[string]Figures{
		"lilei": {Todo: 2, Overdue: 1, Reported: 1, DueThisWeek: 2},
		"wang":  {Todo: 1, Overdue: 1, Reported: 1, DueThisWeek: 2},
		"liu":   {Todo: 1},
		"zhou":  {Todo: 2, Overdue: 1, Reported: 1, DueThisWeek: 2},
	}
	for _, p := range l.People {
		if got := Of(l, p, today, 3); got != want[p.UserID] {
			t.Errorf("%s: %+v, want %+v", p.UserID, got, want[p.UserID])
		}
	}
	// Nobody is asked to close their own report.
	p := duban.Person{UserID: "LiLei", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "A1"}, {Role: duban.RoleLeader, Scope: "政府组"}}}
	if got := Of(l, p, today, 3); got.Todo != 2 {
		t.Errorf("a leader who reported: 待办 %d, want 2 (own report not counted)", got.Todo)
	}
	items := want["lilei"].Items("https://x/ledger/")
	if len(items) != 4 || items[0].Key != "待办" || items[0].Data != "2" || items[3].Key != "本周到期" || items[3].JumpURL != "https://x/ledger/" {
		t.Errorf("items %+v", items)
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func rig(t *testing.T) (*Updater, *wecomtest.Server, *store.Store, *clock) {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: today.Time(time.UTC).Add(10 * time.Hour)}
	if _, err := st.Import(context.Background(), ledger(), "import", c.Now()); err != nil {
		t.Fatal(err)
	}
	fake := wecomtest.New(t)
	fake.Now = c.Now
	client, err := bot.NewWeComClient(bot.ClientConfig{APIBase: fake.URL, CorpID: fake.CorpID, AgentID: fake.AgentID, Secret: fake.Secret,
		HTTPClient: bot.NewHTTPClient(2 * time.Second), Now: c.Now}, st)
	if err != nil {
		t.Fatal(err)
	}
	u := &Updater{Store: st, Client: client, JumpURL: "https://duban.example.cn/ledger/", WarnDays: 3, Location: time.UTC, Now: c.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return u, fake, st, c
}

// dataFor returns the figures last set for userid, as the fake holds them.
func dataFor(fake *wecomtest.Server, userid string) (map[string]string, int) {
	var last map[string]string
	n := 0
	for _, d := range fake.WorkbenchData() {
		if d.UserID == userid {
			n++
			last = map[string]string{}
			for _, it := range d.KeyData.Items {
				last[it.Key] = it.Data
			}
		}
	}
	return last, n
}

func report(t *testing.T, st *store.Store, id, by, msg string, at time.Time) {
	t.Helper()
	p, _ := st.Person(context.Background(), by)
	_, err := st.Apply(context.Background(), id, msg, func(tk duban.Task, u duban.Unit) (duban.Task, duban.Change, error) {
		return duban.Apply(tk, u, duban.Request{Action: duban.ActProgress, By: p, Note: "进展 " + msg, MsgID: msg, At: at})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPassSendsOnlyChangesWithinTheRateLimit(t *testing.T) {
	u, fake, st, c := rig(t)
	ctx := context.Background()
	if _, err := u.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if got, n := dataFor(fake, "lilei"); n != 1 || got["待办"] != "2" || got["逾期"] != "1" || got["待销号"] != "1" || got["本周到期"] != "2" {
		t.Fatalf("lilei's tile: %v after %d calls", got, n)
	}
	if len(fake.WorkbenchData()) != 4 {
		t.Errorf("%d calls, want one per person", len(fake.WorkbenchData()))
	}
	if _, err := u.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if len(fake.WorkbenchData()) != 4 {
		t.Errorf("a pass without changes made calls")
	}

	// lilei reports T2 done: the figures of A1's people change, 党群组's
	// leader's do not.
	_, err := st.Apply(ctx, "T2", "m0", func(tk duban.Task, un duban.Unit) (duban.Task, duban.Change, error) {
		return duban.Apply(tk, un, duban.Request{Action: duban.ActReport, By: ledger().People[0], MsgID: "m0", At: c.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := dataFor(fake, "wang"); got["待销号"] != "2" || got["待办"] != "2" {
		t.Errorf("wang's tile after the report: %v", got)
	}
	if _, n := dataFor(fake, "liu"); n != 1 {
		t.Errorf("liu's tile set %d times, want once", n)
	}

	// Figures that change faster than WeCom allows: at most PerMinute calls
	// a minute per person, and the latest figures once the minute is over.
	// Each import moves T4's deadline in and out of this week.
	l := ledger()
	for i := range 3 * PerMinute {
		l.Tasks[3].Deadline = today.AddDays(6 + 10*(i%2))
		if _, err := st.Import(ctx, l, "import", c.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := u.Pass(ctx); err != nil {
			t.Fatal(err)
		}
		c.Add(time.Second)
	}
	inMinute := map[string]int{}
	for _, d := range fake.WorkbenchData() {
		if c.Now().Sub(d.At) <= time.Minute {
			inMinute[d.UserID]++
		}
	}
	for who, n := range inMinute {
		if n > PerMinute {
			t.Errorf("%s: %d calls within a minute", who, n)
		}
	}
	if inMinute["lilei"] != PerMinute {
		t.Errorf("lilei: %d calls in the last minute, want the limit, %d", inMinute["lilei"], PerMinute)
	}
	if fake.WorkbenchRefused() != 0 {
		t.Errorf("the fake refused %d calls for the rate", fake.WorkbenchRefused())
	}
	c.Add(time.Minute)
	wait, err := u.Pass(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := st.Snapshot(ctx)
	for _, p := range snap.People {
		want := Of(snap, p, today, 3)
		got, _ := dataFor(fake, p.UserID)
		if got["本周到期"] != strconv.Itoa(want.DueThisWeek) || got["待办"] != strconv.Itoa(want.Todo) {
			t.Errorf("%s: tile %v, figures %+v", p.UserID, got, want)
		}
	}
	if wait <= 0 {
		t.Errorf("next pass in %v", wait)
	}
}

func TestFailedCallsAreRetried(t *testing.T) {
	u, fake, _, c := rig(t)
	ctx := context.Background()
	fake.SetDown(true)
	wait, _ := u.Pass(ctx)
	if len(fake.WorkbenchData()) != 0 || wait <= 0 || wait > time.Minute {
		t.Fatalf("with WeCom down: %d calls, next pass in %v", len(fake.WorkbenchData()), wait)
	}
	fake.SetDown(false)
	u.Pass(ctx) // still backing off
	if len(fake.WorkbenchData()) != 0 {
		t.Fatal("retried before the backoff")
	}
	c.Add(wait)
	if _, err := u.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if len(fake.WorkbenchData()) != 4 {
		t.Errorf("%d calls after WeCom came back, want 4", len(fake.WorkbenchData()))
	}
}

func TestRunSetsTheTemplateAndFollowsChanges(t *testing.T) {
	u, fake, st, c := rig(t)
	u.Debounce = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { u.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, func() bool { _, n := dataFor(fake, "liu"); return n == 1 })
	tpl := fake.WorkbenchTemplates()
	if len(tpl) != 1 || !tpl[0].ReplaceUserData || len(tpl[0].KeyData.Items) != 4 {
		t.Fatalf("templates %+v", tpl)
	}
	report(t, st, "T5", "zhou", "m1", c.Now()) // 编办 reports progress on B1's task: figures unchanged
	_, err := st.Apply(context.Background(), "T5", "m2", func(tk duban.Task, un duban.Unit) (duban.Task, duban.Change, error) {
		p, _ := st.Person(context.Background(), "liu")
		return duban.Apply(tk, un, duban.Request{Action: duban.ActApprove, By: p, MsgID: "m2", At: c.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { got, _ := dataFor(fake, "liu"); return got["待办"] == "0" })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
