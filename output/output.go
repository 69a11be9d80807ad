// Package output is the registry of the formats apikit validate prints its verdicts in, each a streaming
// [contract.Sink]: text (text.go), JSON (json.go) and JUnit XML (junit.go), one file each. [Formats] is the list
// the CLI's --format reads, one line per format; adding an output is one new file with its constructor and sink
// plus one line there. (The shipped formats' sinks themselves are in package contract, [contract.NewTextSink]
// and its siblings, because contract's Output.WriteText, WriteJSON and WriteJUnit forward to them and contract
// cannot import this package.)
//
//	sink, err := output.New(output.Formats(), "json", os.Stdout, output.Options{})
//	for res := range verdicts {
//		err = sink.Observe(ctx, &res) // written now, in the order given
//	}
//	err = sink.Close() // the closing: input errors, summary, coverage
//
// Every format is driven through [New], which puts the exit point (internal/egress) in front of it: each verdict
// and input error is redacted, and for the formats read on a terminal ([Format.Terminal]) sanitised of control
// characters, before the format sees it. A format cannot print a field that skipped that step.
package output

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/internal/egress"
)

// Options tune the outputs.
type Options struct {
	// Text tunes the text output: colours, warnings, a line for every exchange.
	Text contract.TextOptions
	// Coverage, when set, is called at Close and its report printed after the summary (text) or as "coverage"
	// (JSON).
	Coverage func() *contract.CoverageReport
	// FailOn says which violations fail (JUnit: the others are listed in the test case's system-out); "" is
	// both sides.
	FailOn contract.FailOn
	// TempDir is where the JUnit output spools its test cases until it knows the totals; "" means os.TempDir.
	TempDir string
}

// Sink is a format's sink: it takes verdicts and the inputs that could not be read.
type Sink = contract.InputErrorSink

// Format is one output format.
type Format struct {
	// Name is what --format takes.
	Name string
	// Terminal marks a format people read on a terminal: its text is sanitised of control characters. Formats
	// whose encoder escapes them (JSON, XML) leave it false.
	Terminal bool
	// New starts the format's sink, writing to w.
	New func(w io.Writer, opt Options) (Sink, error)
	// Quiet, when set, reports that the format prints nothing of res under opt (it only counts it: the text
	// output of a valid exchange). The exit point then spares res the redaction step and hands the format a
	// copy whose URL is blank, so a Quiet that is wrong shows a missing URL, never an unredacted one. nil means
	// every verdict is printed (JSON, JUnit).
	Quiet func(opt Options, res *contract.Result) bool
}

// Formats returns the shipped formats, the default of the CLI's --format first: one line per format. A caller
// that wants another appends its own [Format] to the list it passes to [New].
func Formats() []Format {
	return []Format{
		textFormat(),  // text.go
		jsonFormat(),  // json.go
		junitFormat(), // junit.go
	}
}

// Names lists the names of formats, in order, for help texts.
func Names(formats []Format) []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.Name
	}
	return names
}

// Lookup finds the format called name.
func Lookup(formats []Format, name string) (Format, bool) {
	for _, f := range formats {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// New starts the sink of the format called name among formats, writing to w, behind the exit point.
func New(formats []Format, name string, w io.Writer, opt Options) (Sink, error) {
	f, ok := Lookup(formats, name)
	if !ok {
		return nil, fmt.Errorf("unknown format %q: want %s", name, strings.Join(Names(formats), ", "))
	}
	s, err := f.New(w, opt)
	if err != nil {
		return nil, fmt.Errorf("%s output: %w", f.Name, err)
	}
	return &exitPoint{next: s, terminal: f.Terminal, quiet: f.Quiet, opt: opt}, nil
}

// exitPoint passes each verdict and input error through internal/egress before a format sees it. It works on a
// copy: sinks beside it in a Tee see the verdict as it was. The copies come from a pool (perf: a Result copied
// for each exchange was one allocation each; a sink keeps a copy of the Result, never the pointer: contract.Sink).
type exitPoint struct {
	next     Sink
	terminal bool
	quiet    func(Options, *contract.Result) bool
	opt      Options
	copies   sync.Pool // of *contract.Result
}

func (e *exitPoint) Observe(ctx context.Context, res *contract.Result) error {
	c, _ := e.copies.Get().(*contract.Result)
	if c == nil {
		c = new(contract.Result)
	}
	defer func() {
		*c = contract.Result{} // the pool holds no verdict
		e.copies.Put(c)
	}()
	*c = *res
	c.Exchange = nil // formats print verdicts, never the exchange's bytes
	if e.quiet != nil && e.quiet(e.opt, res) {
		c.URL = "" // perf: not printed, so not redacted (Format.Quiet)
	} else {
		c.URL = egress.URLString(c.URL)
	}
	if e.terminal {
		c.Source, c.Method, c.URL = egress.Sanitize(c.Source), egress.Sanitize(c.Method), egress.Sanitize(c.URL)
		c.OperationID, c.Path, c.SkipReason = egress.Sanitize(c.OperationID), egress.Sanitize(c.Path), egress.Sanitize(c.SkipReason)
		c.NotCompleted = egress.Sanitize(c.NotCompleted) // the capture's own words (_failureText)
		c.Violations, c.Warnings = sanitizeViolations(c.Violations), sanitizeViolations(c.Warnings)
	}
	return e.next.Observe(ctx, c)
}

func (e *exitPoint) ObserveInputError(ctx context.Context, ie contract.InputError) error {
	if e.terminal {
		ie.File, ie.Message = egress.Sanitize(ie.File), egress.Sanitize(ie.Message)
	}
	return e.next.ObserveInputError(ctx, ie)
}

func (e *exitPoint) Close() error { return e.next.Close() }

// sanitizeViolations returns vs with every printed field sanitised: vs itself when nothing needed it, else a
// copy.
func sanitizeViolations(vs []contract.Violation) []contract.Violation {
	var out []contract.Violation
	for i := range vs {
		c := sanitizeViolation(vs[i])
		if out == nil && c != vs[i] {
			out = append(make([]contract.Violation, 0, len(vs)), vs[:i]...)
		}
		if out != nil {
			out = append(out, c)
		}
	}
	if out == nil {
		return vs
	}
	return out
}

// sanitizeViolation returns v with every text field sanitised for a terminal (see internal/egress).
func sanitizeViolation(v contract.Violation) contract.Violation {
	for _, f := range []*string{&v.Source, &v.Spec, &v.OperationID, &v.Method, &v.Path, &v.In, &v.Pointer, &v.Rule, &v.Message, &v.Value} {
		*f = egress.Sanitize(*f)
	}
	return v
}
