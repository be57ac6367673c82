package examples_test

import (
	"maps"
	"reflect"
	"testing"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples"
	"github.com/duban-org/duban/tasklist"
)

// TestSampleFilesAgree checks that the shipped workbook, the shipped CSV
// directory and the embedded copy parse cleanly and hold the same ledger.
func TestSampleFilesAgree(t *testing.T) {
	fromXLSX, err := tasklist.Read("sample.xlsx")
	if err != nil {
		t.Fatalf("sample.xlsx: %v", err)
	}
	fromDir, err := tasklist.Read("sample")
	if err != nil {
		t.Fatalf("sample/: %v", err)
	}
	embedded, err := tasklist.ReadFS(examples.Sample, ".")
	if err != nil {
		t.Fatalf("embedded sample: %v", err)
	}
	if !reflect.DeepEqual(fromXLSX, fromDir) {
		t.Error("sample.xlsx and sample/ differ; run go generate ./examples")
	}
	if !reflect.DeepEqual(fromDir, embedded) {
		t.Error("embedded sample differs from sample/")
	}
	if !maps.Equal(fromDir.StatusSet, fromXLSX.StatusSet) {
		t.Error("status columns differ")
	}
}

func TestSampleShape(t *testing.T) {
	l, err := tasklist.ReadFS(examples.Sample, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Units) != 84 {
		t.Errorf("units = %d, want 84", len(l.Units))
	}
	groups := l.Groups()
	var names []string
	for _, g := range groups {
		names = append(names, g.Name)
		if len(g.Leaders) != 1 {
			t.Errorf("group %s has leaders %v, want one", g.Name, g.Leaders)
		}
	}
	if want := []string{"党群组", "政府组", "派出机构组", "事业单位组"}; !reflect.DeepEqual(names, want) {
		t.Errorf("groups = %v, want %v", names, want)
	}
	heads, contacts, admins := map[string]int{}, map[string]int{}, 0
	for _, p := range l.People {
		for _, post := range p.Posts {
			switch post.Role {
			case duban.RoleHead:
				heads[post.Scope]++
			case duban.RoleContact:
				contacts[post.Scope]++
			case duban.RoleAdmin:
				admins++
			}
		}
	}
	tasksOf := map[string]int{}
	for _, task := range l.Tasks {
		tasksOf[task.Unit]++
	}
	for _, u := range l.Units {
		if heads[u.Code] != 1 || contacts[u.Code] != 1 {
			t.Errorf("unit %s %s: %d heads, %d contacts, want 1 each", u.Code, u.Name, heads[u.Code], contacts[u.Code])
		}
		if tasksOf[u.Code] < 3 {
			t.Errorf("unit %s %s has %d tasks", u.Code, u.Name, tasksOf[u.Code])
		}
	}
	if admins != 2 {
		t.Errorf("admins = %d, want 2", admins)
	}

	// On the demo day every light shows, and some tasks are past 未启动.
	today := duban.NewDate(2026, 11, 26)
	lights := map[duban.Light]int{}
	statuses := map[duban.Status]int{}
	first, last := l.Tasks[0].Deadline, l.Tasks[0].Deadline
	for _, task := range l.Tasks {
		lights[task.Light(today, 3)]++
		statuses[task.Status]++
		first, last = min(first, task.Deadline), max(last, task.Deadline)
	}
	for _, light := range []duban.Light{duban.Green, duban.Yellow, duban.Red} {
		if lights[light] == 0 {
			t.Errorf("no %s task on %s: %v", light, today, lights)
		}
	}
	for _, s := range duban.Statuses {
		if statuses[s] == 0 {
			t.Errorf("no task in state %s: %v", s, statuses)
		}
	}
	if first < duban.NewDate(2026, 11, 1) || last > duban.NewDate(2027, 1, 31) {
		t.Errorf("deadlines span %s … %s, want within 2026-11 … 2027-01", first, last)
	}
	t.Logf("%d tasks, lights %v, states %v, deadlines %s … %s", len(l.Tasks), lights, statuses, first, last)
}

func BenchmarkReadSampleCSV(b *testing.B) {
	for b.Loop() {
		if _, err := tasklist.ReadFS(examples.Sample, "."); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadSampleXLSX(b *testing.B) {
	for b.Loop() {
		if _, err := tasklist.Read("sample.xlsx"); err != nil {
			b.Fatal(err)
		}
	}
}
