package remind

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"

	"github.com/duban-org/duban"
)

func date(s string) duban.Date {
	d, err := duban.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestDefaultCalendarWorkdays(t *testing.T) {
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
		{"2018-12-29", true, "调休 Saturday for 元旦 2019, in the 2019 notice"},
		{"2018-12-31", false, "a Monday off for 元旦 2019"},
		{"2019-01-02", true, "after 元旦 2019"},
	}
	for _, tt := range tests {
		if got := cal.IsWorkday(date(tt.day)); got != tt.work {
			t.Errorf("IsWorkday(%s) = %v, want %v (%s)", tt.day, got, tt.work, tt.why)
		}
	}
	for _, y := range []int{2017, 2026, 2027} {
		if cal.Source(y) != SourceLibrary || !cal.Official(y) {
			t.Errorf("Source(%d) = %s, want the library", y, cal.Source(y))
		}
	}
	if d, ok := cal.Day(date("2026-10-10")); !ok || d.Name != "国庆节" || !d.Work || d.Source != SourceLibrary {
		t.Errorf("Day(2026-10-10) = %+v, %v", d, ok)
	}
	if d, _ := cal.Day(date("2018-12-29")); d.Name != "元旦" || !d.Work {
		t.Errorf("Day(2018-12-29) = %+v", d)
	}
}

// Test2027 checks the State Council's schedule for 2027 (国办发明电〔2026〕
// notice as the library carries it): the year duban must know before it
// starts.
func Test2027(t *testing.T) {
	cal := DefaultCalendar()
	for d := date("2027-02-05"); d <= date("2027-02-13"); d++ {
		if cal.IsWorkday(d) {
			t.Errorf("%s (%s) is a working day, want 春节", d, d.Weekday())
		}
		if x, _ := cal.Day(d); x.Name != "春节" {
			t.Errorf("Day(%s) = %+v, want 春节", d, x)
		}
	}
	for _, s := range []string{"2027-01-31", "2027-02-14", "2027-05-08", "2027-09-26", "2027-10-09"} {
		if !cal.IsWorkday(date(s)) {
			t.Errorf("%s is a rest day, want a make-up working day", s)
		}
	}
	for _, s := range []string{"2027-01-01", "2027-04-05", "2027-05-03", "2027-05-05", "2027-06-09", "2027-09-15", "2027-10-04", "2027-10-07"} {
		if cal.IsWorkday(date(s)) {
			t.Errorf("%s is a working day, want a holiday", s)
		}
	}
	if !cal.IsWorkday(date("2027-01-04")) || !cal.IsWorkday(date("2027-02-15")) || !cal.IsWorkday(date("2027-10-08")) {
		t.Error("the first weekdays after 元旦, 春节 and 国庆 must be working days")
	}
	if got := cal.WorkdaysBetween(date("2027-01-29"), date("2027-02-19")); got != 11 {
		t.Errorf("working days 2027-01-30..02-19 = %d, want 11 (01-31, 02-01..04, 02-14, 02-15..19)", got)
	}
}

// TestLibraryAgreesWithScheduleFiles checks the library against the
// schedules written by hand from the State Council's notices for 2017 and
// 2026 (testdata/calendar, as in ../shared/calendar): the same working day
// on every day of the year, and the same holiday behind every day whose
// status the schedule changes.
func TestLibraryAgreesWithScheduleFiles(t *testing.T) {
	lib := DefaultCalendar()
	names, _ := filepath.Glob("testdata/calendar/*.txt")
	if len(names) < 2 {
		t.Fatalf("schedule files: %v", names)
	}
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		days, err := ParseCalendar(filepath.Base(name), f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		file := NewCalendar(days...)
		y := year(days[0].Date)
		if file.Source(y) != SourceFile || lib.Source(y) != SourceLibrary {
			t.Fatalf("%s: sources %s and %s", name, file.Source(y), lib.Source(y))
		}
		for d := jan1(y); d < jan1(y+1); d++ {
			if lib.IsWorkday(d) != file.IsWorkday(d) {
				t.Errorf("%s: %s: library says working day %v, the file %v", name, d, lib.IsWorkday(d), file.IsWorkday(d))
			}
			want, listed := file.Day(d)
			if !listed || want.Work != weekend(d) {
				continue // a day whose status the schedule does not change
			}
			got, _ := lib.Day(d)
			if !strings.Contains(want.Name, got.Name) || got.Name == "" {
				t.Errorf("%s: %s: library names it %q, the file %q", name, d, got.Name, want.Name)
			}
		}
	}
}

