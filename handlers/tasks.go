package handlers

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/duban-org/duban"
)

// listTasks answers 任务 and its drill-downs: a unit's list for its
// people (paged when long), a summary for a group's leader and for 编办, and
// the lists behind it (任务 红, 任务 待销号, 任务 江城组 黄 第2页). c.Task (a
// unit's code, name or a unique word of one; a group) narrows it.
func (h *Handler) listTasks(ctx context.Context, t *turn, c Command) error {
	p := t.person
	if c.Task != "" {
		sc, done, err := h.namedScope(ctx, t, c.Task)
		if done || err != nil {
			return err
		}
		return h.list(ctx, t, sc, c)
	}
	groups, codes := p.Groups(), p.Units()
	switch {
	case p.IsAdmin():
		return h.list(ctx, t, listScope{all: true}, c)
	case c.List != "" || c.Page != 0:
		// A drill-down of the sender's own: their groups when they lead one.
		switch {
		case len(groups) > 0:
			return h.list(ctx, t, listScope{name: strings.Join(groups, "、"), groups: groups}, c)
		case len(codes) == 1:
			u, err := h.Store.Unit(ctx, codes[0])
			if err != nil {
				return err
			}
			return h.list(ctx, t, listScope{name: u.Name, unit: &u}, c)
		case len(codes) > 1:
			return h.list(ctx, t, listScope{name: "您负责的单位", codes: codes}, c)
		}
	}
	alone := len(codes)+len(groups) == 1
	for _, code := range codes {
		u, err := h.Store.Unit(ctx, code)
		if err != nil {
			return err
		}
		sc := listScope{name: u.Name, unit: &u}
		if !alone {
			sc.ref = u.Code
		}
		if err := h.list(ctx, t, sc, c); err != nil {
			return err
		}
	}
	for _, g := range groups {
		sc := listScope{name: g, groups: []string{g}}
		if len(groups) > 1 {
			sc.ref = g
		}
		if err := h.list(ctx, t, sc, c); err != nil {
			return err
		}
	}
	if len(codes) == 0 && len(groups) == 0 {
		t.reply("您目前没有负责的任务。")
	}
	return nil
}

// namedScope finds what 任务 X names: a unit, a group (its leader's or
// 编办's), or a task (whose record it shows: done is true).
func (h *Handler) namedScope(ctx context.Context, t *turn, ref string) (sc listScope, done bool, err error) {
	p := t.person
	if u, err := h.Store.Unit(ctx, ref); err == nil { // a code as stored: no need to read every unit
		return h.unitScope(p, u)
	}
	units, err := h.Store.Units(ctx)
	if err != nil {
		return sc, false, err
	}
	u, err := duban.FindUnit(units, ref)
	if duban.ErrorCode(err) == duban.ENOTFOUND && (p.IsAdmin() || len(p.Groups()) > 0) {
		// 任务 第一督办组: a group its leader (or 编办) may list.
		if g, gerr := duban.FindGroup(duban.Ledger{Units: units}.Groups(), ref); gerr == nil {
			if !p.IsAdmin() && !slices.Contains(p.Groups(), g) {
				return sc, false, duban.Errorf(duban.EFORBIDDEN, "您无权查看%s的任务，只能查看%s的。", g, strings.Join(p.Groups(), "、"))
			}
			return listScope{name: g, ref: g, groups: []string{g}}, false, nil
		}
	}
	if duban.ErrorCode(err) == duban.ENOTFOUND {
		if isTaskID(ref) {
			if _, terr := h.resolve(ctx, p, ref); terr == nil {
				return sc, true, h.record(ctx, t, ref) // 任务 T003: that task
			}
		}
		if task, terr := h.Store.Task(ctx, ref); terr == nil {
			return sc, true, h.record(ctx, t, task.ID) // 任务 教育-3
		}
		// 任务三, a Chinese task id read as 任务 of 三.
		_, s := stripGreeting(normalise(t.in.Text))
		if own, ok := h.parseOwnIDs(ctx, t, s); ok && own.Task != ref {
			return sc, true, h.command(ctx, t, own)
		}
	}
	if duban.ErrorCode(err) == duban.ENOTFOUND && (p.IsAdmin() || len(p.Groups()) > 0) {
		return sc, false, duban.Errorf(duban.ENOTFOUND, "%s列表可发送「任务 红」「任务 黄」「任务 逾期」「任务 待销号」「任务 单位」。", duban.ErrorMessage(err))
	}
	if err != nil {
		return sc, false, err
	}
	return h.unitScope(p, u)
}

