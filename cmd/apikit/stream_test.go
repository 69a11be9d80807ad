package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
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
	validateAll(t.Context(), check, exchanges, func(it item) {
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

// TestValidateHostileNames: a file name, a HAR's method and a JSON property name (in a pointer) carrying
// terminal controls reach the text output escaped, on one line each (issue 14's terminal injection), in every
// verbosity; the JSON output escapes them itself and keeps them.
func TestValidateHostileNames(t *testing.T) {
	t.Parallel()
	entry := func(method, body string) map[string]any {
		return map[string]any{"startedDateTime": "2024-01-15T10:00:00.000Z", "time": 1,
			"request": map[string]any{"method": method, "url": "https://api.doorflow.com/api/3/group_reservations/1", "httpVersion": "HTTP/1.1",
				"headers": []any{map[string]any{"name": "Authorization", "value": "Bearer REDACTED"}}, "queryString": []any{}, "cookies": []any{},
				"headersSize": -1, "bodySize": 0},
			"response": map[string]any{"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
				"headers": []any{map[string]any{"name": "Content-Type", "value": "application/json"}}, "cookies": []any{},
				"content": map[string]any{"size": len(body), "mimeType": "application/json", "text": body}, "redirectURL": "", "headersSize": -1, "bodySize": len(body)},
			"cache": map[string]any{}, "timings": map[string]any{"send": 0, "wait": 1, "receive": 0}}
	}
	body := `{"id":1,"person_id":1,"start_time":"2024-01-15T09:00:00.000Z","end_time":"2024-01-15T17:00:00.000Z","state":"active",` +
		`"group_ids":[1],"created_at":"2024-01-10T12:00:00.000Z","updated_at":"2024-01-10T12:00:00.000Z","x\u001b]0;pwned\u0007\r\n✗ forged ok":1}`
	har, err := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]any{"name": "t", "version": "1"},
		"entries": []any{entry("GET\x1b[2J", "{}"), entry("GET", body)}}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "evil\x1b[2J\r.har"), har, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{{[]string{"--strict"}, exitViolation}, {[]string{"--strict", "-v"}, exitViolation}, {[]string{"-v"}, exitOK}} {
		args := tc.args
		code, out, errOut := apikit(t, append(append([]string{"validate"}, args...), dir)...)
		if code != tc.code {
			t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, tc.code, out, errOut)
		}
		if strings.ContainsAny(out, "\x1b\r\x07") {
			t.Errorf("%v: control characters reach the terminal:\n%q", args, out)
		}
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if strings.HasPrefix(line, "✗ forged") {
				t.Errorf("%v: a forged line: %q", args, out)
			}
		}
		if !strings.Contains(out, `evil\x1b[2J\r.har#1`) {
			t.Errorf("%v: the file name is not printed escaped:\n%s", args, out)
		}
	}
	_, js, _ := apikit(t, "validate", "--strict", "--format", "json", dir)
	if !strings.Contains(js, `evil\u001b[2J\r.har`) || !strings.Contains(js, `GET\u001b[2J`) {
		t.Errorf("the JSON output does not keep the names, escaped by its encoder:\n%s", js)
	}
}
