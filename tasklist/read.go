package tasklist

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/duban-org/duban"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// maxFileSize bounds one workbook or CSV file; a task list of a few hundred
// units is well under a megabyte.
const maxFileSize = 64 << 20

// sheetKind is one of the sheets a task list is made of.
type sheetKind int

const (
	sheetUnits sheetKind = iota
	sheetPeople
	sheetTasks
	sheetHistory
	numSheets
)

// sheetNames gives each sheet's Chinese and English name; a sheet or CSV
// file is found by either.
var sheetNames = [numSheets][2]string{
	sheetUnits:   {"单位", "units"},
	sheetPeople:  {"人员", "people"},
	sheetTasks:   {"任务", "tasks"},
	sheetHistory: {"历史", "history"},
}

// sheetKindOf returns the kind of a sheet or CSV file named name, or -1.
func sheetKindOf(name string) sheetKind {
	name = strings.ToLower(strings.TrimSpace(duban.FoldWidth(name)))
	for k, names := range sheetNames {
		if name == names[0] || name == names[1] {
			return sheetKind(k)
		}
	}
	return -1
}

// table is one sheet or CSV file as rows of cells, with the row numbers a
// spreadsheet program shows for them.
type table struct {
	kind     sheetKind
	file     string // as named in problems
	sheet    string // worksheet name; empty for CSV
	rows     [][]string
	rowNums  []int
	xlsx     bool // cells are raw xlsx values: numbers may be date serials
	date1904 bool
}

// Read reads a task list from path: an .xlsx workbook, or a directory of
// CSV files (units.csv or 单位.csv, people.csv or 人员.csv, tasks.csv or
// 任务.csv). A task list with any problem is rejected whole: the error is
// then Problems, listing every one of them.
func Read(path string) (Ledger, error) {
	clean := filepath.Clean(path)
	if _, err := os.Stat(clean); err != nil {
		return Ledger{}, fmt.Errorf("read task list: %w", err)
	}
	return ReadFS(os.DirFS(filepath.Dir(clean)), filepath.Base(clean))
}

// ReadFS reads a task list named name in fsys: an .xlsx file or a directory
// of CSV files ("." for the root of fsys). See Read.
func ReadFS(fsys fs.FS, name string) (Ledger, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return Ledger{}, fmt.Errorf("read task list: %w", err)
	}
	var (
		tables [numSheets]*table
		ps     Problems
	)
	switch ext := strings.ToLower(path.Ext(name)); {
	case info.IsDir():
		tables, ps, err = readCSVDir(fsys, name)
	case ext == ".xlsx" || ext == ".xlsm":
		data, rerr := readLimited(fsys, name)
		if rerr != nil {
			return Ledger{}, rerr
		}
		tables, ps = readXLSX(path.Base(name), data)
	case ext == ".xls" || ext == ".et":
		ps = Problems{{File: path.Base(name), Msg: "不支持旧版 .xls/.et 格式，请在 Excel 或 WPS 中另存为 .xlsx 后再导入"}}
	case ext == ".csv":
		ps = Problems{{File: path.Base(name), Msg: "CSV 格式须给出整个目录（含 units.csv、people.csv、tasks.csv），而不是单个文件"}}
	default:
		ps = Problems{{File: path.Base(name), Msg: "无法识别的任务清单格式：应为 .xlsx 工作簿或 CSV 文件所在的目录"}}
	}
	if err != nil {
		return Ledger{}, err
	}
	l, more := parseLedger(tables)
	if ps = append(ps, more...); len(ps) > 0 {
		sortProblems(ps)
		return Ledger{}, ps
	}
	return l, nil
}

func readLimited(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read task list: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read task list %s: %w", name, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("read task list %s: larger than %d MiB", name, maxFileSize>>20)
	}
	return data, nil
}