// unitScope is unit u's listing, when p may see it.
func (h *Handler) unitScope(p duban.Person, u duban.Unit) (listScope, bool, error) {
	if !p.CanSee(u) {
		return listScope{}, false, duban.Errorf(duban.EFORBIDDEN, "您无权查看%s的任务。%s", u.Name, h.ownHint(p))
	}
	return listScope{name: u.Name, ref: u.Code, unit: &u}, false, nil
}

// ownHint says what the sender may list instead.
func (h *Handler) ownHint(p duban.Person) string {
	if gs := p.Groups(); len(gs) > 0 {
		return "您可以查看" + strings.Join(gs, "、") + "的单位，发送「任务」看汇总。"
	}
	return "发送「任务」查看本单位的任务清单。"
}

// list shows list c.List of scope sc at page c.Page.
func (h *Handler) list(ctx context.Context, t *turn, sc listScope, c Command) error {
	s, err := h.load(ctx, t, sc)
	if err != nil {
		return err
	}
	if sc.ofUnits() && c.List == "" && c.Page == 0 {
		return h.summary(ctx, t, sc, s)
	}
	page := c.Page // from 1, or PageLast
	if page == 0 {
		page = 1
	}
	q := func(k ListKind) string { return listQuery(sc.ref, k) }
	if !sc.ofUnits() {
		switch c.List {
		case ListRed, ListOverdue:
			return h.show(ctx, t, h.taskList(t, sc, s, s.overdueTasks, "逾期任务（逾期最久在前）", q(ListRed), h.overdueWhat), page)
		case ListYellow, ListDueSoon:
			return h.show(ctx, t, h.taskList(t, sc, s, s.soonTasks, "临期任务（最先到期在前）", q(ListYellow), h.soonWhat), page)
		case ListWaiting:
			return h.show(ctx, t, h.taskList(t, sc, s, s.waiting, "待销号和延期待批（等得最久在前）", q(ListWaiting), waitWhat), page)
		}
		if sc.unit == nil {
			return h.show(ctx, t, h.taskList(t, sc, s, s.tasks, "任务清单", q(""), h.stateWhat), page)
		}
		return h.show(ctx, t, h.unitList(t, sc, s), page)
	}
	switch c.List {
	case "":
		return h.show(ctx, t, h.unitsList(t, sc, s, "", "全部单位（红灯、黄灯在前）", q("")), page)
	case ListRed:
		return h.show(ctx, t, h.unitsList(t, sc, s, duban.Red, "红灯单位（逾期最久在前）", q(ListRed)), page)
	case ListYellow:
		return h.show(ctx, t, h.unitsList(t, sc, s, duban.Yellow, "黄灯单位（最先到期在前）", q(ListYellow)), page)
	case ListGreen:
		return h.show(ctx, t, h.unitsList(t, sc, s, duban.Green, "绿灯单位（没有逾期和临期任务）", q(ListGreen)), page)
	case ListUnits:
		return h.show(ctx, t, h.unitsList(t, sc, s, "", "全部单位（红灯、黄灯在前）", q(ListUnits)), page)
	case ListOverdue:
		return h.show(ctx, t, h.taskList(t, sc, s, s.overdueTasks, "逾期任务（逾期最久在前）", q(ListOverdue), h.overdueWhat), page)
	case ListDueSoon:
		return h.show(ctx, t, h.taskList(t, sc, s, s.soonTasks, "临期任务（最先到期在前）", q(ListDueSoon), h.soonWhat), page)
	case ListWaiting:
		return h.show(ctx, t, h.taskList(t, sc, s, s.waiting, "待销号和延期待批（等得最久在前）", q(ListWaiting), waitWhat), page)
	}
	return h.show(ctx, t, h.taskList(t, sc, s, s.tasks, "全部任务（按时限）", q(ListAll), h.stateWhat), page)
}

