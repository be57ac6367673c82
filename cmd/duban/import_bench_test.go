package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
	"github.com/duban-org/duban/tasklist"
)

// BenchmarkImportCommand runs the real `duban import` of a province —
// 10,000 units, 23,371 people, 100,000 tasks as a CSV directory — into a new
// store, and reports its wall time, its CPU time (user + system) and its
// peak resident set size (of the command alone: timed).
func BenchmarkImportCommand(b *testing.B) {
	bin := dubanBinary(b)
	dir := b.TempDir()
	list := filepath.Join(dir, "province")
	if err := tasklist.Write(list, province.Generate(province.Province(duban.NewDate(2027, 3, 1))), nil); err != nil {
		b.Fatal(err)
	}
	var wall, cpu time.Duration
	var peak int64
	for i := 0; b.Loop(); i++ {
		cfg := filepath.Join(dir, fmt.Sprintf("duban%d.toml", i))
		body := fmt.Sprintf("[store]\ndir = %q\n\n[policy]\ndefault_corpus = false\n", filepath.Join(dir, fmt.Sprintf("store%d", i)))
		if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
			b.Fatal(err)
		}
		took, used, p := timed(b, io.Discard, bin, "import", "--config", cfg, list)
		wall, cpu, peak = wall+took, cpu+used, max(peak, p)
	}
	b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s/op")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(peak)/1024, "peak-MB")
}
