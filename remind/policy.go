package remind

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai must resolve on minimal servers without a zoneinfo database
)

// Policy is the [remind] section of the config: when reminders go out, to
// whom the ladder climbs, and when bulletins are issued. Start from
// Defaults() and decode the TOML over it, so absent keys keep their defaults.
type Policy struct {
	// Timezone of the office; "today" and the clock times below are read in it.
	Timezone string `toml:"timezone"`
	// SendAt is the time of day ("09:00") from which a working day's reminders go out.
	SendAt string `toml:"send_at"`
	// BeforeDays are the calendar days before a deadline to remind the unit's
	// contact; the deadline day itself is always a reminder day. A reminder
	// day that is not a working day moves to the working day before it.
	BeforeDays []int `toml:"before_days"`
	// EscalateAfterWorkdays: once a task has been overdue this many working
	// days, its group leader (督办组组长) is told, with the unit's overdue list. 0 turns it off.
	EscalateAfterWorkdays int `toml:"escalate_after_workdays"`
	// LetterAfterWorkdays: once overdue this many working days, a 专函督办 draft
	// goes to 编办. 0 turns it off.
	LetterAfterWorkdays int `toml:"letter_after_workdays"`
	// VerifyAfterWorkdays: a task reported done (已报完成) and waiting this
	// many working days for 销号 reminds the group leader. 0 turns it off.
	VerifyAfterWorkdays int `toml:"verify_after_workdays"`
	// QuietStart and QuietEnd bound the quiet hours ("20:00" to "08:00",
	// wrapping midnight) in which nothing is sent.
	QuietStart string `toml:"quiet_start"`
	QuietEnd   string `toml:"quiet_end"`
	// WarnDays is the yellow-light window: an open task due within this many
	// calendar days is 黄.
	WarnDays int `toml:"warn_days"`
	// CalendarDir holds holiday schedule files (*.txt) that override the
	// built-in schedules and the computed years; "" uses the built-in ones.
	CalendarDir string `toml:"calendar_dir"`
	// CatchUpMinutes is how often the scheduler plans again during the
	// sending window, to pick up changes and anything a crash left unsent.
	CatchUpMinutes int `toml:"catch_up_minutes"`
	// MaxItemsPerDigest caps the items of one person's digest per run; the
	// rest wait for the next catch-up run. From 1 to MaxDigestItems: a
	// digest and its notices are recorded in one transaction, which has a
	// size limit, and no one reads thousands of items in one message.
	MaxItemsPerDigest int `toml:"max_items_per_digest"`
	// BulletinWeekday ("monday" … "sunday", or 周一 … 周日) and BulletinAt
	// ("16:00") schedule the weekly 工作通报; "" leaves bulletins on demand only.
	BulletinWeekday string `toml:"bulletin_weekday"`
	BulletinAt      string `toml:"bulletin_at"`
	// BulletinChatID, when set, also posts published bulletins to this
	// group chat (one the app created: `duban groupchat`).
	BulletinChatID string `toml:"bulletin_chat_id"`
}

// MaxDigestItems is the largest max_items_per_digest.
const MaxDigestItems = 2000

// Defaults returns the policy of the issue: Asia/Shanghai, 09:00, 7/3/1 days
// before and on the day, escalate after 3 working days overdue, 专函 after
// 10, verify reminder after 3, quiet 20:00–08:00, yellow within 3 days.
func Defaults() Policy {
	return Policy{
		Timezone:              "Asia/Shanghai",
		SendAt:                "09:00",
		BeforeDays:            []int{7, 3, 1},
		EscalateAfterWorkdays: 3,
		LetterAfterWorkdays:   10,
		VerifyAfterWorkdays:   3,
		QuietStart:            "20:00",
		QuietEnd:              "08:00",
		WarnDays:              3,
		CatchUpMinutes:        15,
		MaxItemsPerDigest:     100,
	}
}

// compiled is a validated policy in the form the planner uses.
type compiled struct {
	loc        *time.Location
	sendAt     int // minutes after midnight
	quietStart int
	quietEnd   int
	before     []int // descending: the ladder's order
	escalate   int
	letter     int
	verify     int
	warn       int
	catchUp    time.Duration
	maxItems   int
	bulletinOn bool
	bulletinWd time.Weekday
	bulletinAt int
}

// FieldError is a bad field of the policy: its key in the configuration
// (remind.send_at) and what is wrong, in plain Chinese.
type FieldError struct {
	Field, Problem string
}

func (e *FieldError) Error() string { return e.Field + "：" + e.Problem }

