package remindstore

import (
	"context"
	"strings"
	"testing"
)

// TestCalendarNoticeOnce: the notice that next year's holiday schedule is
// not published reaches 编办 once, across passes and a restart, and stays
// out of every task's evidence trail.
func TestCalendarNoticeOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTestStore(t, dir)
	if _, err := s.Import(ctx, remindLedger(1, "2028-06-30"), "test", shAt("2027-11-01 10:00")); err != nil {
		t.Fatal(err)
	}
	r := newRunner(s)
	if r.Calendar.Official(2028) {
		t.Skip("the library carries 2028: nothing to announce")
	}
	calendarMsgs := func() int {
		n := 0
		for _, e := range outboxByRecipient(t, s)["A1"] {
			if strings.HasPrefix(e.Msg.Text, "2028年放假安排尚未发布") {
				n++
			}
		}
		return n
	}
	if _, err := r.RunOnce(ctx, shAt("2027-11-30 09:00")); err != nil || calendarMsgs() != 0 {
		t.Fatalf("November: err %v, %d calendar messages", err, calendarMsgs())
	}
	for _, now := range []string{"2027-12-01 09:00", "2027-12-01 09:30", "2027-12-02 10:00"} {
		if _, err := r.RunOnce(ctx, shAt(now)); err != nil {
			t.Fatal(err)
		}
	}
	if n := calendarMsgs(); n != 1 {
		t.Fatalf("%d calendar messages after three December passes, want 1", n)
	}
	s.Close()

	s = openTestStore(t, dir)
	defer s.Close()
	if res, err := newRunner(s).RunOnce(ctx, shAt("2028-01-04 09:00")); err != nil || calendarMsgs() != 1 {
		t.Fatalf("after a restart, in 2028: err %v, %d calendar messages (due %+v)", err, calendarMsgs(), res.Due)
	}
	if trail, err := s.NoticesOf(ctx, "T0"); err != nil || len(trail) != 0 {
		t.Errorf("T0's trail %+v err %v", trail, err)
	}
}
