package tasklist

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/xuri/excelize/v2"
)

// The layout an export writes: the canonical Chinese headers that Read
// accepts, so an export can be imported again. Columns marked informational
// are for people reading the 台账 and are ignored by Read.
var (
	unitHeader   = []string{"单位编码", "单位名称", "督办组"}
	peopleHeader = []string{"账号", "姓名", "角色", "所属"}
	taskHeader   = []string{"任务编号", "单位编码", "单位名称", "任务事项", "完成时限", "备注", "状态", "进展", "最近更新", "更新人", "延期申请"}
	// 单位名称 and 延期申请 in the task sheet are informational.
	historyHeader = []string{"任务编号", "时间", "操作人", "操作", "原状态", "新状态", "原时限", "新时限", "说明", "消息"}
)

const timeLayout = "2006-01-02 15:04:05"

// cellDate marks a value written as a date cell in a workbook and as
// 2006-01-02 in a CSV file.
type cellDate duban.Date

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(OfficeZone).Format(timeLayout)
}

// sheetRows returns each exported sheet's rows, header first.
func sheetRows(l Ledger, history []duban.Change) [numSheets][][]any {
	var out [numSheets][][]any
	row := func(cells ...any) []any { return cells }
	header := func(h []string) []any {
		r := make([]any, len(h))
		for i, s := range h {
			r[i] = s
		}
		return r
	}
	out[sheetUnits] = [][]any{header(unitHeader)}
	names := map[string]string{}
	for _, u := range l.Units {
		names[u.Code] = u.Name
		out[sheetUnits] = append(out[sheetUnits], row(u.Code, u.Name, u.Group))
	}
	out[sheetPeople] = [][]any{header(peopleHeader)}
	for _, p := range l.People {
		// A person without a post has nothing to do in the reform and
		// cannot be written in this layout; the store never keeps one.
		for _, post := range p.Posts {
			out[sheetPeople] = append(out[sheetPeople], row(p.UserID, p.Name, string(post.Role), post.Scope))
		}
	}
	out[sheetTasks] = [][]any{header(taskHeader)}
	for _, t := range l.Tasks {
		ext := ""
		if t.Extension != nil {
			ext = "至 " + t.Extension.Deadline.String()
			if t.Extension.Reason != "" {
				ext += "：" + t.Extension.Reason
			}
		}
		var deadline any = ""
		if !t.Deadline.IsZero() {
			deadline = cellDate(t.Deadline)
		}
		status := t.Status
		if status == "" {
			status = duban.StatusNotStarted
		}
		out[sheetTasks] = append(out[sheetTasks], row(t.ID, t.Unit, names[t.Unit], t.Title, deadline, t.Note,
			string(status), t.Progress, formatTime(t.UpdatedAt), t.UpdatedBy, ext))
	}
	// The history sheet is for reading: people by name, an import as such.
	personName := map[string]string{}
	for _, p := range l.People {
		if p.Name != "" {
			personName[duban.CanonicalUserID(p.UserID)] = p.Name + "（" + p.UserID + "）"
		}
	}
	out[sheetHistory] = [][]any{header(historyHeader)}
	for _, c := range history {
		by := c.By
		if n, ok := personName[duban.CanonicalUserID(c.By)]; ok {
			by = n
		} else if c.Action == duban.ActImport {
			by = "任务清单导入"
		}
		out[sheetHistory] = append(out[sheetHistory], row(c.TaskID, formatTime(c.At), by, string(c.Action),
			string(c.FromStatus), string(c.ToStatus), c.FromDeadline.String(), c.ToDeadline.String(), c.Note, c.MsgID))
	}
	return out
}

// Write exports the ledger and its history to path: a workbook when path
// ends in .xlsx, else CSV files in the directory path (created if needed).
func Write(path string, l Ledger, history []duban.Change) error {
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		var buf bytes.Buffer
		if err := WriteXLSX(&buf, l, history); err != nil {
			return err
		}
		return writeFileAtomic(path, buf.Bytes())
	}
	return WriteCSVDir(path, l, history)
}

