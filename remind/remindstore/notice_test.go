package remindstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/store"
)

var shanghai = remind.Defaults().Location()

func shAt(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func mustDate(s string) duban.Date {
	d, err := duban.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// remindLedger has units U0…U(n-1) in 政府组, each with a contact cN and a
// head hN and one task TN due on deadline; L1 leads the group, A1 is 编办.
func remindLedger(n int, deadline string) duban.Ledger {
	l := duban.Ledger{People: []duban.Person{
		{UserID: "L1", Name: "组长", Posts: []duban.Post{{Role: duban.RoleLeader, Scope: "政府组"}}},
		{UserID: "A1", Name: "编办", Posts: []duban.Post{{Role: duban.RoleAdmin}}},
	}}
	for i := range n {
		code := fmt.Sprintf("U%d", i)
		l.Units = append(l.Units, duban.Unit{Code: code, Name: "单位" + code, Group: "政府组"})
		l.People = append(l.People,
			duban.Person{UserID: fmt.Sprintf("c%d", i), Name: "联络员", Posts: []duban.Post{{Role: duban.RoleContact, Scope: code}}},
			duban.Person{UserID: fmt.Sprintf("h%d", i), Name: "一把手", Posts: []duban.Post{{Role: duban.RoleHead, Scope: code}}})
		l.Tasks = append(l.Tasks, duban.Task{ID: fmt.Sprintf("T%d", i), Unit: code, Title: "制定大科室制改革方案", Deadline: mustDate(deadline)})
	}
	return l
}

func openTestStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newRunner(s *store.Store) *remind.Runner {
	return &remind.Runner{Source: s, Log: NoticeLog{s}, Policy: remind.Defaults(), Calendar: remind.DefaultCalendar()}
}

func outboxByRecipient(t *testing.T, s *store.Store) map[string][]store.OutboxEntry {
	t.Helper()
	entries, err := s.PendingOutgoing(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]store.OutboxEntry{}
	for _, e := range entries {
		m[e.Msg.To] = append(m[e.Msg.To], e)
	}
	return m
}

func TestNoticeLedgerTrail(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	if _, err := s.Import(ctx, remindLedger(1, "2026-09-30"), "test", shAt("2026-09-01 10:00")); err != nil {
		t.Fatal(err)
	}
	r := newRunner(s)

	res, err := r.RunOnce(ctx, shAt("2026-10-09 09:00")) // overdue-2: contact and head
	if err != nil || res.Queued != 2 {
		t.Fatalf("run: queued %d err %v", res.Queued, err)
	}
	for _, now := range []string{"2026-10-09 09:00", "2026-10-09 09:15"} { // same minute, catch-up
		if res, err := r.RunOnce(ctx, shAt(now)); err != nil || res.Queued != 0 || len(res.Due) != 0 {
			t.Fatalf("rerun %s: %+v err %v", now, res, err)
		}
	}
	box := outboxByRecipient(t, s)
	if len(box["c0"]) != 1 || len(box["h0"]) != 1 || len(box) != 2 {
		t.Fatalf("outbox %v", box)
	}
	if keys := box["c0"][0].Msg.NoticeKeys; len(keys) != 1 || keys[0] != "T0|overdue-2|c0|2026-09-30" {
		t.Fatalf("notice keys %q", keys)
	}

	trail, err := s.NoticesOf(ctx, "t0")
	if err != nil || len(trail) != 2 {
		t.Fatalf("trail %+v err %v", trail, err)
	}
	for _, n := range trail {
		if n.OutboxID == "" || n.Delivery != nil || !n.Queued.Equal(shAt("2026-10-09 09:00")) || n.Unit != "U0" {
			t.Errorf("record %+v", n)
		}
	}
	// store.Delivery is joined in once the sender records it.
	if err := s.FinishOutgoing(ctx, box["c0"][0], store.Delivery{Status: store.DeliveryDelivered, Parts: 1, At: shAt("2026-10-09 09:01")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ctx, "T0", "C0", shAt("2026-10-09 09:30")); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ctx, "T0", "c0", shAt("2026-10-09 10:30")); err != nil {
		t.Fatal(err)
	}
	trail, _ = s.NoticesOf(ctx, "T0")
	for _, n := range trail {
		switch n.To {
		case "c0":
			if n.Delivery == nil || n.Delivery.Status != store.DeliveryDelivered || !n.AckedAt.Equal(shAt("2026-10-09 09:30")) {
				t.Errorf("contact record %+v delivery %+v", n, n.Delivery)
			}
		case "h0":
			if n.Delivery != nil || !n.AckedAt.IsZero() {
				t.Errorf("head record %+v", n)
			}
		}
	}
	if err := s.Ack(ctx, "T0", "L1", shAt("2026-10-09 10:30")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ack by someone never reminded: %v", err)
	}
	if err := s.Ack(ctx, "T00", "c0", shAt("2026-10-09 10:30")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ack of another task: %v", err)
	}
}

func TestApprovedExtensionRestartsLadder(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	l := remindLedger(1, "2026-10-09")
	if _, err := s.Import(ctx, l, "test", shAt("2026-09-01 10:00")); err != nil {
		t.Fatal(err)
	}
	r := newRunner(s)
	if res, err := r.RunOnce(ctx, shAt("2026-10-09 09:00")); err != nil || res.Queued != 2 {
		t.Fatalf("due run: %+v %v", res, err)
	}
	apply := func(by duban.Person, req duban.Request) {
		t.Helper()
		req.By = by
		if _, err := s.Apply(ctx, "T0", "", func(tk duban.Task, u duban.Unit) (duban.Task, duban.Change, error) {
			return duban.Apply(tk, u, req)
		}); err != nil {
			t.Fatal(err)
		}
	}
	apply(l.People[2], duban.Request{Action: duban.ActExtend, Deadline: mustDate("2026-10-16"), Note: "待审议", At: shAt("2026-10-09 10:00")})
	// A pending request changes nothing: same deadline, same keys.
	if res, err := r.RunOnce(ctx, shAt("2026-10-09 11:00")); err != nil || res.Queued != 0 {
		t.Fatalf("pending extension run: %+v %v", res, err)
	}
	apply(l.People[0], duban.Request{Action: duban.ActApprove, At: shAt("2026-10-09 12:00")})
	res, err := r.RunOnce(ctx, shAt("2026-10-09 13:00"))
	if err != nil || res.Queued != 1 || len(res.Due) != 1 || res.Due[0].Stage != remind.StageBefore(7) || res.Due[0].To != "c0" {
		t.Fatalf("after approval: due %+v queued %d err %v", res.Due, res.Queued, err)
	}
	trail, _ := s.NoticesOf(ctx, "T0")
	if len(trail) != 3 {
		t.Fatalf("trail %+v", trail)
	}
}

// warmOrNot runs test on a store read from Badger alone, and on one warmed
// as serve warms it (the ledger view and the notice index in memory).
func warmOrNot(t *testing.T, test func(t *testing.T, warm func(*store.Store))) {
	t.Run("cold", func(t *testing.T) { test(t, func(*store.Store) {}) })
	t.Run("warm", func(t *testing.T) {
		test(t, func(s *store.Store) {
			if err := s.Warm(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	})
}

func TestConcurrentRunsSendOnce(t *testing.T) { warmOrNot(t, testConcurrentRunsSendOnce) }

func testConcurrentRunsSendOnce(t *testing.T, warm func(*store.Store)) {
	ctx := context.Background()
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	if _, err := s.Import(ctx, remindLedger(30, "2026-10-09"), "test", shAt("2026-09-01 10:00")); err != nil {
		t.Fatal(err)
	}
	warm(s)
	var wg sync.WaitGroup
	queued := make([]int, 4)
	for i := range queued {
		wg.Go(func() {
			res, err := newRunner(s).RunOnce(ctx, shAt("2026-10-09 09:00"))
			if err != nil {
				t.Error(err)
			}
			queued[i] = res.Queued
		})
	}
	wg.Wait()
	box := outboxByRecipient(t, s)
	if len(box) != 60 {
		t.Fatalf("%d recipients in the outbox, want 60", len(box))
	}
	for to, es := range box {
		if len(es) != 1 {
			t.Errorf("%s got %d messages", to, len(es))
		}
	}
	if sum := queued[0] + queued[1] + queued[2] + queued[3]; sum != 60 {
		t.Errorf("runs queued %v in total %d", queued, sum)
	}
}

// TestRemindSurvivesSIGKILL kills a process in the middle of a reminder run
// with many recipients, restarts it, and checks that every recipient's
// digest is in the outbox exactly once.
func TestRemindSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	const units = 300 // 600 recipients, one synced transaction each
	dir := t.TempDir()
	s := openTestStore(t, dir)
	if _, err := s.Import(context.Background(), remindLedger(units, "2026-10-09"), "test", shAt("2026-09-01 10:00")); err != nil {
		t.Fatal(err)
	}
	s.Close()

	child := func(kill bool) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRemindChild$")
		cmd.Env = append(os.Environ(), "DUBAN_REMIND_CHILD="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		// Kill once a few hundred digests are queued: mid-run, for certain.
		for sc.Scan() && !(kill && sc.Text() == "queued 100") {
		}
		if kill {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}
		for sc.Scan() {
		}
		err = cmd.Wait()
		if kill && err == nil {
			t.Fatal("the child finished before it was killed")
		}
		if !kill && err != nil {
			t.Fatalf("restarted run: %v", err)
		}
	}
	child(true)
	s = openTestStore(t, dir)
	n, err := s.OutboxLen(context.Background())
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after SIGKILL: %d of %d messages queued", n, 2*units)
	child(false)

	s = openTestStore(t, dir)
	defer s.Close()
	box := outboxByRecipient(t, s)
	if len(box) != 2*units {
		t.Fatalf("%d recipients reached, want %d", len(box), 2*units)
	}
	for to, es := range box {
		if len(es) != 1 {
			t.Fatalf("%s got %d messages", to, len(es))
		}
	}
	planned := remind.Plan(remindLedger(units, "2026-10-09"), remind.Defaults(), remind.DefaultCalendar(), shAt("2026-10-09 09:00"))
	if unsent, err := (NoticeLog{s}).Unsent(context.Background(), planned); err != nil || len(unsent) != 0 {
		t.Fatalf("%d notices unrecorded, err %v", len(unsent), err)
	}
}

// TestRemindChild is the process TestRemindSurvivesSIGKILL kills.
func TestRemindChild(t *testing.T) {
	dir := os.Getenv("DUBAN_REMIND_CHILD")
	if dir == "" {
		t.Skip("run by TestRemindSurvivesSIGKILL")
	}
	s := openTestStore(t, dir)
	defer s.Close()
	if err := s.Warm(context.Background()); err != nil { // as serve does
		t.Fatal(err)
	}
	r := newRunner(s)
	r.Log = progressLog{NoticeLog{s}}
	if _, err := r.RunOnce(context.Background(), shAt("2026-10-09 09:00")); err != nil {
		t.Fatal(err)
	}
}

// progressLog records one message at a time (as the store does anyway) and
// prints the count, so the parent can kill the child mid-run.
type progressLog struct{ NoticeLog }

func (p progressLog) RecordNotices(ctx context.Context, ns []remind.Notice, msgs []duban.Outgoing, at time.Time) (int, error) {
	q := 0
	for i := range msgs {
		n, err := p.NoticeLog.RecordNotices(ctx, ns, msgs[i:i+1], at)
		q += n
		if err != nil {
			return q, err
		}
		fmt.Printf("queued %d\n", i+1)
	}
	return q, nil
}

// A notice whose message failed for good is sent again by the next pass;
// one to a member WeCom does not know is not.
func TestFailedNoticeIsPlannedAgain(t *testing.T) { warmOrNot(t, testFailedNoticeIsPlannedAgain) }

func testFailedNoticeIsPlannedAgain(t *testing.T, warm func(*store.Store)) {
	ctx := context.Background()
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	if _, err := s.Import(ctx, remindLedger(1, "2026-09-30"), "test", shAt("2026-09-01 10:00")); err != nil {
		t.Fatal(err)
	}
	warm(s)
	r := newRunner(s)
	if res, err := r.RunOnce(ctx, shAt("2026-10-09 09:00")); err != nil || res.Queued != 2 {
		t.Fatalf("run: %+v %v", res, err)
	}
	box := outboxByRecipient(t, s)
	if err := s.FinishOutgoing(ctx, box["c0"][0], store.Delivery{Status: store.DeliveryFailed, Error: "errcode 60020: untrusted IP"}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishOutgoing(ctx, box["h0"][0], store.Delivery{Status: store.DeliveryFailed, Error: "errcode 81013", InvalidUser: "h0"}); err != nil {
		t.Fatal(err)
	}
	res, err := r.RunOnce(ctx, shAt("2026-10-09 09:15"))
	if err != nil || res.Queued != 1 || len(res.Due) != 1 || res.Due[0].To != "c0" {
		t.Fatalf("catch-up pass: queued %d, due %+v, err %v; want the contact's notice again", res.Queued, res.Due, err)
	}
	if rel, err := s.ReleasedNotices(ctx, "T0"); err != nil || len(rel) != 1 || rel[0].To != "c0" || rel[0].Delivery.Status != store.DeliveryFailed {
		t.Errorf("the failure is no longer on record: %+v %v", rel, err)
	}
	if d, err := s.DeliveryOf(ctx, "T0|overdue-2|c0|2026-09-30"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the notice planned again shows the old outcome %+v (%v), want none while it waits", d, err)
	}
}
