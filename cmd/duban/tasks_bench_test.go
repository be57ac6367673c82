package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
	"github.com/duban-org/duban/store"
)

// BenchmarkTasksCommand runs the real `duban tasks` on a store holding a
// province (10,000 units, 100,000 tasks), one listing at a time, and
// reports each one's wall time, CPU time (user + system) and peak resident
// set size (getrusage of the child), and the bytes it printed.
func BenchmarkTasksCommand(b *testing.B) {
	bin := dubanBinary(b)
	dir := b.TempDir()
	importProvince(b, filepath.Join(dir, "store"), time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC))
	cfg := filepath.Join(dir, "duban.toml")
	body := fmt.Sprintf("[store]\ndir = %q\n\n[policy]\ndefault_corpus = false\n", filepath.Join(dir, "store"))
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"limit-20", []string{"--limit", "20"}},
		{"limit-20-offset-50000", []string{"--limit", "20", "--offset", "50000"}},
		{"unit", []string{"--unit", "U00042"}},
		{"group-limit-20", []string{"--group", "江城组", "--limit", "20"}},
		{"overdue-limit-20", []string{"--state", "逾期", "--limit", "20"}},
		{"all", nil},
	} {
		b.Run(c.name, func(b *testing.B) {
			var wall, cpu time.Duration
			var peak int64
			var out countingWriter
			for b.Loop() {
				out = 0
				took, used, p := timed(b, &out, bin, append([]string{"tasks", "--config", cfg, "--now", "2027-03-01 10:00"}, c.args...)...)
				wall, cpu, peak = wall+took, cpu+used, max(peak, p)
			}
			b.ReportMetric(float64(wall.Milliseconds())/float64(b.N), "wall-ms/op")
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(peak)/1024, "peak-MB")
			b.ReportMetric(float64(out), "out-bytes")
		})
	}
}

// importProvince writes the province into a new store in dir, as of now.
func importProvince(b *testing.B, dir string, now time.Time) {
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	p := province.Generate(province.Province(duban.DateOf(now)))
	if _, err := st.Import(context.Background(), duban.Ledger{Units: p.Units, People: p.People, Tasks: p.Tasks}, "import", now); err != nil {
		b.Fatal(err)
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
}

// countingWriter counts what is written to it.
type countingWriter int

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}
