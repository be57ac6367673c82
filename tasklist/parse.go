package tasklist

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/duban-org/duban"
	"github.com/xuri/excelize/v2"
)

// OfficeZone is the zone of the times written in a task list (最近更新, 历史
// 时间): China Standard Time, the office's wall clock.
var OfficeZone = time.FixedZone("CST", 8*3600)

// column is one column a sheet may carry, found by any of its header names.
type column struct {
	key      string
	names    []string // canonical Chinese header first, then English, then aliases
	required bool     // the sheet must have this column
}

var unitColumns = []column{
	{"code", []string{"单位编码", "code", "编码", "unit_code"}, true},
	{"name", []string{"单位名称", "name", "名称"}, true},
	{"group", []string{"督办组", "group", "督办组别"}, true},
}

var peopleColumns = []column{
	{"userid", []string{"账号", "userid", "帐号", "用户id", "企业微信账号"}, true},
	{"name", []string{"姓名", "name"}, true},
	{"role", []string{"角色", "role"}, true},
	{"scope", []string{"所属", "scope", "所属单位或督办组"}, true},
}

var taskColumns = []column{
	{"id", []string{"任务编号", "id", "编号"}, false},
	{"unit", []string{"单位编码", "unit", "单位"}, true},
	{"title", []string{"任务事项", "title", "事项"}, true},
	{"deadline", []string{"完成时限", "deadline", "时限"}, true},
	{"note", []string{"备注", "note"}, false},
	{"status", []string{"状态", "status"}, false},
	{"progress", []string{"进展", "progress"}, false},
	{"updated_at", []string{"最近更新", "updated_at", "更新时间"}, false},
	{"updated_by", []string{"更新人", "updated_by"}, false},
}

// headerScanRows is how far down a sheet the header row is looked for:
// office sheets often carry a title line or two above it.
const headerScanRows = 10

func normHeader(s string) string {
	s = strings.ToLower(duban.FoldWidth(s))
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '*' {
			return -1
		}
		return r
	}, s)
	return s
}

// sheetReader walks the data rows of one table and records problems.
type sheetReader struct {
	t       *table
	cols    map[string]int // column key → index in a row
	headers []string       // header row as written
	header  int            // index of the header row in t.rows
	ps      *Problems
}

// problem records a problem in the cell of row i (an index into t.rows)
// and column key, or in the whole row when key is "".
func (s *sheetReader) problem(i int, key, format string, args ...any) {
	p := Problem{File: s.t.file, Sheet: s.t.sheet, Row: s.t.rowNums[i], Msg: fmt.Sprintf(format, args...), order: int(s.t.kind)}
	if c, ok := s.cols[key]; ok {
		p.colN = c + 1
		p.Col, _ = excelize.ColumnNumberToName(c + 1)
		p.Field = s.headers[c]
	}
	*s.ps = append(*s.ps, p)
}

// cell returns the trimmed cell of row i in column key, "" when absent.
func (s *sheetReader) cell(i int, key string) string {
	c, ok := s.cols[key]
	if !ok || c >= len(s.t.rows[i]) {
		return ""
	}
	return strings.TrimSpace(s.t.rows[i][c])
}

// code returns a cell holding a code or an id: trimmed, full-width folded.
func (s *sheetReader) code(i int, key string) string {
	return strings.TrimSpace(duban.FoldWidth(s.cell(i, key)))
}

// dataRows returns the indexes of the non-blank rows below the header.
func (s *sheetReader) dataRows() []int {
	var idx []int
	for i := s.header + 1; i < len(s.t.rows); i++ {
		for _, c := range s.t.rows[i] {
			if strings.TrimSpace(c) != "" {
				idx = append(idx, i)
				break
			}
		}
	}
	return idx
}

