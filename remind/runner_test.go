package remind

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/duban-org/duban"
)

type fixedSource struct {
	mu    sync.Mutex
	l     duban.Ledger
	calls []time.Time // clock readings at each snapshot
}

func (f *fixedSource) Snapshot(context.Context) (duban.Ledger, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, time.Now())
	return f.l, nil
}

// memLog is an in-memory NoticeLog with the store's semantics.
type memLog struct {
	mu   sync.Mutex
	sent map[string]time.Time
	msgs []duban.Outgoing
}

func (m *memLog) Unsent(_ context.Context, ns []Notice) ([]Notice, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Notice
	for _, n := range ns {
		if _, ok := m.sent[n.Key()]; !ok {
			out = append(out, n)
		}
	}
	return out, nil
}

// SentBefore answers from the notices recorded so far.
func (m *memLog) SentBefore() Sent { return memSent{m} }

type memSent struct{ m *memLog }

func (s memSent) SentTo(n *Notice, to []string) uint64 {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	var mask uint64
	for i, id := range to {
		m := *n
		m.To = id
		if _, ok := s.m.sent[m.Key()]; ok {
			mask |= 1 << i
		}
	}
	return mask
}

func (m *memLog) RecordNotices(_ context.Context, _ []Notice, msgs []duban.Outgoing, at time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sent == nil {
		m.sent = map[string]time.Time{}
	}
	q := 0
	for _, msg := range msgs {
		taken := false
		for _, k := range msg.NoticeKeys {
			_, taken = m.sent[k]
			if taken {
				break
			}
		}
		if taken {
			continue
		}
		for _, k := range msg.NoticeKeys {
			m.sent[k] = at
		}
		m.msgs = append(m.msgs, msg)
		q++
	}
	return q, nil
}

func TestRunOnceSendsOnce(t *testing.T) {
	src := &fixedSource{l: testLedger(task("T1", "U1", "2026-09-30"), task("T2", "U1", "2026-10-12"))}
	log := &memLog{}
	r := &Runner{Source: src, Log: log, Policy: Defaults(), Calendar: DefaultCalendar()}
	ctx := context.Background()

	dry, err := r.DryRun(ctx, at("2026-10-09 09:00"))
	if err != nil || len(dry.Messages) != 2 || dry.Queued != 0 || len(log.msgs) != 0 {
		t.Fatalf("dry run: %+v err %v, log %d", dry, err, len(log.msgs))
	}
	res, err := r.RunOnce(ctx, at("2026-10-09 09:00"))
	if err != nil || res.Queued != 2 || len(res.Due) != 3 {
		t.Fatalf("first run: queued %d due %d err %v", res.Queued, len(res.Due), err)
	}
	// A second run in the same minute, and one later the same day, send nothing.
	for _, now := range []string{"2026-10-09 09:00", "2026-10-09 15:00"} {
		res, err = r.RunOnce(ctx, at(now))
		if err != nil || res.Queued != 0 || len(res.Messages) != 0 || len(res.Planned) != 3 {
			t.Fatalf("rerun at %s: planned %d queued %d err %v", now, len(res.Planned), res.Queued, err)
		}
	}
	// The next working day (the 调休 Saturday) brings overdue-3 and escalation
	// for T1, and before-1 for T2 (its Sunday moved back).
	res, err = r.RunOnce(ctx, at("2026-10-10 09:00"))
	if err != nil || len(res.Due) != 4 || res.Queued != 3 {
		t.Fatalf("next day: due %q queued %d err %v", summary(res.Due), res.Queued, err)
	}
	// Outside the window nothing is read at all.
	calls := len(src.calls)
	res, err = r.RunOnce(ctx, at("2026-10-11 09:00"))
	if err != nil || res.Open || len(src.calls) != calls {
		t.Fatalf("Sunday run: %+v err %v", res, err)
	}
}

