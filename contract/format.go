package contract

import (
	"context"
	"errors"
	"io"
)

// InputError is a file (or one entry of it) that could not be read; it is reported beside the results and makes
// the CLI exit 2. File and Index locate it (Index -1 when not applicable).
type InputError struct {
	File    string `json:"file"`
	Index   int    `json:"index"`
	Message string `json:"message"`
}

// Output is what the CLI prints in JSON: every exchange's verdict, the input errors, and the counts.
type Output struct {
	Results []Result     `json:"exchanges"`
	Errors  []InputError `json:"errors,omitempty"`
	Summary Summary      `json:"summary"`
	// Coverage is set when coverage was asked for (apikit validate --coverage).
	Coverage *CoverageReport `json:"coverage,omitempty"`
}

// NewOutput gathers a report and its input errors for printing.
func NewOutput(r *Report, inputErrors []InputError) *Output {
	res := r.Results
	if res == nil {
		res = []Result{}
	}
	return &Output{Results: res, Errors: inputErrors, Summary: r.Summary()}
}

// WriteJSON prints the output as one indented JSON object, through the sink [NewJSONSink] (which streams it).
func (o *Output) WriteJSON(w io.Writer) error {
	cov := func() *CoverageReport { return o.Coverage }
	return o.replay(NewJSONSink(w, cov))
}

// TextOptions tune the terminal output.
type TextOptions struct {
	Color    bool // ANSI colours (only on a terminal, never with NO_COLOR)
	Warnings bool // print warnings (undeclared properties) as well as violations
	Verbose  bool // print a line for every exchange, valid and skipped ones too
	// MaxViolations caps the violation lines of a run: past it, violations are counted, not printed, and the
	// summary says how many were not ("N more violations not printed"). 0 is [DefaultMaxViolations]; negative,
	// no cap. Warnings count against the same cap. The JSON and JUnit outputs are not capped.
	MaxViolations int
}

// DefaultMaxViolations is the text output's cap on printed violations (and warnings) per run when
// [TextOptions.MaxViolations] is 0: enough for any real recording, and a bound on what a hostile one prints.
const DefaultMaxViolations = 1000

// WriteText prints one line per violation, "file#entry operation in pointer: message (got VALUE)", then a summary,
// through the sink [NewTextSink]. The coverage is not printed (see [CoverageReport.WriteText]).
func (o *Output) WriteText(w io.Writer, opt TextOptions) error {
	return o.replay(NewTextSink(w, opt, nil))
}

// WriteJUnit prints JUnit XML: one testsuite per file, one testcase per exchange (failed when it has violations,
// skipped when no operation matched), and one errored testcase per unreadable input, through the sink
// [NewJUnitSink] (spooled in os.TempDir).
func (o *Output) WriteJUnit(w io.Writer) error {
	return o.replay(NewJUnitSink(w, ""))
}

// replay feeds the output's results, then its input errors, to s and closes it. The summary is the sink's own
// count of the results.
func (o *Output) replay(s InputErrorSink) error {
	ctx := context.Background() // the writes are to w, which has no context
	var errs []error
	for i := range o.Results {
		if err := s.Observe(ctx, &o.Results[i]); err != nil {
			errs = append(errs, err)
			break
		}
	}
	for _, e := range o.Errors {
		if len(errs) > 0 {
			break
		}
		if err := s.ObserveInputError(ctx, e); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, s.Close())
	return errors.Join(errs...)
}
