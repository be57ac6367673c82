package duban

import (
	"math"
	"testing"
)

// civil agrees with the time package on every day of six thousand years
// around now, and at the ends of Date's range.
func TestCivilMatchesTime(t *testing.T) {
	check := func(d Date) {
		y, m, dd := d.civil()
		wy, wm, wd := epoch.AddDate(0, 0, int(d)).Date()
		if y != wy || m != wm || dd != wd {
			t.Fatalf("Date(%d).civil() = %d-%d-%d, want %d-%d-%d", d, y, m, dd, wy, wm, wd)
		}
	}
	for d := Date(-1_500_000); d <= 1_500_000; d++ {
		check(d)
	}
	for _, d := range []Date{math.MinInt32, math.MinInt32 + 1, math.MaxInt32 - 1, math.MaxInt32} {
		check(d)
	}
}

// AppendText appends what String returns.
func TestDateAppendText(t *testing.T) {
	for _, d := range []Date{NoDate, 1, -1, 20_000, -800_000, 3_000_000, math.MaxInt32} {
		got, err := d.AppendText([]byte("at "))
		if err != nil || string(got) != "at "+d.String() {
			t.Errorf("Date(%d).AppendText = %q, %v; want %q", d, got, err, "at "+d.String())
		}
	}
	if s := NewDate(2027, 3, 1).String(); s != "2027-03-01" {
		t.Errorf("String = %q", s)
	}
}