func TestRunOnceCapsDigest(t *testing.T) {
	var tasks []duban.Task
	for i := range 25 {
		tasks = append(tasks, task(fmt.Sprintf("T%02d", i), "U2", "2026-10-09"))
	}
	p := Defaults()
	p.MaxItemsPerDigest = 10
	log := &memLog{}
	r := &Runner{Source: &fixedSource{l: testLedger(tasks...)}, Log: log, Policy: p, Calendar: DefaultCalendar()}
	var total int
	for i, want := range []int{10, 10, 5, 0} {
		res, err := r.RunOnce(context.Background(), at("2026-10-09 09:00").Add(time.Duration(i)*15*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range res.Messages {
			if m.To == "c2" {
				if len(m.NoticeKeys) != want {
					t.Fatalf("run %d: %d items for c2, want %d", i, len(m.NoticeKeys), want)
				}
				total += len(m.NoticeKeys)
			}
		}
	}
	if total != 25 {
		t.Fatalf("delivered %d items over the runs, want 25", total)
	}
}

type failingSource struct{}

func (failingSource) Snapshot(context.Context) (duban.Ledger, error) {
	return duban.Ledger{}, errors.New("disk on fire")
}

func TestRunOnceErrors(t *testing.T) {
	r := &Runner{Source: failingSource{}, Log: &memLog{}, Policy: Defaults(), Calendar: DefaultCalendar()}
	if _, err := r.RunOnce(context.Background(), at("2026-10-09 09:00")); err == nil {
		t.Fatal("snapshot error swallowed")
	}
	r.Calendar = nil
	if _, err := r.RunOnce(context.Background(), at("2026-10-09 09:00")); !errors.Is(err, ErrNoCalendar) {
		t.Fatalf("err = %v", err)
	}
	r.Calendar, r.Policy.Timezone = DefaultCalendar(), "nowhere"
	if _, err := r.RunOnce(context.Background(), at("2026-10-09 09:00")); err == nil {
		t.Fatal("invalid policy accepted")
	}
}

// TestSchedulerWakes runs the scheduler for a simulated week: it passes at
// send_at on working days and every catch_up_minutes while the window is
// open, never on rest days or in quiet hours, and fires the bulletin once.
func TestSchedulerWakes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The bubble's clock starts at 2000-01-01 00:00 UTC (a Saturday), 08:00 in Shanghai.
		p := Defaults()
		p.CatchUpMinutes = 60
		p.BulletinWeekday, p.BulletinAt = "monday", "16:00"
		src := &fixedSource{l: testLedger(task("T1", "U1", "2000-01-04"))}
		log := &memLog{}
		var bulletins []time.Time
		s := &Scheduler{
			Runner: &Runner{Source: src, Log: log, Policy: p, Calendar: DefaultCalendar()},
			Bulletin: func(_ context.Context, now time.Time) error {
				bulletins = append(bulletins, now)
				return nil
			},
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()
		time.Sleep(7*24*time.Hour - time.Minute)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}

		perDay := map[string][]string{}
		for _, c := range src.calls {
			l := c.In(shanghai)
			perDay[l.Format("01-02 Mon")] = append(perDay[l.Format("01-02 Mon")], l.Format("15:04"))
		}
		// Mon 01-03 … Fri 01-07 are working days (2000 is computed: 元旦 is a Saturday).
		for _, day := range []string{"01-03 Mon", "01-04 Tue", "01-05 Wed", "01-06 Thu", "01-07 Fri"} {
			runs := perDay[day]
			if len(runs) != 11 || runs[0] != "09:00" || runs[10] != "19:00" {
				t.Errorf("%s: passes at %v, want hourly 09:00…19:00", day, runs)
			}
		}
		if len(perDay) != 5 {
			t.Errorf("passes on %d days, want the 5 working days: %v", len(perDay), perDay)
		}
		if len(bulletins) != 1 || bulletins[0].In(shanghai).Format("01-02 15:04") != "01-03 16:00" {
			t.Errorf("bulletins at %v, want once on Monday 16:00", bulletins)
		}
		// One digest per person per stage change: before-1 Mon, due Tue,
		// overdue-1..3 Wed-Fri; and once to 编办, 2000 has no published schedule.
		if got := len(log.msgs); got != 1+2+2+2+3+1 {
			t.Errorf("%d messages queued over the week", got)
		}
		if n := countCalendar(log.msgs); n != 1 {
			t.Errorf("%d calendar notices, want 1", n)
		}
	})
}

