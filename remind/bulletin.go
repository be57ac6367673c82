package remind

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/duban-org/duban"
)

// Bulletin is a 工作通报: the standing of the reform at one instant, every
// number computed from the ledger.
type Bulletin struct {
	No    int        `json:"no"`             // 第N期; 0 until published
	Year  int        `json:"year,omitempty"` // the year No counts in; 0 when numbering is continuous
	At    time.Time  `json:"at"`
	Today duban.Date `json:"today"`

	Total    int `json:"total"`
	Verified int `json:"verified"` // 已销号
	Reported int `json:"reported"` // 已报完成, waiting for 销号
	Overdue  int `json:"overdue"`
	Units    int `json:"units"`

	Groups  []Standing   `json:"groups"`  // per 督办组, in ledger order
	Cleared []duban.Unit `json:"cleared"` // units with every task 已销号 (见底清零)
	Red     []Lag        `json:"red"`     // units with overdue tasks, longest first
	Yellow  []Lag        `json:"yellow"`  // units with tasks due within warn_days
	Ranking []Standing   `json:"ranking"` // units, best first

	// Framing is a short paragraph an LLM may write; never numbers.
	Framing string `json:"framing,omitempty"`
	// Calendar says when the year's working days are computed, not
	// published (CalendarCaveat); "" when they are published.
	Calendar string `json:"calendar,omitempty"`
}

// Issue names the bulletin's number: 2026年第3期, or 第3期 when numbering
// is continuous; "" before it is published.
func (b Bulletin) Issue() string {
	switch {
	case b.No == 0:
		return ""
	case b.Year > 0:
		return fmt.Sprintf("%d年第%d期", b.Year, b.No)
	}
	return fmt.Sprintf("第%d期", b.No)
}

// Standing is the completion of a group or a unit.
type Standing struct {
	Name     string `json:"name"`
	Code     string `json:"code,omitempty"`  // units only
	Group    string `json:"group,omitempty"` // units only
	Total    int    `json:"total"`
	Verified int    `json:"verified"`
	Reported int    `json:"reported"`
	Overdue  int    `json:"overdue"`
	Units    int    `json:"units,omitempty"`   // groups only
	Cleared  int    `json:"cleared,omitempty"` // groups only: units 见底清零
}

// Rate is Verified/Total in percent (100 when there are no tasks).
func (s Standing) Rate() float64 {
	if s.Total == 0 {
		return 100
	}
	return 100 * float64(s.Verified) / float64(s.Total)
}

// Lag is a unit on the red or yellow list with its tasks, longest overdue
// (or soonest due) first.
type Lag struct {
	Unit  duban.Unit `json:"unit"`
	Tasks []Item     `json:"tasks"`
}

