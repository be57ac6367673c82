package tasklist

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"testing/fstest"

	"github.com/duban-org/duban"
)

// FuzzReadCSV feeds arbitrary units, people and tasks files to the CSV
// reader. It must never panic, must fail only with Problems, and whatever
// it accepts must survive an export and a second import unchanged.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte(unitsCSV), []byte(peopleCSV), []byte(tasksCSV))
	f.Add([]byte("code,name,group\nA,甲,组\n"), []byte("userid,name,role,scope\nu,乙,leader,组\n"),
		[]byte("unit,title,deadline,status,progress,updated_at\nA,\"多\n行\",2017年1月2日,推进中,进展,2026-11-26 15:04\n"))
	f.Add([]byte("\uFEFF单位编码,单位名称,督办组\nA,甲,组\nA,乙,\n"), []byte("账号,姓名,角色,所属\n,,秘书,\n"),
		[]byte("任务编号,单位编码,任务事项,完成时限\nT1,B,x,2017-13-01\nt1,A,,\n"))
	f.Add([]byte("\xb5\xa5\xce\xbb\xb1\xe0\xc2\xeb,\xb5\xa5\xce\xbb\xc3\xfb\xb3\xc6,\xb6\xbd\xb0\xec\xd7\xe9\nA,B,C\n"), []byte("账号,姓名,角色,所属\n"), []byte("\"bad"))
	f.Fuzz(func(t *testing.T, units, people, tasks []byte) {
		fsys := fstest.MapFS{
			"units.csv":  {Data: units},
			"people.csv": {Data: people},
			"tasks.csv":  {Data: tasks},
		}
		l, err := ReadFS(fsys, ".")
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error is not a problem list: %v", err)
			}
			if duban.ErrorCode(err) != duban.EINVALID {
				t.Fatalf("problems not coded EINVALID: %v", err)
			}
			return
		}
		dir := t.TempDir()
		if err := WriteCSVDir(dir, l, nil); err != nil {
			t.Fatal(err)
		}
		again, err := Read(dir)
		if err != nil {
			t.Fatalf("export of an accepted ledger does not import: %v", err)
		}
		for id := range l.StatusSet {
			delete(again.StatusSet, id)
		}
		l.StatusSet, again.StatusSet = nil, nil // an export sets every state explicitly
		if !reflect.DeepEqual(l, again) {
			t.Fatalf("round trip changed the ledger:\n got %+v\nwant %+v", again, l)
		}
	})
}

// FuzzReadXLSX feeds arbitrary bytes as a workbook: a damaged upload is a
// problem to report, never a crash.
func FuzzReadXLSX(f *testing.F) {
	f.Add(buildWorkbook(f, false))
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, Ledger{Units: []duban.Unit{{Code: "A", Name: "甲", Group: "组"}}}, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ReadFS(fstest.MapFS{"t.xlsx": {Data: data}}, "t.xlsx")
		var ps Problems
		if err != nil && (!errors.As(err, &ps) || len(ps) == 0) {
			t.Fatalf("error is not a problem list: %v", err)
		}
	})
}
