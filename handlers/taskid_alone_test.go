package handlers

import (
	"strings"
	"testing"
)

// A task id alone shows that task's record when it is one of the sender's.
func TestTaskIDAloneShowsItsRecord(t *testing.T) {
	h := newHandler(t)
	want := to(say(t, h, "lilei", "记录 T001"), "lilei")
	if len(want) != 1 || !strings.Contains(want[0].Text, "T001") {
		t.Fatalf("记录 T001 => %+v", want)
	}
	for _, id := range []string{"T001", "t001", "T001。", " T001 "} {
		got := to(say(t, h, "lilei", id), "lilei")
		if len(got) != 1 || got[0].Text != want[0].Text {
			t.Errorf("%q => %+v, want the record", id, got)
		}
	}
	// Someone else's task is not shown.
	got := to(say(t, h, "lilei", "T003"), "lilei")
	if len(got) != 1 || strings.Contains(got[0].Text, "设置法制机构") {
		t.Errorf("another unit's task alone => %+v", got)
	}
}
