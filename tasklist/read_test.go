package tasklist

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/duban-org/duban"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

const (
	unitsCSV = "单位编码,单位名称,督办组\n" +
		"DQ01,市委办公室,党群组\n" +
		"ZF01,市财政局,政府组\n" +
		"ZF02,市农业农村局,政府组\n"
	peopleCSV = "账号,姓名,角色,所属\n" +
		"zhangwei,张伟,一把手,DQ01\n" +
		"lina,李娜,联络员,DQ01\n" +
		"lina,李娜,联络员,ZF01\n" +
		"chenqiang,陈强,督办组长,政府组\n" +
		"wangjianguo,王建国,编办,\n"
	tasksCSV = "任务编号,单位编码,任务事项,完成时限,备注\n" +
		"T001,DQ01,制定大科室制改革方案,2017-12-31,\n" +
		"T002,ZF01,方案报编办审核,2017/12/1,报编办\n" +
		"T003,ZF02,行政审批职能集中到行政审批科,2018年1月5日,\n"
)

func csvFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	return fsys
}

func goodFiles() map[string]string {
	return map[string]string{"units.csv": unitsCSV, "people.csv": peopleCSV, "tasks.csv": tasksCSV}
}

func mustRead(t *testing.T, fsys fstest.MapFS, name string) Ledger {
	t.Helper()
	l, err := ReadFS(fsys, name)
	if err != nil {
		t.Fatalf("ReadFS: %v", err)
	}
	return l
}

func TestReadCSVDir(t *testing.T) {
	l := mustRead(t, csvFS(goodFiles()), ".")
	wantUnits := []duban.Unit{
		{Code: "DQ01", Name: "市委办公室", Group: "党群组"},
		{Code: "ZF01", Name: "市财政局", Group: "政府组"},
		{Code: "ZF02", Name: "市农业农村局", Group: "政府组"},
	}
	if !reflect.DeepEqual(l.Units, wantUnits) {
		t.Errorf("units = %+v", l.Units)
	}
	wantPeople := []duban.Person{
		{UserID: "zhangwei", Name: "张伟", Posts: []duban.Post{{Role: duban.RoleHead, Scope: "DQ01"}}},
		{UserID: "lina", Name: "李娜", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "DQ01"}, {Role: duban.RoleContact, Scope: "ZF01"}}},
		{UserID: "chenqiang", Name: "陈强", Posts: []duban.Post{{Role: duban.RoleLeader, Scope: "政府组"}}},
		{UserID: "wangjianguo", Name: "王建国", Posts: []duban.Post{{Role: duban.RoleAdmin}}},
	}
	if !reflect.DeepEqual(l.People, wantPeople) {
		t.Errorf("people = %+v", l.People)
	}
	wantTasks := []duban.Task{
		{ID: "T001", Unit: "DQ01", Title: "制定大科室制改革方案", Deadline: duban.NewDate(2017, 12, 31), Status: duban.StatusNotStarted},
		{ID: "T002", Unit: "ZF01", Title: "方案报编办审核", Deadline: duban.NewDate(2017, 12, 1), Note: "报编办", Status: duban.StatusNotStarted},
		{ID: "T003", Unit: "ZF02", Title: "行政审批职能集中到行政审批科", Deadline: duban.NewDate(2018, 1, 5), Status: duban.StatusNotStarted},
	}
	if !reflect.DeepEqual(l.Tasks, wantTasks) {
		t.Errorf("tasks = %+v", l.Tasks)
	}
	if len(l.StatusSet) != 0 {
		t.Errorf("StatusSet = %v for a sheet without 状态", l.StatusSet)
	}
	groups := l.Groups()
	want := []Group{{Name: "党群组", Units: []string{"DQ01"}}, {Name: "政府组", Units: []string{"ZF01", "ZF02"}, Leaders: []string{"chenqiang"}}}
	if !reflect.DeepEqual(groups, want) {
		t.Errorf("groups = %+v", groups)
	}
}

