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
			fmt.Fprintf(stderr, "duban help: unknown command %q\n\n", args[1])
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
		fmt.Fprintf(stderr, "duban: unknown command %q\n\n", args[0])
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
	fmt.Fprintf(stderr, "duban %s: %v\n", args[0], err)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "duban — 督办: reform task lists, reminders, progress by chat, policy Q&A (WeCom app)")
	fmt.Fprintln(w, "\nUsage: duban <command> [--config FILE] [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nWithout --config, duban.toml in the working directory is used when present,\notherwise built-in defaults with the store in ./data. `duban help <command>` (or `duban <command> -h`) shows its flags.")
}

// flags returns a flag set for a command with the common --config flag.
func flags(e *env, name, args string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("duban "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfg := fs.String("config", "", "configuration file (default duban.toml if present, else built-in defaults)")
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: duban %s [flags] %s\n\n%s\n\nFlags:\n", name, args, commands[name].summary)
		fs.PrintDefaults()
	}
	return fs, cfg
}

// parse parses args, turning a flag error into errUsage (already printed).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
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