// WriteXLSX writes the ledger as a workbook with the sheets 单位, 人员, 任务
// and 历史, in the layout Read accepts. Deadlines are date cells; update
// times are text in China Standard Time.
func WriteXLSX(w io.Writer, l Ledger, history []duban.Change) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	dateFmt := "yyyy-mm-dd"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	widths := [numSheets][]float64{
		sheetUnits:   {12, 36, 14},
		sheetPeople:  {16, 10, 10, 14},
		sheetTasks:   {12, 10, 28, 44, 12, 24, 10, 36, 20, 12, 24},
		sheetHistory: {12, 20, 14, 10, 10, 10, 12, 12, 36, 20},
	}
	rows := sheetRows(l, history)
	for k := range numSheets {
		sheet := sheetNames[k][0]
		if k == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
				return fmt.Errorf("export xlsx: %w", err)
			}
		} else if _, err := f.NewSheet(sheet); err != nil {
			return fmt.Errorf("export xlsx: %w", err)
		}
		for i, r := range rows[k] {
			cells := make([]any, len(r))
			for j, v := range r {
				if d, ok := v.(cellDate); ok {
					v = excelSerial(duban.Date(d))
				}
				cells[j] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(sheet, cell, &cells); err != nil {
				return fmt.Errorf("export xlsx sheet %s: %w", sheet, err)
			}
			for j, v := range r {
				if _, ok := v.(cellDate); ok {
					cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
					if err := f.SetCellStyle(sheet, cell, cell, dateStyle); err != nil {
						return fmt.Errorf("export xlsx sheet %s: %w", sheet, err)
					}
				}
			}
		}
		last, _ := excelize.ColumnNumberToName(len(rows[k][0]))
		if err := f.SetCellStyle(sheet, "A1", last+"1", bold); err != nil {
			return fmt.Errorf("export xlsx sheet %s: %w", sheet, err)
		}
		for j, wd := range widths[k] {
			col, _ := excelize.ColumnNumberToName(j + 1)
			if err := f.SetColWidth(sheet, col, col, wd); err != nil {
				return fmt.Errorf("export xlsx sheet %s: %w", sheet, err)
			}
		}
		if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return fmt.Errorf("export xlsx sheet %s: %w", sheet, err)
		}
	}
	if len(l.Attachments) > 0 {
		if err := writeAttachmentSheet(f, l.Attachments, bold); err != nil {
			return err
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	return nil
}

// excelSerial is the serial day number of d in the 1900 date system
// (1970-01-01 is day 25569).
func excelSerial(d duban.Date) int { return int(d) + 25569 }

// WriteCSVDir writes the ledger as units.csv, people.csv, tasks.csv and
// history.csv (and attachments.csv, when there are any) in dir, UTF-8 with
// a BOM and CRLF line ends so that Excel on Chinese Windows opens them as
// they are.
func WriteCSVDir(dir string, l Ledger, history []duban.Change) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	rows := sheetRows(l, history)
	for k := range numSheets {
		if err := writeCSV(filepath.Join(dir, sheetNames[k][1]+".csv"), rows[k]); err != nil {
			return err
		}
	}
	if len(l.Attachments) > 0 {
		return writeCSV(filepath.Join(dir, attachmentCSV), attachmentRows(l.Attachments))
	}
	return nil
}

func writeCSV(file string, rows [][]any) error {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	for _, r := range rows {
		rec := make([]string, len(r))
		for j, v := range r {
			switch v := v.(type) {
			case cellDate:
				rec[j] = duban.Date(v).String()
			case string:
				rec[j] = v
			default:
				rec[j] = fmt.Sprint(v)
			}
		}
		if err := w.Write(rec); err != nil {
			return fmt.Errorf("export csv: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	return writeFileAtomic(file, buf.Bytes())
}

// writeFileAtomic replaces path with data so that a reader never sees half
// an export.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	return nil
}
