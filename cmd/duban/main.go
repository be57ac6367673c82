// Command duban is the 督办 bot: a WeCom self-built app that chases a
// reform's task lists, takes progress reports by chat and answers policy
// questions from the reform documents.
//
// Usage: duban <command> [flags]; `duban help` lists the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strings"
	"syscall"

	"github.com/duban-org/duban/config"
)

// command is one subcommand. run returns errDeclined (exit 1) when it ran
// but found nothing, as grep does; any other error exits 2.
type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

var commands = map[string]command{}

// errDeclined is returned by commands that succeed without a result.
var errDeclined = errors.New("declined")

// errUsage marks an error already explained by the flag package.
var errUsage = errors.New("usage")

// env is what a command may touch of the outside world, so tests can run
// commands in process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
	getenv         func(string) string
	// freeSpace replaces the filesystem's free-space figure (tests); nil
	// reads the filesystem.
	freeSpace func(dir string) (uint64, error)
	// logFromConfig makes openApp replace log by the one [log] describes.
	logFromConfig bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv,
		log: newLogger(stderr, config.Default().Log, os.Getenv("DUBAN_LOG_LEVEL")), logFromConfig: true}
	return runEnv(ctx, e, args)
}

// runEnv runs the command named by args[0] in e and returns its exit code.
func runEnv(ctx context.Context, e *env, args []string) int {
	stdout, stderr := e.stdout, e.stderr
	switch {
	case len(args) == 0:
		usage(stderr)
		return 2
	case len(args) > 1 && (args[0] == "help"):
		// duban help CMD: that command's usage and flags, on stdout.
		cmd, ok := commands[args[1]]
		if !ok {
			fmt.Fprintf(stderr, "duban help：没有命令 %q\n\n", args[1])
			usage(stderr)
			return 2
		}
		e.stderr = stdout
		if err := cmd.run(ctx, e, []string{"-h"}); err != nil && !errors.Is(err, flag.ErrHelp) {
			return 2
		}
		return 0
	case args[0] == "help" || args[0] == "-h" || args[0] == "--help":
		usage(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "duban：没有命令 %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	err := cmd.run(ctx, e, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errDeclined):
		return 1
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "duban %s: %s\n", args[0], plainError(err))
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "duban 督办：改革任务清单、到期提醒、对话报送进展、政策问答（企业微信自建应用）")
	fmt.Fprintln(w, "\n用法：duban 命令 [--config 配置文件] [选项]\n\n命令：")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\n不写 --config 时，使用当前目录的 duban.toml（如有），否则使用内置默认值，数据库在 ./data。\nduban help 命令（或 duban 命令 -h）显示该命令的选项。")
}

// flags returns a flag set for a command with the common --config flag.
func flags(e *env, name, args string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("duban "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfg := fs.String("config", "", "配置文件（默认使用当前目录的 duban.toml，没有则用内置默认值）")
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "用法：duban %s [选项] %s\n\n%s\n\n选项：\n", name, args, commands[name].summary)
		printFlags(fs)
	}
	return fs, cfg
}

// printFlags lists a command's flags in Chinese: the flag package's own
// PrintDefaults names value types in English (string, int).
func printFlags(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		arg := " 值"
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			arg = ""
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			def = fmt.Sprintf("（默认 %s）", f.DefValue)
		}
		fmt.Fprintf(fs.Output(), "  --%s%s\n    \t%s%s\n", f.Name, arg, f.Usage, def)
	})
}

// parse parses args, turning a flag error into errUsage, printed in Chinese
// with the command's usage.
func parse(fs *flag.FlagSet, args []string) error {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard) // the flag package's own messages are English
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(out)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return err
	}
	fmt.Fprintf(out, "%s：%s\n", fs.Name(), flagError(err))
	fs.Usage()
	return errUsage
}

var (
	reFlagUnknown = regexp.MustCompile(`^flag provided but not defined: (\S+)$`)
	reFlagNoArg   = regexp.MustCompile(`^flag needs an argument: (\S+)$`)
	reFlagValue   = regexp.MustCompile(`^invalid (?:boolean )?value (".*") for flag (-[^:\s]+)`)
	reFlagSyntax  = regexp.MustCompile(`^bad flag syntax: (.*)$`)
)

// flagError words a flag package error in Chinese.
func flagError(err error) string {
	msg := err.Error()
	switch {
	case reFlagUnknown.MatchString(msg):
		return "没有选项 " + reFlagUnknown.FindStringSubmatch(msg)[1]
	case reFlagNoArg.MatchString(msg):
		return "选项 " + reFlagNoArg.FindStringSubmatch(msg)[1] + " 后面要写值"
	case reFlagValue.MatchString(msg):
		m := reFlagValue.FindStringSubmatch(msg)
		return "选项 " + m[2] + " 的值 " + m[1] + " 无效"
	case reFlagSyntax.MatchString(msg):
		return "选项写法有误：" + reFlagSyntax.FindStringSubmatch(msg)[1]
	}
	return msg
}

// isHelpFlag reports whether arg asks for a command's usage.
func isHelpFlag(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "--h"
}

// parseNone parses args for a command that takes no argument besides its
// flags: a word left over (duban tasks 市司法局, or a flag written after
// one) is refused by name rather than ignored.
func parseNone(fs *flag.FlagSet, args []string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, fmt.Sprintf("多余的参数「%s」：这个命令只接受选项，选项写成 --名称 值，且都写在前面", strings.Join(fs.Args(), " ")))
	}
	return nil
}

// parseOne parses args for a command that takes exactly one argument.
func parseOne(fs *flag.FlagSet, args []string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	return nil
}

// joinArgs is the remaining arguments as one string (a question typed
// without quotes).
func joinArgs(fs *flag.FlagSet) string { return strings.TrimSpace(strings.Join(fs.Args(), " ")) }
