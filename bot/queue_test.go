package bot

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

func TestQueueViewFollowsTheStore(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, t.TempDir())
	v := newQueueView()
	stop := st.WatchInbox(v.notify)
	defer stop()
	scans := 0
	scan := func() ([]store.QueueRef, error) { scans++; return st.InboxQueue(ctx, 0) }
	enqueue := func(key, from string) {
		t.Helper()
		if _, err := st.Enqueue(ctx, duban.Inbound{Key: key, From: from, Text: key}, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	enqueue("msg:1", "U1") // before the first read: found by the scan
	now := time.Now()
	if err := v.refresh(now, time.Minute, scan); err != nil || scans != 1 {
		t.Fatalf("first refresh: %v, %d scans", err, scans)
	}
	enqueue("msg:2", "u2")
	enqueue("msg:3", "u1")
	if err := v.refresh(now, time.Minute, scan); err != nil || scans != 1 {
		t.Fatalf("notified entries needed a scan: %v, %d scans", err, scans)
	}
	heads := v.heads()
	if len(heads) != 2 || heads[0].Who != "u1" || heads[1].Who != "u2" {
		t.Fatalf("heads %+v: want u1 (oldest) then u2", heads)
	}
	next := v.pop("u1")
	if next == "" || store.QueueWho(next) != "u1" {
		t.Fatalf("u1's second entry: %q", next)
	}
	e, err := st.InboxEntryByID(ctx, next)
	if err != nil || e.In.Key != "msg:3" {
		t.Fatalf("entry %q: %+v %v", next, e, err)
	}
	if _, err := st.CompleteInbound(ctx, next, nil, now); err != nil {
		t.Fatal(err)
	}
	if _, err := st.InboxEntryByID(ctx, next); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a handled entry is still readable: %v", err)
	}
	// A dropped notification makes the next refresh read the store.
	for range cap(v.notified) + 1 {
		v.notify([]string{"x"})
	}
	v.drain(false)
	if err := v.refresh(now, time.Minute, scan); err != nil || scans != 2 {
		t.Fatalf("overflow did not rescan: %v, %d scans", err, scans)
	}
	if err := v.refresh(now.Add(2*time.Minute), time.Minute, scan); err != nil || scans != 3 {
		t.Fatalf("no rescan after the poll period: %d scans", scans)
	}
	if got := len(v.byWho["u1"]) + len(v.byWho["u2"]); got != 2 {
		t.Errorf("after a rescan the view holds %d entries, want 2 (msg:1, msg:2)", got)
	}
}
