package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

func init() {
	commands["version"] = command{"显示本程序的版本、提交和构建日期", runVersion}
}

// Stamped by the release build (cmd/release) with -ldflags -X; a plain
// `go build` falls back to what the Go toolchain recorded from git.
var (
	version   = "dev"
	commit    = ""
	buildDate = ""
)

func runVersion(_ context.Context, e *env, args []string) error {
	fs, _ := flags(e, "version", "")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	v, c, d := buildInfo()
	fmt.Fprintf(e.stdout, "duban %s\n提交：%s\n构建日期：%s\n平台：%s/%s，%s\n", v, c, d, runtime.GOOS, runtime.GOARCH, runtime.Version())
	return nil
}

// buildInfo is the stamped version, commit and date, completed from the
// toolchain's VCS stamp where the build did not set them.
func buildInfo() (ver, rev, date string) {
	ver, rev, date = version, commit, buildDate
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && rev == "":
				rev = s.Value
			case s.Key == "vcs.time" && date == "":
				date = s.Value
			case s.Key == "vcs.modified" && s.Value == "true" && commit == "":
				rev += "（含未提交的修改）"
			}
		}
	}
	if rev == "" {
		rev = "未知"
	}
	if date == "" {
		date = "未知"
	}
	return ver, rev, date
}
