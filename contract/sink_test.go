package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// recordingSink remembers what it was given, in order, under a name.
type recordingSink struct {
	name string
	log  *[]string
	err  error
}

func (s *recordingSink) Observe(_ context.Context, res *Result) error {
	*s.log = append(*s.log, s.name+" "+res.Where())
	res.OperationID = s.name // what the next sink sees
	return s.err
}

func (s *recordingSink) Close() error {
	*s.log = append(*s.log, s.name+" close")
	return s.err
}

type inputSink struct{ recordingSink }

func (s *inputSink) ObserveInputError(_ context.Context, e InputError) error {
	*s.log = append(*s.log, s.name+" input "+e.File)
	return nil
}

func TestTee(t *testing.T) {
	t.Parallel()
	var log []string
	errA := errors.New("a failed")
	a := &recordingSink{name: "a", log: &log, err: errA}
	b := &inputSink{recordingSink{name: "b", log: &log}}
	var seen []string
	c := SinkFunc(func(_ context.Context, res *Result) error { seen = append(seen, res.OperationID); return nil })
	s := Tee(a, nil, Tee(b, c))
	res := Result{Source: "x.har", Index: 3}
	if err := s.Observe(t.Context(), &res); !errors.Is(err, errA) {
		t.Errorf("Observe: got %v, want %v", err, errA)
	}
	if err := s.(InputErrorSink).ObserveInputError(t.Context(), InputError{File: "y.har"}); err != nil {
		t.Errorf("ObserveInputError: %v", err)
	}
	if err := s.Close(); !errors.Is(err, errA) {
		t.Errorf("Close: got %v, want %v", err, errA)
	}
	want := []string{"a x.har#3", "b x.har#3", "b input y.har", "a close", "b close"}
	if diff := cmp.Diff(want, log); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b"}, seen); diff != "" {
		t.Errorf("a sink sees what the ones before it completed (-want +got):\n%s", diff)
	}
}

func TestReportAndSummaryAsSink(t *testing.T) {
	t.Parallel()
	var r Report
	results := []Result{{Valid: true}, {Skipped: true}, {Violations: []Violation{{}}, Warnings: []Violation{{}}},
		{Valid: true, Exchange: &Exchange{}}}
	var sum Summary
	s := Tee(&r, SinkFunc(func(_ context.Context, res *Result) error { sum.Count(res); return nil }))
	for i := range results {
		if err := s.Observe(t.Context(), &results[i]); err != nil {
			t.Fatal(err)
		}
	}
	want := Summary{Exchanges: 4, Valid: 2, Invalid: 1, Skipped: 1, Warnings: 1, VendorViolations: 1} // a violation without In is the response's
	if sum != want || r.Summary() != want {
		t.Errorf("got %+v and %+v, want %+v", sum, r.Summary(), want)
	}
	if r.Results[3].Exchange != nil {
		t.Error("a Report keeps the exchange of a verdict: it must not hold bodies")
	}
}

func TestCoverageSink(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	ex := &Exchange{Method: "GET", URL: mustURL(t, "https://api.doorflow.com/api/3/group_reservations?page=2"), RequestHeader: bearer(),
		Status: 200, ResponseHeader: jsonHeader(), ResponseBody: []byte("[" + reservation + "]")}
	added, observed := v.NewCoverage(), v.NewCoverage()
	res := v.Validate(t.Context(), ex)
	added.Add(ex, res)
	if err := observed.Observe(t.Context(), &res); err == nil {
		t.Error("a verdict without its exchange: got no error")
	}
	res.Exchange = ex
	if err := observed.Observe(t.Context(), &res); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(added.Report(), observed.Report()); diff != "" {
		t.Errorf("Observe and Add disagree (-Add +Observe):\n%s", diff)
	}
	if observed.Report().Percent == 0 {
		t.Error("nothing counted")
	}
}

