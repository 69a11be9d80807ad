package load

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/internal/capturetest"
)

// A trivial capture format, as a new format's file would add it: "METHOD URL" per line, no response, in a
// *.reqs file whose first line is "#reqs". Adding it to the walk is the one line in TestFormatRegistry.

func readReqs(ctx context.Context, path string, opts ...capture.Option) iter.Seq2[*capture.Exchange, error] {
	return func(yield func(*capture.Exchange, error) bool) {
		data, err := os.ReadFile(path)
		if err != nil {
			yield(nil, capture.FileError(path, capture.OpenError(err)))
			return
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for i := -1; sc.Scan(); i++ {
			if i < 0 {
				continue // the "#reqs" line
			}
			if err := ctx.Err(); err != nil {
				yield(nil, capture.EntryError(path, i, fmt.Errorf("loading stopped: %w", err)))
				return
			}
			method, raw, _ := strings.Cut(sc.Text(), " ")
			u, err := url.Parse(raw)
			if err != nil {
				if !yield(nil, capture.EntryError(path, i, err)) {
					return
				}
				continue
			}
			if !yield(&capture.Exchange{Source: path, Index: i, Method: method, URL: u}, nil) {
				return
			}
		}
	}
}

func sniffReqs(ctx context.Context, path string, opts ...capture.Option) iter.Seq2[*capture.Exchange, error] {
	head := make([]byte, len("#reqs\n"))
	if f, err := os.Open(path); err == nil {
		_, err = io.ReadFull(f, head)
		f.Close()
		if err == nil && string(head) != "#reqs\n" {
			return func(func(*capture.Exchange, error) bool) {} // not a request list
		}
	}
	return readReqs(ctx, path, opts...) // which reports a file it cannot read
}

var reqsFormat = Format{Name: "request list", Extensions: []string{".reqs"}, Sniff: sniffReqs, Read: readReqs}

// TestFormatRegistry: a format added through New is walked, sniffed and read next to the shipped ones, and
// named in the error for a file of no format; the shipped list knows nothing of it.
func TestFormatRegistry(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	capturetest.WriteFile(t, dir, "a.har", miniHAR)
	capturetest.WriteFile(t, dir, "b.reqs", "#reqs\nGET https://api.doorflow.com/api/3/people\nDELETE https://api.doorflow.com/api/3/people/7\n")
	capturetest.WriteFile(t, dir, "c.reqs", "not a request list\n")
	notes := capturetest.WriteFile(t, dir, "notes.txt", "x")

	withReqs := New(append(Formats(), reqsFormat)...) // the one registry line
	exs, errs := capturetest.Collect(t, withReqs.Files(t.Context(), []string{dir, notes}))
	if got, want := strings.Join(whereList(exs), " "), "a.har#0 a.har#1 b.reqs#0 b.reqs#1"; got != want {
		t.Errorf("with the format: got %s, want %s", got, want)
	}
	if len(errs) != 1 || errs[0].Error() != notes+": not a recording: want a .har, .json, .yaml, .yml or .reqs file" {
		t.Errorf("with the format: got errors %q, want one naming .reqs", capturetest.ErrorList(errs))
	}
	if len(exs) == 4 && (exs[3].Method != "DELETE" || exs[3].URL.Path != "/api/3/people/7") {
		t.Errorf("b.reqs#1: got %s %s", exs[3].Method, exs[3].URL)
	}
	// Named explicitly, a file is read without sniffing.
	if _, errs := capturetest.Collect(t, withReqs.Files(t.Context(), []string{filepath.Join(dir, "c.reqs")})); len(errs) != 0 {
		t.Errorf("c.reqs named: got errors %q, want it read as a request list", capturetest.ErrorList(errs))
	}

	exs, errs = capturetest.Collect(t, Files(t.Context(), []string{dir}))
	if got, want := strings.Join(whereList(exs), " "), "a.har#0 a.har#1"; got != want || len(errs) != 0 {
		t.Errorf("shipped formats: got %s and errors %q, want %s", got, capturetest.ErrorList(errs), want)
	}
}
