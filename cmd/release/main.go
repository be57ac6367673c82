// Command release builds duban's release: stripped, reproducible binaries for
// linux/amd64, arm64 (Kunpeng, Phytium) and loong64 (Loongson), each packaged
// as a .tar.gz, a .deb and an .rpm, with SHA256SUMS.
//
//	go run ./cmd/release [-version 1.2.0] [-out dist] [-arch amd64,arm64,loong64]
//
// Two runs on the same commit give the same bytes: the build is -trimpath with
// an empty build id, and every timestamp is the commit's time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "release:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	out := fs.String("out", "dist", "output directory (emptied first)")
	version := fs.String("version", "", "release version, e.g. 1.2.0 (default: the latest v* tag, or 0.0.0-dev+COMMIT)")
	arches := fs.String("arch", "amd64,arm64,loong64", "comma-separated GOARCH list")
	if err := fs.Parse(args); err != nil {
		return err
	}
	src, err := readSource(ctx, *version)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(*out); err != nil {
		return fmt.Errorf("empty %s: %w", *out, err)
	}
	var artifacts []string
	for _, arch := range strings.Split(*arches, ",") {
		arch = strings.TrimSpace(arch)
		bin := filepath.Join(*out, "build", "linux_"+arch, "duban")
		if err := buildBinary(ctx, src, arch, bin); err != nil {
			return err
		}
		files, err := packageAll(src, arch, bin, *out)
		if err != nil {
			return err
		}
		artifacts = append(artifacts, files...)
		slog.Info("packaged", "arch", arch, "files", len(files))
	}
	if err := os.RemoveAll(filepath.Join(*out, "build")); err != nil {
		return fmt.Errorf("remove build directory: %w", err)
	}
	sums, err := writeSums(*out, artifacts)
	if err != nil {
		return err
	}
	fmt.Printf("duban %s（提交 %.12s）：%d 个发布包已写入 %s，校验和见 %s\n", src.version, src.commit, len(artifacts), *out, sums)
	return nil
}

// source is what identifies a release: where the tree is, its version,
// commit and the commit's time (used for every timestamp).
type source struct {
	root    string
	version string
	commit  string
	time    time.Time
}

func readSource(ctx context.Context, version string) (source, error) {
	root, err := git(ctx, "rev-parse", "--show-toplevel")
	if err != nil {
		return source{}, fmt.Errorf("release must run inside the duban git repository: %w", err)
	}
	commit, err := git(ctx, "rev-parse", "HEAD")
	if err != nil {
		return source{}, err
	}
	ts, err := git(ctx, "log", "-1", "--format=%ct")
	if err != nil {
		return source{}, err
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return source{}, fmt.Errorf("commit time %q: %w", ts, err)
	}
	if version == "" {
		version = "0.0.0-dev+" + commit[:12]
		if tag, err := git(ctx, "describe", "--tags", "--exact-match", "--match", "v*"); err == nil {
			version = tag
		}
	}
	version = strings.TrimPrefix(version, "v")
	return source{root: root, version: version, commit: commit, time: time.Unix(secs, 0).UTC()}, nil
}

func git(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "git", args...).Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// buildBinary compiles cmd/duban for linux/arch, stripped and stamped.
func buildBinary(ctx context.Context, src source, arch, out string) error {
	ldflags := strings.Join([]string{
		"-s", "-w", "-buildid=",
		"-X main.version=" + src.version,
		"-X main.commit=" + src.commit,
		"-X main.buildDate=" + src.time.Format(time.RFC3339),
	}, " ")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", out, "./cmd/duban")
	cmd.Dir = src.root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build linux/%s: %w", arch, err)
	}
	return nil
}
