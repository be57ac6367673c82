package web

// The pages and who may open them. Every page checks the viewer's posts
// against what it shows (a unit: its head, contact, group leader or 编办;
// a group: its leader or 编办; the city, bulletins and notices: 编办), and
// answers a page the viewer may not see exactly like one that does not exist.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/store"
)

// taskRow is a task as a list shows it.
type taskRow struct {
	duban.Task
	UnitName    string
	Light       duban.Light
	DaysOverdue int
}

// waitItem is something a unit's people are expected to do, or wait for.
type waitItem struct {
	Task taskRow
	What string
}

// pendingRow is a report waiting for 销号 or an extension request waiting
// for a decision, as a group's page lists them.
type pendingRow struct {
	Task taskRow
	Who  string
	At   time.Time
	Note string
}

func (s *Server) row(t duban.Task, unitName string, today duban.Date) taskRow {
	return taskRow{Task: t, UnitName: unitName, Light: t.Light(today, s.cfg.Policy.WarnDays), DaysOverdue: t.DaysOverdue(today)}
}

// names finds the people a page names (who reported, who was reminded)
// by userid as it needs them, each read once: never every person.
type names struct {
	ctx    context.Context
	st     *store.Store
	people map[string]*duban.Person // by canonical userid; nil: not known
}

func (s *Server) names(ctx context.Context) (names, error) {
	return names{ctx: ctx, st: s.cfg.Store, people: map[string]*duban.Person{}}, nil
}

// person is the person of userid, when known.
func (n names) person(userid string) (duban.Person, bool) {
	key := duban.CanonicalUserID(userid)
	p, seen := n.people[key]
	if !seen {
		if found, err := n.st.Person(n.ctx, userid); err == nil {
			p = &found
		}
		n.people[key] = p // an unknown userid (导入, a person since removed) is shown as it is
	}
	if p == nil {
		return duban.Person{}, false
	}
	return *p, true
}

// of is "赵杰" for a known userid, the userid itself otherwise.
func (n names) of(userid string) string {
	if p, ok := n.person(userid); ok && p.Name != "" {
		return p.Name
	}
	switch userid {
	case "import":
		return "导入"
	case "scheduler":
		return "定时任务"
	}
	return userid
}

// withRoles is "赵杰（联络员）", as a card names a person.
func (n names) withRoles(userid string, u duban.Unit) string {
	p, ok := n.person(userid)
	if !ok {
		return n.of(userid)
	}
	var roles []string
	for _, r := range p.RolesFor(u) {
		roles = append(roles, string(r))
	}
	if len(roles) == 0 {
		return n.of(userid)
	}
	return n.of(userid) + "（" + strings.Join(roles, "、") + "）"
}

func canSeeGroup(p duban.Person, group string) bool {
	return p.IsAdmin() || p.Has(duban.RoleLeader, group)
}

// home lists the pages the viewer may open; with only one, it opens it.
func (s *Server) home(w http.ResponseWriter, r *http.Request, viewer duban.Person, sess session) {
	var links []link
	if viewer.IsAdmin() {
		links = append(links, link{"全市总览", s.cfg.Prefix + "/city"})
	}
	for _, g := range viewer.Groups() {
		links = append(links, link{g + "（督办组组长）", s.cfg.Prefix + "/group?name=" + urlQuery(g)})
	}
	for _, code := range viewer.Units() {
		u, err := s.cfg.Store.Unit(r.Context(), code)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			s.internal(w, "home unit", err)
			return
		}
		roles := viewer.RolesFor(u)
		words := make([]string, 0, len(roles))
		for _, role := range roles {
			if role == duban.RoleHead || role == duban.RoleContact {
				words = append(words, string(role))
			}
		}
		links = append(links, link{u.Name + "（" + strings.Join(words, "、") + "）", s.cfg.Prefix + "/unit?code=" + urlQuery(u.Code)})
	}
	if len(links) == 1 {
		http.Redirect(w, r, links[0].Href, http.StatusFound)
		return
	}
	s.render(w, http.StatusOK, "home", view{Title: "督办台账", Viewer: viewer, Data: links})
}

