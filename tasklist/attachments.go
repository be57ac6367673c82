package tasklist

// The evidence (佐证材料) of an export: the files are written beside the
// workbook, one folder per task, and the workbook lists them in the sheet
// 附件 (attachments.csv), which Read ignores.

import (
	"fmt"
	"path"
	"strings"

	"github.com/duban-org/duban"
	"github.com/xuri/excelize/v2"
)

// ExportedAttachment is an attachment as the export lists it: Path is where
// its file is, relative to the workbook's folder, with '/' separators.
type ExportedAttachment struct {
	duban.Attachment
	Path string
}

var attachmentHeader = []string{"任务编号", "文件名", "类型", "大小（字节）", "SHA-256", "上传人", "上传时间", "来源", "文件位置"}

const attachmentSheet, attachmentCSV = "附件", "attachments.csv"

func attachmentRows(list []ExportedAttachment) [][]any {
	rows := [][]any{make([]any, len(attachmentHeader))}
	for i, h := range attachmentHeader {
		rows[0][i] = h
	}
	for _, a := range list {
		via := map[string]string{duban.AttachedViaChat: "聊天", duban.AttachedViaWeb: "网页"}[a.Via]
		rows = append(rows, []any{a.Task, a.Name, a.Type, a.Size, a.SHA256, a.By, formatTime(a.At), via, a.Path})
	}
	return rows
}

func writeAttachmentSheet(f *excelize.File, list []ExportedAttachment, bold int) error {
	if _, err := f.NewSheet(attachmentSheet); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	for i, r := range attachmentRows(list) {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(attachmentSheet, cell, &r); err != nil {
			return fmt.Errorf("export xlsx sheet %s: %w", attachmentSheet, err)
		}
	}
	if err := f.SetCellStyle(attachmentSheet, "A1", "I1", bold); err != nil {
		return fmt.Errorf("export xlsx sheet %s: %w", attachmentSheet, err)
	}
	for j, wd := range []float64{12, 32, 24, 12, 20, 14, 20, 8, 44} {
		col, _ := excelize.ColumnNumberToName(j + 1)
		if err := f.SetColWidth(attachmentSheet, col, col, wd); err != nil {
			return fmt.Errorf("export xlsx sheet %s: %w", attachmentSheet, err)
		}
	}
	return nil
}

// AttachmentPaths gives each attachment its place in an export: the folder
// of its task, then its name, both made safe for any file system (no path
// separators, no leading dots), a name used twice in a folder numbered
// (纪要 (2).pdf). The attachments are taken in the order given.
func AttachmentPaths(dir string, list []duban.Attachment) []ExportedAttachment {
	out := make([]ExportedAttachment, len(list))
	used := map[string]bool{}
	for i, a := range list {
		folder := duban.SanitizeName(strings.NewReplacer("/", "_", `\`, "_").Replace(a.Task))
		if folder == "" {
			folder = "任务"
		}
		name := duban.SanitizeName(a.Name)
		if name == "" || name == duban.ExtensionOf(a.Type) {
			name = "附件" + duban.ExtensionOf(a.Type)
		}
		p := path.Join(dir, folder, name)
		ext := path.Ext(name)
		for n := 2; used[strings.ToLower(p)]; n++ {
			p = path.Join(dir, folder, fmt.Sprintf("%s (%d)%s", strings.TrimSuffix(name, ext), n, ext))
		}
		used[strings.ToLower(p)] = true
		out[i] = ExportedAttachment{Attachment: a, Path: p}
	}
	return out
}
