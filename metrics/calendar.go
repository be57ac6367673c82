package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Calendar says whether a year's working days follow a published holiday
// schedule. *remind.Calendar implements it.
type Calendar interface {
	Official(year int) bool
}

var calendarDesc = prometheus.NewDesc("duban_calendar_official",
	"1 when the year's holiday schedule is published (built in, imported or from calendar_dir); 0 when only its statutory holidays are computed and its make-up working days are unknown. For this year, and in December the next.",
	[]string{"year"}, nil)

// WatchCalendar reports cal's duban_calendar_official for this year and,
// from 1 December, the next (when 编办 is told in chat that it is missing),
// as of each scrape in loc; now nil means time.Now.
func (m *Metrics) WatchCalendar(cal Calendar, loc *time.Location, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	m.reg.MustRegister(calendarCollector{cal, loc, now})
}

type calendarCollector struct {
	cal Calendar
	loc *time.Location
	now func() time.Time
}

func (c calendarCollector) Describe(ch chan<- *prometheus.Desc) { ch <- calendarDesc }

func (c calendarCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now().In(c.loc)
	for year := now.Year(); year <= now.AddDate(0, 0, 31).Year(); year++ {
		v := 0.0
		if c.cal.Official(year) {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(calendarDesc, prometheus.GaugeValue, v, strconv.Itoa(year))
	}
}