// unitData is a unit's page.
type unitData struct {
	Unit     duban.Unit
	Standing remind.Standing
	Tasks    []taskRow // a page of them
	TaskPage pager
	Waiting  []waitItem
	// Reporter is whether the viewer is the unit's head or contact (the
	// 待办 list speaks to them).
	Reporter bool
	Chart    template.HTML
	// The unit's latest changes and reminder notices (留痕), newest first.
	History []histRow
	Notices []noticeRow
}

// unitTrail is how many of a unit's latest changes and notices its page shows.
const unitTrail = 20

func (s *Server) unitPage(w http.ResponseWriter, r *http.Request, viewer duban.Person, sess session) {
	ctx := r.Context()
	u, err := s.cfg.Store.Unit(ctx, r.URL.Query().Get("code"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !viewer.CanSee(u)) {
		s.notFound(w)
		return
	}
	if err != nil {
		s.internal(w, "unit", err)
		return
	}
	tasks, err := s.cfg.Store.Tasks(ctx, store.TaskFilter{Unit: u.Code})
	if err != nil {
		s.internal(w, "unit tasks", err)
		return
	}
	today := duban.DateOf(s.now())
	d := unitData{Unit: u, Reporter: viewer.Has(duban.RoleHead, u.Code) || viewer.Has(duban.RoleContact, u.Code),
		Standing: remind.Standing{Name: u.Name, Code: u.Code, Group: u.Group}}
	for _, t := range tasks {
		row := s.row(t, u.Name, today)
		d.Tasks = append(d.Tasks, row)
		d.Standing.Total++
		switch t.Status {
		case duban.StatusVerified:
			d.Standing.Verified++
		case duban.StatusReported:
			d.Standing.Reported++
		}
		if row.Light == duban.Red {
			d.Standing.Overdue++
		}
		d.Waiting = append(d.Waiting, waiting(row, today)...)
	}
	d.Tasks, d.TaskPage = pageOf(r, "tasks", "tasks", d.Tasks)
	slices.SortStableFunc(d.Waiting, func(a, b waitItem) int {
		return cmp.Or(a.Task.Light.Rank()-b.Task.Light.Rank(), int(a.Task.Deadline-b.Task.Deadline))
	})
	d.Chart = dueChart("今后八周每周到期任务数", tasks, today)
	if err := s.unitTrail(ctx, &d, tasks); err != nil {
		s.internal(w, "unit trail", err)
		return
	}
	s.render(w, http.StatusOK, "unit", view{Title: u.Name, Viewer: viewer, Data: d, Nav: s.nav(viewer, u.Group)})
}

// unitTrail fills the unit's latest changes and notices.
func (s *Server) unitTrail(ctx context.Context, d *unitData, tasks []duban.Task) error {
	n, err := s.names(ctx)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		hist, err := s.cfg.Store.History(ctx, t.ID)
		if err != nil {
			return err
		}
		for _, c := range hist {
			d.History = append(d.History, histRow{TaskID: t.ID, At: c.At, Who: n.of(c.By), What: c.Describe()})
		}
		notices, err := s.cfg.Store.NoticesOf(ctx, t.ID)
		if err != nil {
			return err
		}
		for _, rec := range notices {
			d.Notices = append(d.Notices, noticeOf(rec, n))
		}
	}
	slices.SortStableFunc(d.History, func(a, b histRow) int { return b.At.Compare(a.At) })
	slices.SortStableFunc(d.Notices, func(a, b noticeRow) int { return b.Queued.Compare(a.Queued) })
	d.History = d.History[:min(len(d.History), unitTrail)]
	d.Notices = d.Notices[:min(len(d.Notices), unitTrail)]
	return nil
}

