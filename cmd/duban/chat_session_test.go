package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// chatSession is a `duban chat` fed line by line, as a person types.
type chatSession struct {
	t    *testing.T
	in   *io.PipeWriter
	mu   sync.Mutex
	out  strings.Builder
	seen int // bytes of out already returned
	n    int // lines sent
	done chan int
	once sync.Once
	code int
}

func (s *chatSession) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(p)
}

func startChat(t *testing.T, cfg, as string) *chatSession {
	t.Helper()
	r, w := io.Pipe()
	s := &chatSession{t: t, in: w, done: make(chan int, 1)}
	go func() {
		s.done <- run(context.Background(), []string{"chat", "--config", cfg, "--as", as}, r, s, io.Discard)
	}()
	t.Cleanup(func() { s.quit() })
	return s
}

// quit ends the input and returns chat's exit code.
func (s *chatSession) quit() int {
	s.once.Do(func() {
		s.in.Close()
		s.code = <-s.done
	})
	return s.code
}

// say types line and returns what the console printed for it. An unknown
// console command after it prints the help, which marks the end.
func (s *chatSession) say(line string) string {
	s.t.Helper()
	s.n++
	if _, err := fmt.Fprintf(s.in, "%s\n/?\n", line); err != nil {
		s.t.Fatalf("type %q: %v", line, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.mu.Lock()
		all := s.out.String()
		s.mu.Unlock()
		if strings.Count(all, chatHelp) >= s.n {
			got := all[s.seen:]
			s.seen = len(all)
			return strings.Replace(got, chatHelp+"\n", "", 1)
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no answer to %q:\n%s", line, all)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustSay(t *testing.T, s *chatSession, line string, want ...string) string {
	t.Helper()
	got := s.say(line)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Fatalf("%q: the console lacks %q:\n%s", line, w, got)
		}
	}
	return got
}

var approveKey = regexp.MustCompile(`\[同意延期 → /click (approve:T004@[0-9a-f]+)\]`)

// An extension refused by text, asked again for a later date: the old
// card's 同意延期 must not approve the new date. A person who is both 编办
// and a unit's 一把手 closes nothing he reported.
func TestChatStaleClickAndTwoPostPerson(t *testing.T) {
	cfg, dir := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	s := startChat(t, cfg, "wangjianguo")
	out := mustSay(t, s, "完成 T042 科室已调整到位", "已提交党群组督办组长对账销号", "【发给 liujianhua】", "报送人：王建国（一把手、编办）", "单位：市委机构编制委员会办公室（党群组）")
	if strings.Contains(out, "【发给 lixiaodong】") {
		t.Errorf("another 编办 member was asked though the group has a leader:\n%s", out)
	}
	mustSay(t, s, "销号 T042", "是您本人报完成的", "请由党群组督办组长办理")

	mustSay(t, s, "/as zhaojie")
	out = mustSay(t, s, "延期 T004 2027-01-20 待市编委会审议职数", "【发给 liujianhua】", "申请人：赵杰（联络员）", "完成时限：2027-01-05 → 申请延至 2027-01-20", "理由：待市编委会审议职数")
	first := approveKey.FindStringSubmatch(out)
	if first == nil {
		t.Fatalf("no 同意延期 button:\n%s", out)
	}
	mustSay(t, s, "/as liujianhua")
	mustSay(t, s, "不同意延期 T004 时限不变", "（市委办公室）", "申请延至 2027-01-20 未获同意，完成时限仍为 2027-01-05")
	mustSay(t, s, "/as zhaojie")
	out = mustSay(t, s, "延期 T004 2027-03-31 人员转岗未完成", "申请延至 2027-03-31")
	second := approveKey.FindStringSubmatch(out)
	if second == nil || second[1] == first[1] {
		t.Fatalf("the second request's card has no key of its own (%v, %v):\n%s", first, second, out)
	}
	mustSay(t, s, "/as liujianhua")
	out = mustSay(t, s, "/click approve:T004", "请写出完整的键", first[1], second[1])
	if strings.Index(out, first[1]) > strings.Index(out, second[1]) {
		t.Errorf("the cards are not listed in the order they came:\n%s", out)
	}
	out = mustSay(t, s, "/click "+first[1], "该卡片已过期：", "2027-01-20", "当前", "2027-03-31", "未做任何变更", "（卡片已更新：已过期）")
	if strings.Contains(out, "【发给 zhaojie】") {
		t.Errorf("a stale click told the unit something:\n%s", out)
	}
	mustSay(t, s, "/click "+second[1], "同意延期：完成时限 2027-01-05 → 2027-03-31", "【发给 zhaojie】", "（卡片已更新：已同意延期）")
	if code := s.quit(); code != 0 {
		t.Fatalf("chat exited %d", code)
	}

	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tk, err := st.Task(context.Background(), "T004")
	if err != nil || tk.Deadline != duban.NewDate(2027, 3, 31) || tk.Extension != nil {
		t.Fatalf("T004 after chat: %+v %v", tk, err)
	}
	if tk, _ := st.Task(context.Background(), "T042"); tk.Status != duban.StatusReported {
		t.Fatalf("T042 closed by its reporter: %+v", tk)
	}
}

// A store with reminders waiting for WeCom: chat shows none of them, leaves
// them queued for serve, and records what it showed as 控制台显示.
func TestChatNeverClaimsDelivery(t *testing.T) {
	cfg, dir := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := cli(t, "", "remind", "--config", cfg, "--now", "2026-12-28 09:00")
	if code != 0 || strings.Contains(out, "已将 0 条消息") {
		t.Fatalf("remind: %d\n%s\n%s", code, out, errs)
	}
	ctx := context.Background()
	pending := func() []string {
		t.Helper()
		st, err := store.Open(dir, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		es, err := st.PendingOutgoing(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range es {
			ids = append(ids, e.ID)
		}
		return ids
	}
	before := pending()
	if len(before) == 0 {
		t.Fatal("no reminders queued")
	}

	code, out, errs = cli(t, "记录 T003\n完成 T003 方案已报编办\n", "chat", "--config", cfg, "--as", "zhaojie")
	if code != 0 {
		t.Fatalf("chat: %d\n%s\n%s", code, out, errs)
	}
	if strings.Contains(out, "已送达") || !strings.Contains(out, "待发送") {
		t.Errorf("记录 claims a delivery or hides a waiting one:\n%s", out)
	}
	if strings.Count(out, "【发给 ") != 1 || !strings.Contains(out, "【发给 liujianhua】\n【待销号】") {
		t.Errorf("chat showed messages it did not produce:\n%s", out)
	}
	if after := pending(); !slices.Equal(after, before) {
		t.Errorf("the outbox before chat: %d entries, after: %d; the reminders must stay queued for serve", len(before), len(after))
	}

	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ds, err := st.Deliveries(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 3 { // 记录's reply; 完成's reply and the leader's card
		t.Errorf("%d outcomes recorded, want 3: %+v", len(ds), ds)
	}
	for _, d := range ds {
		if d.Status != store.DeliveryConsole {
			t.Errorf("a message shown in the console is recorded as %q: %+v", d.Status, d)
		}
	}
}