// unitList is a unit's own task list, as its people have always seen it.
func (h *Handler) unitList(t *turn, sc listScope, s *standing) listing {
	u := *sc.unit
	count := fmt.Sprintf("共 %d 项，已销号 %d 项", s.total, s.verified)
	if s.verified == s.total && s.total > 0 {
		count += "，已见底清零"
	}
	l := listing{title: fmt.Sprintf("%s（%s）任务清单", u.Name, u.Group), count: count, query: listQuery(sc.ref, ""),
		n: s.tasks.n, perPage: tasksPerPage}
	l.empty = l.title + "：" + count
	l.page = func(ctx context.Context, from, to int) ([]item, error) {
		ts, err := s.tasks.page(ctx, from, to)
		items := make([]item, len(ts))
		for i, task := range ts {
			items[i] = item{task: task.ID, line: func(room int) string { return fmt.Sprintf("%d. %s", from+i+1, h.line(t, task, room)) }}
		}
		return items, err
	}
	if s.verified < s.total {
		l.foot = "报送：完成 编号 说明｜进展 编号 说明｜延期 编号 新时限 理由"
	}
	return l
}

// taskList lists tasks of sc, numbered, each with what says of it (a
// unit's own list says it all in its line).
func (h *Handler) taskList(t *turn, sc listScope, s *standing, ts taskPages, title, query string, what func(*turn, duban.Task) string) listing {
	noun, _, _ := strings.Cut(title, "（")
	l := listing{title: sc.titled(title), count: fmt.Sprintf("共 %d 项", ts.n), query: query,
		empty: sc.says("没有" + noun + "。"), n: ts.n, perPage: tasksPerPage}
	l.page = func(ctx context.Context, from, to int) ([]item, error) {
		page, err := ts.page(ctx, from, to)
		items := make([]item, len(page))
		for i, task := range page {
			k := from + i + 1
			items[i] = item{task: task.ID, line: func(room int) string {
				if sc.unit != nil {
					return fmt.Sprintf("%d. %s", k, h.line(t, task, room))
				}
				return fmt.Sprintf("%d. %s「%s」｜%s｜%s", k, task.ID, short(task.Title, within(16, room)), s.unitName(task.Unit, room), what(t, task))
			}}
		}
		return items, err
	}
	switch {
	case strings.HasPrefix(title, "待销号") && (t.person.IsAdmin() || len(t.person.Groups()) > 0):
		l.foot = "对账无误回复「销号 编号」，退回回复「驳回 编号 理由」；延期回复「同意延期 编号」或「不同意延期 编号 理由」。"
	case sc.unit == nil:
		l.foot = "发送「记录 任务编号」查看某项任务，「任务 单位名称或编码」查看某个单位。"
	}
	return l
}

func (h *Handler) overdueWhat(t *turn, task duban.Task) string { return h.overdue(task, t.today) }

func (h *Handler) soonWhat(t *turn, task duban.Task) string {
	if d := int(task.Deadline - t.today); d > 0 {
		return fmt.Sprintf("时限 %s（还有 %d 天）", task.Deadline, d)
	}
	return fmt.Sprintf("时限 %s（今天到期）", task.Deadline)
}

func (h *Handler) stateWhat(t *turn, task duban.Task) string {
	s := fmt.Sprintf("【%s】时限 %s｜%s", task.Light(t.today, h.WarnDays), task.Deadline, task.Status)
	if task.Overdue(t.today) {
		s += "｜" + h.overdue(task, t.today)
	}
	return s
}

// waitWhat says what a task waits for from its group, and since when.
func waitWhat(t *turn, task duban.Task) string {
	var parts []string
	if task.Status == duban.StatusReported {
		switch days := int(t.today - duban.DateOf(task.ReportedAt.In(t.now.Location()))); {
		case task.ReportedAt.IsZero():
			parts = append(parts, "已报完成，待销号")
		case days <= 0:
			parts = append(parts, "今天报完成，待销号")
		default:
			parts = append(parts, fmt.Sprintf("报完成已 %d 天，待销号", days))
		}
	}
	if task.Extension != nil {
		parts = append(parts, "申请延至 "+task.Extension.Deadline.String()+"，待审批")
	}
	return strings.Join(parts, "；")
}

// unitsList lists the units of sc of light l ("" for all) in standing order.
func (h *Handler) unitsList(t *turn, sc listScope, s *standing, l duban.Light, title, query string) listing {
	out := listing{title: sc.titled(title), count: fmt.Sprintf("共 %d 个单位", s.unitCount(l)), query: query,
		foot: "发送「任务 单位名称或编码」查看某个单位的任务。", n: s.unitCount(l), perPage: unitsPerPage}
	noun, _, _ := strings.Cut(title, "（")
	out.empty = sc.says("没有" + noun + "。")
	out.page = func(_ context.Context, from, to int) ([]item, error) {
		units := s.unitsOf(l, to)[from:]
		items := make([]item, len(units))
		for i, u := range units {
			items[i] = item{unit: u.unit.Code, line: func(room int) string { return fmt.Sprintf("%d. %s", from+i+1, h.unitLine(t, u, l == "", room)) }}
		}
		return items, nil
	}
	return out
}

