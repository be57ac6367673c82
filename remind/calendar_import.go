package remind

// Reading the State Council's notice of a year's holiday schedule
// (国务院办公厅关于YYYY年部分节假日安排的通知) as published: its year from
// the title, and one numbered line per holiday, such as
//
//	二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。

import (
	"bufio"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/duban-org/duban"
)

// HolidayNotice is one year's schedule as a notice gives it.
type HolidayNotice struct {
	Year int
	// Days are the days off and make-up working days, in the notice's
	// order; the first may be in December of the year before (元旦).
	Days []CalendarDay
}

var (
	// The year: from the title, or from the opening sentence (现将2027年…).
	noticeYearRe = regexp.MustCompile(`(?:关于|现将)\s*(\d{4})\s*年`)
	// A numbered line: 一、元旦：… (also 一. and half-width colons).
	noticeItemRe = regexp.MustCompile(`^([一二三四五六七八九十]+)\s*[、.．]\s*([^:]{1,40}?)\s*:\s*(.*)$`)
	noticeDateRe = regexp.MustCompile(`(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日`)
	noticeWdRe   = regexp.MustCompile(`(?:周|星期)([一二三四五六日天])`)
	noticeParen  = regexp.MustCompile(`\([^)]*\)`)
	// The date the notice was signed, alone on its line.
	noticeSignedRe = regexp.MustCompile(`^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$`)
)

// noticeMaxBytes bounds the text read: a notice is about 1,500 characters.
const noticeMaxBytes = 256 << 10

// ParseHolidayNotice reads a notice as published, in full- or half-width
// punctuation. Lines other than the title and the numbered holiday lines
// (the preamble, the closing paragraph, the signature) are skipped, except
// that a line right after a holiday's line continues it (a line wrapped
// when copied) when that line stops mid-sentence or this one names dates. A
// numbered line it cannot read fully is an error naming the line; so is a
// make-up working day that is not a weekend, a weekday in brackets that
// does not match its date, and a date given twice.
func ParseHolidayNotice(text string) (HolidayNotice, error) {
	var n HolidayNotice
	if len(text) > noticeMaxBytes {
		return n, duban.Errorf(duban.EINVALID, "通知太长（%d 字节）：请只给出通知正文", len(text))
	}
	type item struct {
		line       int
		name, body string
	}
	var items []item
	open := false // whether the last line read was a holiday's
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 4096), noticeMaxBytes)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(duban.FoldWidth(strings.TrimPrefix(sc.Text(), "\ufeff")))
		if n.Year == 0 {
			if m := noticeYearRe.FindStringSubmatch(s); m != nil {
				n.Year, _ = strconv.Atoi(m[1])
			}
		}
		if m := noticeItemRe.FindStringSubmatch(s); m != nil {
			items = append(items, item{line, strings.TrimSpace(m[2]), m[3]})
			open = true
		} else if s != "" {
			// A line wrapped when copied goes on with its holiday's line;
			// the first line that does not (the closing paragraph, 国务院
			// 办公厅) ends the holidays' lines.
			if last := len(items) - 1; open && !noticeSignedRe.MatchString(s) && (unfinished(items[last].body) || noticeDateRe.MatchString(s)) {
				items[last].body += s
			} else {
				open = false
			}
		}
	}
	if n.Year == 0 {
		return n, duban.Errorf(duban.EINVALID, "找不到通知的年份：请连同标题（国务院办公厅关于YYYY年部分节假日安排的通知）一起给出")
	}
	if n.Year < 2000 || n.Year > 2199 {
		return n, duban.Errorf(duban.EINVALID, "通知的年份 %d 超出范围（2000 至 2199）", n.Year)
	}
	if len(items) == 0 {
		return n, duban.Errorf(duban.EINVALID, "找不到放假安排：通知应有“一、元旦：1月1日放假……”这样的编号行")
	}
	lineOf := map[duban.Date]int{}
	for _, it := range items {
		days, err := parseNoticeItem(n.Year, it.name, it.body)
		if err != nil {
			return HolidayNotice{}, duban.Errorf(duban.EINVALID, "第%d行（%s）：%s", it.line, it.name, err)
		}
		for _, d := range days {
			if prev, dup := lineOf[d.Date]; dup {
				return HolidayNotice{}, duban.Errorf(duban.EINVALID, "第%d行（%s）：%s 在第%d行已经出现", it.line, it.name, d.Date, prev)
			}
			lineOf[d.Date] = it.line
		}
		n.Days = append(n.Days, days...)
	}
	return n, nil
}

// unfinished reports whether a holiday's line stops mid-sentence, so the
// next line goes on with it.
func unfinished(body string) bool {
	body = strings.TrimSpace(body)
	return !strings.HasSuffix(body, "。") && !strings.HasSuffix(body, ".")
}

