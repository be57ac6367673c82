package handlers

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/duban-org/duban"
)

// Dates as people write them in chat. readDate reads one at the start of a
// message's remainder, relative to today:
//
//	2027-01-25  2027/1/25  2027.1.25  2027年1月25日(号)  20270125
//	1月25日  1/25  1-25  1.25   the next such date not before today
//	3月  2月份  明年3月  2027年3月  the month's last day
//	下周五  本周五  周五  星期五    next week's Friday; this week's; the next one
//	上周五  昨天                    past days: read so that they are refused, not
//	                                misread (上周五 is not 周五 with a note 上)
//	月底  本月底  下月底  1月底  年底  2027年2月底
//	明年2月底  明年1月15日  明年底  今年12月20日
//	下月10日  明天  后天  大后天  3天后

var (
	reFull     = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?`)
	reCompact  = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})`) // 20270120
	reMonthDay = regexp.MustCompile(`^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?`)
	reSlash    = regexp.MustCompile(`^(\d{1,2})\s*[/.-]\s*(\d{1,2})`)
	reMonth    = regexp.MustCompile(`^(\d{1,2})\s*月份?`)
	reFullMon  = regexp.MustCompile(`^(\d{4})\s*年\s*(\d{1,2})\s*月份?`)
	reMonthEnd = regexp.MustCompile(`^(\d{1,2})\s*月\s*[底末]`)
	reThisEnd  = regexp.MustCompile(`^(?:本月|这个月|这月|当月|月)[底末]`)
	reNextEnd  = regexp.MustCompile(`^下个?月\s*(?:[底末]|(\d{1,2})\s*[日号])`)
	reYearEnd  = regexp.MustCompile(`^(?:今年|本年|年)[底末]`)
	reFullEnd  = regexp.MustCompile(`^(\d{4})\s*年\s*(\d{1,2})\s*月\s*[底末]`)
	reRelYear  = regexp.MustCompile(`^(今年|本年|明年|来年|后年)\s*(年?[底末])?`)
	reWeekday  = regexp.MustCompile(`^(上个?|下个?|本|这个?)?(?:周|星期|礼拜)([一二三四五六日天1-7])`)
	reDaysOn   = regexp.MustCompile(`^(\d{1,3})\s*天(?:后|以后|之后)`)
	// 十二月十号, 二〇二七年三月, 元月底, 3月十五日: a date in Chinese numerals.
	reCnDate = regexp.MustCompile(`^(?:(\d{4}|[〇零○一二三四五六七八九]{4})\s*年\s*)?(\d{1,2}|元|[一二三四五六七八九十]{1,3})\s*月(?:\s*(\d{1,2}|[一二三四五六七八九十]{1,3})(?:[日号]|$|[^月个天周]))?`)
)

