package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

// A sender's last page is kept under their userid in any case, replaced
// by the next, and gone once its TTL passes.
func TestListPage(t *testing.T) {
	ctx := context.Background()
	s, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ListPage(ctx, "wang"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no page yet: %v", err)
	}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, p := range []ListPage{
		{Query: "任务 红", Page: 1, Pages: 45, MsgKey: "m1", At: at},
		{Query: "任务 江城组/甲 待销号", Page: 3, Pages: 19, MsgKey: "m2", At: at.Add(time.Minute), First: 21, Tasks: []string{"T021", "教育-3"}},
		{Query: "任务 红", MsgKey: "m3", At: at.Add(2 * time.Minute), First: 1, Units: []string{"DQ10", "ZF07"}},
		{MsgKey: "m4", At: at.Add(3 * time.Minute), Several: true},
	} {
		if err := s.SetListPage(ctx, "Wang", p, time.Hour); err != nil {
			t.Fatal(err)
		}
		got, err := s.ListPage(ctx, "wang")
		if err != nil || !reflect.DeepEqual(got, p) {
			t.Fatalf("ListPage = %+v, %v; want %+v", got, err, p)
		}
	}
	if _, err := s.ListPage(ctx, "wang/x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another userid reads wang's page: %v", err)
	}
	if err := s.SetListPage(ctx, "li", ListPage{Query: "任务", Page: 2}, time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // Badger's TTL has a one-second grain
	if _, err := s.ListPage(ctx, "li"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an expired page is still there: %v", err)
	}
}
