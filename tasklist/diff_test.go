package tasklist

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/duban-org/duban"
)

func TestMergeTaskRule(t *testing.T) {
	cur := duban.Task{ID: "T1", Unit: "ZF01", Title: "旧", Deadline: duban.NewDate(2026, 12, 1), Status: duban.StatusReported,
		Progress: "已报编办", UpdatedBy: "lina", Extension: &duban.Extension{Deadline: duban.NewDate(2026, 12, 9)}}
	in := duban.Task{ID: "T1", Unit: "ZF02", Title: "新", Deadline: duban.NewDate(2026, 12, 5), Note: "备注", Status: duban.StatusNotStarted}

	// A plain office sheet (no 状态): state, progress, extension and stamp stay.
	got := MergeTask(cur, in, false)
	want := cur
	want.Unit, want.Title, want.Deadline, want.Note = "ZF02", "新", duban.NewDate(2026, 12, 5), "备注"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("without 状态:\n got %+v\nwant %+v", got, want)
	}
	// A filled 状态 cell sets the state; a filled 进展 cell the progress.
	in.Status, in.Progress = duban.StatusVerified, "已对账"
	got = MergeTask(cur, in, true)
	want.Status, want.Progress = duban.StatusVerified, "已对账"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("with 状态:\n got %+v\nwant %+v", got, want)
	}
}

func TestDiff(t *testing.T) {
	current := storeLedger()
	files := goodFiles()
	files["units.csv"] = "单位编码,单位名称,督办组\nDQ01,市委办公室,党群组\nZF01,市财政局（市国资委）,政府组\nZF02,市农业农村局,政府组\n"
	files["people.csv"] = "账号,姓名,角色,所属\nLina,李娜,联络员,ZF01\nlina,李娜,联络员,ZF02\nzhangwei,张伟,一把手,DQ01\n"
	files["tasks.csv"] = "任务编号,单位编码,任务事项,完成时限,备注\n" +
		"T001,DQ01,制定大科室制改革方案,2026-11-20,\n" + // unchanged; stays 已销号
		"T002,ZF01,设置法制机构（挂牌）,2027/1/15,\n" + // title, deadline, note change; stays 推进中
		"T004,ZF02,人员转岗到位,2027年1月20日,\n"
	incoming := mustRead(t, csvFS(files), ".")
	c := Diff(current, incoming)

	if got, want := c.Units.Added, []Item{{"ZF02", "市农业农村局（政府组）"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("units added = %v", got)
	}
	if got := c.Units.Changed; len(got) != 1 || !reflect.DeepEqual(got[0].Fields, []FieldChange{{"单位名称", "市财政局", "市财政局（市国资委）"}}) {
		t.Errorf("units changed = %+v", got)
	}
	if c.Units.Unchanged != 1 {
		t.Errorf("units unchanged = %d", c.Units.Unchanged)
	}
	if got := c.People.Changed; len(got) != 1 || got[0].Key != "Lina" ||
		!reflect.DeepEqual(got[0].Fields, []FieldChange{{"职务", "联络员 ZF01", "联络员 ZF01、联络员 ZF02"}}) {
		t.Errorf("people changed = %+v", got)
	}
	if got, want := c.People.Absent, []Item{{"wangjianguo", "王建国"}, {"chenqiang", "陈强"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("people absent = %v", got)
	}
	wantTask := Changed{Item{"T002", "ZF01 设置法制机构（挂牌）"}, []FieldChange{
		{"任务事项", `设置法制机构，"挂牌"`, "设置法制机构（挂牌）"},
		{"完成时限", "2026-12-31", "2027-01-15"},
		{"备注", "多行\n备注", ""},
	}}
	if !reflect.DeepEqual(c.Tasks.Changed, []Changed{wantTask}) {
		t.Errorf("tasks changed = %+v", c.Tasks.Changed)
	}
	if c.Tasks.Unchanged != 1 || len(c.Tasks.Added) != 1 || c.Tasks.Added[0].Key != "T004" ||
		!reflect.DeepEqual(c.Tasks.Absent, []Item{{"T003", "ZF01 人员转岗到位"}}) {
		t.Errorf("tasks = %+v", c.Tasks)
	}
	out := c.String()
	for _, line := range []string{
		"单位：新增 1，变更 1，不变 1\n",
		"  ~ T002 ZF01 设置法制机构（挂牌）：任务事项「设置法制机构，\"挂牌\"」→「设置法制机构（挂牌）」；完成时限「2026-12-31」→「2027-01-15」；备注「多行\n备注」→「」\n",
		"任务：新增 1，变更 1，不变 1，表中未列出 1（保留不变）\n",
		"  + T004 ZF02 人员转岗到位（2027-01-20）\n",
		"  = T003 ZF01 人员转岗到位（表中未列出，保留不变）\n",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("String() lacks %q:\n%s", line, out)
		}
	}
	if c.Empty() {
		t.Error("Empty() on a diff with changes")
	}
}

// An export imported again changes nothing; with an edited 状态 it changes
// exactly that.
func TestDiffExportReimport(t *testing.T) {
	current := storeLedger()
	dir := t.TempDir()
	if err := WriteCSVDir(dir, current, nil); err != nil {
		t.Fatal(err)
	}
	again, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c := Diff(current, again); !c.Empty() || c.Tasks.Unchanged != 3 || !strings.HasPrefix(c.String(), "导入不会改变任何数据。") {
		t.Errorf("re-import of an export: %+v\n%s", c, c)
	}
	again.Tasks[2].Status = duban.StatusInProgress
	c := Diff(current, again)
	if len(c.Tasks.Changed) != 1 || !reflect.DeepEqual(c.Tasks.Changed[0].Fields, []FieldChange{{"状态", "未启动", "推进中"}}) {
		t.Errorf("edited state: %+v", c.Tasks.Changed)
	}
}

func TestDiffListsAreBounded(t *testing.T) {
	var in Ledger
	for i := range 100 {
		in.Tasks = append(in.Tasks, duban.Task{ID: GenerateID("U", strings.Repeat("x", i+1)), Unit: "U", Title: "t", Status: duban.StatusNotStarted})
	}
	out := Diff(Ledger{}, in).String()
	if strings.Count(out, "\n  + ") != maxListed || !strings.Contains(out, "…另有新增 70 项") {
		t.Errorf("String():\n%s", out)
	}
}

// Ids are read as the store keeps them: a list that writes t/2 in lower
// case, imported again, shows its task as unchanged, not as new beside an
// absent T/2.
func TestReimportOfALowerCaseID(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"units.csv":  "单位编码,单位名称,督办组\nJY,市教育局,第一组\n",
		"people.csv": "账号,姓名,角色,所属\nsunjy,孙悦,联络员,JY\n",
		"tasks.csv":  "任务编号,单位编码,任务事项,完成时限\nt/2,JY,教育局科室合并到位,2027-01-10\nrw-1,JY,人员转岗,2026-12-05\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	l, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if l.Tasks[0].ID != "T/2" || l.Tasks[1].ID != "RW-1" {
		t.Errorf("ids read as %q, %q", l.Tasks[0].ID, l.Tasks[1].ID)
	}
	stored := l // as the store keeps it
	stored.Tasks = append([]duban.Task(nil), l.Tasks...)
	for i := range stored.Tasks {
		stored.Tasks[i].ID = duban.CanonicalID(stored.Tasks[i].ID)
	}
	c := Diff(stored, l)
	if len(c.Tasks.Added) != 0 || len(c.Tasks.Absent) != 0 || c.Tasks.Unchanged != 2 {
		t.Errorf("re-import: %+v", c.Tasks)
	}
}
