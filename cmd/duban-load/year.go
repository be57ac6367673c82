package main

// -mode year: a simulated year of a province in one store, to measure how
// the store grows. It imports a synthetic province (examples/province),
// then for every day of a year: at 09:30 the reminder pass serve runs
// (remind.Runner over remindstore.NoticeLog), every message it queued
// marked delivered, half of the recipients saying 收到, a fraction of the
// tasks moved one step (进展, 完成, 销号 by the group's leader), and
// serve's upkeep (receipts older than 90 days pruned, each week and at
// each month's end; value-log GC each day). The store's size on disk is
// printed at the end of every month.
//
// The clock is simulated; Badger's TTLs are not (they follow the wall
// clock), so the markers written with a TTL (applied/…, 7 days) all stay
// live and are counted in full: the figures are an upper bound.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/remind/remindstore"
	"github.com/duban-org/duban/store"
)

// yearOptions are the flags of -mode year.
type yearOptions struct {
	Tasks, Units int
	Days         int
	Changes      float64 // share of the tasks moved one step each working day
	AckShare     float64 // share of a day's recipients who say 收到
	Start        string  // first day, YYYY-MM-DD
	Daily        bool    // a line of timings for every day
	Dir          string
}

// yearStats is what the simulation counted.
type yearStats struct {
	passes, messages, notices, changes, acks, pruned, rewrites int
	took                                                       phaseTimes // this month's
}

// phaseTimes is the wall time spent in each part of the simulated days.
type phaseTimes struct {
	pass, deliver, acks, changes, upkeep time.Duration
}

func (p phaseTimes) minus(q phaseTimes) phaseTimes {
	return phaseTimes{p.pass - q.pass, p.deliver - q.deliver, p.acks - q.acks, p.changes - q.changes, p.upkeep - q.upkeep}
}

func (p phaseTimes) String() string {
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Millisecond) }
	return fmt.Sprintf("pass %v, deliver %v, 收到 %v, changes %v, upkeep %v",
		r(p.pass), r(p.deliver), r(p.acks), r(p.changes), r(p.upkeep))
}

