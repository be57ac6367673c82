package store

import (
	"context"
	"testing"

	"github.com/duban-org/duban"
)

func TestKeyPartRoundTrip(t *testing.T) {
	for _, s := range []string{"", "T1", "T1/2", "a%2Fb", "%", "/", "党群组/二组", "x%25/%"} {
		got, err := parsePart([]byte(keyPart(s)))
		if err != nil || got != s {
			t.Errorf("parsePart(keyPart(%q)) = %q, %v", s, got, err)
		}
		if k := keyPart(s); len(k) > 0 && (containsByte(k, '/')) {
			t.Errorf("keyPart(%q) = %q holds a separator", s, k)
		}
	}
	if keyPart("T012") != "T012" || keyPart("党群组") != "党群组" {
		t.Error("keyPart changed an id without '%' or '/': existing keys would move")
	}
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// slashLedger has ids that are prefixes of one another across the key
// separator: units A and A/B, groups G and G/H, tasks T1 and T1/2.
func slashLedger() duban.Ledger {
	return duban.Ledger{
		Units: []duban.Unit{
			{Code: "A", Name: "甲单位", Group: "G"},
			{Code: "A/B", Name: "甲单位乙科", Group: "G/H"},
		},
		Tasks: []duban.Task{
			{ID: "T1", Unit: "A", Title: "一", Deadline: duban.NewDate(2026, 12, 1)},
			{ID: "T1/2", Unit: "A/B", Title: "二", Deadline: duban.NewDate(2026, 12, 1)},
			{ID: "100%", Unit: "A/B", Title: "三", Deadline: duban.NewDate(2026, 12, 2)},
		},
	}
}

func TestSlashInIdsStaysInItsOwnKeys(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.Import(ctx, slashLedger(), "import", at); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx, "T1/2", "msg:1", reportDone("c", "A/B")); err != nil {
		t.Fatal(err)
	}
	checkSlashLedger(t, s)
}

func checkSlashLedger(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	ids := func(f TaskFilter) []string {
		t.Helper()
		ts, err := s.Tasks(ctx, f)
		if err != nil {
			t.Fatalf("Tasks(%+v): %v", f, err)
		}
		var out []string
		for _, tk := range ts {
			out = append(out, tk.ID)
		}
		return out
	}
	for _, c := range []struct {
		f    TaskFilter
		want string
	}{
		{TaskFilter{Unit: "A"}, "[T1]"},
		{TaskFilter{Unit: "A/B"}, "[T1/2 100%]"},
		{TaskFilter{Group: "G"}, "[T1]"},
		{TaskFilter{Group: "G/H"}, "[T1/2 100%]"},
		{TaskFilter{}, "[T1 T1/2 100%]"},
	} {
		if got := fmtIDs(ids(c.f)); got != c.want {
			t.Errorf("Tasks(%+v) = %s, want %s", c.f, got, c.want)
		}
	}
	due, err := s.TasksDue(ctx, duban.NewDate(2026, 12, 1), duban.NewDate(2026, 12, 1))
	if err != nil || len(due) != 2 {
		t.Errorf("TasksDue = %v, %v", due, err)
	}
	h1, err := s.History(ctx, "T1")
	if err != nil || len(h1) != 1 {
		t.Fatalf("History(T1) = %d entries, %v; want its import only", len(h1), err)
	}
	for _, c := range h1 {
		if c.TaskID != "T1" {
			t.Errorf("History(T1) shows %s's entry %+v", c.TaskID, c)
		}
	}
	h2, err := s.History(ctx, "T1/2")
	if err != nil || len(h2) != 2 || h2[1].TaskID != "T1/2" {
		t.Errorf("History(T1/2) = %+v, %v", h2, err)
	}
	if u, err := s.Unit(ctx, "A/B"); err != nil || u.Name != "甲单位乙科" {
		t.Errorf("Unit(A/B) = %+v, %v", u, err)
	}
}

func fmtIDs(ids []string) string {
	out := "["
	for i, id := range ids {
		if i > 0 {
			out += " "
		}
		out += id
	}
	return out + "]"
}
