package main

import (
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban/store"
)

// A long import prints rows written, writes applied and the time left, at
// most once a second; a short one prints nothing.
func TestImportMeter(t *testing.T) {
	clock := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	var b strings.Builder
	m := newImportMeter(&b, now)
	for rows := 2000; rows <= 40_000; rows += 2000 {
		clock = clock.Add(100 * time.Millisecond)
		m.update(store.ImportProgress{Rows: rows, TotalRows: 40_000})
	}
	for applied := 20_000; applied <= 200_000; applied += 20_000 {
		clock = clock.Add(200 * time.Millisecond)
		m.update(store.ImportProgress{Applied: applied, Writes: 200_000})
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := []string{
		"导入：已写入 2000/40000 行（暂存，尚未生效），已用 0秒，预计还需 4秒",
		"导入：已写入 22000/40000 行（暂存，尚未生效），已用 1秒，预计还需 3秒",
		"导入：已生效 20000/200000 项写入，已用 2秒，预计还需 2秒",
		"导入：已生效 120000/200000 项写入，已用 3秒，预计还需 1秒",
		"导入：已生效 200000/200000 项写入，已用 4秒，完成",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("meter printed:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}

	b.Reset()
	m = newImportMeter(&b, now)
	m.update(store.ImportProgress{Rows: 600, TotalRows: 600})
	m.update(store.ImportProgress{Applied: 4000, Writes: 4000})
	if b.Len() != 0 {
		t.Errorf("a short import printed %q", b.String())
	}
}
