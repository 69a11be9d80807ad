package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/output"
)

// countFormat is a trivial output added in a test, not shipped: it prints one line at Close, the number of
// exchanges. The CLI takes it through the same list as the shipped formats.
func countFormat() output.Format {
	return output.Format{Name: "count", New: func(w io.Writer, _ output.Options) (output.Sink, error) {
		return &countSink{w: w}, nil
	}}
}

type countSink struct {
	w    io.Writer
	n    int
	errs int
}

func (c *countSink) Observe(context.Context, *contract.Result) error { c.n++; return nil }

func (c *countSink) ObserveInputError(context.Context, contract.InputError) error {
	c.errs++
	return nil
}

func (c *countSink) Close() error {
	_, err := fmt.Fprintf(c.w, "%d exchanges, %d unreadable\n", c.n, c.errs)
	return err
}

func TestValidateAddedFormat(t *testing.T) {
	t.Parallel()
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		e := env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" },
			formats: append(output.Formats(), countFormat())}
		return cmdValidate(context.WithoutCancel(t.Context()), args, e), stdout.String(), stderr.String()
	}
	code, out, errOut := run("--format", "count", examples, examples+"/missing.har")
	if code != exitUsage || out != "14 exchanges, 1 unreadable\n" {
		t.Errorf("got exit %d, stdout %q (stderr %q), want 2 and 14 exchanges, 1 unreadable", code, out, errOut)
	}
	_, _, help := run("-h")
	if !strings.Contains(help, "output format: text, json, junit or count") {
		t.Errorf("the help does not list the added format:\n%s", help)
	}
	// The shipped list alone does not know it.
	if code, _, errOut = apikit(t, "validate", "--format", "count", examples); code != exitUsage || !strings.Contains(errOut, `--format "count": want text, json or junit`) {
		t.Errorf("shipped list: got exit %d, stderr %q", code, errOut)
	}
}

// TestValidateAllStreams checks that verdicts are handed on in input order while the input is still being read,
// with at most the reorder window of items read ahead of the last one handed on.
func TestValidateAllStreams(t *testing.T) {
	t.Parallel()
	const n = 500
	var produced atomic.Int64
	exchanges := func(yield func(*contract.Exchange, error) bool) {
		for i := range n {
			produced.Add(1)
			var ex *contract.Exchange
			var err error
			if i%97 == 5 {
				err = fmt.Errorf("entry %d: broken", i)
			} else {
				ex = &contract.Exchange{Source: "s.har", Index: i, Method: "GET", URL: &url.URL{Path: "/"}, Status: 200}
			}
			if !yield(ex, err) {
				return
			}
		}
	}
	check := func(ex *contract.Exchange) contract.Result {
		return contract.Result{Source: ex.Source, Index: ex.Index}
	}
	window := int64(4 * runtime.GOMAXPROCS(0))
	var (
		taken, maxAhead int64
		order           []int
		inputErrs       int
	)
	validateAll(t.Context(), check, iter.Seq2[*contract.Exchange, error](exchanges), func(it item) {
		if it.inputErr != nil {
			inputErrs++
		} else {
			order = append(order, it.res.Index)
		}
		maxAhead = max(maxAhead, produced.Load()-taken)
		taken++
	})
	if taken != n || inputErrs != 6 {
		t.Fatalf("took %d items (%d input errors), want %d (6)", taken, inputErrs, n)
	}
	for i := 1; i < len(order); i++ {
		if order[i] <= order[i-1] {
			t.Fatalf("verdict %d after %d: not in input order", order[i], order[i-1])
		}
	}
	if maxAhead > window+1 {
		t.Errorf("read %d items ahead of the verdicts handed on, want at most the window and one, %d", maxAhead, window+1)
	}
}
