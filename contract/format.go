package contract

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/apikit/apikit/capture"
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

// WriteJSON prints the output as one indented JSON object.
func (o *Output) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(o); err != nil {
		return fmt.Errorf("writing JSON report: %w", err)
	}
	return nil
}

// TextOptions tune the terminal output.
type TextOptions struct {
	Color    bool // ANSI colours (only on a terminal, never with NO_COLOR)
	Warnings bool // print warnings (undeclared properties) as well as violations
	Verbose  bool // print a line for every exchange, valid and skipped ones too
}

// WriteText prints one line per violation, "file#entry operation in pointer: message (got VALUE)", then a summary.
func (o *Output) WriteText(w io.Writer, opt TextOptions) error {
	paint := func(code, s string) string {
		if !opt.Color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	var b strings.Builder
	for _, r := range o.Results {
		switch {
		case r.Skipped && opt.Verbose:
			fmt.Fprintf(&b, "%s %s: skipped: %s\n", r.Where(), paint("2", r.Method+" "+r.URL), r.SkipReason)
		case r.Valid && opt.Verbose:
			fmt.Fprintf(&b, "%s %s %s: %s\n", r.Where(), r.OperationID, r.Method+" "+r.URL, paint("32", "ok"))
		}
		for i := range r.Violations {
			b.WriteString(paint("31", "✗ ") + r.Violations[i].Error() + "\n")
		}
		if opt.Warnings {
			for i := range r.Warnings {
				b.WriteString(paint("33", "warning: ") + r.Warnings[i].Error() + "\n")
			}
		}
	}
	s := o.Summary
	line := fmt.Sprintf("%d exchanges: %d valid, %d invalid, %d skipped", s.Exchanges, s.Valid, s.Invalid, s.Skipped)
	if s.Warnings > 0 {
		line += fmt.Sprintf(", %d warnings", s.Warnings)
	}
	if len(o.Errors) > 0 {
		line += fmt.Sprintf(", %d unreadable inputs", len(o.Errors))
	}
	switch {
	case s.Invalid > 0 || len(o.Errors) > 0:
		line = paint("31", line)
	default:
		line = paint("32", line)
	}
	b.WriteString(line + "\n")
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("writing text report: %w", err)
	}
	return nil
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit prints JUnit XML: one testsuite per file, one testcase per exchange (failed when it has violations,
// skipped when no operation matched), and one errored testcase per unreadable input.
func (o *Output) WriteJUnit(w io.Writer) error {
	root := junitSuites{Name: "apikit validate"}
	index := map[string]int{}
	suite := func(file string) *junitSuite {
		i, ok := index[file]
		if !ok {
			i = len(root.Suites)
			index[file] = i
			root.Suites = append(root.Suites, junitSuite{Name: file})
		}
		return &root.Suites[i]
	}
	for _, r := range o.Results {
		s := suite(r.Source)
		c := junitCase{Name: fmt.Sprintf("%s %s %s", r.Where(), r.Method, r.URL), Classname: r.Source}
		if r.OperationID != "" {
			c.Name = fmt.Sprintf("%s %s %s %s", r.Where(), r.OperationID, r.Method, r.URL)
		}
		switch {
		case len(r.Violations) > 0:
			var lines []string
			for i := range r.Violations {
				lines = append(lines, r.Violations[i].Error())
			}
			c.Failure = &junitMessage{Message: fmt.Sprintf("%d contract violations", len(r.Violations)), Type: "contract", Text: strings.Join(lines, "\n")}
			s.Failures++
		case r.Skipped:
			c.Skipped = &junitMessage{Message: r.SkipReason}
			s.Skipped++
		}
		for i := range r.Warnings {
			c.SystemOut += "warning: " + r.Warnings[i].Error() + "\n"
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	for _, e := range o.Errors {
		s := suite(e.File)
		s.Tests++
		s.Errors++
		s.Cases = append(s.Cases, junitCase{Name: capture.Where(e.File, e.Index) + " read", Classname: e.File,
			Error: &junitMessage{Message: e.Message, Type: "input"}})
	}
	for _, s := range root.Suites {
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
		root.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("writing JUnit report: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return fmt.Errorf("writing JUnit report: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
