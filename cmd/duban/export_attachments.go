package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
	"github.com/duban-org/duban/tasklist"
)

// exportAttachments writes every task's evidence beside the export out — in
// the folder <out>-附件 beside a workbook, or 附件 inside a CSV directory —
// one sub-folder per task, each file checked against its SHA-256, and
// returns them as the workbook lists them, and the folder.
func exportAttachments(ctx context.Context, st *store.Store, tasks []duban.Task, out string) ([]tasklist.ExportedAttachment, string, error) {
	var all []duban.Attachment
	for _, t := range tasks {
		list, err := st.Attachments(ctx, t.ID)
		if err != nil {
			return nil, "", err
		}
		all = append(all, list...)
	}
	if len(all) == 0 {
		return nil, "", nil
	}
	base, rel := filepath.Dir(out), "附件"
	if strings.EqualFold(filepath.Ext(out), ".xlsx") {
		rel = strings.TrimSuffix(filepath.Base(out), filepath.Ext(out)) + "-附件"
	} else {
		base = out
	}
	exported := tasklist.AttachmentPaths(rel, all)
	for _, a := range exported {
		if err := writeAttachment(ctx, st, a.Attachment, filepath.Join(base, filepath.FromSlash(a.Path))); err != nil {
			return nil, "", err
		}
	}
	return exported, filepath.Join(base, rel), nil
}

func writeAttachment(ctx context.Context, st *store.Store, a duban.Attachment, file string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("export the attachments: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".export-*")
	if err != nil {
		return fmt.Errorf("export the attachments: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := st.WriteAttachment(ctx, a, tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("export %s: %w", file, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export %s: %w", file, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("export %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("export %s: %w", file, err)
	}
	return nil
}
