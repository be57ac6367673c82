package main

import (
	"context"
	"fmt"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/config"
	"github.com/duban-org/duban/store"
)

// app is a loaded configuration with its store open.
type app struct {
	cfg config.Config
	st  *store.Store
	e   *env
	loc *time.Location
	now func() time.Time
}

// openApp loads the configuration at path (see config.LoadDefault) and opens
// its store. The caller must Close it.
func openApp(ctx context.Context, e *env, path string) (*app, error) {
	cfg, err := config.LoadDefault(path)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(cfg.Timezone())
	if err != nil {
		return nil, fmt.Errorf("timezone: %w", err)
	}
	st, err := store.Open(cfg.Store.Dir, store.Options{Logger: e.log})
	if err != nil {
		return nil, err
	}
	return &app{cfg: cfg, st: st, e: e, loc: loc, now: time.Now}, nil
}

func (a *app) Close() error { return a.st.Close() }

// today is the civil date in the office's timezone.
func (a *app) today() duban.Date { return duban.DateOf(a.now().In(a.loc)) }

// parseNow reads a --now flag: "2017-12-20 09:00", RFC 3339, or a date
// (midnight); empty means the real clock.
func parseNow(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Now().In(loc), nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.In(loc), nil
		}
	}
	d, err := duban.ParseDate(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--now %q: use 2006-01-02 15:04, RFC 3339 or a date", s)
	}
	return d.Time(loc), nil
}
