package province

import (
	"path/filepath"
	"testing"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/tasklist"
)

// The generated province reads back through the importer's validation
// unchanged: unique codes and names, known units, valid userids.
func TestGeneratedProvinceImports(t *testing.T) {
	s := Size{Units: 1500, Tasks: 6000, Today: duban.NewDate(2027, 3, 1), Seed: 3}
	l := Generate(s)
	dir := filepath.Join(t.TempDir(), "p")
	if err := tasklist.Write(dir, l, nil); err != nil {
		t.Fatal(err)
	}
	got, err := tasklist.Read(dir)
	if err != nil {
		t.Fatalf("read generated province: %v", err)
	}
	if len(got.Units) != 1500 || len(got.Tasks) != 6000 || len(got.People) != len(l.People) {
		t.Fatalf("read %d units, %d people, %d tasks; want 1500, %d, 6000", len(got.Units), len(got.People), len(got.Tasks), len(l.People))
	}
	groups := got.Groups()
	if len(groups) < 2 {
		t.Fatalf("groups = %d", len(groups))
	}
	for _, g := range groups {
		if len(g.Leaders) != 2 {
			t.Errorf("group %s has %d leaders, want 2", g.Name, len(g.Leaders))
		}
	}
	states := map[duban.Status]int{}
	for _, tk := range got.Tasks {
		states[tk.Status]++
	}
	for _, st := range duban.Statuses {
		if states[st] == 0 {
			t.Errorf("no task is %s: %v", st, states)
		}
	}
	if again := Generate(s); again.Tasks[4321] != l.Tasks[4321] || again.People[77].Name != l.People[77].Name {
		t.Error("Generate is not deterministic for one Size")
	}
}

func TestProvinceSize(t *testing.T) {
	l := Generate(Province(duban.NewDate(2027, 3, 1)))
	if len(l.Units) != 10_000 || len(l.Tasks) != 100_000 || len(l.People) < 20_000 {
		t.Fatalf("province: %d units, %d people, %d tasks", len(l.Units), len(l.People), len(l.Tasks))
	}
	names := map[string]bool{}
	for _, u := range l.Units {
		if names[u.Name] {
			t.Fatalf("unit name %s twice", u.Name)
		}
		names[u.Name] = true
	}
}
