package load

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apikit/apikit/internal/capturetest"

	"github.com/apikit/apikit/capture"
)

// where lists exchanges as "base#index" for comparisons.
func whereList(exs []*capture.Exchange) []string {
	var out []string
	for _, ex := range exs {
		out = append(out, filepath.ToSlash(filepath.Base(ex.Source))+"#"+fmt.Sprint(ex.Index))
	}
	return out
}

func TestLoadError(t *testing.T) {
	t.Parallel()
	cause := fs.ErrNotExist
	cases := []struct {
		name string
		err  *capture.LoadError
		want string
	}{
		{"file only", &capture.LoadError{File: "capture.har", Index: -1, Offset: -1, Err: cause}, "capture.har: file does not exist"},
		{"entry", &capture.LoadError{File: "capture.har", Index: 3, Offset: -1, Err: capture.BodyTooLarge("response body", 300<<20, 256<<20)},
			"capture.har: entry 3: response body is 300 MiB, over the 256 MiB limit (--max-body)"},
		{"byte", &capture.LoadError{File: "capture.har", Index: -1, Offset: 1234, Err: errors.New("unexpected end of JSON (truncated file?)")},
			"capture.har: byte 1234: unexpected end of JSON (truncated file?)"},
		{"entry and byte", &capture.LoadError{File: "c.har", Index: 0, Offset: 0, Err: errors.New("x")}, "c.har: entry 0: byte 0: x"},
		{"nil cause", &capture.LoadError{File: "c.har", Index: -1, Offset: -1}, "c.har: unknown error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if tc.err.Err != nil && !errors.Is(tc.err, tc.err.Err) {
				t.Errorf("errors.Is(err, cause) = false, want true")
			}
		})
	}
	var le *capture.LoadError
	if err := fmt.Errorf("wrapped: %w", cases[1].err); !errors.As(err, &le) || !errors.Is(err, capture.ErrBodyTooLarge) {
		t.Errorf("errors.As/Is through a wrapped capture.LoadError failed")
	}
}

func TestFormatSize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		n    int64
		want string
	}{
		{0, "0 bytes"}, {1, "1 byte"}, {17, "17 bytes"}, {1024, "1 KiB"}, {1536, "1.5 KiB"},
		{256 << 20, "256 MiB"}, {300 << 20, "300 MiB"}, {(1 << 20) + 2048, "1.0 MiB"}, {3 << 30, "3 GiB"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			if got := capture.FormatSize(tc.n); got != tc.want {
				t.Errorf("capture.FormatSize(%d): got %q, want %q", tc.n, got, tc.want)
			}
		})
	}
}

const (
	miniEntry    = `{"request":{"method":"GET","url":"https://api.doorflow.com/api/3/group_reservations/456"},"response":{"status":200,"content":{"mimeType":"application/json","text":"{}"}}}`
	miniHAR      = `{"log":{"version":"1.2","entries":[` + miniEntry + `,` + miniEntry + `]}}`
	miniCassette = "version: 2\ninteractions:\n  - request:\n      url: https://api.doorflow.com/api/3/group_reservations/456\n      method: GET\n    response:\n      body: '{}'\n      code: 200\n"
)

func TestLoadDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	capturetest.WriteFile(t, dir, "a.har", miniHAR)
	capturetest.WriteFile(t, dir, "b/c.json", miniHAR)
	capturetest.WriteFile(t, dir, "b/d.json", `{"openapi":"3.0.3","info":{"log":"not a HAR"}}`) // JSON, not a HAR: skipped
	capturetest.WriteFile(t, dir, "b/empty.json", ``)                                           // skipped
	capturetest.WriteFile(t, dir, "b/list.json", `[1,2]`)                                       // skipped
	capturetest.WriteFile(t, dir, "e.yaml", miniCassette)
	capturetest.WriteFile(t, dir, "f.yaml", "openapi: 3.0.3\ninfo:\n  title: not a cassette\n") // skipped
	capturetest.WriteFile(t, dir, "g.yml", miniCassette)
	capturetest.WriteFile(t, dir, "h.yaml", "# mentions interactions in a comment only\nkey: value\n") // skipped
	capturetest.WriteFile(t, dir, "notes.txt", "not a recording")                                      // skipped
	capturetest.WriteFile(t, dir, ".hidden/x.har", miniHAR)                                            // skipped
	capturetest.WriteFile(t, dir, "broken.har", `{"log":{"entries":[`+miniEntry+`,{`)                  // error, then go on
	capturetest.WriteFile(t, dir, "bom.json", "\xEF\xBB\xBF"+miniHAR)

	exs, errs := capturetest.Collect(t, Files(t.Context(), []string{dir}))
	want := []string{"a.har#0", "a.har#1", "c.json#0", "c.json#1", "bom.json#0", "bom.json#1", "broken.har#0", "e.yaml#0", "g.yml#0"}
	if got := whereList(exs); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got exchanges %v, want %v", got, want)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "broken.har: entry 1: byte ") || !strings.Contains(errs[0].Error(), "truncated") {
		t.Errorf("got errors %q, want one truncation error for broken.har entry 1", capturetest.ErrorList(errs))
	}
}

func TestLoadPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	har := capturetest.WriteFile(t, dir, "one.har", miniHAR)
	yml := capturetest.WriteFile(t, dir, "one.yml", miniCassette)
	notHAR := capturetest.WriteFile(t, dir, "spec.json", `{"openapi":"3.0.3"}`)
	notCassette := capturetest.WriteFile(t, dir, "spec.yaml", "openapi: 3.0.3\n")
	txt := capturetest.WriteFile(t, dir, "notes.txt", "hello")
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.har")

	cases := []struct {
		name     string
		paths    []string
		want     []string
		wantErrs []string
	}{
		{name: "files by extension", paths: []string{har, yml}, want: []string{"one.har#0", "one.har#1", "one.yml#0"}},
		{name: "empty directory yields nothing", paths: []string{empty}},
		{name: "no paths", paths: nil},
		{name: "errors do not stop the next path", paths: []string{missing, txt, notHAR, notCassette, har},
			want: []string{"one.har#0", "one.har#1"},
			wantErrs: []string{
				"missing.har: cannot open: no such file or directory",
				"notes.txt: not a recording: want a .har, .json, .yaml or .yml file",
				`spec.json: not a HAR file: no "log" object at the top level`,
				`spec.yaml: not a go-vcr cassette: no top-level "interactions" key`,
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			exs, errs := capturetest.Collect(t, Files(t.Context(), tc.paths))
			if got := whereList(exs); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got exchanges %v, want %v", got, tc.want)
			}
			var got []string
			for _, e := range errs {
				got = append(got, strings.TrimPrefix(e.Error(), dir+string(filepath.Separator)))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.wantErrs) {
				t.Errorf("got errors\n%q\nwant\n%q", got, tc.wantErrs)
			}
		})
	}
	_, errs := capturetest.Collect(t, Files(t.Context(), []string{missing}))
	if len(errs) != 1 || !errors.Is(errs[0], fs.ErrNotExist) {
		t.Errorf("got %v, want an error matching fs.ErrNotExist", errs)
	}
}

func TestLoadEarlyBreakAndCancel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	capturetest.WriteFile(t, dir, "a.har", miniHAR)
	capturetest.WriteFile(t, dir, "b.har", miniHAR)
	capturetest.WriteFile(t, dir, "c.yaml", miniCassette)

	t.Run("break", func(t *testing.T) {
		t.Parallel()
		for _, stopAt := range []int{1, 2, 3} {
			n := 0
			for _, err := range Files(t.Context(), []string{dir}) {
				if err != nil {
					t.Fatal(err)
				}
				n++
				if n == stopAt {
					break // the iterator must not call yield again (the runtime panics if it does)
				}
			}
			if n != stopAt {
				t.Errorf("got %d exchanges, want %d", n, stopAt)
			}
		}
	})
	t.Run("cancel", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var n int
		var errs []error
		for _, err := range Files(ctx, []string{dir}) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			n++
			cancel()
		}
		if n != 1 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
			t.Errorf("got %d exchanges and errors %v, want 1 exchange and one context.Canceled", n, errs)
		}
	})
}