// An office's own sheet: Chinese file names, BOM, GB18030, a title line
// above the header, columns in another order, English headers, blank lines,
// full-width codes, a unit given by name, ids left out.
func TestReadCSVDirAsOfficesWriteIt(t *testing.T) {
	gbk, err := simplifiedchinese.GB18030.NewEncoder().String("" +
		"市直单位大科室制改革人员名单,,,\n" +
		"姓名,账号,所属,角色\n" +
		"张伟,ZhangWei,DQ01,一把手\n" +
		"\n" +
		"李娜,lina,市财政局,联络员\n" +
		"张伟,zhangwei,ZF02,联络员\n")
	if err != nil {
		t.Fatal(err)
	}
	fsys := csvFS(map[string]string{
		"单位.csv": "\uFEFFcode,name,group\nDQ01,市委办公室,党群组\nZF01,市财政局,政府组\nZF02,市农业农村局,政府组\n",
		"人员.CSV": gbk,
		"任务.csv": "" +
			"单位编码,任务事项,完成时限,备注\n" +
			"ＤＱ０１,制定大科室制改革方案,２０１７年１２月３１日,\n" +
			"市财政局,\"设置法制机构\n（合并组建）\",2017.12.20,\n" +
			"ZF02,人员转岗到位,2018年1月5号,\n",
		"readme.txt": "not a sheet",
	})
	l := mustRead(t, fsys, ".")
	if got := l.People[0]; got.UserID != "ZhangWei" || len(got.Posts) != 2 || !got.Has(duban.RoleContact, "ZF02") {
		t.Errorf("person rows of one userid in two cases were not merged: %+v", l.People)
	}
	if l.People[1].Posts[0].Scope != "ZF01" {
		t.Errorf("unit given by name not resolved: %+v", l.People[1])
	}
	if l.Tasks[0].Unit != "DQ01" || l.Tasks[0].Deadline != duban.NewDate(2017, 12, 31) {
		t.Errorf("full-width cells: %+v", l.Tasks[0])
	}
	if l.Tasks[1].Title != "设置法制机构\n（合并组建）" || l.Tasks[1].Unit != "ZF01" {
		t.Errorf("multi-line cell: %+v", l.Tasks[1])
	}
	for _, task := range l.Tasks {
		if task.ID != GenerateID(task.Unit, task.Title) {
			t.Errorf("task %+v: want generated id %s", task, GenerateID(task.Unit, task.Title))
		}
	}
	// Row numbers stay as a spreadsheet shows them past a multi-line cell.
	fsys["任务.csv"].Data = append(fsys["任务.csv"].Data, "ZF02,核减职数,2018-02-30,\n"...)
	_, err = ReadFS(fsys, ".")
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].String() != `任务.csv C5（完成时限）：不存在的日期 "2018-02-30"` {
		t.Errorf("err = %v", err)
	}
}

func TestGeneratedIDStable(t *testing.T) {
	a := GenerateID("ZF01", "设置法制机构")
	if b := GenerateID("ZF01", " 设置 法制机构 "); a != b {
		t.Errorf("whitespace changed the id: %s vs %s", a, b)
	}
	if b := GenerateID("ZF02", "设置法制机构"); a == b {
		t.Error("two units share an id")
	}
	if len(a) != 7 || a[0] != 'G' || strings.ContainsAny(a, "01IO") {
		t.Errorf("id %q", a)
	}
	files := goodFiles()
	files["tasks.csv"] = "单位编码,任务事项,完成时限\nDQ01,制定方案,2017-12-31\nZF01,制定方案,2017-12-31\n"
	l1 := mustRead(t, csvFS(files), ".")
	l2 := mustRead(t, csvFS(files), ".")
	if l1.Tasks[0].ID != l2.Tasks[0].ID || l1.Tasks[0].ID == l1.Tasks[1].ID || l1.Tasks[0].ID != GenerateID("DQ01", "制定方案") {
		t.Errorf("ids %s %s / %s", l1.Tasks[0].ID, l1.Tasks[1].ID, l2.Tasks[0].ID)
	}
}