func runYear(ctx context.Context, o options, w io.Writer) error {
	y := o.Year
	start, err := time.ParseInLocation("2006-01-02", y.Start, shanghai)
	if err != nil {
		return fmt.Errorf("-start %q: want a date such as 2027-01-04", y.Start)
	}
	dir := y.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "duban-year-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	// Each transaction is left to the operating system instead of synced:
	// the files are the same, and a year takes minutes instead of hours.
	s, err := store.Open(dir, store.Options{Unsynced: true})
	if err != nil {
		return err
	}
	defer func() {
		if s != nil {
			s.Close()
		}
	}()
	today := duban.DateOf(start)
	p := province.Generate(province.Size{Units: y.Units, Tasks: y.Tasks, Today: today, Seed: 1})
	t0 := time.Now()
	if _, err := s.Import(ctx, duban.Ledger{Units: p.Units, People: p.People, Tasks: p.Tasks}, "import", start.Add(-time.Hour)); err != nil {
		return err
	}
	// As serve does at start: the ledger's view and the notice index, so
	// a pass asks Badger only about what the index cannot tell.
	if err := s.Warm(ctx); err != nil {
		return err
	}
	fmt.Fprintf(w, "a simulated year: %d tasks in %d units, %d people, from %s for %d days; %.1f%% of the tasks move each working day, %.0f%% of the recipients say 收到\n",
		len(p.Tasks), len(p.Units), len(p.People), today, y.Days, y.Changes*100, y.AckShare*100)
	fmt.Fprintf(w, "store %s (imported in %v)\n\n", dir, time.Since(t0).Round(time.Millisecond))

	people := map[string]duban.Person{}
	leaders := map[string]duban.Person{} // by group
	for _, pe := range p.People {
		people[pe.UserID] = pe
		for _, post := range pe.Posts {
			if post.Role == duban.RoleLeader {
				if _, ok := leaders[post.Scope]; !ok {
					leaders[post.Scope] = pe
				}
			}
		}
	}
	units := map[string]duban.Unit{}
	for _, u := range p.Units {
		units[u.Code] = u
	}
	r := &remind.Runner{Source: s, Log: remindstore.NoticeLog{Store: s}, Policy: remind.Defaults(), Calendar: remind.DefaultCalendar()}
	rng := rand.New(rand.NewPCG(2, 3))
	var st yearStats

	const format = "%-8s %6v %9v %9v %8v %8v %9v %9v %9v %9v %9v\n"
	fmt.Fprintf(w, format, "month", "passes", "messages", "notices", "changes", "acks", "pruned", "sst MB", "vlog MB", "other MB", "total MB")
	row := func(label string) error {
		u, err := s.DiskUsage()
		if err != nil {
			return err
		}
		mb := func(b int64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<20)) }
		_, err = fmt.Fprintf(w, format, label, st.passes, st.messages, st.notices, st.changes, st.acks, st.pruned,
			mb(u.Tables), mb(u.ValueLog), mb(u.Other), mb(u.Total()))
		return err
	}
	if err := row("imported"); err != nil {
		return err
	}
	simStart := time.Now()
	for d := range y.Days {
		if err := ctx.Err(); err != nil {
			return err
		}
		day := start.AddDate(0, 0, d)
		now := time.Date(day.Year(), day.Month(), day.Day(), 9, 30, 0, 0, shanghai)
		lap, before, notices0, cpu0 := time.Now(), st.took, st.notices, cpuTime()
		phase := func(d *time.Duration) {
			t := time.Now()
			*d += t.Sub(lap)
			lap = t
		}
		res, err := r.RunOnce(ctx, now)
		phase(&st.took.pass)
		if err != nil {
			return fmt.Errorf("reminder pass of %s: %w", now.Format("2006-01-02"), err)
		}
		if res.Open {
			st.passes++
			st.notices += len(res.Due)
			if err := deliverAll(ctx, s, now.Add(time.Minute), &st); err != nil {
				return err
			}
			phase(&st.took.deliver)
			for _, m := range res.Messages {
				if rng.Float64() < y.AckShare {
					if _, err := s.AckAll(ctx, m.To, now.Add(time.Hour)); err != nil {
						return err
					}
					st.acks++
				}
			}
			phase(&st.took.acks)
			n := int(float64(len(p.Tasks)) * y.Changes)
			for i := range n {
				id := p.Tasks[rng.IntN(len(p.Tasks))].ID
				at := now.Add(2*time.Hour + time.Duration(i)*time.Second)
				ok, err := moveTask(ctx, s, id, at, people, leaders, units)
				if err != nil {
					return err
				}
				if ok {
					st.changes++
				}
			}
			phase(&st.took.changes)
		}
		// serve's upkeep: value-log GC once a day; the receipts pruned
		// once a week and before each month's figures (serve prunes every
		// 6 hours; each prune reads every receipt kept, two million at a
		// province, which would cost the simulation more than the day).
		next := day.AddDate(0, 0, 1)
		monthEnd := next.Month() != day.Month() || d == y.Days-1
		if day.Weekday() == time.Sunday || monthEnd {
			n, err := s.PruneReceipts(ctx, now.AddDate(0, 0, -90))
			if err != nil {
				return err
			}
			st.pruned += n
		}
		rw, err := s.CollectGarbage(ctx)
		if err != nil {
			return err
		}
		st.rewrites += rw
		phase(&st.took.upkeep)
		if y.Daily {
			fmt.Fprintf(w, "%s %5d notices: %v; CPU %v\n", day.Format("2006-01-02"), st.notices-notices0, st.took.minus(before),
				(cpuTime() - cpu0).Round(100*time.Millisecond))
		}
		if monthEnd {
			if err := row(day.Format("2006-01")); err != nil {
				return err
			}
			fmt.Fprintf(w, "         time: %v\n", st.took)
			st.took = phaseTimes{}
		}
	}
	took := time.Since(simStart)
	if err := s.Close(); err != nil {
		return err
	}
	// Closing writes the memtable out as a table and compacts level 0:
	// what the store takes at rest, as after a restart.
	if s, err = store.Open(dir, store.Options{Unsynced: true}); err != nil {
		return err
	}
	if err := row("reopened"); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d value-log files rewritten by GC; simulated in %v\n", st.rewrites, took.Round(time.Second))
	return nil
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// deliverAll marks every queued message delivered at at, as the sender
// does when WeCom took it (FinishOutgoing; the sender's mark of each
// attempt before it, a rewrite of the entry the outcome deletes, is left
// out). The outbox is read whole, once: read in pieces from its start,
// each read would step again over the entries delivered before it.
func deliverAll(ctx context.Context, s *store.Store, at time.Time, st *yearStats) error {
	for {
		es, err := s.PendingOutgoing(ctx, 0)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return nil
		}
		for _, e := range es {
			if err := s.FinishOutgoing(ctx, e, store.Delivery{Status: store.DeliveryDelivered, Parts: 1, At: at}); err != nil {
				return err
			}
			st.messages++
		}
	}
}

// moveTask moves task id one step as its people would: the unit's contact
// reports progress, then completion; the group's leader closes it.
// A closed task stays as it is (false).
func moveTask(ctx context.Context, s *store.Store, id string, at time.Time, people, leaders map[string]duban.Person, units map[string]duban.Unit) (bool, error) {
	refused := false
	_, err := s.Apply(ctx, id, fmt.Sprintf("sim:%d:%s", at.Unix(), id), func(t duban.Task, u duban.Unit) (duban.Task, duban.Change, error) {
		req := duban.Request{By: people["c"+t.Unit], At: at, MsgID: fmt.Sprintf("sim%d", at.UnixNano())}
		switch t.Status {
		case duban.StatusNotStarted:
			req.Action, req.Note = duban.ActProgress, "方案已起草，正在征求意见"
		case duban.StatusInProgress:
			req.Action, req.Note = duban.ActReport, "已按方案完成，材料已报编办"
		case duban.StatusReported:
			req.Action, req.By = duban.ActVerify, leaders[units[t.Unit].Group]
		default:
			refused = true
			return t, duban.Change{}, errClosed
		}
		next, c, err := duban.Apply(t, u, req)
		refused = err != nil
		return next, c, err
	})
	switch {
	case err != nil && refused:
		return false, nil // closed, or a step the rules refuse: nothing written
	case err != nil:
		return false, err
	}
	return true, nil
}

var errClosed = errors.New("task closed")