func TestWriteResult(t *testing.T) {
	r := &Runner{Source: &fixedSource{l: testLedger(task("T1", "U1", "2026-09-30"))}, Log: &memLog{}, Policy: Defaults(), Calendar: DefaultCalendar()}
	res, err := r.DryRun(context.Background(), at("2026-10-10 09:00"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteResult(&b, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"c1\toverdue-3\tT1\t2026-09-30\n", "L1\tescalate\tT1\t2026-09-30\n", "----- to h1 (1 notices, card remind-"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
	res, _ = r.DryRun(context.Background(), at("2026-10-11 09:00"))
	b.Reset()
	WriteResult(&b, res)
	if !strings.Contains(b.String(), "outside the sending window") {
		t.Errorf("closed window output %q", b.String())
	}
}

func countCalendar(msgs []duban.Outgoing) int {
	n := 0
	for _, m := range msgs {
		if strings.Contains(m.Text, "放假安排尚未发布") {
			n++
		}
	}
	return n
}

// TestCalendarNotice: from 1 December before a year with no published
// schedule, 编办 is told once, with the computed holidays; the pass's output
// and the bulletin say the working days are computed.
func TestCalendarNotice(t *testing.T) {
	cal := DefaultCalendar()
	y := 2028
	for cal.Official(y) {
		y++ // a newer library: the first year it lacks
	}
	src := &fixedSource{l: testLedger(task("T1", "U1", fmt.Sprintf("%d-03-01", y)))}
	log := &memLog{}
	r := &Runner{Source: src, Log: log, Policy: Defaults(), Calendar: cal}
	ctx := context.Background()
	// Working days before December, then December, then the year itself.
	nov := cal.WorkdayOnOrBefore(date(fmt.Sprintf("%d-11-30", y-1)))
	dec := cal.PrevWorkday(date(fmt.Sprintf("%d-12-01", y-1)) + 7)
	jan := cal.PrevWorkday(date(fmt.Sprintf("%d-01-10", y)))
	nine := func(d duban.Date) time.Time { return d.Time(shanghai).Add(9 * time.Hour) }

	res, err := r.RunOnce(ctx, nine(nov))
	if err != nil || len(res.Unofficial) != 0 || countCalendar(log.msgs) != 0 {
		t.Fatalf("November: %v, unofficial %v, %d calendar notices", err, res.Unofficial, countCalendar(log.msgs))
	}
	res, err = r.RunOnce(ctx, nine(dec))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Unofficial, []int{y}) {
		t.Errorf("December: unofficial %v, want [%d]", res.Unofficial, y)
	}
	if countCalendar(log.msgs) != 1 {
		t.Fatalf("December: %d calendar notices, want 1: %+v", countCalendar(log.msgs), log.msgs)
	}
	m := log.msgs[len(log.msgs)-1]
	want := fmt.Sprintf("%d年放假安排尚未发布", y)
	if m.To != "A1" || !strings.HasPrefix(m.Text, want) || !strings.Contains(m.Text, Statutory(y)[1].String()) ||
		!strings.Contains(m.Text, "调休上班日和补假无法推算") {
		t.Errorf("calendar notice to %s:\n%s", m.To, m.Text)
	}
	var out strings.Builder
	WriteResult(&out, res)
	if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "调休上班日和补假未知") {
		t.Errorf("pass output lacks the caveat:\n%s", out.String())
	}
	for _, at := range []time.Time{nine(dec).Add(time.Hour), nine(dec + 1), nine(jan)} {
		if _, err := r.RunOnce(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	if n := countCalendar(log.msgs); n != 1 {
		t.Errorf("%d calendar notices after more passes, want 1", n)
	}
	b := ComputeBulletin(src.l, Defaults(), cal, nine(jan))
	if !strings.Contains(Render(b), want) {
		t.Errorf("bulletin lacks the caveat:\n%s", Render(b))
	}
	if b := ComputeBulletin(src.l, Defaults(), cal, at("2026-10-19 16:00")); strings.Contains(Render(b), "尚未发布") {
		t.Errorf("2026 bulletin has a caveat:\n%s", Render(b))
	}
}