// newSheetReader finds the header row of t: the first of its top rows that
// has every required column. It reports missing and repeated columns.
func newSheetReader(t *table, spec []column, ps *Problems) (*sheetReader, bool) {
	before := len(*ps)
	best, bestFound := -1, -1
	var bestCols map[string]int
	for i := 0; i < len(t.rows) && i < headerScanRows; i++ {
		cols, found, complete := matchHeader(t.rows[i], spec)
		if complete {
			best, bestCols = i, cols
			break
		}
		if found > bestFound {
			best, bestFound, bestCols = i, found, cols
		}
	}
	if best < 0 {
		*ps = append(*ps, Problem{File: t.file, Sheet: t.sheet, order: int(t.kind), Msg: "没有表头行（表为空）"})
		return nil, false
	}
	s := &sheetReader{t: t, cols: map[string]int{}, header: best, ps: ps}
	for _, c := range t.rows[best] {
		s.headers = append(s.headers, strings.TrimSpace(c))
	}
	for _, col := range spec {
		if _, ok := bestCols[col.key]; !ok && col.required {
			*ps = append(*ps, Problem{File: t.file, Sheet: t.sheet, Row: t.rowNums[best], order: int(t.kind),
				Msg: fmt.Sprintf("表头缺少列「%s」（英文表头为 %s）", col.names[0], col.names[1])})
		}
	}
	// A column named twice is ambiguous: which one holds the data?
	seen := map[string]int{}
	for c, h := range t.rows[best] {
		key := columnKey(h, spec)
		if key == "" {
			continue
		}
		if first, dup := seen[key]; dup {
			colName, _ := excelize.ColumnNumberToName(first + 1)
			p := Problem{File: t.file, Sheet: t.sheet, Row: t.rowNums[best], colN: c + 1, Field: strings.TrimSpace(h), order: int(t.kind),
				Msg: fmt.Sprintf("与 %s 列重复，只能保留一列", colName)}
			p.Col, _ = excelize.ColumnNumberToName(c + 1)
			*ps = append(*ps, p)
			continue
		}
		seen[key] = c
		s.cols[key] = c
	}
	return s, len(*ps) == before
}

func columnKey(header string, spec []column) string {
	h := normHeader(header)
	if h == "" {
		return ""
	}
	for _, col := range spec {
		for _, n := range col.names {
			if h == n {
				return col.key
			}
		}
	}
	return ""
}

func matchHeader(row []string, spec []column) (cols map[string]int, found int, complete bool) {
	cols = map[string]int{}
	for c, h := range row {
		if key := columnKey(h, spec); key != "" {
			if _, dup := cols[key]; !dup {
				cols[key] = c
			}
		}
	}
	complete = true
	for _, col := range spec {
		if _, ok := cols[col.key]; !ok && col.required {
			complete = false
		}
	}
	return cols, len(cols), complete
}

// parseLedger turns the loaded tables into a ledger, or Problems listing
// everything wrong with them.
func parseLedger(tables [numSheets]*table) (Ledger, Problems) {
	var ps Problems
	readers := [numSheets]*sheetReader{}
	specs := [numSheets][]column{sheetUnits: unitColumns, sheetPeople: peopleColumns, sheetTasks: taskColumns}
	for k := range sheetHistory {
		// Every sheet is checked even when another has no usable header,
		// so one run shows every problem.
		if tables[k] == nil {
			continue // reported by the loader
		}
		if r, ok := newSheetReader(tables[k], specs[k], &ps); ok {
			readers[k] = r
		}
	}
	var l Ledger
	units := newUnitIndex()
	if r := readers[sheetUnits]; r != nil {
		l.Units = r.units(units)
	}
	if readers[sheetUnits] == nil {
		units.unusable = true
	}
	if r := readers[sheetPeople]; r != nil {
		l.People = r.people(units)
	}
	if r := readers[sheetTasks]; r != nil {
		l.Tasks, l.StatusSet = r.tasks(units)
	}
	return l, ps
}

// unitIndex resolves the unit and group references of the other sheets.
// A unit whose own row has problems is still known by its code, so one
// mistake in the units sheet does not echo through every task of the unit.
type unitIndex struct {
	codes    map[string]bool
	byName   map[string]string // unit name → code
	groups   map[string]bool
	order    []string // group names in order of first appearance
	unusable bool     // the units sheet could not be read: do not report unknown references
}

func newUnitIndex() *unitIndex {
	return &unitIndex{codes: map[string]bool{}, byName: map[string]string{}, groups: map[string]bool{}}
}

// resolve returns the code of a unit given by code or by its exact name.
func (u *unitIndex) resolve(s string) (string, bool) {
	if u.codes[s] {
		return s, true
	}
	code, ok := u.byName[s]
	return code, ok || u.unusable
}

func (u *unitIndex) groupList() string { return strings.Join(u.order, "、") }

func validCode(s string) string {
	switch {
	case utf8.RuneCountInString(s) > 32:
		return "过长（最多 32 个字符）"
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return "不能含有空格"
	}
	return ""
}

func (s *sheetReader) units(idx *unitIndex) []duban.Unit {
	var units []duban.Unit
	codeRow := map[string]int{}
	nameRow := map[string]int{}
	for _, i := range s.dataRows() {
		before := len(*s.ps)
		code, name, group := s.code(i, "code"), s.cell(i, "name"), s.cell(i, "group")
		switch {
		case code == "":
			s.problem(i, "code", "单位编码不能为空")
		case validCode(code) != "":
			s.problem(i, "code", "单位编码 %q %s", code, validCode(code))
		default:
			if first, dup := codeRow[code]; dup {
				s.problem(i, "code", "重复的单位编码 %s（已在第%d行）", code, first)
			} else {
				codeRow[code] = s.t.rowNums[i]
				idx.codes[code] = true
			}
		}
		if name == "" {
			s.problem(i, "name", "单位名称不能为空")
		} else if first, dup := nameRow[name]; dup {
			s.problem(i, "name", "重复的单位名称「%s」（已在第%d行）", name, first)
		} else {
			nameRow[name] = s.t.rowNums[i]
			if code != "" {
				idx.byName[name] = code
			}
		}
		if group == "" {
			s.problem(i, "group", "督办组不能为空")
		} else if !idx.groups[group] {
			idx.groups[group] = true
			idx.order = append(idx.order, group)
		}
		if len(*s.ps) == before {
			units = append(units, duban.Unit{Code: code, Name: name, Group: group})
		}
	}
	return units
}

