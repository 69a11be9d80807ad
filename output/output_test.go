package output_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/output"
)

// tsv is a trivial output, not shipped: a line "where<TAB>verdict" per exchange. It is all a new format takes:
// this constructor, and one line in the list given to output.New.
func tsv() output.Format {
	return output.Format{Name: "tsv", Terminal: true, New: func(w io.Writer, _ output.Options) (output.Sink, error) {
		return &tsvSink{w: w}, nil
	}}
}

type tsvSink struct{ w io.Writer }

func (s *tsvSink) Observe(_ context.Context, r *contract.Result) error {
	verdict := "ok"
	switch {
	case r.Skipped:
		verdict = "skipped"
	case !r.Valid:
		verdict = "invalid"
	}
	_, err := fmt.Fprintf(s.w, "%s\t%s\t%s\n", r.Where(), r.URL, verdict)
	return err
}

func (s *tsvSink) ObserveInputError(_ context.Context, e contract.InputError) error {
	_, err := fmt.Fprintf(s.w, "%s\tunreadable\n", e.File)
	return err
}

func (s *tsvSink) Close() error { return nil }

func TestRegistry(t *testing.T) {
	t.Parallel()
	formats := append(output.Formats(), tsv())
	if diff := cmp.Diff([]string{"text", "json", "junit", "tsv"}, output.Names(formats)); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if _, err := output.New(output.Formats(), "tsv", io.Discard, output.Options{}); err == nil || !strings.Contains(err.Error(), "want text, json, junit") {
		t.Errorf("a format not in the list: got %v", err)
	}
}

// TestAddedFormatPassesTheExitPoint drives the test's format through output.New: its verdicts reach it
// redacted and, as it is a terminal format, sanitised, though the format itself does neither.
func TestAddedFormatPassesTheExitPoint(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	s, err := output.New(append(output.Formats(), tsv()), "tsv", &b, output.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	results := []contract.Result{
		{Source: "a.har", Index: 0, URL: "https://h/x?page=1", Valid: true},
		{Source: "evil\x1b[2J.har", Index: 1, URL: "https://h/cb#access_token=SECRET-7&x=\r\n", Violations: []contract.Violation{{}}},
		{Source: "a.har", Index: 2, URL: "/y", Skipped: true},
	}
	for i := range results {
		if err := s.Observe(ctx, &results[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.ObserveInputError(ctx, contract.InputError{File: "gone\x07.har"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want := "a.har#0\thttps://h/x?page=1\tok\n" +
		`evil\x1b[2J.har#1` + "\t" + `https://h/cb#access_token=REDACTED&x=%0D%0A` + "\tinvalid\n" +
		"a.har#2\t/y\tskipped\n" +
		`gone\x07.har` + "\tunreadable\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if results[1].Source != "evil\x1b[2J.har" {
		t.Error("the exit point changed the caller's verdict; it works on a copy")
	}
}

// TestTextQuietPrintsNothing holds the text format's Quiet to its sink: every verdict Quiet calls quiet prints
// nothing when it is observed (the exit point hands the format a blank URL for it), under every option that
// changes what is printed; and the verdicts it does not call quiet keep their redacted URL.
func TestTextQuietPrintsNothing(t *testing.T) {
	t.Parallel()
	text, ok := output.Lookup(output.Formats(), "text")
	if !ok || text.Quiet == nil {
		t.Fatal("the text format has no Quiet")
	}
	const url = "https://h/x?page=1&api_key=SECRET-9"
	vio := []contract.Violation{{Source: "a.har", Message: "bad"}}
	verdicts := map[string]contract.Result{
		"valid":                  {Valid: true},
		"valid, warnings":        {Valid: true, Warnings: vio},
		"valid, not recorded":    {Valid: true, BodyNotRecorded: "response"},
		"invalid":                {Violations: vio},
		"invalid, no violation":  {},
		"skipped":                {Valid: true, Skipped: true, SkipReason: "other traffic: x"},
		"other traffic":          {Valid: true, Skipped: true, OtherTraffic: true, SkipReason: "other traffic: x"},
		"not completed":          {Valid: true, NotCompleted: "connection reset"},
		"not completed, invalid": {NotCompleted: "connection reset", Violations: vio},
	}
	quiet := 0
	for _, verbose := range []bool{false, true} {
		for _, warnings := range []bool{false, true} {
			opt := output.Options{Text: contract.TextOptions{Verbose: verbose, Warnings: warnings}}
			for name, res := range verdicts {
				res.Source, res.Index, res.Method, res.URL, res.OperationID = "a.har", 3, "GET", url, "listX"
				var b bytes.Buffer
				s, err := output.New(output.Formats(), "text", &b, opt)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Observe(t.Context(), &res); err != nil {
					t.Fatal(err)
				}
				got := b.String()
				if strings.Contains(got, "SECRET-9") {
					t.Errorf("%s (verbose %v, warnings %v): the secret was printed: %q", name, verbose, warnings, got)
				}
				if text.Quiet(opt, &res) {
					quiet++
					if got != "" {
						t.Errorf("%s (verbose %v, warnings %v): Quiet says nothing is printed, the sink printed %q", name, verbose, warnings, got)
					}
				} else if got != "" && strings.Contains(got, "GET") && !strings.Contains(got, "https://h/x?") {
					t.Errorf("%s (verbose %v, warnings %v): the request's URL is missing: %q", name, verbose, warnings, got)
				}
				if res.URL != url {
					t.Errorf("%s: the exit point changed the caller's verdict", name)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(b.String(), got+"1 exchange: ") {
					t.Errorf("%s: the summary does not count the verdict: %q", name, b.String())
				}
			}
		}
	}
	if quiet == 0 {
		t.Error("Quiet called no verdict quiet")
	}
}

// TestExitPointQuietAllocs: a verdict the text output prints nothing of costs the exit point no allocation (no
// copy of the Result, no URL redaction), and one the JSON output prints is still redacted.
func TestExitPointQuietAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocations are not counted with the race detector or coverage on")
	}
	res := contract.Result{Source: "a.har", Index: 1, Method: "GET", URL: "https://h/x?page=1&per_page=50", OperationID: "listX", Valid: true}
	s, err := output.New(output.Formats(), "text", io.Discard, output.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if got := testing.AllocsPerRun(100, func() {
		if err := s.Observe(ctx, &res); err != nil {
			t.Fatal(err)
		}
	}); got > 0 {
		t.Errorf("text, a valid exchange: got %.1f allocations per verdict, want 0", got)
	}
	var b bytes.Buffer
	j, err := output.New(output.Formats(), "json", &b, output.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res.URL = "https://h/x?page=1&api_key=SECRET-9"
	if err := j.Observe(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "SECRET-9") || !strings.Contains(b.String(), "https://h/x?") {
		t.Errorf("json: the URL is not printed redacted: %s", b.String())
	}
}
