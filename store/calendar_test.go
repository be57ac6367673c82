package store

import (
	"context"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

func TestHolidaySchedules(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if hs, err := s.HolidaySchedules(ctx); err != nil || len(hs) != 0 {
		t.Fatalf("empty store: %+v, %v", hs, err)
	}
	at := time.Date(2027, 11, 20, 10, 0, 0, 0, time.UTC)
	jan1 := duban.NewDate(2028, time.January, 1)
	put := func(y int, name string) {
		t.Helper()
		h := HolidaySchedule{Year: y, Days: []HolidayDay{{Date: jan1, Name: name}, {Date: jan1 - 2, Work: true, Name: name}}, Text: "通知", By: "admin", At: at}
		if err := s.PutHolidaySchedule(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	put(2028, "元旦")
	put(2029, "x")
	put(2028, "元旦节") // replaces
	s.Close()

	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hs, err := s.HolidaySchedules(ctx)
	if err != nil || len(hs) != 2 || hs[0].Year != 2028 || hs[1].Year != 2029 {
		t.Fatalf("after a restart: %+v, %v", hs, err)
	}
	if h := hs[0]; h.Days[0].Name != "元旦节" || !h.Days[1].Work || h.Days[1].Date != jan1-2 || h.By != "admin" || !h.At.Equal(at) {
		t.Errorf("2028: %+v", h)
	}
}
