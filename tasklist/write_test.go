package tasklist

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/duban-org/duban"
	"github.com/xuri/excelize/v2"
)

// storeLedger is a ledger as the store holds it after some work: states,
// progress, update stamps in UTC, a pending extension.
func storeLedger() Ledger {
	at := time.Date(2026, 11, 25, 7, 30, 15, 0, time.UTC)
	return Ledger{
		Units: []duban.Unit{{Code: "DQ01", Name: "市委办公室", Group: "党群组"}, {Code: "ZF01", Name: "市财政局", Group: "政府组"}},
		People: []duban.Person{
			{UserID: "wangjianguo", Name: "王建国", Posts: []duban.Post{{Role: duban.RoleAdmin}, {Role: duban.RoleHead, Scope: "DQ01"}}},
			{UserID: "lina", Name: "李娜", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "ZF01"}}},
			{UserID: "chenqiang", Name: "陈强", Posts: []duban.Post{{Role: duban.RoleLeader, Scope: "政府组"}}},
		},
		Tasks: []duban.Task{
			{ID: "T001", Unit: "DQ01", Title: "制定大科室制改革方案", Deadline: duban.NewDate(2026, 11, 20), Status: duban.StatusVerified,
				Progress: "方案已经党组会审议通过", UpdatedAt: at, UpdatedBy: "chenqiang"},
			{ID: "T002", Unit: "ZF01", Title: "设置法制机构，\"挂牌\"", Deadline: duban.NewDate(2026, 12, 31), Note: "多行\n备注", Status: duban.StatusInProgress,
				Progress: "已拟定方案", UpdatedAt: at.Add(time.Hour), UpdatedBy: "lina",
				Extension: &duban.Extension{Deadline: duban.NewDate(2027, 1, 15), Reason: "待编委会审议", By: "lina", At: at}},
			{ID: "T003", Unit: "ZF01", Title: "人员转岗到位", Deadline: duban.NewDate(2027, 1, 20), Status: duban.StatusNotStarted},
		},
	}
}

func history() []duban.Change {
	at := time.Date(2026, 11, 25, 7, 30, 15, 0, time.UTC)
	return []duban.Change{{Seq: 1, TaskID: "T001", At: at, By: "chenqiang", Action: duban.ActVerify,
		FromStatus: duban.StatusReported, ToStatus: duban.StatusVerified, FromDeadline: duban.NewDate(2026, 11, 20), ToDeadline: duban.NewDate(2026, 11, 20),
		Note: "已对账", MsgID: "msg-1"}}
}

// checkRoundTrip compares what came back with what went out: everything an
// import restores is equal; times are equal instants in the office's zone;
// a pending extension does not travel (it is informational in the sheet).
func checkRoundTrip(t *testing.T, got, sent Ledger) {
	t.Helper()
	if !reflect.DeepEqual(got.Units, sent.Units) || !reflect.DeepEqual(got.People, sent.People) {
		t.Errorf("units/people:\n got %+v %+v\nwant %+v %+v", got.Units, got.People, sent.Units, sent.People)
	}
	if len(got.Tasks) != len(sent.Tasks) {
		t.Fatalf("tasks = %d, want %d", len(got.Tasks), len(sent.Tasks))
	}
	for i, g := range got.Tasks {
		w := sent.Tasks[i]
		if !g.UpdatedAt.Equal(w.UpdatedAt) {
			t.Errorf("task %s updated %v, want %v", w.ID, g.UpdatedAt, w.UpdatedAt)
		}
		g.UpdatedAt, w.UpdatedAt, w.Extension = time.Time{}, time.Time{}, nil
		if !reflect.DeepEqual(g, w) {
			t.Errorf("task:\n got %+v\nwant %+v", g, w)
		}
		if !got.StatusSet[w.ID] {
			t.Errorf("task %s: an export's 状态 must be taken on import", w.ID)
		}
	}
}

func TestRoundTripXLSX(t *testing.T) {
	sent := storeLedger()
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, sent, history()); err != nil {
		t.Fatal(err)
	}
	got := mustRead(t, fstest.MapFS{"台账.xlsx": {Data: buf.Bytes()}}, "台账.xlsx")
	checkRoundTrip(t, got, sent)

	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); !reflect.DeepEqual(sheets, []string{"单位", "人员", "任务", "历史"}) {
		t.Errorf("sheets = %v", sheets)
	}
	// The deadline is a real date cell: a number shown as a date.
	if typ, _ := f.GetCellType("任务", "E2"); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("deadline cell type = %v", typ)
	}
	if v, _ := f.GetCellValue("任务", "E2"); v != "2026-11-20" {
		t.Errorf("deadline shows as %q", v)
	}
	if v, _ := f.GetCellValue("任务", "E2", excelize.Options{RawCellValue: true}); v != "46346" {
		t.Errorf("deadline raw = %q, want the serial 46346", v)
	}
	if v, _ := f.GetCellValue("任务", "I2"); v != "2026-11-25 15:30:15" {
		t.Errorf("最近更新 = %q, want China time", v)
	}
	if v, _ := f.GetCellValue("任务", "K3"); v != "至 2027-01-15：待编委会审议" {
		t.Errorf("延期申请 = %q", v)
	}
	rows, _ := f.GetRows("历史")
	want := [][]string{historyHeader, {"T001", "2026-11-25 15:30:15", "陈强（chenqiang）", "销号", "已报完成", "已销号", "2026-11-20", "2026-11-20", "已对账", "msg-1"}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("历史 = %q", rows)
	}
}

func TestRoundTripCSVDir(t *testing.T) {
	sent := storeLedger()
	dir := filepath.Join(t.TempDir(), "export")
	if err := Write(dir, sent, history()); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, got, sent)
	data, err := os.ReadFile(filepath.Join(dir, "history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\uFEFF任务编号,时间,操作人")) || !bytes.Contains(data, []byte("\r\n")) {
		t.Errorf("history.csv not BOM+CRLF: %q", data)
	}
	recs, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][3] != "销号" {
		t.Errorf("history.csv = %q, %v", recs, err)
	}
	// An export written over an earlier one replaces it, leaving no temp files.
	if err := Write(dir, sent, nil); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "history.csv people.csv tasks.csv units.csv" {
		t.Errorf("files = %v", names)
	}
}

func TestWriteXLSXFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "台账.XLSX")
	if err := Write(path, storeLedger(), nil); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, got, storeLedger())
}

// The history sheet names people, and an import in Chinese, not by the
// store's userids and the English "import".
func TestHistorySheetReadsAsChinese(t *testing.T) {
	l := Ledger{People: []duban.Person{{UserID: "zhaojie", Name: "赵杰", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "DQ01"}}}}}
	rows := sheetRows(l, []duban.Change{
		{TaskID: "T1", By: "import", Action: duban.ActImport},
		{TaskID: "T1", By: "ZhaoJie", Action: duban.ActReport},
		{TaskID: "T1", By: "gone", Action: duban.ActVerify},
	})[sheetHistory]
	for i, want := range []string{"任务清单导入", "赵杰（zhaojie）", "gone"} {
		if got := rows[i+1][2]; got != want {
			t.Errorf("row %d 操作人 = %v, want %s", i+1, got, want)
		}
	}
}