// ComputeBulletin computes the bulletin at now from a ledger snapshot.
func ComputeBulletin(l duban.Ledger, p Policy, cal *Calendar, now time.Time) Bulletin {
	loc := p.Location()
	today := duban.DateOf(now.In(loc))
	warn := max(p.WarnDays, 0)
	b := Bulletin{At: now.In(loc), Today: today, Units: len(l.Units)}
	if y := year(today); !cal.Official(y) {
		b.Calendar = CalendarCaveat([]int{y})
	}
	byUnit := make(map[string]*Standing, len(l.Units))
	unitAt := make(map[string]int, len(l.Units))
	ranking := make([]Standing, len(l.Units))
	for i, u := range l.Units {
		ranking[i] = Standing{Name: u.Name, Code: u.Code, Group: u.Group}
		byUnit[u.Code] = &ranking[i]
		unitAt[u.Code] = i
	}
	red := map[string][]Item{}
	yellow := map[string][]Item{}
	memo := map[duban.Date]int{}
	for _, t := range l.Tasks {
		s := byUnit[t.Unit]
		if s == nil {
			continue
		}
		b.Total++
		s.Total++
		switch t.Status {
		case duban.StatusVerified:
			b.Verified++
			s.Verified++
		case duban.StatusReported:
			b.Reported++
			s.Reported++
		}
		switch t.Light(today, warn) {
		case duban.Red:
			w, ok := memo[t.Deadline]
			if !ok {
				w = cal.WorkdaysBetween(t.Deadline, today)
				memo[t.Deadline] = w
			}
			b.Overdue++
			s.Overdue++
			red[t.Unit] = append(red[t.Unit], Item{TaskID: t.ID, Title: t.Title, Deadline: t.Deadline,
				DaysOverdue: t.DaysOverdue(today), WorkdaysOverdue: w})
		case duban.Yellow:
			yellow[t.Unit] = append(yellow[t.Unit], Item{TaskID: t.ID, Title: t.Title, Deadline: t.Deadline})
		}
	}
	groupAt := map[string]int{}
	for _, u := range l.Units {
		s := byUnit[u.Code]
		i, ok := groupAt[u.Group]
		if !ok {
			i = len(b.Groups)
			groupAt[u.Group] = i
			b.Groups = append(b.Groups, Standing{Name: u.Group})
		}
		g := &b.Groups[i]
		g.Units++
		g.Total += s.Total
		g.Verified += s.Verified
		g.Reported += s.Reported
		g.Overdue += s.Overdue
		if s.Total > 0 && s.Verified == s.Total {
			g.Cleared++
			b.Cleared = append(b.Cleared, u)
		}
	}
	b.Red = lags(l.Units, unitAt, red, func(a, b Item) int {
		return cmp.Or(b.WorkdaysOverdue-a.WorkdaysOverdue, strings.Compare(a.TaskID, b.TaskID))
	})
	slices.SortStableFunc(b.Red, func(x, y Lag) int {
		return cmp.Or(y.Tasks[0].WorkdaysOverdue-x.Tasks[0].WorkdaysOverdue, len(y.Tasks)-len(x.Tasks))
	})
	b.Yellow = lags(l.Units, unitAt, yellow, func(a, b Item) int {
		return cmp.Or(int(a.Deadline-b.Deadline), strings.Compare(a.TaskID, b.TaskID))
	})
	slices.SortStableFunc(b.Yellow, func(x, y Lag) int { return int(x.Tasks[0].Deadline - y.Tasks[0].Deadline) })
	slices.SortStableFunc(ranking, func(x, y Standing) int {
		return cmp.Or(cmp.Compare(y.Rate(), x.Rate()), x.Overdue-y.Overdue, y.Reported-x.Reported, strings.Compare(x.Code, y.Code))
	})
	b.Ranking = ranking
	return b
}

func lags(units []duban.Unit, at map[string]int, m map[string][]Item, order func(a, b Item) int) []Lag {
	out := make([]Lag, 0, len(m))
	for code, items := range m {
		slices.SortFunc(items, order)
		out = append(out, Lag{Unit: units[at[code]], Tasks: items})
	}
	// Stable base order (ledger order) before the caller's sort: maps are not.
	slices.SortFunc(out, func(a, b Lag) int { return at[a.Unit.Code] - at[b.Unit.Code] })
	return out
}

