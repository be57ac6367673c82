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
	"1 when the year's holiday schedule is published (built in or from calendar_dir); 0 when only its statutory holidays are computed and its make-up working days are unknown. For this year and the next.",
	[]string{"year"}, nil)

// WatchCalendar reports cal's duban_calendar_official for this year and the
// next, as of each scrape in loc; now nil means time.Now.
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
	y := c.now().In(c.loc).Year()
	for _, year := range []int{y, y + 1} {
		v := 0.0
		if c.cal.Official(year) {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(calendarDesc, prometheus.GaugeValue, v, strconv.Itoa(year))
	}
}