// noticeOf is a notice as the pages list it.
func noticeOf(rec store.NoticeRecord, n names) noticeRow {
	row := noticeRow{TaskID: rec.TaskID, Queued: rec.Queued, Who: n.of(rec.To) + "（" + string(rec.Role) + "）",
		Stage: stageName(rec.Stage), Acked: rec.AckedAt, Delivery: "待发送"}
	if rec.Delivery != nil {
		row.Delivery = deliveryName(*rec.Delivery)
	}
	return row
}

// waiting says what a task expects from its unit, or what the unit waits for.
func waiting(t taskRow, today duban.Date) []waitItem {
	var out []waitItem
	switch {
	case t.Light == duban.Red:
		out = append(out, waitItem{t, fmt.Sprintf("已逾期 %d 天：请报送进展、报完成或申请延期", t.DaysOverdue)})
	case t.Light == duban.Yellow:
		out = append(out, waitItem{t, fmt.Sprintf("%d 天后到期：请按时完成并报送", int(t.Deadline-today))})
	case t.Status == duban.StatusReported:
		out = append(out, waitItem{t, "已报完成，等待督办组对账销号"})
	}
	if t.Extension != nil {
		out = append(out, waitItem{t, "延期申请（延至 " + t.Extension.Deadline.String() + "）等待督办组审批"})
	}
	return out
}

// nav links back to the pages above a unit's for those who may see them.
func (s *Server) nav(viewer duban.Person, group string) []link {
	var out []link
	if viewer.IsAdmin() {
		out = append(out, link{"全市总览", s.cfg.Prefix + "/city"})
	}
	if group != "" && canSeeGroup(viewer, group) {
		out = append(out, link{group, s.cfg.Prefix + "/group?name=" + urlQuery(group)})
	}
	return out
}

// taskData is a task's page.
type taskData struct {
	Row       taskRow
	Unit      duban.Unit
	History   []histRow
	Notices   []noticeRow
	Report    *decision // the report waiting for 销号
	Extension *decision // the extension request waiting for a decision
	Nonce     string
	ReadOnly  bool // the pages cannot act (local preview)
	Evidence  []evidenceRow
	CanUpload bool // the viewer reports for the unit (evidence.go)
}

type histRow struct {
	TaskID string
	At     time.Time
	Who    string
	What   string
}

type noticeRow struct {
	TaskID   string
	Queued   time.Time
	Who      string
	Stage    string
	Delivery string
	Acked    time.Time
}

// decision is a report or an extension request awaiting a decision, and
// whether the viewer may decide it here.
type decision struct {
	Ref      string
	Who      string
	At       time.Time
	Note     string
	From, To duban.Date // extension requests
	// Supervise: the viewer decides on this unit; Why, when set, says why
	// the viewer may not decide this one (their own request).
	Supervise bool
	Why       string
}

func (s *Server) taskPage(w http.ResponseWriter, r *http.Request, viewer duban.Person, sess session) {
	s.showTask(w, r, viewer, sess, r.URL.Query().Get("id"), http.StatusOK, nil)
}

