package main

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// serve loads the policy index at start, before any question: the first
// start builds and stores it (the shipped article was just ingested), the
// next loads it.
func TestServeLoadsPolicyIndexAtStart(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	p := e.serve()
	waitFor(t, 20*time.Second, "the policy index built at start", func() bool {
		return strings.Contains(p.logs.String(), "policy: index rebuilt and stored")
	})
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	p = e.serve()
	waitFor(t, 20*time.Second, "the stored policy index loaded at start", func() bool {
		return strings.Contains(p.logs.String(), "policy: index loaded")
	})
	if strings.Contains(p.logs.String(), "rebuil") {
		t.Errorf("second start rebuilt the index:\n%s", p.logs.String())
	}
}
