package metrics

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/store"
)

func TestCalendarGauge(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cal := remind.DefaultCalendar()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	m := New(st, time.UTC, 3)
	m.WatchCalendar(cal, time.UTC, func() time.Time { return now })
	body := scrape(t, m)
	for _, want := range []string{`duban_calendar_official{year="2026"} 1`, `duban_calendar_official{year="2027"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s:\n%s", want, grep(body, "calendar"))
		}
	}
	now = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) // before December: this year only
	if body := grep(scrape(t, m), "duban_calendar_official{"); body != `duban_calendar_official{year="2026"} 1` {
		t.Errorf("in November: %s", body)
	}
	last := 2027
	for cal.Official(last + 1) {
		last++
	}
	now = time.Date(last, 12, 1, 9, 0, 0, 0, time.UTC)
	body = scrape(t, m)
	if want := `duban_calendar_official{year="` + strconv.Itoa(last+1) + `"} 0`; !strings.Contains(body, want) {
		t.Errorf("metrics lack %s:\n%s", want, grep(body, "calendar"))
	}
}

func grep(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
