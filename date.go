package duban

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Date is a civil date (a deadline, a working day) counted in days since
// 1970-01-01. Deadlines have no time of day and no zone: "2017-12-31" means
// the whole of that day wherever the office is.
type Date int32

// NoDate is the zero Date, used where no date is set.
const NoDate Date = 0

var epoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// NewDate returns the date y-m-d; out-of-range values are normalised as time.Date does.
func NewDate(y int, m time.Month, d int) Date {
	// Unix seconds, not Sub: a time.Duration overflows for years after 2262.
	return Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / (24 * 60 * 60))
}

// DateOf returns the civil date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return NewDate(y, m, d)
}

// Time returns midnight at the start of the date in loc.
func (d Date) Time(loc *time.Location) time.Time {
	y, m, dd := d.civil()
	return time.Date(y, m, dd, 0, 0, 0, 0, loc)
}

func (d Date) civil() (int, time.Month, int) {
	// Integer arithmetic on the proleptic Gregorian calendar, as time uses
	// (H. Hinnant's civil_from_days): a reminder pass formats hundreds of
	// thousands of dates, and epoch.AddDate costs ten times as much.
	z := int64(d) + 719468 // days since 0000-03-01
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097                                  // [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // [0, 365], from March 1
	mp := (5*doy + 2) / 153                                // [0, 11], March first
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	if month > 12 {
		month -= 12
	}
	year := yoe + era*400
	if month <= 2 {
		year++
	}
	return int(year), time.Month(month), int(day)
}

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date { return d + Date(n) }

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return time.Weekday((int(d) + 4) % 7) } // 1970-01-01 was a Thursday

// IsZero reports whether no date is set.
func (d Date) IsZero() bool { return d == NoDate }

// String formats the date as 2006-01-02, or "" when unset.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	var b [10]byte
	return string(d.appendTo(b[:0]))
}

// AppendText appends the date as 2006-01-02 to b (nothing when unset).
func (d Date) AppendText(b []byte) ([]byte, error) {
	if d.IsZero() {
		return b, nil
	}
	return d.appendTo(b), nil
}

func (d Date) appendTo(b []byte) []byte {
	y, m, dd := d.civil()
	if y < 0 || y > 9999 {
		return fmt.Appendf(b, "%04d-%02d-%02d", y, int(m), dd)
	}
	// By hand: reminder passes format hundreds of thousands of dates.
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(m)/10), byte('0'+int(m)%10), '-', byte('0'+dd/10), byte('0'+dd%10))
}

// MarshalText writes the date as 2006-01-02.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads any format ParseDate accepts.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = NoDate
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDate reads a date as offices write it: 2017-12-31, 2017/12/31,
// 2017.12.31, 2017年12月31日 (with or without the 日), months and days with or
// without leading zeros, full-width digits allowed.
func ParseDate(s string) (Date, error) {
	orig := s
	s = strings.TrimSpace(FoldWidth(s))
	s = strings.TrimSuffix(s, "日")
	s = strings.TrimSuffix(s, "号")
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == '-' || r == '/' || r == '.' || r == '年' || r == '月'
	})
	if len(fields) != 3 {
		return NoDate, Errorf(EINVALID, "无法识别的日期 %q（应为 2017-12-31、2017/12/31 或 2017年12月31日）", orig)
	}
	var n [3]int
	for i, f := range fields {
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 {
			return NoDate, Errorf(EINVALID, "无法识别的日期 %q（应为 2017-12-31、2017/12/31 或 2017年12月31日）", orig)
		}
		n[i] = v
	}
	y, m, d := n[0], n[1], n[2]
	if y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31 {
		return NoDate, Errorf(EINVALID, "日期超出范围 %q", orig)
	}
	date := NewDate(y, time.Month(m), d)
	if yy, mm, dd := date.civil(); yy != y || int(mm) != m || dd != d {
		return NoDate, Errorf(EINVALID, "不存在的日期 %q", orig)
	}
	return date, nil
}

// FoldWidth maps full-width ASCII (ＡＢＣ１２３，：) and the ideographic space
// to their half-width forms, so input typed with a Chinese IME reads the same.
func FoldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u3000':
			return ' '
		case r >= '\uFF01' && r <= '\uFF5E':
			return r - 0xFEE0
		}
		return r
	}, s)
}