// showTask renders task id's page with flash (what a decision did).
func (s *Server) showTask(w http.ResponseWriter, r *http.Request, viewer duban.Person, sess session, id string, status int, flash []string) {
	ctx := r.Context()
	t, u, ok := s.visibleTask(w, r, viewer, id)
	if !ok {
		return
	}
	n, err := s.names(ctx)
	if err != nil {
		s.internal(w, "people", err)
		return
	}
	hist, err := s.cfg.Store.History(ctx, t.ID)
	if err != nil {
		s.internal(w, "history", err)
		return
	}
	notices, err := s.cfg.Store.NoticesOf(ctx, t.ID)
	if err != nil {
		s.internal(w, "notices", err)
		return
	}
	today := duban.DateOf(s.now())
	d := taskData{Row: s.row(t, u.Name, today), Unit: u, Nonce: randomToken(), ReadOnly: !s.cfg.Decisions}
	for i := len(hist) - 1; i >= 0; i-- {
		c := hist[i]
		d.History = append(d.History, histRow{At: c.At, Who: n.of(c.By), What: c.Describe()})
	}
	for i := len(notices) - 1; i >= 0; i-- {
		d.Notices = append(d.Notices, noticeOf(notices[i], n))
	}
	if d.Evidence, err = s.evidenceOf(r, t, u, n); err != nil {
		s.internal(w, "evidence", err)
		return
	}
	d.CanUpload = mayUpload(viewer, u) && t.Status != duban.StatusVerified
	if t.Status == duban.StatusReported {
		d.Report = &decision{Ref: t.ReportRef, Who: n.withRoles(t.ReportedBy, u), At: t.ReportedAt, Note: t.Progress}
		s.decidable(d.Report, t, u, viewer, duban.ActVerify)
	}
	if t.Extension != nil {
		e := t.Extension
		d.Extension = &decision{Ref: e.Ref, Who: n.withRoles(e.By, u), At: e.At, Note: e.Reason, From: t.Deadline, To: e.Deadline}
		s.decidable(d.Extension, t, u, viewer, duban.ActApprove)
	}
	s.render(w, status, "task", view{Title: t.ID + " " + t.Title, Viewer: viewer, CSRF: sess.CSRF, Flash: flash, Data: d,
		Nav: append(s.nav(viewer, u.Group), link{u.Name, s.cfg.Prefix + "/unit?code=" + urlQuery(u.Code)})})
}

// decidable fills whether viewer may decide d, as the domain would say.
func (s *Server) decidable(d *decision, t duban.Task, u duban.Unit, viewer duban.Person, a duban.Action) {
	d.Supervise = viewer.CanSupervise(u)
	if !d.Supervise {
		return
	}
	if err := duban.Allowed(t, u, duban.Request{Action: a, By: viewer, Ref: d.Ref, At: s.now()}); err != nil {
		d.Why = duban.ErrorMessage(err)
	}
}

// visibleTask reads task id and its unit when viewer may see them;
// otherwise it answers not found.
func (s *Server) visibleTask(w http.ResponseWriter, r *http.Request, viewer duban.Person, id string) (duban.Task, duban.Unit, bool) {
	ctx := r.Context()
	t, err := s.cfg.Store.Task(ctx, id)
	if errors.Is(err, store.ErrNotFound) || strings.TrimSpace(id) == "" {
		s.notFound(w)
		return t, duban.Unit{}, false
	}
	if err != nil {
		s.internal(w, "task", err)
		return t, duban.Unit{}, false
	}
	u, err := s.cfg.Store.Unit(ctx, t.Unit)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !viewer.CanSee(u)) {
		s.notFound(w)
		return t, u, false
	}
	if err != nil {
		s.internal(w, "task unit", err)
		return t, u, false
	}
	return t, u, true
}

func stageName(stage string) string {
	switch {
	case stage == string(remind.StageDue):
		return "到期提醒"
	case stage == string(remind.StageEscalate):
		return "逾期报督办组"
	case stage == string(remind.StageLetter):
		return "专函督办（拟稿）"
	case strings.HasPrefix(stage, string(remind.StageVerify)):
		return "催办销号"
	case strings.HasPrefix(stage, "before-"):
		return "到期前 " + strings.TrimPrefix(stage, "before-") + " 天提醒"
	case strings.HasPrefix(stage, "overdue-"):
		return "逾期 " + strings.TrimPrefix(stage, "overdue-") + " 个工作日催办"
	}
	return stage
}

func deliveryName(d store.Delivery) string {
	switch d.Status {
	case store.DeliveryDelivered:
		return "已送达"
	case store.DeliveryConsole:
		return "控制台显示"
	case store.DeliveryFailed:
		if d.Error != "" {
			return "发送失败：" + d.Error
		}
		return "发送失败"
	}
	return d.Status
}

