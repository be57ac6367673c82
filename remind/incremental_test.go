package remind

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

// changeSource is a ChangeSource whose ledger never changes: it answers
// "nothing changed" to a reader at its generation, the whole ledger to
// anyone else, and remembers what it was asked.
type changeSource struct {
	fixedSource
	gen    uint64
	sinces []uint64
}

func (c *changeSource) LedgerSince(_ context.Context, since uint64) (duban.Ledger, uint64, bool, error) {
	c.sinces = append(c.sinces, since)
	if since == c.gen {
		return duban.Ledger{}, c.gen, false, nil
	}
	return c.l, c.gen, true, nil
}

// failOnce fails its first RecordNotices, as a store that cannot write.
type failOnce struct {
	memLog
	failed bool
}

func (f *failOnce) RecordNotices(ctx context.Context, ns []Notice, msgs []duban.Outgoing, at time.Time) (int, error) {
	if !f.failed {
		f.failed = true
		return 0, errors.New("disk full")
	}
	return f.memLog.RecordNotices(ctx, ns, msgs, at)
}

// A pass whose record failed, a changed calendar, and a new Runner (a
// restart) each make the next pass whole; otherwise a later pass the same
// day asks only for what changed.
func TestIncrementalFallsBackToWhole(t *testing.T) {
	ctx := context.Background()
	src := &changeSource{fixedSource: fixedSource{l: testLedger(task("T1", "U1", "2026-09-30"))}, gen: 7}
	log := &failOnce{}
	r := &Runner{Source: src, Log: log, Policy: Defaults(), Calendar: DefaultCalendar()}
	if _, err := r.RunOnce(ctx, at("2026-10-09 09:00")); err == nil {
		t.Fatal("a failed record was not reported")
	}
	res, err := r.RunOnce(ctx, at("2026-10-09 09:15"))
	if err != nil || res.Incremental || res.Queued != 2 {
		t.Fatalf("pass after the failed record: incremental %v, queued %d, %v", res.Incremental, res.Queued, err)
	}
	if res, err = r.RunOnce(ctx, at("2026-10-09 09:30")); err != nil || !res.Incremental || len(res.Planned) != 0 {
		t.Fatalf("later pass: incremental %v, planned %d, %v", res.Incremental, len(res.Planned), err)
	}
	r.Calendar = DefaultCalendar()
	if res, err = r.RunOnce(ctx, at("2026-10-09 09:45")); err != nil || res.Incremental || res.Queued != 0 {
		t.Fatalf("pass under another calendar: incremental %v, queued %d, %v", res.Incremental, res.Queued, err)
	}
	restarted := &Runner{Source: src, Log: log, Policy: Defaults(), Calendar: r.Calendar}
	if res, err = restarted.RunOnce(ctx, at("2026-10-09 10:00")); err != nil || res.Incremental {
		t.Fatalf("first pass after a restart: incremental %v, %v", res.Incremental, err)
	}
	if want := []uint64{0, 0, 7, 0, 0}; !slices.Equal(src.sinces, want) {
		t.Errorf("asked for changes since %v, want %v", src.sinces, want)
	}
}
