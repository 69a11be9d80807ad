package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/apikit/apikit/specdiff"
)

const diffUsage = `usage: apikit diff [--format text|json] [--changelog FILE] OLD NEW

Compares two versions of an OpenAPI spec with oasdiff's checks and prints every change, breaking ones first.
OLD and NEW are file paths or git revisions with a path, e.g. main:openapi/doorflow.yaml. An overlay beside a
spec (NAME.overlay.yaml) is applied on its side first. A new response enum value that an overlay action marked
x-apikit-evidence adds (as apikit validate --propose writes them) is WARN, not ERR: it records what the vendor
already sends.
Exit status: 0 when nothing breaks (or every breaking change is acknowledged in FILE's unreleased section),
1 when something breaks, 2 on a usage or input error.
`

// cmdDiff runs `apikit diff`. All logic lives in package specdiff; this parses flags, prints and picks the exit
// code.
func cmdDiff(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, diffUsage) }
	format := fs.String("format", "text", "output `format`: text or json")
	changelog := fs.String("changelog", "", "acknowledge the breaking changes named in the unreleased section of `FILE`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(e.stderr, "apikit diff: unknown --format %q: want text or json\n", *format)
		return exitUsage
	}
	if fs.NArg() != 2 {
		fmt.Fprintf(e.stderr, "apikit diff: want 2 specs (OLD NEW), got %d\n%s", fs.NArg(), diffUsage)
		return exitUsage
	}
	var srcs [2]specdiff.Source
	for i, arg := range fs.Args() {
		s, err := specdiff.ParseSource(arg)
		if err != nil {
			fmt.Fprintf(e.stderr, "apikit diff: %v\n", err)
			return exitUsage
		}
		srcs[i] = s
	}
	var cl *specdiff.Changelog
	if *changelog != "" {
		data, err := os.ReadFile(*changelog)
		if err == nil {
			cl, err = specdiff.ParseChangelog(data)
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "apikit diff: changelog %s: %v\n", *changelog, err)
			return exitUsage
		}
	}

	res, err := specdiff.Compare(ctx, srcs[0], srcs[1])
	if err != nil {
		fmt.Fprintf(e.stderr, "apikit diff: %v\n", err)
		return exitUsage
	}
	if cl != nil {
		res.Acknowledge(cl)
	}
	if *format == "json" {
		err = res.WriteJSON(e.stdout)
	} else {
		err = res.WriteText(e.stdout)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "apikit diff: writing output: %v\n", err)
		return exitUsage
	}
	if len(res.Unacknowledged()) > 0 {
		return exitViolation
	}
	return exitOK
}