func TestStatutoryHolidays(t *testing.T) {
	// The statutory days (2024 revision) of years whose dates are known:
	// 除夕 to 初三, the 清明 term, 端午, 中秋.
	tests := map[int]string{
		2025: "元旦 1月1日|春节 1月28日至31日|清明节 4月4日|劳动节 5月1日至2日|端午节 5月31日|国庆节 10月1日至3日|中秋节 10月6日",
		2026: "元旦 1月1日|春节 2月16日至19日|清明节 4月5日|劳动节 5月1日至2日|端午节 6月19日|中秋节 9月25日|国庆节 10月1日至3日",
		2027: "元旦 1月1日|春节 2月5日至8日|清明节 4月5日|劳动节 5月1日至2日|端午节 6月9日|中秋节 9月15日|国庆节 10月1日至3日",
		2028: "元旦 1月1日|春节 1月25日至28日|清明节 4月4日|劳动节 5月1日至2日|端午节 5月28日|国庆节 10月1日至3日|中秋节 10月3日",
		2030: "元旦 1月1日|春节 2月2日至5日|清明节 4月5日|劳动节 5月1日至2日|端午节 6月5日|中秋节 9月12日|国庆节 10月1日至3日",
		2033: "元旦 1月1日|春节 1月30日至2月2日|清明节 4月4日|劳动节 5月1日至2日|端午节 6月1日|中秋节 9月8日|国庆节 10月1日至3日",
	}
	for y, want := range tests {
		var got []string
		for _, h := range Statutory(y) {
			got = append(got, h.String())
		}
		if g := strings.Join(got, "|"); g != want {
			t.Errorf("Statutory(%d):\n got %s\nwant %s", y, g, want)
		}
	}
	// 2028: 中秋 falls on 国庆's third day, one day off under both names.
	days := StatutoryHolidays(2028)
	if len(days) != 1+4+1+2+1+3 {
		t.Errorf("2028: %d days off, want 12: %+v", len(days), days)
	}
	if i := slices.IndexFunc(days, func(d CalendarDay) bool { return d.Date == date("2028-10-03") }); i < 0 || days[i].Name != "国庆节、中秋节" {
		t.Errorf("2028-10-03: %+v", days)
	}
}

// TestStatutoryMatchesLibrary checks the computed festival days against
// every published schedule the library carries (the day each holiday is
// for), and that under the 2024 revision every computed day is a day off
// in the published schedule.
func TestStatutoryMatchesLibrary(t *testing.T) {
	lib := DefaultCalendar()
	checked := 0
	for y := 2008; lib.Official(y); y++ {
		festival := map[string][]string{} // the days the library may name as the holiday's own
		for _, h := range Statutory(y) {
			switch h.Name {
			case "春节": // 除夕 or 正月初一: the library has used both
				festival[h.Name] = []string{h.From.String(), h.From.AddDays(1).String()}
			case "清明节", "端午节", "中秋节":
				festival[h.Name] = []string{h.From.String()}
			}
		}
		seen := map[string]bool{}
		for e := HolidayUtil.GetHolidaysByYear(y).Front(); e != nil; e = e.Next() {
			h := e.Value.(*HolidayUtil.Holiday)
			want, ok := festival[h.GetName()]
			if !ok || seen[h.GetName()] || !strings.HasPrefix(h.GetTarget(), strconv.Itoa(y)) {
				continue
			}
			seen[h.GetName()] = true
			checked++
			if !slices.Contains(want, h.GetTarget()) {
				t.Errorf("%d %s: library's day %s, computed %v", y, h.GetName(), h.GetTarget(), want)
			}
		}
		if y < 2025 {
			continue
		}
		for _, d := range StatutoryHolidays(y) {
			if lib.IsWorkday(d.Date) {
				t.Errorf("%s (%s) is statutory but a working day in the %d schedule", d.Date, d.Name, y)
			}
		}
	}
	if checked < 4*18 {
		t.Errorf("checked %d festival days, want the 4 festivals of 20 years (中秋 is 国庆中秋 in a few)", checked)
	}
}

