package report

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/duban-org/duban/remind"
)

// ListsXLSX writes the bulletin's red and yellow lists as a workbook with
// the sheets 红灯（逾期） and 黄灯（临近时限）, one row per task, in the order
// of the bulletin.
func ListsXLSX(b remind.Bulletin) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return nil, fmt.Errorf("lists xlsx: %w", err)
	}
	red := [][]any{{"单位编码", "单位名称", "督办组", "任务编号", "任务事项", "完成时限", "逾期天数", "逾期工作日"}}
	for _, r := range b.Red {
		for _, t := range r.Tasks {
			red = append(red, []any{r.Unit.Code, r.Unit.Name, r.Unit.Group, t.TaskID, t.Title, t.Deadline.String(), t.DaysOverdue, t.WorkdaysOverdue})
		}
	}
	yellow := [][]any{{"单位编码", "单位名称", "督办组", "任务编号", "任务事项", "完成时限", "剩余天数"}}
	for _, y := range b.Yellow {
		for _, t := range y.Tasks {
			yellow = append(yellow, []any{y.Unit.Code, y.Unit.Name, y.Unit.Group, t.TaskID, t.Title, t.Deadline.String(), int(t.Deadline - b.Today)})
		}
	}
	sheets := []struct {
		name   string
		rows   [][]any
		widths []float64
	}{
		{"红灯（逾期）", red, []float64{12, 28, 14, 12, 48, 12, 10, 12}},
		{"黄灯（临近时限）", yellow, []float64{12, 28, 14, 12, 48, 12, 10}},
	}
	for k, s := range sheets {
		if k == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), s.name); err != nil {
				return nil, fmt.Errorf("lists xlsx: %w", err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			return nil, fmt.Errorf("lists xlsx: %w", err)
		}
		for i, r := range s.rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(s.name, cell, &r); err != nil {
				return nil, fmt.Errorf("lists xlsx sheet %s: %w", s.name, err)
			}
		}
		last, _ := excelize.ColumnNumberToName(len(s.rows[0]))
		if err := f.SetCellStyle(s.name, "A1", last+"1", head); err != nil {
			return nil, fmt.Errorf("lists xlsx sheet %s: %w", s.name, err)
		}
		for j, w := range s.widths {
			col, _ := excelize.ColumnNumberToName(j + 1)
			if err := f.SetColWidth(s.name, col, col, w); err != nil {
				return nil, fmt.Errorf("lists xlsx sheet %s: %w", s.name, err)
			}
		}
		if err := f.SetPanes(s.name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return nil, fmt.Errorf("lists xlsx sheet %s: %w", s.name, err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("lists xlsx: %w", err)
	}
	return buf.Bytes(), nil
}
