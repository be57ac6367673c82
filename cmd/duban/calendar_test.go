package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/remind"
)

// TestRemindAcrossYears checks from outside, on the sample ledger (deadlines
// around January 2027), that the working days of 2027 follow its published
// schedule and those of a year no schedule covers its computed holidays.
func TestRemindAcrossYears(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	dry := func(now string) string {
		t.Helper()
		out, errOut, code := e.duban("remind", "--config", e.cfgPath, "--dry-run", "--now", now)
		if code != 0 {
			t.Fatalf("remind --dry-run --now %s: exit %d\n%s\n%s", now, code, out, errOut)
		}
		return out
	}
	planned := func(out string) bool {
		return strings.Contains(out, "应发提醒") && strings.Contains(out, "\t逾期第")
	}

	for _, now := range []string{"2027-02-08 23:59", "2027-10-04 23:59", "2027-01-01 23:59"} { // 春节, 国庆, 元旦
		if out := dry(now); planned(out) || !strings.Contains(out, "不在发送时段") {
			t.Errorf("%s is a holiday, yet:\n%s", now, out)
		}
	}
	if out := dry("2027-01-31 23:59"); !planned(out) || strings.Contains(out, "尚未发布") { // a Sunday, 调休上班
		t.Errorf("2027-01-31 is a make-up working day, yet:\n%s", out)
	}
	if out := dry("2027-02-15 23:59"); !planned(out) {
		t.Errorf("2027-02-15 is the first working day after 春节, yet:\n%s", out)
	}

	cal := remind.DefaultCalendar()
	y := 2028
	for cal.Official(y) {
		y++
	}
	spring := remind.Statutory(y)[1] // 春节: 除夕 to 初三
	for i := range spring.Days {
		d := spring.From.AddDays(i)
		out := dry(d.String() + " 23:59")
		if planned(out) || !strings.Contains(out, fmt.Sprintf("%d年放假安排尚未发布", y)) || !strings.Contains(out, "调休上班日和补假未知") {
			t.Errorf("%s is %d's computed 春节, yet:\n%s", d, y, out)
		}
	}
	after := cal.WorkdayOnOrBefore(spring.From.AddDays(10))
	if out := dry(after.String() + " 23:59"); !planned(out) || !strings.Contains(out, "尚未发布") {
		t.Errorf("%s is an ordinary working day of %d, yet:\n%s", after, y, out)
	}
	// In December before that year, 编办 (wangjianguo, lixiaodong) are told.
	dec := cal.WorkdayOnOrBefore(duban.NewDate(y-1, time.December, 15))
	out := dry(dec.String() + " 23:59")
	if !strings.Contains(out, "wangjianguo\t放假安排提醒\t\t") || !strings.Contains(out, fmt.Sprintf("%d年放假安排尚未发布。", y)) {
		t.Errorf("%s: no calendar notice to 编办:\n%s", dec, out)
	}

	report, _, code := e.duban("report", "--config", e.cfgPath, "--now", after.String()+" 16:00")
	if code != 0 || !strings.Contains(report, fmt.Sprintf("%d年放假安排尚未发布", y)) {
		t.Errorf("report in %d: exit %d, no caveat:\n%s", y, code, report)
	}
	if report, _, _ := e.duban("report", "--config", e.cfgPath, "--now", "2027-03-01 16:00"); strings.Contains(report, "尚未发布") {
		t.Errorf("report in 2027 has a caveat:\n%s", report)
	}
}

func TestCalendarShow(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	out, errOut, code := e.duban("calendar", "show", "--config", e.cfgPath, "2027")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"2027年放假安排：内置的国务院办公厅放假安排\n", "2027-01-31 周日 上班 春节调休\n",
		"2027-02-05 周五 休息 春节\n", "2027-10-04 周一 休息 国庆节\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("calendar show 2027 lacks %q:\n%s", want, out)
		}
	}

	// A calendar_dir file takes its year over; a bad one is refused, named.
	dir := filepath.Join(e.dir, "calendars")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "2027.txt"), []byte("off 2027-03-01 测试\n"), 0o644)
	cfg, _ := os.ReadFile(e.cfgPath)
	os.WriteFile(e.cfgPath, []byte(strings.Replace(string(cfg), "[remind]\n", fmt.Sprintf("[remind]\ncalendar_dir = %q\n", dir), 1)), 0o600)
	out, _, _ = e.duban("calendar", "show", "--config", e.cfgPath, "2027")
	if !strings.Contains(out, "2027年放假安排：calendar_dir 中的日历文件\n") || !strings.Contains(out, "2027-03-01 周一 休息 测试\n") || strings.Contains(out, "春节") {
		t.Errorf("calendar show 2027 with a file:\n%s", out)
	}
	if out, _, _ := e.duban("remind", "--config", e.cfgPath, "--dry-run", "--now", "2027-02-08 23:59"); !strings.Contains(out, "应发提醒") {
		t.Errorf("the file's 2027 has no 春节, yet 2027-02-08:\n%s", out)
	}
	os.WriteFile(filepath.Join(dir, "2028.txt"), []byte("off 2028-01-01 元旦\nwork 2028-01-03 元旦\n"), 0o644)
	if _, errOut, code := e.duban("remind", "--config", e.cfgPath, "--dry-run", "--now", "2027-02-08 23:59"); code == 0 || !strings.Contains(errOut, "2028.txt:2: work day 2028-01-03 is a Monday") {
		t.Errorf("bad calendar file: exit %d\n%s", code, errOut)
	}

	if _, errOut, code := e.duban("calendar", "show", "--config", e.cfgPath, "明年"); code == 0 || !strings.Contains(errOut, `年份 "明年" 无法识别`) {
		t.Errorf("bad year: exit %d\n%s", code, errOut)
	}
}

