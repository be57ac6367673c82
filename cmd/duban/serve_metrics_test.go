package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var metricsLine = regexp.MustCompile(`msg=metrics addr=(\S+)`)

// /metrics is served on its own listener ([server] metrics_listen), never on
// the callback's public address.
func TestServeMetricsOnTheirOwnListener(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	p := e.serve()
	resp, err := http.Get(p.url("/metrics"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on the callback's listener = %d, want 404", resp.StatusCode)
	}
	m := metricsLine.FindStringSubmatch(p.logs.String())
	if m == nil {
		t.Fatalf("serve did not log its metrics address:\n%s", p.logs.String())
	}
	resp, err = http.Get("http://" + m[1] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `duban_tasks{light=`) {
		t.Errorf("GET /metrics on %s = %d:\n%.500s", m[1], resp.StatusCode, b)
	}
}
