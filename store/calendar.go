package store

// Holiday schedules imported from the State Council's notices (duban
// calendar import, or pasted in chat), one per year; they survive upgrades
// and take precedence over the built-in schedules.
//
//	calendar/<year:04>   HolidaySchedule (JSON)

import (
	"context"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

const prefixCalendar = "calendar/"

// HolidaySchedule is one year's days off and make-up working days as read
// from its notice, with the notice's text and who imported it when.
type HolidaySchedule struct {
	Year int          `json:"year"`
	Days []HolidayDay `json:"days"`
	Text string       `json:"text"`
	By   string       `json:"by"`
	At   time.Time    `json:"at"`
}

// HolidayDay is a day off, or a make-up working day (Work).
type HolidayDay struct {
	Date duban.Date `json:"date"`
	Work bool       `json:"work,omitempty"`
	Name string     `json:"name"`
}

func calendarKey(year int) []byte { return fmt.Appendf(nil, "%s%04d", prefixCalendar, year) }

// PutHolidaySchedule stores h, replacing the schedule imported for its year
// before, if any.
func (s *Store) PutHolidaySchedule(ctx context.Context, h HolidaySchedule) error {
	err := s.update(ctx, func(txn *badger.Txn) error { return putJSON(txn, calendarKey(h.Year), h) })
	if err != nil {
		return fmt.Errorf("store the %d holiday schedule: %w", h.Year, err)
	}
	return nil
}

// HolidaySchedules returns every imported schedule, by year.
func (s *Store) HolidaySchedules(ctx context.Context) ([]HolidaySchedule, error) {
	var out []HolidaySchedule
	err := s.view(ctx, func(txn *badger.Txn) error {
		out = out[:0]
		return scanPrefix(txn, []byte(prefixCalendar), false, func(key, val []byte) error {
			var h HolidaySchedule
			if err := jsonUnmarshal(key, val, &h); err != nil {
				return err
			}
			out = append(out, h)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read the holiday schedules: %w", err)
	}
	return out, nil
}
