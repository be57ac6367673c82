package remind

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/duban-org/duban"
)

func readNotice(t testing.TB, year string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "notices", year+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sameNames compares holiday names regardless of the order of their parts
// (中秋节、国庆节 and 国庆节、中秋节).
func sameNames(a, b string) bool {
	x, y := strings.Split(a, "、"), strings.Split(b, "、")
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// TestNoticeReproducesScheduleFiles: the notices for 2017 and 2026, as
// published, give exactly the days written by hand from them.
func TestNoticeReproducesScheduleFiles(t *testing.T) {
	for _, y := range []string{"2017", "2026"} {
		f, err := os.Open(filepath.Join("testdata", "calendar", y+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := ParseCalendar(y+".txt", f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		n, err := ParseHolidayNotice(readNotice(t, y))
		if err != nil {
			t.Fatalf("%s: %v", y, err)
		}
		if n.Year != year(want[0].Date) {
			t.Errorf("%s: year %d", y, n.Year)
		}
		if len(n.Days) != len(want) {
			t.Errorf("%s: %d days, want %d:\n%+v", y, len(n.Days), len(want), n.Days)
		}
		byDate := map[duban.Date]CalendarDay{}
		for _, d := range n.Days {
			byDate[d.Date] = d
		}
		for _, w := range want {
			g, ok := byDate[w.Date]
			if !ok || g.Work != w.Work || !sameNames(g.Name, w.Name) {
				t.Errorf("%s: %s = %+v (listed %v), want %+v", y, w.Date, g, ok, w)
			}
		}
	}
}

// TestNoticeMatchesLibrary: notices of other years, one with 元旦 reaching
// back into December, give the library's schedules.
func TestNoticeMatchesLibrary(t *testing.T) {
	lib := DefaultCalendar()
	for _, y := range []string{"2019", "2025"} {
		n, err := ParseHolidayNotice(readNotice(t, y))
		if err != nil {
			t.Fatalf("%s: %v", y, err)
		}
		cal, err := LoadCalendar("", n)
		if err != nil {
			t.Fatal(err)
		}
		if cal.Source(n.Year) != SourceNotice {
			t.Errorf("%s: source %s", y, cal.Source(n.Year))
		}
		for d := jan1(n.Year) - 31; d < jan1(n.Year+1); d++ {
			if cal.IsWorkday(d) != lib.IsWorkday(d) {
				t.Errorf("%s: %s: notice says working day %v, library %v", y, d, cal.IsWorkday(d), lib.IsWorkday(d))
			}
		}
	}
	n, _ := ParseHolidayNotice(readNotice(t, "2019"))
	if n.Days[0].Date != date("2018-12-30") || !n.Days[3].Work || n.Days[3].Date != date("2018-12-29") {
		t.Errorf("2019 元旦: %+v", n.Days[:4])
	}
}

func TestNoticeHalfWidth(t *testing.T) {
	want, err := ParseHolidayNotice(readNotice(t, "2026"))
	if err != nil {
		t.Fatal(err)
	}
	half := strings.NewReplacer("（", "(", "）", ")", "：", ":", "，", ",", "。", ".", "\n", "\r\n", "　", " ").Replace(readNotice(t, "2026"))
	got, err := ParseHolidayNotice("\ufeff" + half)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Days, want.Days) || got.Year != want.Year {
		t.Errorf("half-width notice:\n%+v\nwant\n%+v", got.Days, want.Days)
	}
}

// TestNoticeWrapped: a holiday's line wrapped when copied, even inside a
// date, reads the same.
func TestNoticeWrapped(t *testing.T) {
	text := readNotice(t, "2026")
	want, err := ParseHolidayNotice(text)
	if err != nil {
		t.Fatal(err)
	}
	wrapped := strings.Replace(text, "共9天。2月14日（周六）、2月", "共9天。\n\n2月14日（周六）、2月\n", 1)
	wrapped = strings.Replace(wrapped, "共7天。9月20日", "共7天。\n9月20日", 1)
	// The last line without its full stop, then the signature straight after.
	wrapped = strings.Replace(wrapped, "10月10日（周六）上班。", "10月10日（周六）上班", 1)
	wrapped = strings.Replace(wrapped, "\n　　节假日期间", "\n2025年11月4日\n　　节假日期间", 1)
	got, err := ParseHolidayNotice(wrapped)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Days, want.Days) {
		t.Errorf("wrapped notice:\n%+v\nwant\n%+v", got.Days, want.Days)
	}
}

func TestNoticeErrors(t *testing.T) {
	const title = "国务院办公厅关于2026年部分节假日安排的通知\n"
	tests := []struct{ name, text, want string }{
		{"no year", "一、元旦：1月1日（周四）放假。\n", "找不到通知的年份"},
		{"no lines", title + "节假日期间，各地区要安排好值班。\n", "找不到放假安排"},
		{"weekday work", title + "\n一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月5日（周一）上班。\n", "第3行（元旦）：调休上班日 2026-01-05 是周一"},
		{"wrong weekday", title + "一、元旦：1月1日（周五）放假。\n", "第2行（元旦）：2026-01-01 是周四，通知写的是周五"},
		{"bad date", title + "一、春节：2月30日放假。\n", "第2行（春节）：不存在的日期“2月30日”"},
		{"no kind", title + "一、元旦：1月1日（周四）。\n", "第2行（元旦）：看不出“1月1日(周四)”是放假还是上班"},
		{"no month", title + "一、元旦：3日放假。\n", "第2行（元旦）：“3日”缺少月份"},
		{"reversed", title + "一、元旦：1月3日至1日放假。\n", "第2行（元旦）：日期范围"},
		{"no dates", title + "一、元旦：另行通知。\n", "第2行（元旦）：没有读到日期"},
		{"other year", title + "一、元旦：2024年1月1日放假。\n", "不在2026年的安排之内"},
		{"twice", title + "一、元旦：1月1日放假。\n二、春节：1月1日放假。\n", "第3行（春节）：2026-01-01 在第2行已经出现"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseHolidayNotice(tt.text)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if duban.ErrorCode(err) != duban.EINVALID || n.Days != nil {
				t.Errorf("code %s, days %+v", duban.ErrorCode(err), n.Days)
			}
		})
	}
}

func FuzzParseHolidayNotice(f *testing.F) {
	for _, y := range []string{"2017", "2019", "2025", "2026"} {
		f.Add(readNotice(f, y))
	}
	f.Add("国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：12月31日至1月2日放假。\n")
	f.Add("现将2030年\n一.春节:2月2日(周六)~5日(周二)放假调休,共4天.1月27日(周日)上班\n")
	f.Add("关于2026年\n一、元旦：1月1日（（周四）放假）。\n二、x：(1月2日)上班")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseHolidayNotice(s)
		if err != nil {
			if duban.ErrorCode(err) != duban.EINVALID {
				t.Fatalf("uncoded error: %v", err)
			}
			return
		}
		seen := map[duban.Date]bool{}
		for _, d := range n.Days {
			if d.Work && !weekend(d.Date) {
				t.Fatalf("work day %s on a weekday", d.Date)
			}
			if seen[d.Date] || d.Date < jan1(n.Year)-31 || d.Date >= jan1(n.Year+1) {
				t.Fatalf("day %s twice or outside %d", d.Date, n.Year)
			}
			seen[d.Date] = true
		}
		if _, err := LoadCalendar("", n); err != nil {
			t.Fatal(err)
		}
	})
}
