package remind

import (
	"strings"
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"

	"github.com/duban-org/duban"
)

// The State Council's published schedules (放假调休安排) come from
// github.com/6tail/lunar-go, which adds each year's when its notice
// appears: upgrading the module is how a new year arrives.

// libraryFirst and libraryLast bound the years asked of the library; its
// data starts with 2002 (dates from 2001-12-29).
const libraryFirst, libraryLast = 2001, 2199

// libraryYears returns every schedule the library carries, by the year of
// the holiday each day belongs to (2018-12-29, 调休 for 元旦 2019, is in
// 2019's). The result is shared: read it only.
var libraryYears = sync.OnceValue(readLibrary)

func readLibrary() map[int][]CalendarDay {
	years := map[int][]CalendarDay{}
	for y := libraryFirst; y <= libraryLast; y++ {
		for e := HolidayUtil.GetHolidaysByYear(y).Front(); e != nil; e = e.Next() {
			h := e.Value.(*HolidayUtil.Holiday)
			day, err1 := time.Parse(time.DateOnly, h.GetDay())
			target, err2 := time.Parse(time.DateOnly, h.GetTarget())
			if err1 != nil || err2 != nil {
				continue // the library's own data; nothing an office can fix
			}
			years[target.Year()] = append(years[target.Year()],
				CalendarDay{Date: duban.DateOf(day), Work: h.IsWork(), Name: libraryName(h.GetName())})
		}
	}
	return years
}

// libraryName spells the library's holiday names as the notices do.
func libraryName(s string) string {
	switch s {
	case "元旦节":
		return "元旦"
	case "国庆中秋":
		return "国庆节、中秋节"
	case "抗战胜利日":
		return "中国人民抗日战争暨世界反法西斯战争胜利纪念日"
	}
	return strings.TrimSpace(s)
}