// standings is the bulletin's arithmetic at now over the units of group
// ("" for every unit) and their tasks: the group's tasks alone are read.
func (s *Server) standings(ctx context.Context, group string) (duban.Ledger, remind.Bulletin, error) {
	var l duban.Ledger
	units, err := s.cfg.Store.Units(ctx)
	if err != nil {
		return l, remind.Bulletin{}, err
	}
	for _, u := range units {
		if group == "" || u.Group == group {
			l.Units = append(l.Units, u)
		}
	}
	if l.Tasks, err = s.cfg.Store.Tasks(ctx, store.TaskFilter{Group: group}); err != nil {
		return l, remind.Bulletin{}, err
	}
	return l, remind.ComputeBulletin(l, s.cfg.Policy, s.cfg.Calendar, s.now()), nil
}

// groupData is a group's page; cityData the whole city's. Each list is
// one page of it, with its pager.
type groupData struct {
	Group      remind.Standing
	Units      []remind.Standing // ranked by standing
	Red        []remind.Lag
	Yellow     []remind.Lag
	Reports    []pendingRow
	Extensions []pendingRow
	Charts     []template.HTML

	UnitsPage, RedPage, YellowPage, ReportsPage, ExtensionsPage pager
}

// paged fills d's lists with the pages r asks for.
func (d *groupData) paged(r *http.Request, units []remind.Standing, red, yellow []remind.Lag, reports, extensions []pendingRow) {
	d.Units, d.UnitsPage = pageOf(r, "units", "units", units)
	d.Red, d.RedPage = pageOf(r, "red", "red", red)
	d.Yellow, d.YellowPage = pageOf(r, "yellow", "yellow", yellow)
	d.Reports, d.ReportsPage = pageOf(r, "reports", "reports", reports)
	d.Extensions, d.ExtensionsPage = pageOf(r, "extensions", "extensions", extensions)
}

// rankChart is the completion chart of the units on the ranking's page.
func rankChart(d groupData) template.HTML {
	title := "各单位完成率（已销号/任务数）"
	if d.UnitsPage.Pages > 1 {
		title = fmt.Sprintf("各单位完成率（排名第 %d–%d 名）", d.UnitsPage.From, d.UnitsPage.To)
	}
	return completionChart(title, d.Units)
}

func (s *Server) groupPage(w http.ResponseWriter, r *http.Request, viewer duban.Person, sess session) {
	ctx := r.Context()
	name := r.URL.Query().Get("name")
	if name == "" || !canSeeGroup(viewer, name) {
		s.notFound(w)
		return
	}
	l, b, err := s.standings(ctx, name)
	if err != nil {
		s.internal(w, "group", err)
		return
	}
	if len(b.Groups) != 1 {
		s.notFound(w)
		return
	}
	d := groupData{Group: b.Groups[0]}
	n, err := s.names(ctx)
	if err != nil {
		s.internal(w, "people", err)
		return
	}
	reports, extensions := s.pending(l, l.Tasks, n)
	d.paged(r, b.Ranking, b.Red, b.Yellow, reports, extensions)
	trend, err := s.overdueTrend(ctx, name, l.Tasks)
	if err != nil {
		s.internal(w, "trend", err)
		return
	}
	d.Charts = []template.HTML{rankChart(d), trend, dueChart("今后八周每周到期任务数", l.Tasks, b.Today)}
	s.render(w, http.StatusOK, "group", view{Title: name, Viewer: viewer, Data: d, Nav: s.nav(viewer, "")})
}

// pending lists the reports waiting for 销号 and the extension requests
// waiting for a decision among tasks, oldest first.
func (s *Server) pending(l duban.Ledger, tasks []duban.Task, n names) (reports, extensions []pendingRow) {
	units := map[string]duban.Unit{}
	for _, u := range l.Units {
		units[u.Code] = u
	}
	today := duban.DateOf(s.now())
	for _, t := range tasks {
		u := units[t.Unit]
		if t.Status == duban.StatusReported {
			reports = append(reports, pendingRow{Task: s.row(t, u.Name, today), Who: n.withRoles(t.ReportedBy, u), At: t.ReportedAt, Note: t.Progress})
		}
		if e := t.Extension; e != nil {
			extensions = append(extensions, pendingRow{Task: s.row(t, u.Name, today), Who: n.withRoles(e.By, u), At: e.At,
				Note: "延至 " + e.Deadline.String() + "：" + e.Reason})
		}
	}
	byAt := func(a, b pendingRow) int { return a.At.Compare(b.At) }
	slices.SortStableFunc(reports, byAt)
	slices.SortStableFunc(extensions, byAt)
	return reports, extensions
}

