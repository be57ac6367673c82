package tasklist

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/duban-org/duban"
)

// Problem is one thing wrong with a task list, located the way a person
// finds it in a spreadsheet program.
type Problem struct {
	File  string // base name of the workbook or CSV file: 任务清单.xlsx, tasks.csv
	Sheet string // worksheet name; empty for a CSV file
	Row   int    // row as a spreadsheet shows it, the header being row 1; 0 for the whole sheet or file
	Col   string // column letter (A, B, …); empty for a whole row
	Field string // the column's header as written in the sheet, or its canonical name
	Msg   string // what is wrong, in Chinese, for the office

	order int // position of the sheet in reading order, for sorting
	colN  int
}

// String renders the problem as 任务.xlsx 任务!D7（完成时限）：无法识别的日期 "2017-13-01".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	switch {
	case p.Row > 0 && p.Col != "":
		b.WriteString(" ")
		if p.Sheet != "" {
			b.WriteString(p.Sheet + "!")
		}
		fmt.Fprintf(&b, "%s%d", p.Col, p.Row)
	case p.Row > 0:
		b.WriteString(" ")
		if p.Sheet != "" {
			b.WriteString(p.Sheet + " ")
		}
		fmt.Fprintf(&b, "第%d行", p.Row)
	case p.Sheet != "":
		b.WriteString(" 工作表「" + p.Sheet + "」")
	}
	if p.Field != "" {
		b.WriteString("（" + p.Field + "）")
	}
	if b.Len() > 0 {
		b.WriteString("：")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem found in a task list. A list with any problem is
// rejected as a whole: nothing of it may be written.
type Problems []Problem

// Error lists every problem, one a line.
func (ps Problems) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "任务清单有 %d 处问题：", len(ps))
	for _, p := range ps {
		b.WriteString("\n")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap exposes the list as a coded domain error, so duban.ErrorCode says
// EINVALID and duban.ErrorMessage shows the whole list to the user.
func (ps Problems) Unwrap() error {
	return duban.Errorf(duban.EINVALID, "%s", ps.Error())
}

// sortProblems orders problems by sheet (units, people, tasks), row, column.
func sortProblems(ps Problems) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(
			cmp.Compare(a.order, b.order),
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Row, b.Row),
			cmp.Compare(a.colN, b.colN),
		)
	})
}
