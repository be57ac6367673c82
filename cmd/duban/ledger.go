package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
	"github.com/duban-org/duban/tasklist"
)

func init() {
	commands["import"] = command{"导入任务清单（.xlsx 工作簿或 CSV 目录）；--dry-run 只显示将要发生的变化", runImport}
	commands["export"] = command{"导出台账（含状态和变更记录）到 OUT.xlsx 或 CSV 目录 OUT", runExport}
}

// importMemoryLimit is the soft memory limit of `duban import` (GOMEMLIMIT
// overrides it): a 100,000-task import then peaks near 400 MB instead of
// 650 MB, for about the same CPU time.
const importMemoryLimit = 350 << 20

func runImport(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "import", "PATH")
	dryRun := fs.Bool("dry-run", false, "只显示将要发生的变化，不写入")
	if err := parseOne(fs, args); err != nil {
		return err
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// A province's list (100,000 tasks) is read, compared and staged
		// in memory; a soft limit makes the collector keep the peak low
		// instead of letting the heap double between collections.
		debug.SetMemoryLimit(importMemoryLimit)
	}
	in, err := tasklist.Read(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "已读取 %s：%d 行（单位 %d，人员 %d，任务 %d），校验通过\n", fs.Arg(0),
		len(in.Units)+len(in.People)+len(in.Tasks), len(in.Units), len(in.People), len(in.Tasks))
	a, err := openApp(ctx, e, *cfgPath)
	if err != nil {
		return err
	}
	defer a.Close()
	if !*dryRun {
		if err := a.roomToWrite(ctx); err != nil {
			return err
		}
	}
	meter := newImportMeter(e.stderr, time.Now)
	changes, stats, err := importLedgerWatched(ctx, a.st, in, *dryRun, a.now(), meter.update)
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, changes.String())
	if *dryRun {
		fmt.Fprintln(e.stdout, "试运行：未写入任何数据。")
		return nil
	}
	fmt.Fprintf(e.stdout, "已导入 %s：单位 %d 个，人员 %d 人；任务新增 %d 项，变更 %d 项，不变 %d 项。\n",
		fs.Arg(0), stats.Units, stats.People, stats.TasksAdded, stats.TasksChanged, stats.TasksUnchanged)
	return nil
}

// importLedger compares in with the store and, unless dryRun, writes it all
// or nothing. A task keeps its stored status unless the sheet's 状态 cell
// was filled in (the re-import rule of tasklist.MergeTask).
func importLedger(ctx context.Context, st *store.Store, in tasklist.Ledger, dryRun bool, now time.Time) (tasklist.Changes, store.ImportStats, error) {
	return importLedgerWatched(ctx, st, in, dryRun, now, nil)
}

// importLedgerWatched is importLedger reporting the write's progress.
func importLedgerWatched(ctx context.Context, st *store.Store, in tasklist.Ledger, dryRun bool, now time.Time, progress func(store.ImportProgress)) (tasklist.Changes, store.ImportStats, error) {
	cur, err := st.Snapshot(ctx)
	if err != nil {
		return tasklist.Changes{}, store.ImportStats{}, err
	}
	changes := tasklist.Diff(tasklist.Ledger{Units: cur.Units, People: cur.People, Tasks: cur.Tasks}, in)
	if dryRun {
		return changes, store.ImportStats{}, nil
	}
	l := duban.Ledger{Units: in.Units, People: in.People, Tasks: make([]duban.Task, len(in.Tasks))}
	for i, t := range in.Tasks {
		if !in.StatusSet[t.ID] {
			t.Status = ""
		}
		l.Tasks[i] = t
	}
	stats, err := st.ImportWatched(ctx, l, "import", now, progress)
	return changes, stats, err
}

// notLedgerExt are file types people name by habit that export does not
// write: anything but .xlsx would otherwise become a CSV directory of that name.
var notLedgerExt = map[string]string{
	".xls": "Excel 97-2003 工作簿", ".et": "WPS 表格", ".csv": "单个 CSV 文件", ".pdf": "PDF",
	".doc": "Word 文档", ".docx": "Word 文档", ".wps": "WPS 文档", ".txt": "文本文件",
	".json": "JSON", ".zip": "压缩包", ".ods": "OpenDocument 表格",
}

// checkExportName refuses an output name whose extension promises a file
// type export does not write.
func checkExportName(out string) error {
	ext := strings.ToLower(filepath.Ext(out))
	if kind, ok := notLedgerExt[ext]; ok {
		return fmt.Errorf("duban export: 不能导出为%s（%s）：请写 .xlsx 文件名（如 台账.xlsx），或不带扩展名的目录名导出为 CSV 目录", kind, out)
	}
	return nil
}

func runExport(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "export", "OUT")
	if err := parseOne(fs, args); err != nil {
		return err
	}
	if err := checkExportName(fs.Arg(0)); err != nil {
		return err
	}
	a, err := openExisting(ctx, e, *cfgPath)
	if err != nil {
		return err
	}
	defer a.Close()
	l, err := a.st.Snapshot(ctx)
	if err != nil {
		return err
	}
	var history []duban.Change
	if err := a.st.AllHistory(ctx, func(c duban.Change) error {
		c.Before = nil
		history = append(history, c)
		return nil
	}); err != nil {
		return err
	}
	attachments, folder, err := exportAttachments(ctx, a.st, l.Tasks, fs.Arg(0))
	if err != nil {
		return err
	}
	if err := tasklist.Write(fs.Arg(0), tasklist.Ledger{Units: l.Units, People: l.People, Tasks: l.Tasks, Attachments: attachments}, history); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已导出单位 %d 个、人员 %d 人、任务 %d 项、变更记录 %d 条到 %s。\n",
		len(l.Units), len(l.People), len(l.Tasks), len(history), fs.Arg(0))
	if len(attachments) > 0 {
		fmt.Fprintf(e.stdout, "已导出佐证材料 %d 份到 %s。\n", len(attachments), folder)
	}
	return nil
}