// readXLSX loads the known sheets of a workbook. Cells are read raw, so a
// date cell arrives as its serial number whatever its display format.
func readXLSX(file string, data []byte) (tables [numSheets]*table, ps Problems) {
	defer func() {
		// excelize is not hardened against every malformed file; a damaged
		// upload must be reported, not crash the server.
		if r := recover(); r != nil {
			tables, ps = [numSheets]*table{}, Problems{{File: file, Msg: fmt.Sprintf("工作簿已损坏，无法读取（%v）", r)}}
		}
	}()
	if msg := checkZipSize(data); msg != "" {
		return tables, Problems{{File: file, Msg: msg}}
	}
	opts := excelize.Options{RawCellValue: true, UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzipped}
	f, err := excelize.OpenReader(bytes.NewReader(data), opts)
	if err != nil {
		return tables, Problems{{File: file, Msg: fmt.Sprintf("无法打开工作簿，请确认是 .xlsx 格式（%v）", err)}}
	}
	defer f.Close()
	date1904 := false
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		date1904 = *props.Date1904
	}
	for _, sheet := range f.GetSheetList() {
		k := sheetKindOf(sheet)
		if k < 0 {
			continue // other sheets (notes, pivots) are the office's own
		}
		if prev := tables[k]; prev != nil {
			ps = append(ps, Problem{File: file, Sheet: sheet, order: int(k), Msg: fmt.Sprintf("与工作表「%s」重复，只能保留一个", prev.sheet)})
			continue
		}
		rows, err := f.GetRows(sheet, opts)
		if err != nil {
			ps = append(ps, Problem{File: file, Sheet: sheet, order: int(k), Msg: fmt.Sprintf("无法读取工作表（%v）", err)})
			continue
		}
		t := &table{kind: k, file: file, sheet: sheet, rows: rows, xlsx: true, date1904: date1904}
		t.rowNums = make([]int, len(rows))
		for i := range rows {
			t.rowNums[i] = i + 1
		}
		tables[k] = t
	}
	for k := range sheetHistory {
		if tables[k] == nil {
			ps = append(ps, Problem{File: file, order: int(k), Msg: fmt.Sprintf("缺少工作表「%s」（或 %s）", sheetNames[k][0], sheetNames[k][1])})
		}
	}
	return tables, ps
}

// maxUnzipped bounds the unpacked size of a workbook. excelize allocates
// what a zip entry declares before reading it, so a damaged or hostile file
// is refused up front rather than allowed to claim a gigabyte.
const maxUnzipped = 64 << 20

// checkZipSize returns a problem message when the workbook unpacks to more
// than maxUnzipped; files that are not zips are left to excelize to reject.
func checkZipSize(data []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return ""
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > maxUnzipped || total > maxUnzipped {
			return fmt.Sprintf("工作簿解压后超过 %d MB，不像是任务清单", maxUnzipped>>20)
		}
	}
	return ""
}

// readCSVDir loads the known CSV files of a directory.
func readCSVDir(fsys fs.FS, dir string) (tables [numSheets]*table, ps Problems, err error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return tables, nil, fmt.Errorf("read task list: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.EqualFold(path.Ext(name), ".csv") {
			continue
		}
		k := sheetKindOf(strings.TrimSuffix(name, path.Ext(name)))
		if k < 0 {
			continue
		}
		file := path.Join(dir, name)
		if prev := tables[k]; prev != nil {
			ps = append(ps, Problem{File: file, order: int(k), Msg: fmt.Sprintf("与 %s 重复，只能保留一个", prev.file)})
			continue
		}
		data, err := readLimited(fsys, file)
		if err != nil {
			return tables, nil, err
		}
		t, p := readCSV(file, data)
		if p != nil {
			p.order = int(k)
			ps = append(ps, *p)
			continue
		}
		t.kind = k
		tables[k] = t
	}
	for k := range sheetHistory {
		if tables[k] == nil && !hasProblemFor(ps, k) {
			label := dir
			if label == "." {
				label = ""
			}
			ps = append(ps, Problem{File: label, order: int(k), Msg: fmt.Sprintf("缺少文件 %s.csv（或 %s.csv）", sheetNames[k][1], sheetNames[k][0])})
		}
	}
	return tables, ps, nil
}

func hasProblemFor(ps Problems, k sheetKind) bool {
	for _, p := range ps {
		if p.order == int(k) {
			return true
		}
	}
	return false
}

// decodeCSV returns the text of a CSV file saved as UTF-8 (with or without
// BOM) or, as Excel on Chinese Windows saves "CSV (逗号分隔)", GB18030.
func decodeCSV(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return "", errors.New("文件为 UTF-16 编码，请另存为「CSV UTF-8（逗号分隔）」")
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return "", errors.New("文件既不是 UTF-8 也不是 GBK/GB18030 编码，请另存为「CSV UTF-8（逗号分隔）」")
	}
	return string(text), nil
}

// readCSV splits a CSV file into rows numbered as a spreadsheet program
// shows them: a blank line is a row, a quoted cell spanning lines is one.
func readCSV(file string, data []byte) (*table, *Problem) {
	text, err := decodeCSV(data)
	if err != nil {
		return nil, &Problem{File: file, Msg: err.Error()}
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	t := &table{file: file}
	extra := 0 // lines taken by line breaks inside quoted cells so far
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			row := 0
			if errors.As(err, &pe) {
				row = pe.StartLine - extra
			}
			return nil, &Problem{File: file, Row: row, Msg: fmt.Sprintf("CSV 格式错误（%v）", err)}
		}
		start, _ := r.FieldPos(0)
		last, _ := r.FieldPos(len(rec) - 1)
		end := last + strings.Count(rec[len(rec)-1], "\n")
		t.rows = append(t.rows, rec)
		t.rowNums = append(t.rowNums, start-extra)
		extra += end - start
	}
	return t, nil
}
