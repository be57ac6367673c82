package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/duban-org/duban/config"
	"github.com/duban-org/duban/diskspace"
	"github.com/duban-org/duban/llm"
	"github.com/duban-org/duban/policy"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/store"
)

// app is a loaded configuration with its store open.
type app struct {
	cfg    config.Config
	remind remind.Policy
	st     *store.Store
	e      *env
	loc    *time.Location
	now    func() time.Time
	llm    *llm.Client    // set by handler; nil without an LLM
	policy *policy.Engine // set by handler
	// space guards the disk under the store; waitForSpace (serve) makes
	// roomToWrite wait for space instead of refusing.
	space        *diskspace.Guard
	waitForSpace bool
}

// openApp loads the configuration at path (see config.LoadDefault) and opens
// its store. The caller must Close it.
func openApp(ctx context.Context, e *env, path string) (*app, error) {
	return openAppAt(ctx, e, path, false)
}

// openExisting opens the app for a command that only reads the store: a
// store directory that does not exist is an error (exit 2) and is not
// created, so running duban in the wrong directory leaves no empty store.
func openExisting(ctx context.Context, e *env, path string) (*app, error) {
	return openAppAt(ctx, e, path, true)
}

func openAppAt(ctx context.Context, e *env, path string, existing bool) (*app, error) {
	cfg, err := config.LoadDefault(path)
	if err != nil {
		return nil, err
	}
	if existing {
		if _, err := os.Stat(cfg.Store.Dir); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s 没有督办数据（存储目录不存在，未创建）。请先导入任务清单：duban import 任务清单.xlsx；或用 --config 指定配置了已有存储的配置文件", cfg.Store.Dir)
		}
	}
	if e.logFromConfig {
		e.log = newLogger(e.stderr, cfg.Log, e.getenv("DUBAN_LOG_LEVEL"))
	}
	for _, w := range cfg.Warnings {
		e.log.Warn(w)
	}
	rp := remind.Defaults()
	if err := cfg.DecodeRemind(&rp); err != nil {
		return nil, err
	}
	if err := rp.Validate(); err != nil {
		if fe, ok := errors.AsType[*remind.FieldError](err); ok {
			return nil, fmt.Errorf("%s，%w", cfg.Place(fe.Field), err)
		}
		return nil, err
	}
	space := spaceGuard(cfg, cfg.Store.Dir, e)
	st, err := store.Open(cfg.Store.Dir, store.Options{Logger: e.log, Room: space.Check, BackupDir: cfg.Store.BackupDir})
	if err != nil {
		return nil, err
	}
	return &app{cfg: cfg, remind: rp, st: st, e: e, loc: rp.Location(), now: time.Now, space: space}, nil
}

func spaceGuard(cfg config.Config, dir string, e *env) *diskspace.Guard {
	return diskspace.New(dir, diskspace.Options{MinFree: uint64(cfg.Store.MinFreeMB) << 20, Free: e.freeSpace, Logger: e.log})
}

// roomToWrite is called before a write-heavy step (an import, a reminder
// pass, a bulletin, an ingest): under serve it waits until the disk has
// room again, elsewhere it refuses at once.
func (a *app) roomToWrite(ctx context.Context) error {
	if a.waitForSpace {
		return a.space.Wait(ctx)
	}
	if err := a.space.Check(); err != nil {
		return fmt.Errorf("%w；没有写入任何内容", err)
	}
	return nil
}

func (a *app) Close() error { return a.st.Close() }

// at reads a --now flag in the office's zone (see remind.Policy.ParseNow);
// empty means the real clock.
func (a *app) at(flag string) (time.Time, error) {
	if flag == "" {
		return a.now().In(a.loc), nil
	}
	t, err := a.remind.ParseNow(flag)
	if err != nil {
		return t, fmt.Errorf("--now：%w", err)
	}
	return t, nil
}
