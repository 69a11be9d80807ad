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