// unitLine is one unit on a list: its standing in a few words, its name
// within room characters (0: as lists shorten it).
func (h *Handler) unitLine(t *turn, u *unitStanding, withLight bool, room int) string {
	name := fmt.Sprintf("%s（%s）", short(u.unit.Name, within(14, room)), u.unit.Code)
	if withLight {
		return fmt.Sprintf("【%s】%s：任务 %d，已销号 %d，待销号 %d，逾期 %d", u.light(), name, u.total, u.verified, u.reported, u.overdue)
	}
	switch u.light() {
	case duban.Red:
		longest := u.longestOverdue(t.today)
		return fmt.Sprintf("%s：逾期 %d 项，最久 %s %s", name, u.overdue, longest.ID, h.overdue(longest, t.today))
	case duban.Yellow:
		return fmt.Sprintf("%s：临期 %d 项，最早 %s 到期", name, u.soon, u.soonest)
	}
	return name
}

// summary is a group's or the city's 任务: counts, units by standing, what
// waits for the sender, the red list first, and how to drill down; one
// message whatever the size.
func (h *Handler) summary(ctx context.Context, t *turn, sc listScope, s *standing) error {
	if s.total == 0 {
		t.reply(sc.says(fmt.Sprintf("%d 个单位，暂无任务。", len(s.units))))
		return nil
	}
	cleared := 0
	for _, u := range s.units {
		if u.total > 0 && u.verified == u.total {
			cleared++
		}
	}
	head := fmt.Sprintf("%s：%d 个单位，共 %d 项任务；已销号 %d，待销号 %d，逾期 %d，临期 %d。\n单位：红灯 %d 个，黄灯 %d 个，绿灯 %d 个",
		sc.name, len(s.units), s.total, s.verified, s.reported, s.overdue, s.soon,
		s.lights[duban.Red], s.lights[duban.Yellow], s.lights[duban.Green])
	if sc.all {
		head = "全部 " + strings.TrimPrefix(head, "：")
	}
	if cleared > 0 {
		head += fmt.Sprintf("（见底清零 %d 个）", cleared)
	}
	head += "。"
	parts, err := s.summaryParts(ctx)
	if err != nil {
		return err
	}
	var secs []section
	if groups := parts.groups; len(groups) > 1 {
		sec := section{head: "各督办组（逾期多的在前）："}
		for _, g := range groups {
			sec.lines = append(sec.lines, fmt.Sprintf("%s：%d 个单位，已销号 %d/%d，待销号 %d，逾期 %d", g.name, g.units, g.verified, g.total, g.reported, g.overdue))
		}
		secs = append(secs, sec)
	}
	if s.waiting.n > 0 {
		var kinds []string
		if s.reported > 0 {
			kinds = append(kinds, fmt.Sprintf("待销号 %d", s.reported))
		}
		if s.extensions > 0 {
			kinds = append(kinds, fmt.Sprintf("延期待批 %d", s.extensions))
		}
		sec := section{head: fmt.Sprintf("待您处理 %d 项（%s），等得最久的：", s.waiting.n, strings.Join(kinds, "，"))}
		for _, task := range parts.waiting {
			sec.lines = append(sec.lines, fmt.Sprintf("· %s「%s」｜%s｜%s", task.ID, short(task.Title, 14), s.unitName(task.Unit, 0), waitWhat(t, task)))
		}
		secs = append(secs, sec)
	}
	next := ListRed
	var numbered []*unitStanding // the units the summary numbers
	switch red, yellow := s.lights[duban.Red], s.lights[duban.Yellow]; {
	case red > 0:
		sec := section{head: fmt.Sprintf("红灯单位 %d 个（逾期最久在前）：", red)}
		for i, u := range parts.red {
			sec.lines = append(sec.lines, fmt.Sprintf("%d. %s", i+1, h.unitLine(t, u, false, 0)))
		}
		secs, numbered = append(secs, sec), parts.red
	case yellow > 0:
		next = ListYellow
		sec := section{head: fmt.Sprintf("没有逾期任务。黄灯单位 %d 个（最先到期在前）：", yellow)}
		for i, u := range parts.yellow {
			sec.lines = append(sec.lines, fmt.Sprintf("%d. %s", i+1, h.unitLine(t, u, false, 0)))
		}
		secs, numbered = append(secs, sec), parts.yellow
	default:
		next = ListUnits
		secs = append(secs, section{head: "没有逾期和临期的任务。"})
	}
	nextQuery := listQuery(sc.ref, next)
	var more []string
	for _, d := range []struct {
		kind  ListKind
		label string
	}{{ListRed, "红灯单位"}, {ListOverdue, "逾期任务"}, {ListYellow, "黄灯单位"}, {ListWaiting, "待您处理的"}, {ListUnits, "全部单位"}} {
		m := "「" + listQuery(sc.ref, d.kind) + "」" + d.label
		if d.kind == next {
			m += "（回复「更多」接着看）"
		}
		more = append(more, m)
	}
	more = append(more, "「任务 单位名称或编码」某个单位")
	if sc.all || len(sc.groups) > 1 {
		more = append(more, "「任务 督办组名」某个组")
	}
	foot := "查看：" + strings.Join(more, "，") + "。"
	t.reply(fit(head, secs, foot, maxReplyBytes))
	// 更多 right after the summary continues the list it began; 第2个
	// names a unit it numbered.
	p := pageAt(nextQuery, 0, t)
	p.First = 1
	for _, u := range numbered {
		p.Units = append(p.Units, u.unit.Code)
	}
	return h.rememberList(ctx, t, p)
}

