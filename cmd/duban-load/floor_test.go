package main

import (
	"context"
	"os"
	"strings"
	"testing"
)

// The floor mode makes every write it schedules, synced, reports their
// latency like the open loop, and leaves nothing behind under -dir.
func TestFloorMode(t *testing.T) {
	dir := t.TempDir()
	var out, errs strings.Builder
	args := []string{"-mode", "floor", "-rate", "200", "-duration", "250ms", "-dir", dir}
	if code := run(context.Background(), args, &out, &errs); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errs.String())
	}
	for _, want := range []string{"floor: bare synced Badger writes, 200/s", "writes 50, synced 50, errors 0", " p99 "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left under -dir: %v", left)
	}
	var bad strings.Builder
	if code := run(context.Background(), []string{"-mode", "floor", "-dir", dir + "/absent/deeper"}, &out, &bad); code != 1 || !strings.Contains(bad.String(), "floor store") {
		t.Errorf("floor under a missing directory: exit %d, %q", code, bad.String())
	}
}