// validUserID checks a WeCom userid: 1–64 bytes of letters, digits and _-@.
func validUserID(id string) string {
	if len(id) > 64 {
		return "过长（最多 64 个字符）"
	}
	for _, r := range id {
		if !(r < utf8.RuneSelf && (r == '_' || r == '-' || r == '@' || r == '.' ||
			'0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')) {
			return "只能由字母、数字和 _ - @ . 组成（企业微信账号）"
		}
	}
	return ""
}

func (s *sheetReader) people(idx *unitIndex) []duban.Person {
	var people []duban.Person
	type seenPerson struct {
		at   int // index in people, -1 until a row of this person is valid
		name string
		row  int
	}
	seen := map[string]*seenPerson{} // by lower-case userid: WeCom userids ignore case
	for _, i := range s.dataRows() {
		before := len(*s.ps)
		userid, name := s.code(i, "userid"), s.cell(i, "name")
		roleText, scope := s.code(i, "role"), s.cell(i, "scope")
		if userid == "" {
			s.problem(i, "userid", "账号不能为空")
		} else if msg := validUserID(userid); msg != "" {
			s.problem(i, "userid", "账号 %q %s", userid, msg)
		}
		if name == "" {
			s.problem(i, "name", "姓名不能为空")
		}
		var sp *seenPerson
		if userid != "" && name != "" {
			key := strings.ToLower(userid)
			sp = seen[key]
			if sp == nil {
				sp = &seenPerson{at: -1, name: name, row: s.t.rowNums[i]}
				seen[key] = sp
			} else if sp.name != name {
				s.problem(i, "name", "账号 %s 已在第%d行登记为「%s」，姓名不一致", userid, sp.row, sp.name)
			}
		}
		role, ok := duban.ParseRole(roleText)
		if !ok {
			if roleText == "" {
				s.problem(i, "role", "角色不能为空（应为 一把手、联络员、督办组长 或 编办）")
			} else {
				s.problem(i, "role", "无法识别的角色 %q（应为 一把手、联络员、督办组长 或 编办）", roleText)
			}
		}
		post := duban.Post{Role: role}
		switch role {
		case duban.RoleHead, duban.RoleContact:
			code, known := idx.resolve(duban.FoldWidth(scope))
			switch {
			case scope == "":
				s.problem(i, "scope", "%s须填写所属单位的单位编码", role)
			case !known:
				s.problem(i, "scope", "未知的单位编码 %q（单位表中没有）", scope)
			}
			post.Scope = code
		case duban.RoleLeader:
			switch {
			case scope == "":
				s.problem(i, "scope", "督办组长须填写所属督办组")
			case !idx.groups[scope] && !idx.unusable:
				s.problem(i, "scope", "未知的督办组 %q（单位表中的督办组为：%s）", scope, idx.groupList())
			}
			post.Scope = scope
		}
		if len(*s.ps) > before || sp == nil {
			continue
		}
		if sp.at < 0 {
			sp.at = len(people)
			people = append(people, duban.Person{UserID: userid, Name: name})
		}
		p := &people[sp.at]
		if !p.Has(post.Role, post.Scope) {
			p.Posts = append(p.Posts, post)
		}
	}
	return people
}

var statusList = "未启动、推进中、已报完成、已销号"