var weekdays = map[string]int{"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7,
	"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7}

// readDate reads a date at the start of s. It returns the date and what
// follows it; ok is false when s does not start with a date. An impossible
// date (2月30日) is an error that says so.
func readDate(s string, today duban.Date) (d duban.Date, rest string, ok bool, err error) {
	s = strings.TrimSpace(s)
	if digits := arabicDate(s); digits != s {
		d, rest, ok, err = readDate(digits, today)
		if !ok || err != nil {
			return 0, s, ok, err
		}
		return d, rest, true, nil
	}
	y, _, _ := dateParts(today)
	if m := reRelYear.FindStringSubmatch(s); m != nil {
		year := y + map[string]int{"明年": 1, "来年": 1, "后年": 2}[m[1]]
		if m[2] != "" { // 明年底
			return duban.NewDate(year, 12, 31), s[len(m[0]):], true, nil
		}
		// 明年2月底, 明年1月15日: the month and day of that year.
		rest := arabicDate(strings.TrimSpace(s[len(m[0]):]))
		if full := fmt.Sprintf("%d年%s", year, rest); hasMatch(reFull, full) || hasMatch(reFullEnd, full) || hasMatch(reFullMon, full) {
			d, rest, ok, err := readDate(full, today)
			if err != nil {
				return 0, s, true, err // 明年0月: no such month
			}
			return d, rest, ok, nil
		}
		return 0, s, false, nil
	}
	switch {
	case hasMatch(reFullEnd, s):
		m := reFullEnd.FindStringSubmatch(s)
		if d, err = monthEnd(atoi(m[1]), atoi(m[2])); err != nil {
			return 0, s, true, err
		}
		return d, s[len(m[0]):], true, nil
	case hasMatch(reCompact, s) && !digitNext(s, reCompact):
		m := reCompact.FindStringSubmatch(s)
		d, err = civil(atoi(m[1]), atoi(m[2]), atoi(m[3]), true)
		return d, s[len(m[0]):], true, err
	case hasMatch(reFull, s):
		m := reFull.FindStringSubmatch(s)
		d, err = civil(atoi(m[1]), atoi(m[2]), atoi(m[3]), true)
		return d, s[len(m[0]):], true, err
	case (hasMatch(reFullMon, s) || hasMatch(reMonth, s)) && vaguePart(s):
		return 0, s, false, nil // 3月中旬, 2027年1月初: no day to hold to
	case hasMatch(reFullMon, s) && !digitNext(s, reFullMon):
		// 2027年3月: by the end of that month.
		m := reFullMon.FindStringSubmatch(s)
		if d, err = monthEnd(atoi(m[1]), atoi(m[2])); err != nil {
			return 0, s, true, err
		}
		return d, s[len(m[0]):], true, nil
	case hasMatch(reMonthEnd, s):
		m := reMonthEnd.FindStringSubmatch(s)
		if d, err = nextMonthEnd(atoi(m[1]), today); err != nil {
			return 0, s, true, err
		}
		return d, s[len(m[0]):], true, nil
	case hasMatch(reMonthDay, s):
		m := reMonthDay.FindStringSubmatch(s)
		d, err = nextMonthDay(atoi(m[1]), atoi(m[2]), today)
		return d, s[len(m[0]):], true, err
	case hasMatch(reMonth, s) && !digitNext(s, reMonth):
		// 3月, 2月份: by the end of the next such month.
		m := reMonth.FindStringSubmatch(s)
		if d, err = nextMonthEnd(atoi(m[1]), today); err != nil {
			return 0, s, true, err
		}
		return d, s[len(m[0]):], true, nil
	case hasMatch(reSlash, s):
		m := reSlash.FindStringSubmatch(s)
		after := s[len(m[0]):]
		if after != "" && after[0] >= '0' && after[0] <= '9' {
			return 0, s, false, nil
		}
		// 3.5个, 1.5倍: a number, not 3月5日.
		if strings.Contains(m[0], ".") && strings.ContainsAny(firstRune(after), "个%倍万元人名项天年月日号周") {
			return 0, s, false, nil
		}
		d, err = nextMonthDay(atoi(m[1]), atoi(m[2]), today)
		return d, s[len(m[0]):], true, err
	case hasMatch(reThisEnd, s):
		_, mo, _ := dateParts(today)
		return lastDay(y, mo), s[len(reThisEnd.FindString(s)):], true, nil
	case hasMatch(reNextEnd, s):
		m := reNextEnd.FindStringSubmatch(s)
		_, mo, _ := dateParts(today)
		ny, nm := y, mo+1
		if nm > 12 {
			ny, nm = y+1, 1
		}
		if m[1] == "" {
			return lastDay(ny, nm), s[len(m[0]):], true, nil
		}
		d, err = civil(ny, int(nm), atoi(m[1]), false)
		return d, s[len(m[0]):], true, err
	case hasMatch(reYearEnd, s):
		return duban.NewDate(y, 12, 31), s[len(reYearEnd.FindString(s)):], true, nil
	case hasMatch(reWeekday, s):
		m := reWeekday.FindStringSubmatch(s)
		return weekdayDate(m[1], weekdays[m[2]], today), s[len(m[0]):], true, nil
	case hasMatch(reDaysOn, s):
		m := reDaysOn.FindStringSubmatch(s)
		return today.AddDays(atoi(m[1])), s[len(m[0]):], true, nil
	}
	for _, rel := range []struct {
		word string
		days int
	}{{"大后天", 3}, {"后天", 2}, {"明天", 1}, {"明日", 1}, {"今天", 0}, {"今日", 0}, {"昨天", -1}, {"昨日", -1}} {
		if strings.HasPrefix(s, rel.word) {
			return today.AddDays(rel.days), s[len(rel.word):], true, nil
		}
	}
	return 0, s, false, nil
}

// arabicDate rewrites a date in Chinese numerals at the start of s in
// digits (十二月十号 → 12月10号), so that it is read as one and never as a
// shift of twelve months; s is returned as it is when it starts with none.
func arabicDate(s string) string {
	m := reCnDate.FindStringSubmatchIndex(s)
	if m == nil {
		return s
	}
	part := func(i int) string { return s[m[2*i]:m[2*i+1]] }
	var b strings.Builder
	end := m[5] + strings.Index(s[m[5]:], "月") + len("月")
	if m[2] >= 0 {
		b.WriteString(strings.NewReplacer("〇", "0", "零", "0", "○", "0", "一", "1", "二", "2", "三", "3", "四", "4",
			"五", "5", "六", "6", "七", "7", "八", "8", "九", "9").Replace(part(1)) + "年")
	}
	mon := part(2)
	if mon == "元" {
		mon = "1"
	} else if n := cnNumber(mon); n > 0 {
		mon = strconv.Itoa(n)
	}
	b.WriteString(mon + "月")
	if m[6] >= 0 {
		day := cnNumber(part(3))
		if day <= 0 {
			return s
		}
		b.WriteString(strconv.Itoa(day))
		end = m[7]
	}
	out := b.String()
	if out == s[:end] {
		return s
	}
	return out + s[end:]
}

// findDate finds the first date anywhere in s and returns it with s minus
// the date's words; ok is false when s holds none.
func findDate(s string, today duban.Date) (d duban.Date, without string, ok bool, err error) {
	for i := range s {
		if i > 0 && !startsDate(s[i:]) {
			continue
		}
		d, rest, ok, err := readDate(s[i:], today)
		if ok {
			return d, strings.TrimSpace(s[:i]) + " " + strings.TrimSpace(rest), true, err
		}
	}
	return 0, s, false, nil
}

// startsDate is a cheap check before readDate: a digit or one of the words
// a relative date begins with.
func startsDate(s string) bool {
	if s == "" {
		return false
	}
	if s[0] >= '0' && s[0] <= '9' || arabicDate(s) != s {
		return true
	}
	for _, w := range []string{"上", "下", "本", "这", "周", "星期", "礼拜", "月", "今", "明", "后", "大后", "年", "昨"} {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

func hasMatch(re *regexp.Regexp, s string) bool { return re.MatchString(s) }

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1 // far too many digits: no such month or day
	}
	return n
}

func dateParts(d duban.Date) (int, time.Month, int) {
	return d.Time(time.UTC).Date()
}

// civil returns y-m-d, or an error naming the date when there is no such
// day (time.Date would quietly roll 2月30日 into March).
func civil(y, m, d int, withYear bool) (duban.Date, error) {
	if m < 1 || m > 12 {
		return 0, duban.Errorf(duban.EINVALID, "没有%d月。", m)
	}
	if y < 1000 || y > 9999 || d < 1 || d > int(lastDay(y, time.Month(m))-duban.NewDate(y, time.Month(m), 1))+1 {
		if withYear {
			return 0, duban.Errorf(duban.EINVALID, "没有%d年%d月%d日。", y, m, d)
		}
		return 0, duban.Errorf(duban.EINVALID, "没有%d月%d日。", m, d)
	}
	return duban.NewDate(y, time.Month(m), d), nil
}

// nextMonthDay is month m, day d in the first year that has it, from today
// on: 1月25日 typed in December means next January.
func nextMonthDay(m, d int, today duban.Date) (duban.Date, error) {
	y, _, _ := dateParts(today)
	var first error
	for yy := y; yy <= y+4; yy++ { // 2月29日 may be four years off
		date, err := civil(yy, m, d, false)
		if err != nil {
			if first == nil {
				first = err
			}
			if m < 1 || m > 12 || d < 1 || d > 29 || m != 2 {
				return 0, err
			}
			continue
		}
		if date >= today {
			return date, nil
		}
	}
	return 0, first
}

// monthEnd is the last day of month m of year y, or an error naming the
// month when there is none.
func monthEnd(y, m int) (duban.Date, error) {
	if m < 1 || m > 12 {
		return 0, duban.Errorf(duban.EINVALID, "没有%d月。", m)
	}
	return lastDay(y, time.Month(m)), nil
}

// nextMonthEnd is the last day of month m in today's year, or in the next
// once that day has passed: 3月底 typed in April means next March's.
func nextMonthEnd(m int, today duban.Date) (duban.Date, error) {
	y, _, _ := dateParts(today)
	d, err := monthEnd(y, m)
	if err == nil && d < today {
		d, err = monthEnd(y+1, m)
	}
	return d, err
}

func lastDay(y int, m time.Month) duban.Date {
	return duban.NewDate(y, m+1, 1).AddDays(-1)
}

// weekdayDate is the day wd (1 Monday … 7 Sunday) of next week (下周),
// this week (本周, 这周), or the next such day not before today.
func weekdayDate(which string, wd int, today duban.Date) duban.Date {
	cur := int(today.Weekday())
	if cur == 0 {
		cur = 7
	}
	monday := today.AddDays(1 - cur)
	switch {
	case strings.HasPrefix(which, "上"):
		return monday.AddDays(-7 + wd - 1)
	case strings.HasPrefix(which, "下"):
		return monday.AddDays(7 + wd - 1)
	case which != "":
		return monday.AddDays(wd - 1)
	}
	d := monday.AddDays(wd - 1)
	if d < today {
		d = d.AddDays(7)
	}
	return d
}

// cnDate writes a date as people read it in a sentence: 2027年1月25日.
func cnDate(d duban.Date) string {
	y, m, dd := dateParts(d)
	return fmt.Sprintf("%d年%d月%d日", y, int(m), dd)
}

// A shift of the current deadline: 延期两周, 推迟一个月, 延期10天,
// 延后5个工作日 (counted on the working-day calendar).
type shift struct{ days, months, workdays int }

var reShift = regexp.MustCompile(`^(\d{1,3}|[一二两三四五六七八九十半]{1,3})\s*(?:个)?\s*(工作日|天|日|周|星期|礼拜|月)`)

// readShift reads a shift at the start of s and returns what follows.
func readShift(s string) (shift, string, bool) {
	s = strings.TrimSpace(s)
	m := reShift.FindStringSubmatch(s)
	if m == nil {
		return shift{}, s, false
	}
	rest := s[len(m[0]):]
	if strings.HasPrefix(rest, "后") || strings.HasPrefix(rest, "以后") || strings.HasPrefix(rest, "之后") {
		return shift{}, s, false // 10天后 is a date from today (readDate)
	}
	if m[1] == "半" {
		if m[2] == "月" {
			return shift{days: 15}, rest, true
		}
		return shift{}, s, false
	}
	n := cnNumber(m[1])
	if n <= 0 {
		return shift{}, s, false
	}
	if m[2] == "月" && !strings.Contains(m[0], "个") && m[1] != "两" && n <= 12 {
		return shift{}, s, false // 3月, 十二月 name a month: a length is 3个月
	}
	switch m[2] {
	case "工作日":
		return shift{workdays: n}, rest, true
	case "天", "日":
		return shift{days: n}, rest, true
	case "月":
		return shift{months: n}, rest, true
	}
	return shift{days: 7 * n}, rest, true
}

// cnNumber reads 1–99 in digits or Chinese numerals (三, 两, 十五, 二十).
func cnNumber(s string) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	digit := map[rune]int{'一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	r := []rune(s)
	switch {
	case len(r) == 1 && r[0] == '十':
		return 10
	case len(r) == 1:
		return digit[r[0]]
	case len(r) == 2 && r[0] == '十':
		return 10 + digit[r[1]]
	case len(r) == 2 && r[1] == '十':
		return 10 * digit[r[0]]
	case len(r) == 3 && r[1] == '十':
		return 10*digit[r[0]] + digit[r[2]]
	}
	return 0
}

// from applies the shift to a deadline; a month later than 1月31日 is the
// last day of February, not March. Working days are counted with workdays
// (working days in (from, to]); without a calendar they cannot be, and the
// date is zero: the sender is asked for one.
func (sh shift) from(d duban.Date, workdays func(from, to duban.Date) int) duban.Date {
	if sh.workdays > 0 {
		if workdays == nil {
			return 0
		}
		for day, last := d.AddDays(1), d.AddDays(3*sh.workdays+60); day <= last; day = day.AddDays(1) {
			if workdays(d, day) >= sh.workdays {
				return day
			}
		}
		return 0
	}
	if sh.months == 0 {
		return d.AddDays(sh.days)
	}
	y, m, day := dateParts(d)
	target := time.Month(int(m) + sh.months)
	last := lastDay(y, target)
	ly, lm, ld := dateParts(last)
	if day > ld {
		day = ld
	}
	return duban.NewDate(ly, lm, day)
}

// vaguePart reports whether a month at the start of s is followed by a part
// of it (上旬, 中旬, 下旬, 初, 中): not a date one can hold a task to.
func vaguePart(s string) bool {
	m := reFullMon.FindString(s)
	if m == "" {
		m = reMonth.FindString(s)
	}
	after := strings.TrimSpace(s[len(m):])
	return containsPrefix(after, []string{"上旬", "中旬", "下旬", "初", "中", "上半月", "下半月"})
}

// digitNext reports whether a digit follows re's match at the start of s
// (3月5: a day follows, not a month alone).
func digitNext(s string, re *regexp.Regexp) bool {
	after := strings.TrimLeft(s[len(re.FindString(s)):], " ")
	return after != "" && after[0] >= '0' && after[0] <= '9'
}

// firstRune is s's first character, "" for an empty s.
func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

// Dates no one can hold a task to (春节后, 国庆以后, 3月中旬; 节后, 过完年
// right after the verb): the sender is asked for an exact one, and the words
// are no part of the reason.
var (
	reVague = regexp.MustCompile(`(?:(?:\d{4}\s*年\s*|明年|今年|来年|后年)?(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*月份?\s*(?:上旬|中旬|下旬|初|中|上半月|下半月)` +
		`|(?:明年|今年|来年|后年)?(?:春节|国庆|五一|劳动节|中秋|元旦|清明|端午|节假日|长假|寒假|暑假)(?:节)?(?:假期|长假|放假)?(?:以后|之后|过后|后|前后|左右|结束|期间|前)` +
		`|过完年|过了年|过完节|过了节)`)
	reVagueLead = regexp.MustCompile(`^(?:节后|年后|节前|年前|年初|年中|开年|放假后|假期后|收假后)`)
)

// withoutVagueDates is s without the vague dates in it.
func withoutVagueDates(s string) string {
	s = trimLead(s)
	if m := reVagueLead.FindString(s); m != "" {
		s = s[len(m):]
	}
	return trimLead(reVague.ReplaceAllString(s, ""))
}
