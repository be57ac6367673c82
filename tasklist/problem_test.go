package tasklist

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/duban-org/duban"
	"github.com/xuri/excelize/v2"
)

func problemLines(t *testing.T, err error) []string {
	t.Helper()
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want Problems", err)
	}
	var lines []string
	for _, p := range ps {
		lines = append(lines, p.String())
	}
	return lines
}

// Every kind of bad row in one task list: all of them are reported, in
// sheet, row and column order, and no ledger comes back.
func TestEveryProblemListed(t *testing.T) {
	fsys := csvFS(map[string]string{
		"units.csv": "单位编码,单位名称,督办组\n" +
			"DQ01,市委办公室,党群组\n" +
			"DQ01,市委组织部,党群组\n" + // duplicate code
			"ZF01,,政府组\n" + // empty name
			"ZF 02,市财政局,\n" + // space in code, empty group
			"ZF03,市委办公室,政府组\n", // duplicate name
		"people.csv": "账号,姓名,角色,所属\n" +
			"zhangwei,张伟,一把手,DQ01\n" +
			"ZhangWei,张威,联络员,DQ01\n" + // one userid, two names
			"lina,李娜,秘书,DQ01\n" + // unknown role
			"wangfang,王芳,联络员,XX99\n" + // unknown unit
			"chenqiang,陈强,督办组长,纪检组\n" + // unknown group
			"zhao qiang,赵强,联络员,\n" + // bad userid, missing scope
			",,编办,\n", // empty userid and name
		"tasks.csv": "任务编号,单位编码,任务事项,完成时限,备注,状态,最近更新\n" +
			"T001,DQ01,制定方案,2017-12-31,,,\n" +
			"t001,DQ01,报编办审核,2017-12-31,,,\n" + // duplicate id (case-insensitive)
			"T003,XX99,设置法制机构,2017-13-01,,,\n" + // unknown unit, bad date
			"T004,DQ01,,,,完成了,昨天\n" + // empty title and deadline, unknown status, bad time
			",DQ01,人员转岗到位,2017-12-31,,,\n" +
			",DQ01,人员转岗到位,2018-01-31,,,\n", // same unit and title: same generated id
	})
	l, err := ReadFS(fsys, ".")
	if !reflect.DeepEqual(l, Ledger{}) {
		t.Errorf("a ledger came back with the problems: %+v", l)
	}
	got := problemLines(t, err)
	want := []string{
		"units.csv A3（单位编码）：重复的单位编码 DQ01（已在第2行）",
		"units.csv B4（单位名称）：单位名称不能为空",
		`units.csv A5（单位编码）：单位编码 "ZF 02" 不能含有空格`,
		"units.csv C5（督办组）：督办组不能为空",
		"units.csv B6（单位名称）：重复的单位名称「市委办公室」（已在第2行）",
		"people.csv B3（姓名）：账号 ZhangWei 已在第2行登记为「张伟」，姓名不一致",
		`people.csv C4（角色）：无法识别的角色 "秘书"（应为 一把手、联络员、督办组长 或 编办）`,
		`people.csv D5（所属）：未知的单位编码 "XX99"（单位表中没有）`,
		`people.csv D6（所属）：未知的督办组 "纪检组"（单位表中的督办组为：党群组、政府组）`,
		`people.csv A7（账号）：账号 "zhao qiang" 只能由字母、数字和 _ - @ . 组成（企业微信账号）`,
		"people.csv D7（所属）：联络员须填写所属单位的单位编码",
		"people.csv A8（账号）：账号不能为空",
		"people.csv B8（姓名）：姓名不能为空",
		"tasks.csv A3（任务编号）：重复的任务编号 t001（已在第2行）",
		`tasks.csv B4（单位编码）：未知的单位编码 "XX99"（单位表中没有）`,
		`tasks.csv D4（完成时限）：日期超出范围 "2017-13-01"`,
		"tasks.csv C5（任务事项）：任务事项不能为空",
		"tasks.csv D5（完成时限）：完成时限不能为空",
		`tasks.csv F5（状态）：无法识别的状态 "完成了"（应为 未启动、推进中、已报完成、已销号）`,
		`tasks.csv G5（最近更新）：无法识别的时间 "昨天"（应为 2026-11-26 15:04）`,
		"tasks.csv C7（任务事项）：与第6行是同一单位的同一任务事项（重复）",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if duban.ErrorCode(err) != duban.EINVALID || !strings.Contains(duban.ErrorMessage(err), "任务清单有 21 处问题") {
		t.Errorf("coded as %q: %q", duban.ErrorCode(err), duban.ErrorMessage(err))
	}
}

func TestMissingSheetsAndColumns(t *testing.T) {
	fsys := csvFS(map[string]string{
		"units.csv":  "编码,督办组\nDQ01,党群组\n",             // no 单位名称
		"people.csv": "账号,姓名,角色,所属,姓名\nzw,张伟,编办,,张伟\n", // 姓名 twice
		"单位.csv":     "单位编码,单位名称,督办组\n",                // units twice
	})
	_, err := ReadFS(fsys, ".")
	got := problemLines(t, err)
	want := []string{
		"units.csv 第1行：表头缺少列「单位名称」（英文表头为 name）",
		"单位.csv：与 units.csv 重复，只能保留一个",
		"people.csv E1（姓名）：与 B 列重复，只能保留一列",
		"缺少文件 tasks.csv（或 任务.csv）",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Units"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("任务"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("任务", "A1", &[]any{"任务编号", "任务事项"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	_, err = ReadFS(fstest.MapFS{"台账.xlsx": {Data: buf.Bytes()}}, "台账.xlsx")
	got = problemLines(t, err)
	want = []string{
		"台账.xlsx 工作表「Units」：没有表头行（表为空）",
		"台账.xlsx：缺少工作表「人员」（或 people）",
		"台账.xlsx 任务 第1行：表头缺少列「单位编码」（英文表头为 unit）",
		"台账.xlsx 任务 第1行：表头缺少列「完成时限」（英文表头为 deadline）",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestXLSXProblemNamesSheetCell(t *testing.T) {
	data := buildWorkbook(t, false)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue("任务", "D5", "2017-13-01"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = ReadFS(fstest.MapFS{"任务.xlsx": {Data: buf.Bytes()}}, "任务.xlsx")
	got := problemLines(t, err)
	if want := []string{`任务.xlsx 任务!D5（完成时限）：日期超出范围 "2017-13-01"`}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
