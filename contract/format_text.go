package contract

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/apikit/apikit/internal/egress"
)

// NewTextSink returns the sink of the terminal output: as each verdict arrives, one line per violation
// ("file#entry operation in pointer: message (got VALUE)"), per warning (with opt.Warnings), and per valid or
// skipped exchange (with opt.Verbose); at Close a summary line, then, when coverage is not nil, a blank line and
// the coverage table. Every field is sanitised of control characters (internal/egress) before it is printed.
// Observe must not be called from two goroutines at once.
func NewTextSink(w io.Writer, opt TextOptions, coverage func() *CoverageReport) InputErrorSink {
	return &textSink{w: w, opt: opt, coverage: coverage}
}

type textSink struct {
	w        io.Writer
	opt      TextOptions
	coverage func() *CoverageReport
	sum      Summary
	inputs   int
	printed  int // violation and warning lines printed
	unshown  int // violations and warnings not printed, past the cap
	b        strings.Builder
}

// line prints one violation or warning line, or counts it once the cap is reached.
func (t *textSink) line(prefix string, v *Violation) {
	max := t.opt.MaxViolations
	if max == 0 {
		max = DefaultMaxViolations
	}
	if max > 0 && t.printed >= max {
		t.unshown++
		return
	}
	t.printed++
	t.b.WriteString(prefix + egress.Sanitize(v.Error()) + "\n")
}

func (t *textSink) paint(code, s string) string {
	if !t.opt.Color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (t *textSink) Observe(_ context.Context, r *Result) error {
	t.sum.Count(r)
	t.b.Reset()
	// perf: the exchange's line is built only when it is printed
	where := func() string { return egress.Sanitize(r.Where()) }
	request := func() string { return egress.Sanitize(r.Method + " " + r.URL) }
	switch {
	case r.Skipped && t.opt.Verbose:
		fmt.Fprintf(&t.b, "%s %s: skipped: %s\n", where(), t.paint("2", request()), egress.Sanitize(r.SkipReason))
	case r.NotCompleted != "" && r.Valid:
		fmt.Fprintf(&t.b, "%s %s %s: %s\n", where(), egress.Sanitize(r.OperationID), request(), t.paint("33", "not completed: "+egress.Sanitize(r.NotCompleted)))
	case r.Valid && t.opt.Verbose:
		ok := "ok"
		if r.BodyNotRecorded != "" {
			ok += " (" + r.BodyNotRecorded + " body not recorded)"
		}
		fmt.Fprintf(&t.b, "%s %s %s: %s\n", where(), egress.Sanitize(r.OperationID), request(), t.paint("32", ok))
	}
	for i := range r.Violations {
		t.line(t.paint("31", "✗ "), &r.Violations[i])
	}
	if t.opt.Warnings {
		for i := range r.Warnings {
			t.line(t.paint("33", "warning: "), &r.Warnings[i])
		}
	}
	return t.flush()
}

func (t *textSink) ObserveInputError(context.Context, InputError) error {
	t.inputs++
	return nil
}

func (t *textSink) Close() error {
	s := t.sum
	t.b.Reset()
	if t.unshown > 0 {
		fmt.Fprintf(&t.b, "%d more violations not printed (past the first %d; --format json has them all)\n", t.unshown, t.printed)
	}
	line := fmt.Sprintf("%s: %d valid, %d invalid, %d skipped", plural(s.Exchanges, "exchange"), s.Valid, s.Invalid, s.Skipped)
	if s.NotCompleted > 0 {
		line += fmt.Sprintf(", %d not completed", s.NotCompleted)
	}
	if s.BodyNotRecorded > 0 {
		line += fmt.Sprintf(", %d with a body not recorded", s.BodyNotRecorded)
	}
	if s.OtherTraffic > 0 {
		line += fmt.Sprintf(", %d other traffic", s.OtherTraffic)
	}
	if s.Invalid > 0 {
		line += fmt.Sprintf(" (violations: %d by the client, %d by the vendor)", s.ClientViolations, s.VendorViolations)
	}
	if s.Warnings > 0 {
		line += fmt.Sprintf(", %d warnings", s.Warnings)
	}
	if t.inputs > 0 {
		line += fmt.Sprintf(", %d unreadable inputs", t.inputs)
	}
	switch {
	case s.Invalid > 0 || t.inputs > 0:
		line = t.paint("31", line)
	default:
		line = t.paint("32", line)
	}
	t.b.WriteString(line + "\n")
	if err := t.flush(); err != nil {
		return err
	}
	if t.coverage == nil {
		return nil
	}
	if c := t.coverage(); c != nil {
		if _, err := io.WriteString(t.w, "\n"); err != nil {
			return fmt.Errorf("writing text report: %w", err)
		}
		return c.WriteText(t.w)
	}
	return nil
}

// plural says "1 exchange", "2 exchanges".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func (t *textSink) flush() error {
	if t.b.Len() == 0 {
		return nil
	}
	if _, err := io.WriteString(t.w, t.b.String()); err != nil {
		return fmt.Errorf("writing text report: %w", err)
	}
	return nil
}