func fieldError(field, format string, args ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// Validate checks every field and names the first bad one.
func (p Policy) Validate() error {
	_, err := p.compile()
	return err
}

// Location returns the policy's time zone (UTC when it is invalid).
func (p Policy) Location() *time.Location {
	c, err := p.compile()
	if err != nil {
		return time.UTC
	}
	return c.loc
}

func (p Policy) compile() (compiled, error) {
	var c compiled
	var err error
	if p.Timezone == "" {
		return c, fieldError("remind.timezone", "不能为空，如 \"Asia/Shanghai\"")
	}
	if c.loc, err = time.LoadLocation(p.Timezone); err != nil {
		return c, fieldError("remind.timezone", "没有时区 %q，如 \"Asia/Shanghai\"", p.Timezone)
	}
	if c.sendAt, err = clock("remind.send_at", p.SendAt); err != nil {
		return c, err
	}
	if c.quietStart, err = clock("remind.quiet_start", p.QuietStart); err != nil {
		return c, err
	}
	if c.quietEnd, err = clock("remind.quiet_end", p.QuietEnd); err != nil {
		return c, err
	}
	if c.quiet(c.sendAt) {
		return c, fieldError("remind.send_at", "%s 落在免打扰时段 %s–%s 之内", p.SendAt, p.QuietStart, p.QuietEnd)
	}
	c.before = slices.Clone(p.BeforeDays)
	for _, d := range c.before {
		if d < 1 || d > 366 {
			return c, fieldError("remind.before_days", "%d 不在 1 到 366 之间", d)
		}
	}
	slices.SortFunc(c.before, func(a, b int) int { return b - a })
	if len(slices.Compact(slices.Clone(c.before))) != len(c.before) {
		return c, fieldError("remind.before_days", "%v 中有重复的天数", p.BeforeDays)
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"remind.escalate_after_workdays", p.EscalateAfterWorkdays},
		{"remind.letter_after_workdays", p.LetterAfterWorkdays},
		{"remind.verify_after_workdays", p.VerifyAfterWorkdays},
		{"remind.warn_days", p.WarnDays},
		{"remind.catch_up_minutes", p.CatchUpMinutes},
		{"remind.max_items_per_digest", p.MaxItemsPerDigest},
	} {
		if f.v < 0 {
			return c, fieldError(f.name, "%d 不能为负数", f.v)
		}
	}
	c.escalate, c.letter, c.verify, c.warn = p.EscalateAfterWorkdays, p.LetterAfterWorkdays, p.VerifyAfterWorkdays, p.WarnDays
	if c.escalate > 0 && c.letter > 0 && c.letter <= c.escalate {
		return c, fieldError("remind.letter_after_workdays", "%d 须大于 escalate_after_workdays 的 %d（专函督办是更重的一步）", c.letter, c.escalate)
	}
	if p.MaxItemsPerDigest < 1 || p.MaxItemsPerDigest > MaxDigestItems {
		return c, fieldError("remind.max_items_per_digest", "%d 须在 1 到 %d 之间", p.MaxItemsPerDigest, MaxDigestItems)
	}
	if p.CatchUpMinutes == 0 {
		return c, fieldError("remind.catch_up_minutes", "至少为 1")
	}
	c.catchUp = time.Duration(p.CatchUpMinutes) * time.Minute
	c.maxItems = p.MaxItemsPerDigest
	switch {
	case p.BulletinWeekday == "" && p.BulletinAt == "":
	case p.BulletinWeekday == "":
		return c, fieldError("remind.bulletin_weekday", "写了 bulletin_at 时须写星期几，如 \"friday\" 或 \"周五\"")
	default:
		wd, ok := parseWeekday(p.BulletinWeekday)
		if !ok {
			return c, fieldError("remind.bulletin_weekday", "%q 不是星期几（monday … sunday，或周一 … 周日）", p.BulletinWeekday)
		}
		at := p.BulletinAt
		if at == "" {
			at = p.SendAt
		}
		if c.bulletinAt, err = clock("remind.bulletin_at", at); err != nil {
			return c, err
		}
		if c.quiet(c.bulletinAt) {
			return c, fieldError("remind.bulletin_at", "%s 落在免打扰时段之内", at)
		}
		c.bulletinOn, c.bulletinWd = true, wd
	}
	return c, nil
}

// quiet reports whether minute-of-day m is inside the quiet hours.
func (c compiled) quiet(m int) bool {
	switch {
	case c.quietStart == c.quietEnd:
		return false
	case c.quietStart < c.quietEnd:
		return m >= c.quietStart && m < c.quietEnd
	default: // wraps midnight
		return m >= c.quietStart || m < c.quietEnd
	}
}

// clock parses "HH:MM" into minutes after midnight.
func clock(field, s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || len(m) != 2 {
		return 0, fieldError(field, "%q 不是一天中的时刻，应写成 \"09:00\" 这样", s)
	}
	return hh*60 + mm, nil
}

func parseWeekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		if s == strings.ToLower(wd.String()) || s == strings.ToLower(wd.String()[:3]) {
			return wd, true
		}
	}
	cn := []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}
	alt := []string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}
	for i := range cn {
		if s == cn[i] || s == alt[i] || (i == 0 && (s == "周天" || s == "星期天")) {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

// ParseNow reads an instant for `--now` in the policy's zone: "2026-10-09
// 09:30", "2026-10-09T09:30", RFC 3339 with its own offset, or a bare date
// (taken at send_at, when that day's reminders go out).
func (p Policy) ParseNow(s string) (time.Time, error) {
	c, err := p.compile()
	if err != nil {
		return time.Time{}, err
	}
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, c.loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, c.loc); err == nil {
		return t.Add(time.Duration(c.sendAt) * time.Minute), nil
	}
	return time.Time{}, fmt.Errorf("时刻 %q 写法有误，应写成 \"2026-12-21 09:00\"、\"2026-12-21\" 或 RFC 3339（2026-12-21T09:00:00+08:00）", s)
}
