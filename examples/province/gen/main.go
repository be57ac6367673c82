// Command gen writes a synthetic province (package province) in the layout
// `duban import` reads: a CSV directory, or a workbook when -out ends in
// .xlsx.
//
//	go run ./examples/province/gen -out /tmp/province              # 10,000 units, 100,000 tasks
//	go run ./examples/province/gen -out /tmp/p.xlsx -units 1000 -tasks 10000
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
	"github.com/duban-org/duban/tasklist"
)

func main() {
	s := province.Province(duban.DateOf(time.Now()))
	out := flag.String("out", "", "CSV directory, or .xlsx workbook, to write")
	flag.IntVar(&s.Units, "units", s.Units, "number of units")
	flag.IntVar(&s.Tasks, "tasks", s.Tasks, "number of tasks")
	today := flag.String("today", "", "the day the ledger is set on (2006-01-02; default today)")
	flag.Uint64Var(&s.Seed, "seed", s.Seed, "random seed")
	flag.Parse()
	if err := run(*out, *today, s); err != nil {
		slog.Error("generate province", "err", err)
		os.Exit(1)
	}
}

func run(out, today string, s province.Size) error {
	if out == "" {
		return fmt.Errorf("-out is required")
	}
	if today != "" {
		d, err := duban.ParseDate(today)
		if err != nil {
			return fmt.Errorf("-today %q: %w", today, err)
		}
		s.Today = d
	}
	l := province.Generate(s)
	if err := tasklist.Write(out, l, nil); err != nil {
		return err
	}
	fmt.Printf("%s：单位 %d，人员 %d，任务 %d\n", out, len(l.Units), len(l.People), len(l.Tasks))
	return nil
}
