package remind

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/duban-org/duban"
)

func TestDigestFortyTasksOneMessage(t *testing.T) {
	var tasks []duban.Task
	for i := range 40 {
		tasks = append(tasks, task(fmt.Sprintf("T%03d", i), "U1", "2026-10-09"))
	}
	ns := Plan(testLedger(tasks...), Defaults(), DefaultCalendar(), at("2026-10-09 09:00"))
	msgs := Digest(ns)
	if len(msgs) != 2 { // c1 and h1
		t.Fatalf("%d messages, want one per person", len(msgs))
	}
	for _, m := range msgs {
		if len(m.NoticeKeys) != 40 {
			t.Errorf("%s: %d notice keys", m.To, len(m.NoticeKeys))
		}
		if m.Card != nil {
			t.Errorf("%s: a card on a 40-task digest", m.To)
		}
		for _, tk := range tasks {
			if !strings.Contains(m.Text, tk.ID+" "+tk.Title) {
				t.Fatalf("%s: digest lacks %s", m.To, tk.ID)
			}
		}
		if !strings.Contains(m.Text, "共 40 项任务") || !strings.Contains(m.Text, "完成 T000 说明") {
			t.Errorf("digest header or reply hint missing:\n%s", m.Text)
		}
		if len(m.Text) <= 2048 {
			t.Errorf("expected a digest longer than one WeCom message (%d bytes); the sender splits it", len(m.Text))
		}
	}
}

func TestDigestSingleTaskCard(t *testing.T) {
	ns := Plan(testLedger(task("T012", "U1", "2026-09-30")), Defaults(), DefaultCalendar(), at("2026-10-09 09:00"))
	msgs := Digest(ns)
	if len(msgs) != 2 {
		t.Fatalf("messages %d", len(msgs))
	}
	m := msgs[0]
	if m.To != "c1" || m.Card == nil {
		t.Fatalf("message %+v", m)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_\-@]{1,128}$`).MatchString(m.Card.ID) {
		t.Errorf("card id %q", m.Card.ID)
	}
	if m.Card.ID == msgs[1].Card.ID {
		t.Error("two recipients share a card id")
	}
	var keys []string
	for _, b := range m.Card.Buttons {
		keys = append(keys, b.Text+"="+b.Key)
		if a, id, ok := ParseButtonKey(b.Key); !ok || id != "T012" || a == "" {
			t.Errorf("button key %q does not parse", b.Key)
		}
	}
	if strings.Join(keys, ",") != "已完成=done:T012,申请延期=extend:T012,收到=ack:T012" {
		t.Errorf("buttons %v", keys)
	}
	for _, want := range []string{"【红】T012 任务T012", "完成时限 2026-09-30", "已逾期 2 个工作日", "延期 T012 2026-10-23 理由"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	for _, md := range []string{"**", "##", "`", "<font", "]("} {
		if strings.Contains(m.Text, md) {
			t.Errorf("markdown %q in plain text", md)
		}
	}
	if again := Digest(ns); again[0].Card.ID != m.Card.ID {
		t.Error("card id not stable for the same notices")
	}
}

func TestDigestLeaderAndAdmin(t *testing.T) {
	l := testLedger(
		task("T1", "U1", "2026-09-30"),
		reported(task("T2", "U2", "2026-10-30"), "2026-10-01 10:00"),
	)
	ns := Plan(l, Defaults(), DefaultCalendar(), at("2026-10-20 09:00"))
	byTo := map[string]duban.Outgoing{}
	for _, m := range Digest(ns) {
		byTo[m.To] = m
	}
	leader := byTo["L1"]
	for _, want := range []string{"督办升级", "市财政局（政府组）逾期任务 1 项", "T1 任务T1｜完成时限 2026-09-30｜逾期 10 个工作日", "待销号", "销号 T2", "驳回 T2 理由"} {
		if !strings.Contains(leader.Text, want) {
			t.Errorf("leader digest lacks %q:\n%s", want, leader.Text)
		}
	}
	if leader.Card != nil {
		t.Error("leader digest carries unit buttons")
	}
	admin := byTo["A1"]
	for _, want := range []string{"专函督办", "关于督促市财政局加快完成改革任务的函", "1. T1 任务T1（完成时限 2026-09-30，已逾期 10 个工作日）"} {
		if !strings.Contains(admin.Text, want) {
			t.Errorf("admin digest lacks %q:\n%s", want, admin.Text)
		}
	}
	if _, ok := byTo["c2"]; ok {
		t.Error("a reported task reminded its unit")
	}
}