type cityData struct {
	Lists     groupData
	Total     remind.Standing
	Groups    []remind.Standing
	Cleared   int
	UnitChart template.HTML // the ranking's page: after the lists
}

func (s *Server) cityPage(w http.ResponseWriter, r *http.Request, viewer duban.Person, sess session) {
	ctx := r.Context()
	if !viewer.IsAdmin() {
		s.notFound(w)
		return
	}
	l, b, err := s.standings(ctx, "")
	if err != nil {
		s.internal(w, "city", err)
		return
	}
	n, err := s.names(ctx)
	if err != nil {
		s.internal(w, "people", err)
		return
	}
	d := cityData{Groups: b.Groups, Cleared: len(b.Cleared),
		Total: remind.Standing{Name: "全市", Total: b.Total, Verified: b.Verified, Reported: b.Reported, Overdue: b.Overdue, Units: b.Units}}
	reports, extensions := s.pending(l, l.Tasks, n)
	d.Lists.paged(r, b.Ranking, b.Red, b.Yellow, reports, extensions)
	trend, err := s.overdueTrend(ctx, "", l.Tasks)
	if err != nil {
		s.internal(w, "trend", err)
		return
	}
	d.Lists.Charts = []template.HTML{
		completionChart("各督办组完成率（已销号/任务数）", b.Groups),
		trend,
		dueChart("今后八周每周到期任务数", l.Tasks, b.Today),
	}
	d.UnitChart = rankChart(d.Lists)
	s.render(w, http.StatusOK, "city", view{Title: "全市总览", Viewer: viewer, Data: d})
}

func (s *Server) bulletinsPage(w http.ResponseWriter, r *http.Request, viewer duban.Person, sess session) {
	if !viewer.IsAdmin() {
		s.notFound(w)
		return
	}
	list, err := s.cfg.Store.Bulletins(r.Context())
	if err != nil {
		s.internal(w, "bulletins", err)
		return
	}
	slices.Reverse(list)
	s.render(w, http.StatusOK, "bulletins", view{Title: "工作通报", Viewer: viewer, Data: list, Nav: s.nav(viewer, "")})
}

func (s *Server) bulletinPage(w http.ResponseWriter, r *http.Request, viewer duban.Person, sess session) {
	no, err := strconv.Atoi(r.URL.Query().Get("no"))
	if !viewer.IsAdmin() || err != nil {
		s.notFound(w)
		return
	}
	rec, err := s.cfg.Store.BulletinByNo(r.Context(), no)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w)
		return
	}
	if err != nil {
		s.internal(w, "bulletin", err)
		return
	}
	s.render(w, http.StatusOK, "bulletin", view{Title: fmt.Sprintf("工作通报（第%d期）", rec.No), Viewer: viewer, Data: rec,
		Nav: append(s.nav(viewer, ""), link{"工作通报", s.cfg.Prefix + "/bulletins"})})
}

// noticeLimit bounds the notice ledger's page: the newest notices.
const noticeLimit = 500

func (s *Server) noticesPage(w http.ResponseWriter, r *http.Request, viewer duban.Person, sess session) {
	ctx := r.Context()
	if !viewer.IsAdmin() {
		s.notFound(w)
		return
	}
	recs, err := s.cfg.Store.Notices(ctx, noticeLimit)
	if err != nil {
		s.internal(w, "notices", err)
		return
	}
	n, err := s.names(ctx)
	if err != nil {
		s.internal(w, "people", err)
		return
	}
	rows := make([]noticeRow, len(recs))
	for i, rec := range recs {
		rows[i] = noticeOf(rec, n)
	}
	s.render(w, http.StatusOK, "notices", view{Title: "提醒台账", Viewer: viewer, Data: rows, Nav: s.nav(viewer, "")})
}