// notice2028 is a notice for a year the library lacks, in the official
// format (the dates are invented; the weekdays are right).
const notice2028 = `国务院办公厅关于2028年部分节假日安排的通知
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
　　经国务院批准，现将2028年元旦、春节放假调休日期的具体安排通知如下。
　　一、元旦：1月1日（周六）至3日（周一）放假，共3天。
　　二、春节：1月25日（农历除夕、周二）至2月1日（农历正月初七、周二）放假调休，共8天。1月22日（周六）、2月5日（周六）上班。
国务院办公厅
`

func TestCalendarImport(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	notices, _ := filepath.Abs(filepath.Join("..", "..", "remind", "testdata", "notices"))

	// A malformed notice: the line is named, nothing is stored.
	bad := strings.Replace(notice2028, "2月5日（周六）上班", "2月7日（周一）上班", 1)
	_, errOut, code := e.dubanStdin(bad, "calendar", "import", "--config", e.cfgPath, "--yes", "-")
	if code == 0 || !strings.Contains(errOut, "第5行（春节）：调休上班日 2028-02-07 是周一") {
		t.Errorf("bad notice: exit %d\n%s", code, errOut)
	}
	// Standard input needs --yes; a refusal stores nothing either.
	if _, errOut, code := e.dubanStdin(notice2028, "calendar", "import", "--config", e.cfgPath, "-"); code == 0 || !strings.Contains(errOut, "--yes") {
		t.Errorf("stdin without --yes: exit %d\n%s", code, errOut)
	}
	file := filepath.Join(e.dir, "notice2028.txt")
	os.WriteFile(file, []byte(notice2028), 0o644)
	out, _, code := e.dubanStdin("n\n", "calendar", "import", "--config", e.cfgPath, file)
	if code != 1 || !strings.Contains(out, "2028-01-22 周六 上班 春节调休\n") || !strings.Contains(out, "未导入") {
		t.Errorf("declined import: exit %d\n%s", code, out)
	}
	cal := remind.DefaultCalendar()
	if !cal.Official(2028) {
		out, _, _ := e.duban("remind", "--config", e.cfgPath, "--dry-run", "--now", "2028-01-26 23:59")
		if !strings.Contains(out, "2028年放假安排尚未发布") {
			t.Errorf("nothing imported, yet:\n%s", out)
		}
	}

	out, errOut, code = e.dubanStdin("确认\n", "calendar", "import", "--config", e.cfgPath, file)
	if code != 0 || !strings.Contains(out, "已导入2028年放假安排") {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	out, _, _ = e.duban("calendar", "show", "--config", e.cfgPath, "2028")
	if !strings.Contains(out, "2028年放假安排：导入的国务院办公厅通知\n") || !strings.Contains(out, "2028-02-05 周六 上班 春节调休\n") ||
		!strings.Contains(out, "2028-01-31 周一 休息 春节\n") || strings.Contains(out, "尚未发布") {
		t.Errorf("calendar show 2028 after the import:\n%s", out)
	}
	// The imported days decide the reminders: 01-22 (Saturday) is a working
	// day, 01-31 (Monday) is not, and the year is no longer "unpublished".
	if out, _, _ := e.duban("remind", "--config", e.cfgPath, "--dry-run", "--now", "2028-01-22 23:59"); !strings.Contains(out, "应发提醒") || strings.Contains(out, "尚未发布") {
		t.Errorf("2028-01-22 is an imported make-up working day, yet:\n%s", out)
	}
	if out, _, _ := e.duban("remind", "--config", e.cfgPath, "--dry-run", "--now", "2028-01-31 23:59"); !strings.Contains(out, "不在发送时段") {
		t.Errorf("2028-01-31 is an imported holiday, yet:\n%s", out)
	}

	// The published notices for 2017 and 2026 reproduce those years.
	for _, y := range []string{"2017", "2026"} {
		out, errOut, code := e.duban("calendar", "import", "--config", e.cfgPath, "--yes", filepath.Join(notices, y+".txt"))
		if code != 0 {
			t.Fatalf("import %s: exit %d\n%s\n%s", y, code, out, errOut)
		}
		show, _, _ := e.duban("calendar", "show", "--config", e.cfgPath, y)
		want, _ := os.ReadFile(filepath.Join("..", "..", "remind", "testdata", "calendar", y+".txt"))
		for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
			f := strings.Fields(line)
			kind := map[string]string{"off": "休息", "work": "上班"}[f[0]]
			if !strings.Contains(show, f[1]+" ") || !strings.Contains(show, f[1]+" "+weekdays[mustDate(t, f[1]).Weekday()]+" "+kind+" ") {
				t.Errorf("%s: show lacks %s:\n%s", y, line, show)
			}
		}
		n := 0 // the notice's days; the 2018 notice's 元旦 reaches 2017-12-30
		for _, l := range strings.Split(show, "\n") {
			if strings.HasPrefix(l, y+"-") && !strings.Contains(l, "来源") {
				n++
			}
		}
		if n != len(strings.Split(strings.TrimSpace(string(want)), "\n")) || !strings.Contains(show, "导入的国务院办公厅通知") {
			t.Errorf("%s: %d days shown:\n%s", y, n, show)
		}
	}
}

func mustDate(t *testing.T, s string) duban.Date {
	d, err := duban.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