// TestLoadIgnoreFile: a walk skips what a folder's .apikitignore lists; naming the path validates it anyway.
func TestLoadIgnoreFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	har := `{"log":{"version":"1.2","entries":[{"request":{"method":"GET","url":"https://api.doorflow.com/api/3/group_reservations"},"response":{"status":200,"content":{"mimeType":"application/json","text":"[]"}}}]}}`
	for _, p := range []string{"keep.har", "skipped.har", "broken/bad.har", "nested/keep.har"} {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(har), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, IgnoreFile), []byte("# comment\nbroken/\nskip*.har\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sources := func(paths ...string) []string {
		var got []string
		for ex, err := range Files(t.Context(), paths) {
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(dir, ex.Source)
			got = append(got, filepath.ToSlash(rel))
		}
		return got
	}
	if got, want := strings.Join(sources(dir), ","), "keep.har,nested/keep.har"; got != want {
		t.Errorf("walk read %s, want %s", got, want)
	}
	if got, want := strings.Join(sources(filepath.Join(dir, "broken")), ","), "broken/bad.har"; got != want {
		t.Errorf("naming an ignored folder read %s, want %s", got, want)
	}
}

// TestExchangeTime checks where the loaders take an exchange's time from: the response's Date header (the
// server's clock), else a HAR entry's startedDateTime; a cassette's Date header (contract's TestExchangeWhen checks
// the validator's fallback for exchanges built by hand).
func TestExchangeTime(t *testing.T) {
	t.Parallel()
	dateEntry := func(started, date string) string {
		s := `{"request":{"method":"GET","url":"` + capturetest.GetURL + `"},"response":{"status":200,"headers":[`
		if date != "" {
			s += `{"name":"date","value":"` + date + `"}`
		}
		s += `],"content":{"text":"{}"}}`
		if started != "" {
			s += `,"startedDateTime":"` + started + `"`
		}
		return s + "}"
	}
	cases := []struct {
		name, file, content string
		want                string // RFC 3339, "" for unknown
	}{
		{name: "HAR Date header wins over startedDateTime", file: "a.har", content: capturetest.HAROf(dateEntry("2024-01-15T10:30:00.120Z", "Mon, 15 Jan 2024 11:00:00 GMT")),
			want: "2024-01-15T11:00:00Z"},
		{name: "HAR startedDateTime with offset", file: "a.har", content: capturetest.HAROf(dateEntry("2024-01-15T11:02:10.123456+01:00", "")),
			want: "2024-01-15T10:02:10.123456Z"},
		{name: "HAR malformed startedDateTime falls back to Date", file: "a.har", content: capturetest.HAROf(dateEntry("yesterday", "Mon, 15 Jan 2024 11:00:00 GMT")),
			want: "2024-01-15T11:00:00Z"},
		{name: "HAR neither", file: "a.har", content: capturetest.HAROf(dateEntry("", "not a date")), want: ""},
		{name: "cassette Date header", file: "c.yaml",
			content: "version: 2\ninteractions:\n  - request: {method: GET, url: '" + capturetest.GetURL + "'}\n    response: {code: 200, headers: {Date: ['Mon, 15 Jan 2024 10:45:00 GMT']}}\n",
			want:    "2024-01-15T10:45:00Z"},
		{name: "cassette without Date", file: "c.yaml", content: capturetest.CassetteOf(capturetest.Interaction("200", `{}`)), want: ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := capturetest.WriteFile(t, t.TempDir(), tc.file, tc.content)
			exs, errs := capturetest.Collect(t, Files(t.Context(), []string{p}))
			if len(errs) > 0 || len(exs) != 1 {
				t.Fatalf("got %d exchanges and errors %q, want one exchange", len(exs), capturetest.ErrorList(errs))
			}
			got := ""
			if !exs[0].Time.IsZero() {
				got = exs[0].Time.UTC().Format(time.RFC3339Nano)
			}
			if got != tc.want {
				t.Errorf("got time %q, want %q", got, tc.want)
			}
		})
	}
}
