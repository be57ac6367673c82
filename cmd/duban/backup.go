package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/duban-org/duban/store"
)

func init() {
	commands["backup"] = command{"write a consistent backup of the store to FILE (while `duban serve` runs, it makes daily backups itself: [store] backup_dir)", runBackup}
	commands["restore"] = command{"load a backup FILE into a new, empty store", runRestore}
}

func runBackup(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "backup", "FILE")
	if err := parseOne(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, e, *cfgPath)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w\nwhile serve runs it writes the backups itself: set [store] backup_dir (and backup_at)", err)
	}
	if err != nil {
		return err
	}
	defer a.Close()
	f, err := os.OpenFile(fs.Arg(0), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create backup: %w", err)
	}
	if err := a.st.Backup(ctx, f); err != nil {
		f.Close()
		os.Remove(fs.Arg(0))
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close backup: %w", err)
	}
	fmt.Fprintf(e.stdout, "backup written to %s\n", fs.Arg(0))
	return nil
}

func runRestore(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "restore", "FILE")
	if err := parseOne(fs, args); err != nil {
		return err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("open backup: %w", err)
	}
	defer f.Close()
	a, err := openApp(ctx, e, *cfgPath)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.st.Restore(ctx, f); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "restored %s into %s\n", fs.Arg(0), a.cfg.Store.Dir)
	return nil
}
