package remindstore

import (
	"context"
	"time"

	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/store"
)

// HolidayNotices returns the State Council notices imported into the store,
// as the calendar reads them (remind.LoadCalendar).
func HolidayNotices(ctx context.Context, st *store.Store) ([]remind.HolidayNotice, error) {
	hs, err := st.HolidaySchedules(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]remind.HolidayNotice, len(hs))
	for i, h := range hs {
		out[i].Year = h.Year
		for _, d := range h.Days {
			out[i].Days = append(out[i].Days, remind.CalendarDay{Date: d.Date, Work: d.Work, Name: d.Name})
		}
	}
	return out, nil
}

// SaveHolidayNotice stores notice n, read from text, in place of any
// imported before for its year.
func SaveHolidayNotice(ctx context.Context, st *store.Store, n remind.HolidayNotice, text, by string, at time.Time) error {
	h := store.HolidaySchedule{Year: n.Year, Text: text, By: by, At: at}
	for _, d := range n.Days {
		h.Days = append(h.Days, store.HolidayDay{Date: d.Date, Work: d.Work, Name: d.Name})
	}
	return st.PutHolidaySchedule(ctx, h)
}