func TestParseButtonKey(t *testing.T) {
	for key, ok := range map[string]bool{"done:T1": true, "extend:T-2": true, "ack:x": true, "verify:T1": false, "done:": false, "done": false} {
		if _, _, got := ParseButtonKey(key); got != ok {
			t.Errorf("ParseButtonKey(%q) ok = %v", key, got)
		}
	}
}

func FuzzParseButtonKey(f *testing.F) {
	for _, s := range []string{"done:T012", "extend:T-1", "ack:", "verify:T1", "::", "done:T1:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		action, id, ok := ParseButtonKey(key)
		if ok && (id == "" || action+":"+id != key) {
			t.Fatalf("ParseButtonKey(%q) = %q %q", key, action, id)
		}
	})
}

// A digest's text is rendered once for people sent the same items, and only
// for them: a notice carried from an earlier plan (another Subject, here a
// title changed since) is rendered anew, and a userid spelled by two
// different strings is one recipient.
func TestDigestSharesTextOfSameItemsOnly(t *testing.T) {
	ns := Plan(testLedger(task("T001", "U1", "2026-09-30"), task("T002", "U1", "2026-10-09")), Defaults(), DefaultCalendar(), at("2026-10-09 09:00"))
	byTo := map[string][]Notice{}
	for _, n := range ns {
		byTo[n.To] = append(byTo[n.To], n)
	}
	if len(byTo["c1"]) != 2 || len(byTo["h1"]) != 2 {
		t.Fatalf("plan: %d notices to c1, %d to h1, want 2 each", len(byTo["c1"]), len(byTo["h1"]))
	}
	renamed := *ns[0].Subject
	renamed.Title = "改过的标题"
	var carried []Notice
	for _, to := range []string{"a1", "a2", "a3"} {
		for _, n := range byTo["c1"] {
			n.To = strings.Clone(to)
			if to == "a2" && n.TaskID == "T001" {
				n.Subject = &renamed
			}
			carried = append(carried, n)
		}
	}
	carried = append(carried, Notice{TaskID: "T001", Stage: carried[0].Stage, To: strings.Clone("a1"), Deadline: carried[0].Deadline, Subject: carried[0].Subject})
	msgs := Digest(carried)
	if len(msgs) != 3 || msgs[0].To != "a1" || len(msgs[0].NoticeKeys) != 3 {
		t.Fatalf("%d messages, first to %q with %d keys; want a1, a2, a3, a1 with 3", len(msgs), msgs[0].To, len(msgs[0].NoticeKeys))
	}
	if msgs[1].Text == msgs[2].Text || !strings.Contains(msgs[1].Text, "改过的标题") || strings.Contains(msgs[2].Text, "改过的标题") {
		t.Errorf("a2's digest shows its own title, a3's the plan's:\n%s\n-----\n%s", msgs[1].Text, msgs[2].Text)
	}
	if want := refDigest(carried); !reflect.DeepEqual(msgs, want) {
		t.Errorf("digests differ from the reference:\n%v\n-----want\n%v", msgs, want)
	}
}

// Digests come in order of userid, however the userids begin and end.
func TestDigestOrderOfUserIDs(t *testing.T) {
	ids := []string{"b", "a", "abcdefgh", "abcdefgh2", "abcdefgh1", "abcdefg", "abcdefg\x00", "Z", "张三", "李四", "a b", "", "zzzzzzzzzzzz", "zzzzzzzz"}
	base := Plan(testLedger(task("T001", "U1", "2026-10-09")), Defaults(), DefaultCalendar(), at("2026-10-09 09:00"))[0]
	var ns []Notice
	for _, id := range ids {
		n := base
		n.To = id
		ns = append(ns, n)
	}
	var got []string
	for _, m := range Digest(ns) {
		got = append(got, m.To)
	}
	want := slices.Clone(ids)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("digests to %q, want %q", got, want)
	}
}