func TestComputedYear(t *testing.T) {
	cal := DefaultCalendar()
	last := 2027
	for cal.Official(last + 1) {
		last++ // a newer library; the next year is still computed
	}
	y := last + 1
	if cal.Source(y) != SourceComputed || cal.Official(y) {
		t.Fatalf("Source(%d) = %s", y, cal.Source(y))
	}
	days := cal.Days(y)
	if want := StatutoryHolidays(y); len(days) != len(want) {
		t.Fatalf("Days(%d) = %+v, want the statutory %+v", y, days, want)
	}
	for _, d := range days {
		if cal.IsWorkday(d.Date) || d.Source != SourceComputed {
			t.Errorf("%+v: working day %v", d, cal.IsWorkday(d.Date))
		}
	}
	// 2030 by hand: 春节 2月2日 (Saturday) to 5日 (Tuesday).
	if y <= 2030 {
		for _, s := range []string{"2030-02-04", "2030-02-05", "2030-06-05", "2030-09-12", "2030-10-02"} {
			if cal.IsWorkday(date(s)) {
				t.Errorf("%s: a computed holiday is a working day", s)
			}
		}
		for _, s := range []string{"2030-02-06", "2030-04-08", "2030-05-06"} {
			if !cal.IsWorkday(date(s)) {
				t.Errorf("%s: an ordinary weekday is a rest day", s)
			}
		}
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
	lo, hi := date("2016-06-01"), date("2031-06-01") // into the computed years
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
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A 2029 file adds a year the library lacks, with a December make-up day
	// for its 元旦 (as notices have it); a 2026 file replaces the library's
	// 2026 whole.
	write("2029.txt", "work 2028-12-30 元旦\noff 2029-01-01 元旦\noff 2029-01-02 元旦\n")
	write("2026-fix.txt", "off 2026-03-04 test\n")
	write("notes.md", "ignored")
	cal, err := LoadCalendar(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cal.IsWorkday(date("2029-01-02")) || cal.Source(2029) != SourceFile || !cal.Official(2029) {
		t.Errorf("2029: 01-02 working %v, source %s", cal.IsWorkday(date("2029-01-02")), cal.Source(2029))
	}
	if !cal.IsWorkday(date("2028-12-30")) || cal.Source(2028) == SourceFile {
		t.Errorf("2028-12-30 (a Saturday) should be the 2029 file's make-up day, and 2028 keep its own source (%s)", cal.Source(2028))
	}
	if d, _ := cal.Day(date("2028-12-30")); d.Source != SourceFile || d.Name != "元旦" {
		t.Errorf("Day(2028-12-30) = %+v", d)
	}
	if cal.IsWorkday(date("2028-01-26")) {
		t.Error("2028 (computed) lost its 春节")
	}
	if cal.IsWorkday(date("2026-03-04")) || !cal.IsWorkday(date("2026-10-01")) || cal.Source(2026) != SourceFile {
		t.Error("the directory's 2026 file should replace the library's 2026 entirely")
	}
	if !cal.IsWorkday(date("2017-10-09")) || cal.IsWorkday(date("2017-10-02")) || cal.Source(2027) != SourceLibrary {
		t.Error("years without a file should keep the library's schedules")
	}
	if got := cal.WorkdaysBetween(date("2028-12-29"), date("2029-01-03")); got != 2 {
		t.Errorf("working days 2028-12-30..2029-01-03 = %d, want 2 (12-30 make-up, 01-03)", got)
	}

	write("bad.txt", "off 2028-13-01 x\n")
	if _, err := LoadCalendar(dir); err == nil || !strings.Contains(err.Error(), "bad.txt:1") {
		t.Errorf("bad file: err = %v, want it to name bad.txt:1", err)
	}
	os.Remove(filepath.Join(dir, "bad.txt"))
	write("dup.txt", "off 2029-01-02 again\n")
	if _, err := LoadCalendar(dir); err == nil || !strings.Contains(err.Error(), "2029-01-02 is also listed in 2029.txt") {
		t.Errorf("a date in two files: err = %v", err)
	}
	if _, err := LoadCalendar(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "calendar_dir") {
		t.Errorf("missing dir: err = %v, want it named", err)
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