// parseNoticeItem reads the body of one holiday's line: clauses separated
// by commas and full stops, each naming dates and ranges (1月1日至3日) and
// saying whether they are 放假 (also 调休, 补休, 休息) or 上班.
func parseNoticeItem(year int, name, body string) ([]CalendarDay, error) {
	var days []CalendarDay
	for _, clause := range splitClauses(body) {
		dates, err := clauseDates(year, clause)
		if err != nil {
			return nil, err
		}
		if len(dates) == 0 {
			continue // 共9天, 与周末连休, 不调休 …
		}
		plain := noticeParen.ReplaceAllString(clause, "")
		work := strings.Contains(plain, "上班")
		if !work && !strings.ContainsAny(plain, "假休") {
			return nil, fmt.Errorf("看不出“%s”是放假还是上班", strings.TrimSpace(clause))
		}
		for _, d := range dates {
			if work && !weekend(d) {
				return nil, fmt.Errorf("调休上班日 %s 是%s，应为周六或周日", d, weekdayName(d.Weekday()))
			}
			days = append(days, CalendarDay{Date: d, Work: work, Name: name})
		}
	}
	if len(days) == 0 {
		return nil, fmt.Errorf("没有读到日期")
	}
	return days, nil
}

// clauseDates returns the dates a clause names, ranges expanded. A date
// without a month or year takes them from the date before it in the clause
// (至3日), or the notice's year.
func clauseDates(year int, clause string) ([]duban.Date, error) {
	ms := noticeDateRe.FindAllStringSubmatchIndex(clause, -1)
	var out []duban.Date
	y, month := year, 0
	var prev duban.Date
	prevEnd := 0
	for i, m := range ms {
		if inParen(clause, m[0]) {
			continue // a date in brackets is a remark
		}
		explicitYear := m[2] >= 0
		if explicitYear {
			y, _ = strconv.Atoi(clause[m[2]:m[3]])
		}
		if m[4] >= 0 {
			month, _ = strconv.Atoi(clause[m[4]:m[5]])
		} else if month == 0 {
			return nil, fmt.Errorf("“%s”缺少月份", clause[m[0]:m[1]])
		}
		day, _ := strconv.Atoi(clause[m[6]:m[7]])
		d := duban.NewDate(y, time.Month(month), day)
		if yy, mm, dd := d.Time(time.UTC).Date(); yy != y || int(mm) != month || dd != day || month < 1 {
			return nil, fmt.Errorf("不存在的日期“%s”", clause[m[0]:m[1]])
		}
		if wd := noticeWdRe.FindStringSubmatch(parenAfter(clause, m[1])); wd != nil && weekdayName(d.Weekday())[len("周"):] != strings.Replace(wd[1], "天", "日", 1) {
			return nil, fmt.Errorf("%s 是%s，通知写的是%s", d, weekdayName(d.Weekday()), wd[0])
		}
		between := strings.TrimSpace(noticeParen.ReplaceAllString(clause[prevEnd:m[0]], ""))
		if i > 0 && prev != 0 && isRangeWord(between) {
			if d < prev && !explicitYear && m[4] >= 0 { // 12月31日至1月2日
				d = duban.NewDate(y+1, time.Month(month), day)
			}
			if d <= prev || d-prev > 31 {
				return nil, fmt.Errorf("日期范围 %s 至 %s 不对", prev, d)
			}
			for x := prev + 1; x <= d; x++ {
				out = append(out, x)
			}
		} else {
			out = append(out, d)
		}
		if first := jan1(year) - 31; d < first || d >= jan1(year+1) {
			return nil, fmt.Errorf("%s 不在%d年的安排之内", d, year)
		}
		prev, prevEnd = d, m[1]
	}
	return out, nil
}

// splitClauses cuts a line's body at commas, semicolons and full stops
// outside brackets.
func splitClauses(body string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range body {
		switch r {
		case '(':
			depth++
		case ')':
			depth = max(depth-1, 0)
		case '。', ',', ';', '.':
			if depth == 0 {
				out = append(out, body[start:i])
				start = i + len(string(r))
			}
		}
	}
	return append(out, body[start:])
}

func isRangeWord(s string) bool {
	switch s {
	case "至", "到", "-", "—", "–", "~", "～", "－":
		return true
	}
	return false
}

// inParen reports whether byte offset i of s is inside brackets.
func inParen(s string, i int) bool {
	return strings.LastIndexByte(s[:i], '(') > strings.LastIndexByte(s[:i], ')')
}

// parenAfter returns the bracketed remark right after byte offset i of s
// (周日, 农历正月初七、周一), or "".
func parenAfter(s string, i int) string {
	rest := strings.TrimSpace(s[i:])
	if !strings.HasPrefix(rest, "(") {
		return ""
	}
	if j := strings.IndexByte(rest, ')'); j > 0 {
		return rest[1:j]
	}
	return ""
}

func weekdayName(wd time.Weekday) string {
	return [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}[wd]
}
