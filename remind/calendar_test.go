package remind

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

func date(s string) duban.Date {
	d, err := duban.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestEmbeddedCalendarWorkdays(t *testing.T) {
	cal := DefaultCalendar()
	tests := []struct {
		day  string
		work bool
		why  string
	}{
		{"2026-10-01", false, "国庆 holiday on a Thursday"},
		{"2026-10-07", false, "国庆 holiday on a Wednesday"},
		{"2026-10-08", true, "first working day after 国庆"},
		{"2026-10-10", true, "调休 Saturday"},
		{"2026-09-20", true, "调休 Sunday"},
		{"2026-09-19", false, "ordinary Saturday"},
		{"2026-10-11", false, "ordinary Sunday"},
		{"2026-09-25", false, "中秋 Friday"},
		{"2026-02-14", true, "春节 调休 Saturday"},
		{"2026-03-04", true, "ordinary Wednesday"},
		{"2017-10-02", false, "2017 国庆"},
		{"2017-09-30", true, "2017 调休 Saturday"},
		{"2027-01-01", true, "a year without a file: only weekends rest (Friday)"},
	}
	for _, tt := range tests {
		if got := cal.IsWorkday(date(tt.day)); got != tt.work {
			t.Errorf("IsWorkday(%s) = %v, want %v (%s)", tt.day, got, tt.work, tt.why)
		}
	}
	if !cal.Covers(2017) || !cal.Covers(2026) || cal.Covers(2027) {
		t.Errorf("Covers: 2017 %v 2026 %v 2027 %v", cal.Covers(2017), cal.Covers(2026), cal.Covers(2027))
	}
	if d, ok := cal.Day(date("2026-10-10")); !ok || d.Name != "国庆节" || !d.Work {
		t.Errorf("Day(2026-10-10) = %+v, %v", d, ok)
	}
}

func TestPrevWorkday(t *testing.T) {
	cal := DefaultCalendar()
	tests := []struct{ from, want string }{
		{"2026-10-08", "2026-09-30"}, // back over the whole 国庆 week and 中秋 does not matter
		{"2026-10-12", "2026-10-10"}, // Monday → 调休 Saturday
		{"2026-09-21", "2026-09-20"}, // Monday → 调休 Sunday
		{"2026-09-28", "2026-09-24"}, // Monday → back over 中秋 Fri-Sun
		{"2026-03-02", "2026-02-28"}, // Monday → 春节 调休 Saturday
		{"2026-03-09", "2026-03-06"}, // ordinary Monday → Friday
	}
	for _, tt := range tests {
		if got := cal.PrevWorkday(date(tt.from)); got != date(tt.want) {
			t.Errorf("PrevWorkday(%s) = %s, want %s", tt.from, got, tt.want)
		}
	}
	if got := cal.WorkdayOnOrBefore(date("2026-10-09")); got != date("2026-10-09") {
		t.Errorf("WorkdayOnOrBefore(working day) = %s", got)
	}
}

func TestWorkdaysBetweenMatchesCounting(t *testing.T) {
	cal := DefaultCalendar()
	count := func(from, to duban.Date) int {
		n := 0
		for d := from + 1; d <= to; d++ {
			if cal.IsWorkday(d) {
				n++
			}
		}
		return n
	}
	fixed := []struct {
		from, to string
		want     int
	}{
		{"2026-09-30", "2026-10-08", 1},
		{"2026-09-30", "2026-10-10", 3},
		{"2026-09-30", "2026-10-20", 10},
		{"2026-10-08", "2026-10-08", 0},
		{"2026-10-09", "2026-10-08", 0},
	}
	for _, f := range fixed {
		if got := cal.WorkdaysBetween(date(f.from), date(f.to)); got != f.want {
			t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", f.from, f.to, got, f.want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	lo, hi := date("2016-06-01"), date("2027-06-01")
	for range 2000 {
		a := lo + duban.Date(rng.IntN(int(hi-lo)))
		b := a + duban.Date(rng.IntN(400))
		if got, want := cal.WorkdaysBetween(a, b), count(a, b); got != want {
			t.Fatalf("WorkdaysBetween(%s, %s) = %d, counting gives %d", a, b, got, want)
		}
	}
}

func TestParseCalendarErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"kind", "off 2026-01-01 元旦\nholiday 2026-01-02 x\n", "x.txt:2: unknown kind \"holiday\""},
		{"date", "# c\n\noff 2026-02-30 春节\n", "x.txt:3: bad date \"2026-02-30\""},
		{"short", "off\n", "x.txt:1: want"},
		{"weekday work", "work 2026-10-09 国庆节\n", "x.txt:1: work day 2026-10-09 is a Friday"},
		{"duplicate", "off 2026-10-01 a\noff 2026-10-01 b\n", "x.txt:2: 2026-10-01 already listed on line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCalendar("x.txt", strings.NewReader(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	days, err := ParseCalendar("ok.txt", strings.NewReader("# 2030\noff\t2030-01-01  元旦 假期 # comment\nwork 2030-01-05\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 2 || days[0].Name != "元旦 假期" || days[1].Name != "" || !days[1].Work {
		t.Fatalf("days = %+v", days)
	}
}

func TestLoadCalendarDir(t *testing.T) {
	dir := t.TempDir()
	// A 2027 file adds a year; a 2026 file replaces the embedded 2026 entirely.
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("2027.txt", "off 2027-01-01 元旦\n")
	write("2026-fix.txt", "off 2026-03-04 test\n")
	write("notes.md", "ignored")
	cal, err := LoadCalendar(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cal.IsWorkday(date("2027-01-01")) || !cal.Covers(2027) {
		t.Error("2027-01-01 should be off after loading 2027.txt")
	}
	if cal.IsWorkday(date("2026-03-04")) {
		t.Error("2026-03-04 should be off after loading the replacement 2026 file")
	}
	if !cal.IsWorkday(date("2026-10-01")) {
		t.Error("embedded 2026 entries should be replaced by the directory's 2026 file")
	}
	if !cal.IsWorkday(date("2017-10-09")) || cal.IsWorkday(date("2017-10-02")) {
		t.Error("embedded 2017 should be kept")
	}

	write("bad.txt", "off 2028-13-01 x\n")
	if _, err := LoadCalendar(dir); err == nil || !strings.Contains(err.Error(), "bad.txt:1") {
		t.Errorf("bad file: err = %v, want it to name bad.txt:1", err)
	}
	if _, err := LoadCalendar(filepath.Join(dir, "missing")); err != nil {
		t.Logf("missing dir: %v", err) // an empty glob is not an error
	}
}

func FuzzParseCalendar(f *testing.F) {
	for _, s := range []string{
		"off  2026-10-01 国庆节\nwork 2026-10-10 国庆节\n",
		"# only a comment\n\n",
		"work 2026-10-09 x\n",
		"off 2026-02-30\n",
		"off 2026-01-01 a # b\noff 2026-01-01 c\n",
		"\xff\xfe off 2026-01-01",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		days, err := ParseCalendar("fuzz.txt", strings.NewReader(s))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.txt") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		cal := NewCalendar(days...)
		for _, d := range days {
			if cal.IsWorkday(d.Date) != d.Work {
				t.Fatalf("%s listed work=%v but IsWorkday says otherwise", d.Date, d.Work)
			}
			if d.Work {
				if wd := d.Date.Weekday(); wd != time.Saturday && wd != time.Sunday {
					t.Fatalf("work day %s on a %s accepted", d.Date, wd)
				}
			}
		}
	})
}
