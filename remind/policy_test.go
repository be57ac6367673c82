package remind

import (
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestDefaultsValid(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestPolicyFromTOMLKeepsDefaults(t *testing.T) {
	var cfg struct {
		Remind Policy `toml:"remind"`
	}
	cfg.Remind = Defaults()
	_, err := toml.Decode(`
[remind]
send_at = "08:30"
before_days = [5, 1]
calendar_dir = "/etc/duban/calendar"
bulletin_weekday = "周五"
bulletin_at = "16:00"
`, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Remind
	if p.SendAt != "08:30" || !slices.Equal(p.BeforeDays, []int{5, 1}) || p.Timezone != "Asia/Shanghai" || p.EscalateAfterWorkdays != 3 {
		t.Fatalf("decoded %+v", p)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestPolicyValidateNamesField(t *testing.T) {
	tests := []struct {
		field string
		edit  func(*Policy)
	}{
		{"remind.timezone", func(p *Policy) { p.Timezone = "Mars/Olympus" }},
		{"remind.timezone", func(p *Policy) { p.Timezone = "" }},
		{"remind.send_at", func(p *Policy) { p.SendAt = "9:00am" }},
		{"remind.send_at", func(p *Policy) { p.SendAt = "21:00" }}, // inside quiet hours
		{"remind.quiet_start", func(p *Policy) { p.QuietStart = "25:00" }},
		{"remind.quiet_end", func(p *Policy) { p.QuietEnd = "8" }},
		{"remind.before_days", func(p *Policy) { p.BeforeDays = []int{3, 0} }},
		{"remind.before_days", func(p *Policy) { p.BeforeDays = []int{3, 3} }},
		{"remind.escalate_after_workdays", func(p *Policy) { p.EscalateAfterWorkdays = -1 }},
		{"remind.letter_after_workdays", func(p *Policy) { p.LetterAfterWorkdays = 2 }},
		{"remind.warn_days", func(p *Policy) { p.WarnDays = -3 }},
		{"remind.catch_up_minutes", func(p *Policy) { p.CatchUpMinutes = 0 }},
		{"remind.bulletin_weekday", func(p *Policy) { p.BulletinWeekday = "someday" }},
		{"remind.bulletin_weekday", func(p *Policy) { p.BulletinAt = "16:00" }},
		{"remind.bulletin_at", func(p *Policy) { p.BulletinWeekday, p.BulletinAt = "friday", "23:00" }},
	}
	for _, tt := range tests {
		p := Defaults()
		tt.edit(&p)
		err := p.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tt.field+"：") {
			t.Errorf("%s: err = %v, want it to start with the field name", tt.field, err)
		}
	}
}

func TestParseWeekday(t *testing.T) {
	for s, want := range map[string]string{"friday": "Friday", "Fri": "Friday", "周五": "Friday", "星期日": "Sunday", "周天": "Sunday"} {
		wd, ok := parseWeekday(s)
		if !ok || wd.String() != want {
			t.Errorf("parseWeekday(%q) = %v %v", s, wd, ok)
		}
	}
}

func FuzzClock(f *testing.F) {
	for _, s := range []string{"09:00", "23:59", "24:00", "9:5", " 08:30 ", "", ":", "-1:00", "12:345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := clock("remind.send_at", s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "remind.send_at：") {
				t.Fatalf("error does not name the field: %v", err)
			}
			return
		}
		if m < 0 || m >= 24*60 {
			t.Fatalf("clock(%q) = %d minutes", s, m)
		}
	})
}

func TestParseNow(t *testing.T) {
	p := Defaults()
	for in, want := range map[string]string{
		"2026-10-09 09:30":          "2026-10-09 09:30",
		"2026-10-09T17:05":          "2026-10-09 17:05",
		"2026-10-09":                "2026-10-09 09:00",
		"2026-10-09T01:00:00Z":      "2026-10-09 09:00",
		"2026-10-09T09:00:00+08:00": "2026-10-09 09:00",
	} {
		got, err := p.ParseNow(in)
		if err != nil || got.In(p.Location()).Format("2006-01-02 15:04") != want {
			t.Errorf("ParseNow(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	if _, err := p.ParseNow("tomorrow"); err == nil {
		t.Error("ParseNow accepted garbage")
	}
}

// A digest cap outside 1…MaxDigestItems is refused, naming the key: no cap
// at all made digests too big to record at province size.
func TestDigestCapBounds(t *testing.T) {
	for _, n := range []int{0, -1, MaxDigestItems + 1} {
		p := Defaults()
		p.MaxItemsPerDigest = n
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "remind.max_items_per_digest") {
			t.Errorf("max_items_per_digest = %d: %v", n, err)
		}
	}
	p := Defaults()
	p.MaxItemsPerDigest = MaxDigestItems
	if err := p.Validate(); err != nil {
		t.Errorf("max_items_per_digest = %d: %v", MaxDigestItems, err)
	}
}
