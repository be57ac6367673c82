package duban

import "testing"

func TestDisplayWidth(t *testing.T) {
	for s, want := range map[string]int{"": 0, "T003": 4, "任务": 4, "２０２７年": 10, "2007 年 2 月": 12, "（共11项）": 10} {
		if got := DisplayWidth(s); got != want {
			t.Errorf("DisplayWidth(%q) = %d, want %d", s, got, want)
		}
	}
}
