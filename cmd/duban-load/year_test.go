package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/duban-org/duban/store"
)

// A short simulated stretch through the real reminder pass: messages are
// queued and delivered, tasks move, a row is printed per month, and the
// store it leaves holds the evidence (notices with their delivery) and no
// outbox.
func TestYearMode(t *testing.T) {
	dir := t.TempDir()
	var out, errs strings.Builder
	prof := filepath.Join(t.TempDir(), "cpu.prof")
	args := []string{"-mode", "year", "-tasks", "300", "-days", "40", "-dir", dir, "-daily", "-cpuprofile", prof}
	if code := run(context.Background(), args, &out, &errs); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errs.String())
	}
	t.Log(out.String())
	for _, want := range []string{"300 tasks in 30 units", "imported ", "2027-01 ", "2027-02 ", "reopened ", "total MB",
		"2027-01-04 ", "time: pass ", "; CPU "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
	if fi, err := os.Stat(prof); err != nil || fi.Size() == 0 {
		t.Errorf("-cpuprofile wrote nothing: %v", err)
	}
	var passes, messages, notices, changes int
	for line := range strings.Lines(out.String()) {
		if strings.HasPrefix(line, "reopened") {
			var label string
			if _, err := fmt.Sscan(line, &label, &passes, &messages, &notices, &changes); err != nil {
				t.Fatalf("row %q: %v", line, err)
			}
		}
	}
	if passes < 20 || messages == 0 || notices < messages || changes == 0 {
		t.Errorf("passes %d, messages %d, notices %d, changes %d", passes, messages, notices, changes)
	}
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.OutboxLen(context.Background()); n != 0 || err != nil {
		t.Errorf("outbox left: %d, %v", n, err)
	}
	seen := 0
	for i := 1; i <= 30; i++ {
		trail, err := s.NoticesOf(context.Background(), fmt.Sprintf("T%06d", i))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range trail {
			seen++
			if r.Delivery == nil || r.Delivery.Status != store.DeliveryDelivered {
				t.Errorf("notice %s not shown delivered: %+v", r.Key, r.Delivery)
			}
		}
	}
	if seen == 0 {
		t.Error("no notice recorded on the first 30 tasks")
	}
}

func TestYearModeRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-mode", "year", "-tasks", "0"},
		{"-mode", "year", "-changes", "1.5"},
		{"-mode", "year", "-start", "明天", "-tasks", "10", "-days", "1"},
	} {
		var out, errs strings.Builder
		if code := run(context.Background(), args, &out, &errs); code == 0 || !strings.Contains(errs.String(), "-") {
			t.Errorf("%v: exit %d, %q", args, code, errs.String())
		}
	}
}
