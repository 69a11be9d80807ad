// STAND-IN, NOT THE REAL CLI: main's cmd/apikit/main.go (written on another branch) defines exitOK,
// exitViolation, exitUsage, env, run and main. This file copies just enough of them for branch diff to build and
// test `apikit diff` (diff.go). Delete this file when merging diff into main, and add the "diff" case to main's
// run switch.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// Exit codes, as in main's cmd/apikit/main.go.
const (
	exitOK        = 0
	exitViolation = 1
	exitUsage     = 2
)

// env is what a command may touch of the process, as in main's cmd/apikit/main.go.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	isTerminal     bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	fi, err := os.Stdout.Stat()
	tty := err == nil && fi.Mode()&os.ModeCharDevice != 0
	code := run(ctx, os.Args[1:], env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, isTerminal: tty})
	stop()
	os.Exit(code)
}

// run dispatches to a command. Stand-in: only diff.
func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "usage: apikit diff [--format text|json] [--changelog FILE] OLD NEW")
		return exitUsage
	}
	switch args[0] {
	case "diff":
		return cmdDiff(ctx, args[1:], e)
	default:
		fmt.Fprintf(e.stderr, "apikit: unknown command %q (this stand-in build has only diff)\n", args[0])
		return exitUsage
	}
}