func (s *sheetReader) tasks(idx *unitIndex) ([]duban.Task, map[string]bool) {
	var tasks []duban.Task
	statusSet := map[string]bool{}
	type seenID struct {
		row       int
		generated bool
	}
	seen := map[string]seenID{} // by upper-case id: people type ids back in any case
	for _, i := range s.dataRows() {
		before := len(*s.ps)
		id, unitText, title := s.code(i, "id"), s.cell(i, "unit"), s.cell(i, "title")
		unit, known := idx.resolve(duban.FoldWidth(unitText))
		switch {
		case unitText == "":
			s.problem(i, "unit", "单位编码不能为空")
		case !known:
			s.problem(i, "unit", "未知的单位编码 %q（单位表中没有）", unitText)
		}
		if title == "" {
			s.problem(i, "title", "任务事项不能为空")
		}
		var deadline duban.Date
		if text := s.cell(i, "deadline"); text == "" {
			s.problem(i, "deadline", "完成时限不能为空")
		} else if d, err := s.t.parseDate(text); err != nil {
			s.problem(i, "deadline", "%s", duban.ErrorMessage(err))
		} else {
			deadline = d
		}
		generated := false
		if id == "" && unit != "" && title != "" {
			id, generated = GenerateID(unit, title), true
		}
		if msg := validCode(id); id != "" && msg != "" {
			s.problem(i, "id", "任务编号 %q %s", id, msg)
		} else if id != "" {
			key := strings.ToUpper(id)
			if first, dup := seen[key]; dup {
				switch {
				case generated && first.generated:
					s.problem(i, "title", "与第%d行是同一单位的同一任务事项（重复）", first.row)
				case generated:
					s.problem(i, "title", "自动生成的任务编号 %s 与第%d行的任务编号相同，请填写任务编号", id, first.row)
				default:
					s.problem(i, "id", "重复的任务编号 %s（已在第%d行）", id, first.row)
				}
			} else {
				seen[key] = seenID{row: s.t.rowNums[i], generated: generated}
			}
		}
		status, stated := duban.StatusNotStarted, false
		if text := s.code(i, "status"); text != "" {
			if st, ok := duban.ParseStatus(text); ok {
				status, stated = st, true
			} else {
				s.problem(i, "status", "无法识别的状态 %q（应为 %s）", text, statusList)
			}
		}
		var updatedAt time.Time
		if text := s.cell(i, "updated_at"); text != "" {
			if at, err := s.t.parseTime(text); err != nil {
				s.problem(i, "updated_at", "无法识别的时间 %q（应为 2026-11-26 15:04）", text)
			} else {
				updatedAt = at
			}
		}
		if len(*s.ps) > before {
			continue
		}
		// The store keeps ids as CanonicalID does (t/2 is T/2): read them
		// so, or a dry run would show a re-imported t/2 as new.
		id = duban.CanonicalID(id)
		tasks = append(tasks, duban.Task{
			ID: id, Unit: unit, Title: title, Deadline: deadline, Note: s.cell(i, "note"),
			Status: status, Progress: s.cell(i, "progress"),
			UpdatedAt: updatedAt, UpdatedBy: s.code(i, "updated_by"),
		})
		if stated {
			statusSet[id] = true
		}
	}
	return tasks, statusSet
}

// parseDate reads a deadline cell: a date as offices write it, or, in a
// workbook, a date cell's serial number.
func (t *table) parseDate(s string) (duban.Date, error) {
	if t.xlsx {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			at, ok := serialTime(f, t.date1904)
			if !ok {
				return duban.NoDate, duban.Errorf(duban.EINVALID, "无法识别的日期（单元格数值 %s 不是 2000 年以后的日期）", s)
			}
			return duban.NewDate(at.Year(), at.Month(), at.Day()), nil
		}
	}
	if len(s) > 10 && s[10] == 'T' { // an ISO date-time cell
		s = s[:10]
	}
	return duban.ParseDate(s)
}

// serialTime converts an Excel serial day number to its wall-clock time.
func serialTime(f float64, date1904 bool) (time.Time, bool) {
	if f != f || f < 1 || f > 2958465 { // NaN, or outside 1900-01-01 … 9999-12-31
		return time.Time{}, false
	}
	at, err := excelize.ExcelDateToTime(f, date1904)
	if err != nil || at.Year() < 2000 || at.Year() > 2999 {
		return time.Time{}, false
	}
	return at, true
}

var timeLayouts = []string{
	"2006-01-02 15:04:05", "2006-01-02 15:04", "2006/01/02 15:04:05", "2006/01/02 15:04",
	"2006/1/2 15:04:05", "2006/1/2 15:04", "2006-1-2 15:04:05", "2006-1-2 15:04",
}

// parseTime reads a 最近更新 cell in the office's zone.
func (t *table) parseTime(s string) (time.Time, error) {
	s = duban.FoldWidth(s)
	if t.xlsx {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			at, ok := serialTime(f, t.date1904)
			if !ok {
				return time.Time{}, fmt.Errorf("serial %s out of range", s)
			}
			return time.Date(at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), at.Second(), 0, OfficeZone), nil
		}
	}
	if at, err := time.Parse(time.RFC3339, s); err == nil {
		return at, nil
	}
	for _, layout := range timeLayouts {
		if at, err := time.ParseInLocation(layout, s, OfficeZone); err == nil {
			return at, nil
		}
	}
	d, err := duban.ParseDate(s)
	if err != nil {
		return time.Time{}, err
	}
	return d.Time(OfficeZone), nil
}
