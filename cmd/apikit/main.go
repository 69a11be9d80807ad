// Command apikit validates recorded HTTP exchanges against the DoorFlow and Sonderplan contracts.
//
// Usage:
//
//	apikit validate [flags] PATH...
//	apikit diff [flags] OLD NEW
//	apikit mock [flags]
//	apikit proxy --target URL [flags]
//
// Run `apikit help` for the subcommands and `apikit validate -h` for the flags.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/apikit/apikit/output"
)

// Exit codes shared by every subcommand.
const (
	exitOK        = 0 // every matched exchange conforms
	exitViolation = 1 // at least one violation
	exitUsage     = 2 // usage or input error
)

// env is what a subcommand may use of the process: its streams and environment, so tests can run it in-process.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	isTerminal     bool // stdout is a terminal
	// setMemoryLimit is debug.SetMemoryLimit in the apikit process (apikit proxy sets a soft limit from
	// --max-body: proxy.go); nil in tests, which share their process.
	setMemoryLimit func(int64) int64
	// formats are the outputs apikit validate offers (--format); nil means the shipped ones, output.Formats().
	formats []output.Format
	tuneGC  bool // apikit validate and apikit proxy tune the collector (gctune.go): main's process, not tests
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// tuneGC: the GC tuner is process-wide (gctune.go), so only the process's own apikit validate or proxy starts it.
	e := env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, isTerminal: isTerminal(os.Stdout), tuneGC: true,
		setMemoryLimit: debug.SetMemoryLimit}
	os.Exit(run(ctx, os.Args[1:], e))
}

func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "validate":
		return cmdValidate(ctx, args[1:], e)
	case "diff":
		return cmdDiff(ctx, args[1:], e)
	case "mock":
		return cmdMock(ctx, args[1:], e)
	case "proxy":
		return cmdProxy(ctx, args[1:], e)
	case "help", "-h", "-help", "--help":
		usage(e.stdout)
		return exitOK
	default:
		fmt.Fprintf(e.stderr, "apikit: unknown command %q\n", args[0])
		usage(e.stderr)
		return exitUsage
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `apikit: contract tools for the DoorFlow and Sonderplan APIs

Usage:
  apikit validate [flags] PATH...   validate HAR files, go-vcr cassettes, directories, or one bare body
  apikit diff [flags] OLD NEW       list the changes between two spec versions, breaking ones first
  apikit mock [flags]               serve both APIs from a seeded data set on 127.0.0.1:8080
  apikit proxy --target URL [flags] forward to URL on 127.0.0.1:8081, validating and recording every exchange

Run 'apikit COMMAND -h' for a command's flags.
`)
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
