package contract

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/apikit/apikit/capture"
)

// NewJUnitSink returns the sink of the JUnit XML output: one testsuite per file (in the order files first
// appear), one testcase per exchange (failed when it has violations, skipped when no operation matched), and one
// errored testcase per unreadable input, after the file's exchanges. JUnit puts the totals before the cases, so
// the cases are spooled to a temporary file in dir ("" for os.TempDir) as they arrive and the document is
// assembled at Close; memory holds only the counts and the spool's layout (one span per run of one file's
// cases). Observe must not be called from two goroutines at once.
//
// failOn, when given, says which violations fail a test case (as apikit validate's --fail-on): the others are
// listed in its system-out.
func NewJUnitSink(w io.Writer, dir string, failOn ...FailOn) InputErrorSink {
	f := FailOnBoth
	if len(failOn) > 0 && failOn[0] != "" {
		f = failOn[0]
	}
	return &junitSink{w: w, dir: dir, index: map[string]int{}, failOn: f}
}

type junitSink struct {
	failOn FailOn
	w      io.Writer
	dir    string
	spool  *os.File
	size   int64 // bytes in spool
	suites []junitSuite
	index  map[string]int
	// order is the suites in the order the document lists them: those with exchanges in the order of their
	// first exchange, then those with input errors only, in the order of their first error.
	order, errorOnly []int
	b                bytes.Buffer
}

// junitSuite is one testsuite: its counts, and where its cases lie in the spool (the exchanges' cases, then the
// input errors').
type junitSuite struct {
	name                             string
	tests, failures, errors, skipped int
	cases, errorCases                []span
	listed                           bool // in order
}

// span is a run of bytes in the spool.
type span struct{ off, n int64 }

type junitCase struct {
	XMLName   xml.Name      `xml:"testcase"`
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

// suite returns file's suite; exchange says whether an exchange (rather than an input error) is added to it.
func (j *junitSink) suite(file string, exchange bool) *junitSuite {
	i, ok := j.index[file]
	if !ok {
		i = len(j.suites)
		j.index[file] = i
		j.suites = append(j.suites, junitSuite{name: file})
		if !exchange {
			j.errorOnly = append(j.errorOnly, i)
		}
	}
	if s := &j.suites[i]; exchange && !s.listed {
		s.listed = true
		j.order = append(j.order, i)
	}
	return &j.suites[i]
}

func (j *junitSink) Observe(_ context.Context, r *Result) error {
	s := j.suite(r.Source, true)
	c := junitCase{Name: fmt.Sprintf("%s %s %s", r.Where(), r.Method, r.URL), Classname: r.Source}
	if r.OperationID != "" {
		c.Name = fmt.Sprintf("%s %s %s %s", r.Where(), r.OperationID, r.Method, r.URL)
	}
	var lines []string
	var client, vendor int
	for i := range r.Violations {
		vi := &r.Violations[i]
		side := vi.side()
		if !j.failOn.Fails(side) {
			c.SystemOut += "not failing (--fail-on " + string(j.failOn) + "): " + vi.Error() + "\n"
			continue
		}
		lines = append(lines, vi.Error())
		if side == SideRequest {
			client++
		} else {
			vendor++
		}
	}
	switch {
	case len(lines) > 0:
		c.Failure = &junitMessage{Message: fmt.Sprintf("%d contract violations (%d by the client, %d by the vendor)", len(lines), client, vendor),
			Type: "contract", Text: strings.Join(lines, "\n")}
		s.failures++
	case r.Skipped:
		c.Skipped = &junitMessage{Message: r.SkipReason}
		s.skipped++
	case r.NotCompleted != "":
		c.Skipped = &junitMessage{Message: "not completed: " + r.NotCompleted}
		s.skipped++
	}
	if r.BodyNotRecorded != "" {
		c.SystemOut += r.BodyNotRecorded + " body not recorded: not validated\n"
	}
	for i := range r.Warnings {
		c.SystemOut += "warning: " + r.Warnings[i].Error() + "\n"
	}
	s.tests++
	return j.write(&s.cases, c)
}

func (j *junitSink) ObserveInputError(_ context.Context, e InputError) error {
	s := j.suite(e.File, false)
	s.tests++
	s.errors++
	return j.write(&s.errorCases, junitCase{Name: capture.Where(e.File, e.Index) + " read", Classname: e.File,
		Error: &junitMessage{Message: e.Message, Type: "input"}})
}

// write spools one testcase, indented as it stands in the document, and adds it to spans.
func (j *junitSink) write(spans *[]span, c junitCase) error {
	if j.spool == nil {
		f, err := os.CreateTemp(j.dir, "apikit-junit-*.xml")
		if err != nil {
			return fmt.Errorf("writing JUnit report: spooling: %w", err)
		}
		j.spool = f
	}
	j.b.Reset()
	j.b.WriteByte('\n')
	enc := xml.NewEncoder(&j.b)
	enc.Indent("    ", "  ")
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("writing JUnit report: %w", err)
	}
	n, err := j.spool.Write(j.b.Bytes())
	if err != nil {
		return fmt.Errorf("writing JUnit report: spooling: %w", err)
	}
	off := j.size
	j.size += int64(n)
	if k := len(*spans); k > 0 && (*spans)[k-1].off+(*spans)[k-1].n == off {
		(*spans)[k-1].n += int64(n)
	} else {
		*spans = append(*spans, span{off, int64(n)})
	}
	return nil
}

