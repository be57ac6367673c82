package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// backupLoop writes a backup into [store] backup_dir every day at
// backup_at, keeping the newest backup_keep files. It returns when ctx ends.
func (a *app) backupLoop(ctx context.Context) error {
	at, err := time.Parse("15:04", a.cfg.Store.BackupAt)
	if err != nil {
		return fmt.Errorf("[store] backup_at: %w", err)
	}
	for {
		now := a.now().In(a.loc)
		next := time.Date(now.Year(), now.Month(), now.Day(), at.Hour(), at.Minute(), 0, 0, a.loc)
		if !next.After(now) {
			next = next.AddDate(0, 0, 1)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(next.Sub(now)):
		}
		if err := a.roomToWrite(ctx); err != nil {
			return err // ctx ended
		}
		path, err := a.writeBackup(ctx, a.now().In(a.loc))
		if err != nil {
			a.e.log.Error("scheduled backup failed", "dir", a.cfg.Store.BackupDir, "err", err)
			continue
		}
		a.e.log.Info("backup written", "file", path)
	}
}

// writeBackup writes one backup file named by its time, checked and
// atomically (a partial file never carries the final name), then prunes
// old ones.
func (a *app) writeBackup(ctx context.Context, now time.Time) (string, error) {
	dir := a.cfg.Store.BackupDir
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("create backup directory: %w", err)
	}
	path := filepath.Join(dir, "duban-"+now.Format("20060102-150405")+".bak")
	if _, err := writeVerifiedBackup(ctx, a.st, path, spaceGuard(a.cfg, dir, a.e)); err != nil {
		return "", err
	}
	return path, pruneBackups(dir, a.cfg.Store.BackupKeep)
}

func pruneBackups(dir string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list backups: %w", err)
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, "duban-") && strings.HasSuffix(n, ".bak") {
			names = append(names, n)
		}
	}
	slices.Sort(names) // the names sort by time
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return fmt.Errorf("prune backup: %w", err)
		}
		names = names[1:]
	}
	return nil
}