// hostile is a verdict whose file name, method, URL and pointer carry terminal controls.
func hostile() Result {
	return Result{Source: "evil\x1b[2J.har", Index: 0, Method: "GET\r\n✗ forged ok", URL: "/x\x1b]0;title\x07", Valid: false,
		OperationID: "op\u009b", Violations: []Violation{{Source: "evil\x1b[2J.har", Index: 0, OperationID: "op", In: InResponseBody,
			Pointer: "/a\x1b[31mb\nc", Message: "must be a string", Value: `"\u001b"`, Severity: SeverityError}},
		Warnings: []Violation{{Source: "w\rx", Index: 1, In: InResponseBody, Pointer: "/\x1b", Message: "undeclared"}}}
}

func TestTextSinkSanitizes(t *testing.T) {
	t.Parallel()
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		s := NewTextSink(&b, TextOptions{Verbose: true, Warnings: true, Color: color}, nil)
		res := hostile()
		skipped := Result{Source: "s\x1b.har", Index: 1, Method: "\x1b[H", URL: "/y", Skipped: true, SkipReason: "no route\r\nok"}
		valid := Result{Source: "v.har", Index: 2, Method: "GET", URL: "/z\n", OperationID: "op\x07", Valid: true}
		for _, r := range []*Result{&res, &skipped, &valid} {
			if err := s.Observe(t.Context(), r); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.ObserveInputError(t.Context(), InputError{File: "f", Message: "m"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if color { // the sink's own colours are the only escapes left
			out = strings.NewReplacer("\x1b[31m", "", "\x1b[32m", "", "\x1b[33m", "", "\x1b[2m", "", "\x1b[0m", "").Replace(out)
		}
		if strings.ContainsAny(out, "\x1b\r\x07\u009b") {
			t.Errorf("color %v: control characters reach the terminal: %q", color, out)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		want := []string{
			`✗ evil\x1b[2J.har#0 op response.body /a\x1b[31mb\nc: must be a string (got "\u001b")`,
			`warning: w\rx#1 response.body /\x1b: undeclared`,
			`s\x1b.har#1 \x1b[H /y: skipped: no route\r\nok`,
			`v.har#2 op\x07 GET /z\n: ok`,
			`3 exchanges: 1 valid, 1 invalid, 1 skipped (violations: 0 by the client, 1 by the vendor), 1 warnings, 1 unreadable inputs`,
		}
		if diff := cmp.Diff(want, lines); diff != "" {
			t.Errorf("color %v: lines (-want +got):\n%s", color, diff)
		}
	}
}

// legacyJSON is how Output.WriteJSON encoded the whole output at once before it streamed.
func legacyJSON(t *testing.T, o *Output) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestJSONSinkStreamsTheSameDocument(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	cov := v.NewCoverage()
	cases := map[string]*Output{
		"empty":       {Results: []Result{}},
		"errors only": {Results: []Result{}, Errors: []InputError{{File: "a.har", Index: -1, Message: "cannot open"}}},
		"results": {Results: []Result{hostile(), {Source: "b.har", Valid: true, Violations: []Violation{}}},
			Errors: []InputError{{File: "c<&>.har", Index: 2, Message: "no response"}}, Coverage: cov.Report()},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := Report{Results: o.Results}
			o.Summary = r.Summary()
			var b bytes.Buffer
			s := NewJSONSink(&b, func() *CoverageReport { return o.Coverage })
			for i := range o.Results {
				if err := s.Observe(t.Context(), &o.Results[i]); err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(b.String(), "{\n  \"exchanges\": [\n    {") {
					t.Fatalf("nothing written after the verdict %d: %q", i, b.String())
				}
			}
			for _, e := range o.Errors {
				if err := s.ObserveInputError(t.Context(), e); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(legacyJSON(t, o), b.String()); diff != "" {
				t.Errorf("streamed JSON differs from the whole document (-whole +streamed):\n%s", diff)
			}
		})
	}
}

func TestJUnitSinkSpools(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var b bytes.Buffer
	s := NewJUnitSink(&b, dir)
	ctx := t.Context()
	observe := func(r Result) {
		t.Helper()
		if err := s.Observe(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	observe(Result{Source: "a.har", Index: 0, Method: "GET", URL: "/1", Valid: true})
	if err := s.ObserveInputError(ctx, InputError{File: "only-error.har", Index: -1, Message: "cannot open"}); err != nil {
		t.Fatal(err)
	}
	if err := s.ObserveInputError(ctx, InputError{File: "a.har", Index: 1, Message: "no response"}); err != nil {
		t.Fatal(err)
	}
	observe(Result{Source: "a.har", Index: 2, Method: "GET", URL: "/2", Violations: []Violation{{Source: "a.har", Index: 2, In: InResponseBody, Message: "bad"}}})
	observe(Result{Source: "b.har", Index: 0, Method: "GET", URL: "/3", Skipped: true, SkipReason: "no route"})
	if b.Len() != 0 {
		t.Errorf("wrote %d bytes before Close: JUnit needs its totals first", b.Len())
	}
	if spooled, _ := os.ReadDir(dir); len(spooled) != 1 {
		t.Errorf("got %d files in the spool folder, want 1", len(spooled))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the spool is left behind: %v", left)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if doc.Tests != 5 || doc.Failures != 1 || doc.Errors != 2 || doc.Skipped != 1 {
		t.Errorf("totals: got %+v", doc)
	}
	var got []string
	for _, su := range doc.Suites {
		for _, c := range su.Cases {
			got = append(got, su.Name+": "+c.Name)
		}
	}
	want := []string{ // suites in the order of their first exchange, error-only ones last; errors after exchanges
		"a.har: a.har#0 GET /1", "a.har: a.har#2 GET /2", "a.har: a.har#1 read",
		"b.har: b.har#0 GET /3",
		"only-error.har: only-error.har read",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cases (-want +got):\n%s", diff)
	}
}

// metrics is a metrics counter, the consumer a user adds: one sink, passed to the Transport with WithSink.
type metrics struct {
	mu                 sync.Mutex
	valid, skipped     int
	withExchange, shut int
	timed              bool
}

func (m *metrics) Observe(ctx context.Context, res *Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case res.Skipped:
		m.skipped++
	case res.Valid:
		m.valid++
	}
	if res.Exchange != nil && res.Exchange.Index == res.Index {
		m.withExchange++
	}
	_, _, m.timed = Timing(ctx)
	return nil
}

func (m *metrics) Close() error { m.shut++; return nil }

func TestTransportWithSink(t *testing.T) {
	t.Parallel()
	srv := plantedServer(t)
	m := &metrics{}
	var onResult int
	var jsonOut bytes.Buffer // an output behind a live front end: Serial makes it safe
	tr, err := NewTransport(newValidator(t), WithRoundTripper(srv.Client().Transport), WithSink(m),
		WithOnResult(func(Result) { onResult++ }), WithSink(Serial(NewJSONSink(&jsonOut, nil))))
	if err != nil {
		t.Fatal(err)
	}
	send(t, &http.Client{Transport: tr}, srv.URL, plantedRequests, nil)
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if m.valid != 2 || m.skipped != 2 || m.withExchange != 4 || !m.timed || onResult != 4 {
		t.Errorf("got %+v and %d callbacks, want 2 valid, 2 skipped, each with its exchange and timing, 4 callbacks", m, onResult)
	}
	if m.shut != 1 {
		t.Errorf("Close closed the sink %d times, want 1", m.shut)
	}
	var doc Output
	if err := json.Unmarshal(jsonOut.Bytes(), &doc); err != nil || doc.Summary.Exchanges != 4 || len(doc.Results) != 4 {
		t.Errorf("the JSON sink, closed by Close: got %+v, %v\n%s", doc.Summary, err, jsonOut.String())
	}
	if _, err := NewTransport(newValidator(t), WithSink(nil)); err == nil {
		t.Error("WithSink(nil): got no error")
	}
}
