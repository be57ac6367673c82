package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/duban-org/duban/config"
	"github.com/duban-org/duban/diskspace"
	"github.com/duban-org/duban/store"
)

func init() {
	commands["backup"] = command{"把数据库完整备份到 FILE，写完即读回校验（duban serve 运行时由它按 [store] backup_dir 每天自动备份）；--verify FILE 校验一个备份", runBackup}
	commands["restore"] = command{"校验备份 FILE，先恢复到新目录并检查，再作为数据库（[store] dir 须不存在或为空）", runRestore}
}

func runBackup(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "backup", "FILE")
	verify := fs.Bool("verify", false, "只校验备份文件 FILE（不打开数据库，serve 运行时也可用）")
	if err := parseOne(fs, args); err != nil {
		return err
	}
	if *verify {
		f, err := store.OpenBackup(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		info, err := store.VerifyBackup(f)
		if err != nil {
			return err
		}
		if info.Legacy {
			fmt.Fprintf(e.stdout, "备份 %s 结构完好（%s），但它是旧版本 duban 写的，没有校验和与结束标记，无法确认完整；恢复时需加 --legacy。\n", fs.Arg(0), describeBackup(info))
			return nil
		}
		fmt.Fprintf(e.stdout, "备份 %s 完好：%s。\n", fs.Arg(0), describeBackup(info))
		return nil
	}
	a, err := openApp(ctx, e, *cfgPath)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w\nduban serve 运行时由它自己每天备份：在配置中设置 [store] backup_dir（和 backup_at）", err)
	}
	if err != nil {
		return err
	}
	defer a.Close()
	info, err := writeVerifiedBackup(ctx, a.st, fs.Arg(0), spaceGuard(a.cfg, filepath.Dir(fs.Arg(0)), e))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "备份已写入 %s 并校验无误：%s。\n", fs.Arg(0), describeBackup(info))
	return nil
}

func describeBackup(info store.BackupInfo) string {
	s := fmt.Sprintf("%d 个单位、%d 项任务，共 %d 条记录，%d 字节", info.Units, info.Tasks, info.Keys, info.Size)
	if !info.Written.IsZero() {
		s = "写于 " + info.Written.Local().Format("2006-01-02 15:04:05") + "，" + s
	}
	return s
}

// writeVerifiedBackup writes a backup of st to path, which must not exist:
// into a temporary file beside it, synced, read back and checked, and only
// then given its name, so a file with that name is always a whole backup.
func writeVerifiedBackup(ctx context.Context, st *store.Store, path string, space *diskspace.Guard) (store.BackupInfo, error) {
	var info store.BackupInfo
	if _, err := os.Lstat(path); err == nil {
		return info, fmt.Errorf("备份文件 %s 已存在，没有覆盖它；请换一个文件名", path)
	}
	if err := space.CheckFor(2 * st.TableBytes()); err != nil {
		return info, fmt.Errorf("%w；没有写备份", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".duban-backup-*")
	if err != nil {
		return info, fmt.Errorf("创建备份文件：%w", err)
	}
	defer os.Remove(tmp.Name())
	err = st.Backup(ctx, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		tmp.Close()
		return info, fmt.Errorf("写备份文件 %s：%w", path, err)
	}
	info, err = store.VerifyBackup(tmp)
	tmp.Close()
	if err != nil {
		return info, fmt.Errorf("刚写好的备份没有通过校验，已删除：%w", err)
	}
	// A hard link gives the name without replacing a file that appeared
	// meanwhile.
	if err := os.Link(tmp.Name(), path); err != nil {
		return info, fmt.Errorf("命名备份文件 %s：%w", path, err)
	}
	return info, nil
}

func runRestore(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "restore", "FILE")
	legacy := fs.Bool("legacy", false, "接受旧版 duban 写的备份（没有校验和与结束标记）")
	if err := parseOne(fs, args); err != nil {
		return err
	}
	cfg, err := config.LoadDefault(*cfgPath)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(fs.Arg(0)); err == nil {
		// The store's directory may not exist yet: its parent's disk.
		space := spaceGuard(cfg, filepath.Dir(filepath.Clean(cfg.Store.Dir)), e)
		if err := space.CheckFor(2 * uint64(fi.Size())); err != nil {
			return fmt.Errorf("%w；没有恢复", err)
		}
	}
	info, err := store.RestoreBackup(ctx, fs.Arg(0), cfg.Store.Dir, store.RestoreOptions{Legacy: *legacy, Logger: e.log})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已把备份 %s 恢复到 %s：%s。\n", fs.Arg(0), cfg.Store.Dir, describeBackup(info))
	return nil
}
