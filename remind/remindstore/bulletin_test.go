package remindstore

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/store"
)

func TestPublishBulletin(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	l := remindLedger(3, "2026-09-30")
	if _, err := s.Import(ctx, l, "test", shAt("2026-09-01 10:00")); err != nil {
		t.Fatal(err)
	}
	if n, err := s.NextBulletinNo(ctx); err != nil || n != 1 {
		t.Fatalf("next number %d err %v", n, err)
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	to := remind.BulletinRecipients(snap, remind.Defaults())
	for want := 1; want <= 2; want++ {
		b := remind.ComputeBulletin(snap, remind.Defaults(), remind.DefaultCalendar(), shAt("2026-10-16 16:00"))
		rec, err := Publish(ctx, s, b, to, "A1", "", shAt("2026-10-16 16:00"))
		if err != nil {
			t.Fatal(err)
		}
		var archived remind.Bulletin
		if err := json.Unmarshal(rec.Bulletin, &archived); err != nil {
			t.Fatal(err)
		}
		if rec.No != want || archived.No != want || archived.Overdue != 3 || !strings.HasPrefix(rec.Text, "工作通报（第") || !strings.Contains(rec.Text, "逾期 3 项") {
			t.Fatalf("published %d: %+v", want, rec)
		}
	}
	box := outboxByRecipient(t, s)
	if len(box) != 2 || len(box["A1"]) != 2 || len(box["L1"]) != 2 || !strings.HasPrefix(box["L1"][1].Msg.Text, "工作通报（第2期）") {
		t.Fatalf("outbox %v", box)
	}
	all, err := s.Bulletins(ctx)
	if err != nil || len(all) != 2 || all[0].No != 1 || all[1].No != 2 {
		t.Fatalf("archive %+v err %v", all, err)
	}
	if rec, err := s.BulletinByNo(ctx, 2); err != nil || rec.By != "A1" {
		t.Fatalf("bulletin 2: %+v %v", rec, err)
	}
	if _, err := s.BulletinByNo(ctx, 3); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("bulletin 3: %v", err)
	}
	if n, _ := s.NextBulletinNo(ctx); n != 3 {
		t.Fatalf("next number %d", n)
	}
	if _, err := Publish(ctx, s, remind.Bulletin{}, []string{""}, "A1", "", shAt("2026-10-16 16:00")); err == nil {
		t.Fatal("empty recipient accepted")
	}
	if n, _ := s.NextBulletinNo(ctx); n != 3 {
		t.Fatalf("a failed publish used a number: next %d", n)
	}
	// The same chat message twice (reprocessed after a crash) publishes once.
	b := remind.ComputeBulletin(snap, remind.Defaults(), remind.DefaultCalendar(), shAt("2026-10-16 16:00"))
	first, err := Publish(ctx, s, b, to, "A1", "msg:通报", shAt("2026-10-16 16:00"))
	if err != nil || first.No != 3 {
		t.Fatalf("publish 3: %+v %v", first, err)
	}
	again, err := Publish(ctx, s, b, to, "A1", "msg:通报", shAt("2026-10-16 16:05"))
	if err != nil || again.No != 3 || again.Text != first.Text {
		t.Fatalf("replayed publish: %+v %v", again, err)
	}
	if n, _ := s.NextBulletinNo(ctx); n != 4 {
		t.Fatalf("a replayed message published again: next %d", n)
	}
}