// buildWorkbook writes a workbook whose task deadlines are a real date cell
// (time.Time with a date style), a bare serial number with a custom date
// format, and Chinese text.
func buildWorkbook(t testing.TB, date1904 bool) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if date1904 {
		yes := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "说明"))
	must(f.SetCellValue("说明", "A1", "这张表不是任务清单的一部分"))
	for _, s := range []string{"单位", "人员", "任务"} {
		_, err := f.NewSheet(s)
		must(err)
	}
	rows := map[string][][]any{
		"单位": {{"单位编码", "单位名称", "督办组"}, {"DQ01", "市委办公室", "党群组"}, {"ZF01", "市财政局", "政府组"}},
		"人员": {{"账号", "姓名", "角色", "所属"}, {"zhangwei", "张伟", "一把手", "DQ01"}, {"chenqiang", "陈强", "督办组长", "政府组"}},
		"任务": {
			{"市直单位大科室制改革任务清单"},
			{"任务编号", "单位编码", "任务事项", "完成时限", "备注", "状态"},
			{101, "DQ01", "制定大科室制改革方案", nil, "", "推进中"},
			{"T102", "ZF01", "方案报编办审核", nil, "", ""},
			{"T103", "ZF01", "人员转岗到位", "2018年1月5日", "", "已销号"},
		},
	}
	for sheet, rs := range rows {
		for i, r := range rs {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			must(f.SetSheetRow(sheet, cell, &r))
		}
	}
	// D3: a date cell as Excel makes it when someone types a date.
	must(f.SetCellValue("任务", "D3", time.Date(2017, 12, 31, 0, 0, 0, 0, time.UTC)))
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14}) // m/d/yyyy, locale short date
	must(err)
	must(f.SetCellStyle("任务", "D3", "D3", style))
	// D4: a number with a custom Chinese date format: 2017年12月1日.
	serial := 43070.0
	if date1904 {
		serial -= 1462
	}
	must(f.SetCellFloat("任务", "D4", serial, -1, 64))
	custom := `yyyy"年"m"月"d"日"`
	style, err = f.NewStyle(&excelize.Style{CustomNumFmt: &custom})
	must(err)
	must(f.SetCellStyle("任务", "D4", "D4", style))
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

func TestReadXLSXDateCells(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		fsys := fstest.MapFS{"任务清单.xlsx": {Data: buildWorkbook(t, date1904)}}
		l := mustRead(t, fsys, "任务清单.xlsx")
		want := []struct {
			id       string
			deadline duban.Date
			status   duban.Status
		}{
			{"101", duban.NewDate(2017, 12, 31), duban.StatusInProgress},
			{"T102", duban.NewDate(2017, 12, 1), duban.StatusNotStarted},
			{"T103", duban.NewDate(2018, 1, 5), duban.StatusVerified},
		}
		if len(l.Tasks) != len(want) {
			t.Fatalf("1904=%v: tasks = %+v", date1904, l.Tasks)
		}
		for i, w := range want {
			got := l.Tasks[i]
			if got.ID != w.id || got.Deadline != w.deadline || got.Status != w.status {
				t.Errorf("1904=%v: task %d = %s %s %s, want %s %s %s", date1904, i, got.ID, got.Deadline, got.Status, w.id, w.deadline, w.status)
			}
		}
		if !l.StatusSet["101"] || l.StatusSet["T102"] || !l.StatusSet["T103"] {
			t.Errorf("StatusSet = %v: only filled 状态 cells count", l.StatusSet)
		}
	}
}

func TestReadFormats(t *testing.T) {
	for _, name := range []string{"old.xls", "tasks.csv", "notes.txt"} {
		_, err := ReadFS(fstest.MapFS{name: {Data: []byte("x")}}, name)
		var ps Problems
		if !errors.As(err, &ps) || len(ps) != 1 || ps[0].File != name {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	_, err := ReadFS(fstest.MapFS{"bad.xlsx": {Data: []byte("PK\x03\x04 not really a zip")}}, "bad.xlsx")
	var ps Problems
	if !errors.As(err, &ps) || !strings.Contains(ps.Error(), "无法打开工作簿") {
		t.Errorf("damaged workbook: err = %v", err)
	}
	if _, err := Read("/nonexistent/tasks.xlsx"); err == nil || errors.As(err, &ps) {
		t.Errorf("missing file: err = %v, want an I/O error", err)
	}
	utf16 := csvFS(goodFiles())
	utf16["units.csv"] = &fstest.MapFile{Data: []byte("\xff\xfe\x00\x00")}
	if _, err := ReadFS(utf16, "."); err == nil || !strings.Contains(err.Error(), "units.csv：文件为 UTF-16 编码") {
		t.Errorf("utf-16: err = %v", err)
	}
}
