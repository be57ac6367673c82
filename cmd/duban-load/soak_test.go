package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban/bot/wecomtest"
)

func newTestSoak() *soak {
	s := &soak{fake: &soakWeCom{byUser: map[string][]wecomtest.Message{}, updates: map[string]int{}}}
	s.expect.nonces = map[string]int{}
	s.expect.marks = map[string]map[string]int{}
	s.expect.clicks = map[string]bool{}
	return s
}

func (s *soak) receive(t *testing.T, to, text string) {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"touser": to, "msgtype": "text", "text": map[string]string{"content": text}})
	if err != nil {
		t.Fatal(err)
	}
	s.fake.byUser[to] = append(s.fake.byUser[to], wecomtest.Message{ToUser: to, MsgType: "text", Raw: raw})
}

// The verdict finds an answer lost, an answer doubled, a click without its
// card update and a reminder sent twice, and nothing when all is well.
func TestSoakProblems(t *testing.T) {
	s := newTestSoak()
	s.expect.nonces["soak1-00000001"] = 1
	s.expect.nonces["soak1-00000002"] = 2
	s.expect.marks["zhaojie"] = map[string]int{markHelp: 2, markPolicy: 1}
	s.expect.clicks["rc-1"] = true
	s.receive(t, "zhaojie", "已记录。任务 T003：进展（正在推进，soak1-00000001）。")
	s.receive(t, "zhaojie", "已记录。任务 T004：完成（已办结，soak1-00000002）。")
	s.receive(t, "liujianhua", "【待销号】任务 T004 报送说明：已办结，soak1-00000002")
	s.receive(t, "zhaojie", markHelp+"：任务 —— 查看任务清单")
	s.receive(t, "zhaojie", markHelp+"：任务 —— 查看任务清单")
	s.receive(t, "zhaojie", "84家。"+markPolicy+"精兵简政》一、")
	s.receive(t, "zhangwei", "【督办提醒】T003 明天到期")
	s.fake.updates["rc-1"] = 1
	if p := s.problems(); len(p) != 0 {
		t.Fatalf("problems when all is well: %q", p)
	}

	s.expect.nonces["soak1-00000003"] = 1                           // lost
	s.receive(t, "zhaojie", "已记录。任务 T003：进展（正在推进，soak1-00000001）。") // doubled
	s.expect.marks["zhaojie"][markHelp] = 3                         // one 帮助 unanswered
	s.expect.clicks["rc-2"] = true                                  // no card update
	s.receive(t, "zhangwei", "【督办提醒】T003 明天到期")                     // a reminder twice
	got := strings.Join(s.problems(), "\n")
	for _, want := range []string{
		"message soak1-00000003: 0 answers, want 1",
		"message soak1-00000001: 2 answers, want 1",
		`zhaojie: 2 answers marked "可以这样对我说", want 3`,
		"card click rc-2: 0 card updates, want 1",
		"zhangwei received the same message twice",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}

// A soak on a weekend makes its days working days, so reminder passes
// run; on weekdays the built-in schedule serves.
func TestWorkingCalendar(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	saturday := time.Date(2026, 11, 28, 23, 30, 0, 0, loc) // into Sunday
	calDir, err := workingCalendar(t.TempDir(), saturday, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(calDir, "soak.txt"))
	if want := "work 2026-11-28 压测\nwork 2026-11-29 压测\n"; err != nil || string(b) != want {
		t.Errorf("weekend calendar = %q, %v; want %q", b, err, want)
	}
	wednesday := time.Date(2026, 11, 25, 9, 0, 0, 0, loc)
	if calDir, err := workingCalendar(t.TempDir(), wednesday, 10*time.Minute); calDir != "" || err != nil {
		t.Errorf("a weekday soak wrote a calendar: %q, %v", calDir, err)
	}
}