// Close writes the document: the totals, then each suite with its spooled cases. It removes the spool.
func (j *junitSink) Close() error {
	if j.spool != nil {
		defer func() {
			j.spool.Close()
			os.Remove(j.spool.Name())
		}()
	}
	var tests, failures, errs, skipped int
	for _, s := range j.suites {
		tests, failures, errs, skipped = tests+s.tests, failures+s.failures, errs+s.errors, skipped+s.skipped
	}
	if err := j.writeString(xml.Header); err != nil {
		return err
	}
	if err := j.start("testsuites", [][2]string{{"name", "apikit validate"}, {"tests", strconv.Itoa(tests)},
		{"failures", strconv.Itoa(failures)}, {"errors", strconv.Itoa(errs)}, {"skipped", strconv.Itoa(skipped)}}); err != nil {
		return err
	}
	for _, i := range j.errorOnly {
		if !j.suites[i].listed {
			j.order = append(j.order, i)
		}
	}
	for _, i := range j.order {
		s := &j.suites[i]
		if err := j.writeString("\n  "); err != nil {
			return err
		}
		if err := j.start("testsuite", [][2]string{{"name", s.name}, {"tests", strconv.Itoa(s.tests)},
			{"failures", strconv.Itoa(s.failures)}, {"errors", strconv.Itoa(s.errors)}, {"skipped", strconv.Itoa(s.skipped)}}); err != nil {
			return err
		}
		for _, sp := range append(s.cases, s.errorCases...) {
			if _, err := io.Copy(j.w, io.NewSectionReader(j.spool, sp.off, sp.n)); err != nil {
				return fmt.Errorf("writing JUnit report: %w", err)
			}
		}
		if err := j.writeString("\n  </testsuite>"); err != nil {
			return err
		}
	}
	if len(j.suites) > 0 {
		return j.writeString("\n</testsuites>\n")
	}
	return j.writeString("</testsuites>\n")
}

// start writes a start tag with its attributes escaped as encoding/xml escapes them.
func (j *junitSink) start(name string, attrs [][2]string) error {
	el := xml.StartElement{Name: xml.Name{Local: name}}
	for _, a := range attrs {
		el.Attr = append(el.Attr, xml.Attr{Name: xml.Name{Local: a[0]}, Value: a[1]})
	}
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	if err := errors.Join(enc.EncodeToken(el), enc.Flush()); err != nil {
		return fmt.Errorf("writing JUnit report: %w", err)
	}
	return j.writeString(b.String())
}

func (j *junitSink) writeString(s string) error {
	if _, err := io.WriteString(j.w, s); err != nil {
		return fmt.Errorf("writing JUnit report: %w", err)
	}
	return nil
}
