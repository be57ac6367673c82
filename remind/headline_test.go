package remind

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/duban-org/duban"
)

func TestHeadline(t *testing.T) {
	then := ComputeBulletin(bulletinLedger(), Defaults(), DefaultCalendar(), at("2026-10-12 16:00"))
	then.No, then.Year = 2, 2026
	l := bulletinLedger()
	for i := range l.Tasks {
		if l.Tasks[i].ID == "T5" {
			l.Tasks[i].Status = duban.StatusVerified
		}
	}
	now := ComputeBulletin(l, Defaults(), DefaultCalendar(), at("2026-10-22 16:00"))
	now.No, now.Year = 3, 2026
	c := Compare(then, now)
	h := Headline(now, &c)
	for _, want := range []string{
		"工作通报（2026年第3期）\n截至 2026年10月22日 16:00，",
		"已销号 " + itoa(now.Verified) + " 项（" + percent(now.Verified, now.Total) + "）",
		"较2026年第2期：销号率上升 16.7 个百分点，新增见底清零单位 1 个，新增逾期任务 " + itoa(c.NewlyOverdueTasks()) + " 项",
		"红灯单位：" + now.Red[0].Unit.Name + "（逾期 " + itoa(len(now.Red[0].Tasks)) + " 项）",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("headline lacks %q:\n%s", want, h)
		}
	}
	// The first bulletin has no change; a preview is unnumbered.
	now.No = 0
	if h := Headline(now, nil); !strings.HasPrefix(h, "工作通报（预览，未编号）") || strings.Contains(h, "较") {
		t.Errorf("preview headline:\n%s", h)
	}
	// However long the red list, the headline stays one short message.
	for range 40 {
		now.Red = append(now.Red, Lag{Unit: duban.Unit{Name: "市某某某某某某管理局"}, Tasks: make([]Item, 3)})
	}
	if h := Headline(now, &c); len(h) > 1024 || !utf8.ValidString(h) || !strings.Contains(h, "等 "+itoa(len(now.Red))+" 个单位") {
		t.Errorf("long red list: %d bytes:\n%s", len(h), h)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