// Render writes the bulletin as plain text titled 工作通报（第N期） (预览 while
// unnumbered), readable in any WeCom client. Long lists are written in
// full; the sender splits past 2048 bytes.
func Render(b Bulletin) string {
	var s strings.Builder
	if b.No > 0 {
		fmt.Fprintf(&s, "工作通报（%s）\n", b.Issue())
	} else {
		s.WriteString("工作通报（预览，未编号）\n")
	}
	fmt.Fprintf(&s, "截至 %s\n", b.At.Format("2006年1月2日 15:04"))
	if b.Framing != "" {
		s.WriteString("\n" + b.Framing + "\n")
	}
	fmt.Fprintf(&s, "\n一、总体进展\n%d 个单位共 %d 项任务，已销号 %d 项（%s），已报完成待销号 %d 项，逾期 %d 项；见底清零单位 %d 个。\n",
		b.Units, b.Total, b.Verified, percent(b.Verified, b.Total), b.Reported, b.Overdue, len(b.Cleared))

	s.WriteString("\n二、各督办组\n")
	for _, g := range b.Groups {
		fmt.Fprintf(&s, "%s：%d 个单位，销号 %d/%d（%s），待销号 %d，逾期 %d，见底清零 %d 个\n",
			g.Name, g.Units, g.Verified, g.Total, percent(g.Verified, g.Total), g.Reported, g.Overdue, g.Cleared)
	}

	s.WriteString("\n三、见底清零单位\n")
	if len(b.Cleared) == 0 {
		s.WriteString("暂无\n")
	} else {
		names := make([]string, len(b.Cleared))
		for i, u := range b.Cleared {
			names[i] = u.Name
		}
		s.WriteString(strings.Join(names, "、") + "\n")
	}

	fmt.Fprintf(&s, "\n四、红灯（逾期）单位 %d 个\n", len(b.Red))
	if len(b.Red) == 0 {
		s.WriteString("无\n")
	}
	for i, r := range b.Red {
		fmt.Fprintf(&s, "%d. %s（%s）逾期 %d 项：\n", i+1, r.Unit.Name, r.Unit.Group, len(r.Tasks))
		for _, t := range r.Tasks {
			fmt.Fprintf(&s, "   %s %s｜完成时限 %s｜逾期 %d 个工作日\n", t.TaskID, t.Title, t.Deadline, t.WorkdaysOverdue)
		}
	}

	fmt.Fprintf(&s, "\n五、黄灯（临近时限）单位 %d 个\n", len(b.Yellow))
	if len(b.Yellow) == 0 {
		s.WriteString("无\n")
	}
	for i, y := range b.Yellow {
		fmt.Fprintf(&s, "%d. %s（%s）%d 项：\n", i+1, y.Unit.Name, y.Unit.Group, len(y.Tasks))
		for _, t := range y.Tasks {
			fmt.Fprintf(&s, "   %s %s｜完成时限 %s\n", t.TaskID, t.Title, t.Deadline)
		}
	}

	s.WriteString("\n六、单位排名（按销号率）\n")
	for i, r := range b.Ranking {
		fmt.Fprintf(&s, "%d. %s %d/%d（%s）", i+1, r.Name, r.Verified, r.Total, percent(r.Verified, r.Total))
		if r.Overdue > 0 {
			fmt.Fprintf(&s, " 逾期 %d", r.Overdue)
		}
		s.WriteByte('\n')
	}
	if b.Calendar != "" {
		s.WriteString("\n" + b.Calendar + "\n")
	}
	return strings.TrimRight(s.String(), "\n")
}

func percent(n, total int) string {
	if total == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
}

// Framer writes a short framing paragraph for a bulletin (an LLM). It is
// given the rendered bulletin as facts and must not state numbers.
type Framer interface {
	Frame(ctx context.Context, facts string) (string, error)
}

// MaxFramingRunes bounds the framing paragraph.
const MaxFramingRunes = 300

// ErrFramingHasNumbers is returned when the framing states numbers: every
// figure of a bulletin must come from the ledger.
var ErrFramingHasNumbers = fmt.Errorf("framing paragraph contains numbers")

// Frame asks f for a framing paragraph and sets b.Framing when it is usable:
// no digits (ASCII or full-width), at most MaxFramingRunes. On any error the
// bulletin stays without framing and the error says why.
func Frame(ctx context.Context, f Framer, b *Bulletin) error {
	text, err := f.Frame(ctx, Render(*b))
	if err != nil {
		return fmt.Errorf("frame bulletin: %w", err)
	}
	text = strings.TrimSpace(text)
	if strings.ContainsFunc(text, unicode.IsDigit) {
		return ErrFramingHasNumbers
	}
	if r := []rune(text); len(r) > MaxFramingRunes {
		text = string(r[:MaxFramingRunes]) + "…"
	}
	b.Framing = text
	return nil
}

// BulletinRecipients returns who a published bulletin goes to: 编办 and
// every group leader, each once, sorted, then the group chat if the policy
// names one.
func BulletinRecipients(l duban.Ledger, p Policy) []string {
	var to []string
	for _, person := range l.People {
		for _, post := range person.Posts {
			if post.Role == duban.RoleAdmin || post.Role == duban.RoleLeader {
				to = appendUniq(to, person.UserID)
			}
		}
	}
	slices.Sort(to)
	if p.BulletinChatID != "" {
		to = append(to, duban.ChatRecipient(p.BulletinChatID))
	}
	return to
}
