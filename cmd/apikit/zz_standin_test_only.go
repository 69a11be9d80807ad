// Stand-ins for the names cmd/apikit/main.go and flags.go define on main (not yet on this branch), so that
// `apikit mock` builds and its tests run here. DELETE this file before merging: main.go defines them.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	isTerminal     bool
}

const (
	exitOK        = 0
	exitViolation = 1
	exitUsage     = 2
)

var _ = [...]any{exitViolation, env{}.isTerminal}

func main() {
	e := env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	if len(os.Args) < 2 || os.Args[1] != "mock" {
		fmt.Fprintln(os.Stderr, "usage: apikit mock [flags] (stand-in main)")
		os.Exit(exitUsage)
	}
	os.Exit(cmdMock(context.Background(), os.Args[2:], e))
}