// groupStanding is a group's counts within a summary.
type groupStanding struct {
	name                                      string
	units, total, verified, reported, overdue int
}

// groups returns the standing of each group of the scope, most overdue
// first.
func (s *standing) groups() []groupStanding {
	var out []groupStanding
	at := map[string]int{}
	for _, u := range s.units {
		i, ok := at[u.unit.Group]
		if !ok {
			i = len(out)
			at[u.unit.Group] = i
			out = append(out, groupStanding{name: u.unit.Group})
		}
		g := &out[i]
		g.units++
		g.total += u.total
		g.verified += u.verified
		g.reported += u.reported
		g.overdue += u.overdue
	}
	slices.SortStableFunc(out, func(a, b groupStanding) int { return cmp.Compare(b.overdue, a.overdue) })
	return out
}

// section is a part of a summary: a heading and lines that may be cut.
type section struct {
	head  string
	lines []string
}

// fit joins head, sections and foot within budget bytes, dropping the
// last line of the longest section until it fits.
func fit(head string, secs []section, foot string, budget int) string {
	for i := range secs {
		for j, line := range secs[i].lines {
			secs[i].lines[j] = clip(line, 160)
		}
	}
	join := func() string {
		parts := []string{head}
		for _, s := range secs {
			parts = append(parts, s.head)
			parts = append(parts, s.lines...)
		}
		return strings.Join(append(parts, foot), "\n")
	}
	for out := join(); ; out = join() {
		longest := -1
		for i, s := range secs {
			if len(s.lines) > 0 && (longest < 0 || len(s.lines) >= len(secs[longest].lines)) {
				longest = i
			}
		}
		if len(out) <= budget || longest < 0 {
			return clip(out, budget)
		}
		secs[longest].lines = secs[longest].lines[:len(secs[longest].lines)-1]
	}
}

// line is a task in a unit's own list, its title within room characters
// (0: whole).
func (h *Handler) line(t *turn, task duban.Task, room int) string {
	light, title := task.Light(t.today, h.WarnDays), task.Title
	if room > 0 {
		title = short(title, room)
	}
	s := fmt.Sprintf("【%s】%s %s｜时限 %s｜%s", light, task.ID, title, task.Deadline, task.Status)
	if n := task.DaysOverdue(t.today); n > 0 {
		s += "｜" + h.overdue(task, t.today)
	}
	if task.Extension != nil {
		s += "｜延期待批（至 " + task.Extension.Deadline.String() + "）"
	}
	return s
}

// overdue says how long a task is overdue, one way everywhere: working
// days, with calendar days in brackets when they differ.
func (h *Handler) overdue(task duban.Task, today duban.Date) string {
	days := task.DaysOverdue(today)
	if h.WorkdaysBetween == nil {
		return fmt.Sprintf("逾期%d天", days)
	}
	if w := h.WorkdaysBetween(task.Deadline, today); w != days {
		return fmt.Sprintf("逾期%d个工作日（%d天）", w, days)
	}
	return fmt.Sprintf("逾期%d个工作日", days)
}
