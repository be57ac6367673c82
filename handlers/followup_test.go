package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

// A question the bot asked waits for [chat] followup_window, in the store:
// another handler on the same store (a restart) reads the answer; past the
// window the same words are a miss and change nothing.
func TestFollowupWindow(t *testing.T) {
	h, _ := phrasingHandler(t)
	h.FollowupWindow = 30 * time.Minute
	now := phrasingClock
	h.Now = func() time.Time { return now }
	sendPhrase(t, h, "f:1", "sun", "/click extend:S02")

	restarted := &Handler{Store: h.Store, Location: time.UTC, FollowupWindow: 30 * time.Minute, Now: func() time.Time { return now }}
	now = phrasingClock.Add(29 * time.Minute)
	out := sendPhrase(t, restarted, "f:2", "sun", "2027-01-20 等编委会审议")
	must(t, out, "sun", "延至 2027-01-20")

	sendPhrase(t, h, "f:3", "chen", "/click refuse:S02") // S02 now has a request
	now = phrasingClock.Add(29*time.Minute + 31*time.Minute)
	before := ledgerState(t, h)
	out = sendPhrase(t, h, "f:4", "chen", "时限不变")
	if got := to(out, "chen")[0].Text; !strings.Contains(got, "已超过 30 分钟，已失效，这条回复未做任何变更") {
		t.Errorf("an answer past the window was read: %s", got)
	}
	if after := ledgerState(t, h); after["S02"] != before["S02"] {
		t.Errorf("S02 changed after the window: %+v → %+v", before["S02"], after["S02"])
	}
}

// Replaying the message that answered a follow-up (a crash after the
// change) changes nothing more.
func TestFollowupAnswerReplayed(t *testing.T) {
	h, _ := phrasingHandler(t)
	sendPhrase(t, h, "r:1", "chen", "/click reject:S04")
	in := duban.Inbound{Key: "r:2", From: "chen", Text: "未附党组会纪要"}
	for range 2 {
		if _, err := h.Handle(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	hist, err := h.Store.History(context.Background(), "S04")
	if err != nil {
		t.Fatal(err)
	}
	rejects := 0
	for _, c := range hist {
		if c.Action == duban.ActReject {
			rejects++
		}
	}
	if rejects != 1 {
		t.Errorf("%d rejections recorded, want 1", rejects)
	}
}

// Past days are read as the days they name, so that an extension to them is
// refused rather than misread (上周五 is not this Friday with a note 上).
func TestReadPastDays(t *testing.T) {
	today := duban.NewDate(2026, 12, 1) // a Tuesday
	for in, want := range map[string]duban.Date{
		"上周五":   duban.NewDate(2026, 11, 27),
		"上个星期一": duban.NewDate(2026, 11, 23),
		"昨天":    duban.NewDate(2026, 11, 30),
		"本周五":   duban.NewDate(2026, 12, 4),
	} {
		d, _, ok, err := findDate("等审议 "+in, today)
		if !ok || err != nil || d != want {
			t.Errorf("%q: %v %v %v, want %v", in, d, ok, err, want)
		}
	}
}

// A year named in words (明年, 今年, 后年) fixes the year of the month and
// day after it.
func TestReadYearWords(t *testing.T) {
	today := duban.NewDate(2026, 12, 1)
	for in, want := range map[string]duban.Date{
		"明年2月底":     duban.NewDate(2027, 2, 28),
		"明年1月15日":   duban.NewDate(2027, 1, 15),
		"明年 3月1号":   duban.NewDate(2027, 3, 1),
		"明年底":       duban.NewDate(2027, 12, 31),
		"明年年底":      duban.NewDate(2027, 12, 31),
		"今年12月20日":  duban.NewDate(2026, 12, 20),
		"后年2月底":     duban.NewDate(2028, 2, 29),
		"2027年6月底":  duban.NewDate(2027, 6, 30),
		"来年1月10日 前": duban.NewDate(2027, 1, 10),
		"十二月十号":     duban.NewDate(2026, 12, 10),
		"三月十五日 等审议": duban.NewDate(2027, 3, 15),
		"二〇二七年三月":   duban.NewDate(2027, 3, 31),
		"明年三月底":     duban.NewDate(2027, 3, 31),
		"元月底":       duban.NewDate(2027, 1, 31),
		"3月二十一号":    duban.NewDate(2027, 3, 21),
		"二月份":       duban.NewDate(2027, 2, 28),
	} {
		d, _, ok, err := readDate(in, today)
		if !ok || err != nil || d != want {
			t.Errorf("%q: %v %v %v, want %v", in, d, ok, err, want)
		}
	}
	for _, in := range []string{"明年再说", "今年完成", "明年13月底"} {
		if d, _, ok, err := readDate(in, today); ok && err == nil {
			t.Errorf("%q read as the date %v", in, d)
		}
	}
}

func FuzzReadDate(f *testing.F) {
	for _, s := range []string{"明年2月底", "明年底", "今年13月1日", "后年", "2027-01-25", "2027年1月25日", "1月25日", "1/25", "下周五", "本月底", "月底", "下月10日", "2月30日",
		"13月1日", "2027-02-29", "3天后", "年底", "1月底", "大后天", "两周", "半个月", "99999999999天后", "0/0", "上周五", "昨天",
		"十二月十号", "二〇二七年三月", "元月底", "三月十五 等", "十三月", "二月三十日", "三月五个工作日"} {
		f.Add(s)
	}
	today := duban.NewDate(2026, 12, 1)
	f.Fuzz(func(t *testing.T, s string) {
		d, rest, ok, err := readDate(s, today)
		if !ok && (err != nil || d != 0) {
			t.Fatalf("%q: no date, yet %v %v", s, d, err)
		}
		if ok && err == nil && (d < duban.NewDate(1000, 1, 1) || d > duban.NewDate(9999, 12, 31)) {
			t.Fatalf("%q: date out of range: %v", s, d)
		}
		if !strings.HasSuffix(s, rest) && !strings.HasSuffix(strings.TrimSpace(s), rest) {
			t.Fatalf("%q: rest %q is not what followed the date", s, rest)
		}
		if sh, _, ok := readShift(s); ok && sh.from(today, nil) < today {
			t.Fatalf("%q: a shift moved the date back: %+v", s, sh)
		}
	})
}
