package contract

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikit/apikit/capture"
)

// collect runs a loader to the end and returns what it yielded. Every error must be a *LoadError.
func collect(t testing.TB, seq iter.Seq2[*Exchange, error]) ([]*Exchange, []*LoadError) {
	t.Helper()
	var exs []*Exchange
	var errs []*LoadError
	for ex, err := range seq {
		if err != nil {
			le, ok := err.(*LoadError)
			if !ok {
				t.Fatalf("got error %T %q, want *LoadError", err, err)
			}
			if ex != nil {
				t.Errorf("got an exchange with error %q, want nil", err)
			}
			errs = append(errs, le)
			continue
		}
		if ex == nil {
			t.Fatal("got nil exchange and nil error")
		}
		exs = append(exs, ex)
	}
	return exs, errs
}

// writeFile writes content to dir/name (making parent directories) and returns the path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// where lists exchanges as "base#index" for comparisons.
func whereList(exs []*Exchange) []string {
	var out []string
	for _, ex := range exs {
		out = append(out, filepath.ToSlash(filepath.Base(ex.Source))+"#"+fmt.Sprint(ex.Index))
	}
	return out
}

func errorList(errs []*LoadError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func TestLoadError(t *testing.T) {
	t.Parallel()
	cause := fs.ErrNotExist
	cases := []struct {
		name string
		err  *LoadError
		want string
	}{
		{"file only", &LoadError{File: "capture.har", Index: -1, Offset: -1, Err: cause}, "capture.har: file does not exist"},
		{"entry", &LoadError{File: "capture.har", Index: 3, Offset: -1, Err: capture.BodyTooLarge("response body", 300<<20, 256<<20)},
			"capture.har: entry 3: response body is 300 MiB, over the 256 MiB limit (--max-body)"},
		{"byte", &LoadError{File: "capture.har", Index: -1, Offset: 1234, Err: errors.New("unexpected end of JSON (truncated file?)")},
			"capture.har: byte 1234: unexpected end of JSON (truncated file?)"},
		{"entry and byte", &LoadError{File: "c.har", Index: 0, Offset: 0, Err: errors.New("x")}, "c.har: entry 0: byte 0: x"},
		{"nil cause", &LoadError{File: "c.har", Index: -1, Offset: -1}, "c.har: unknown error"},
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
	var le *LoadError
	if err := fmt.Errorf("wrapped: %w", cases[1].err); !errors.As(err, &le) || !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("errors.As/Is through a wrapped LoadError failed")
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
	writeFile(t, dir, "a.har", miniHAR)
	writeFile(t, dir, "b/c.json", miniHAR)
	writeFile(t, dir, "b/d.json", `{"openapi":"3.0.3","info":{"log":"not a HAR"}}`) // JSON, not a HAR: skipped
	writeFile(t, dir, "b/empty.json", ``)                                           // skipped
	writeFile(t, dir, "b/list.json", `[1,2]`)                                       // skipped
	writeFile(t, dir, "e.yaml", miniCassette)
	writeFile(t, dir, "f.yaml", "openapi: 3.0.3\ninfo:\n  title: not a cassette\n") // skipped
	writeFile(t, dir, "g.yml", miniCassette)
	writeFile(t, dir, "h.yaml", "# mentions interactions in a comment only\nkey: value\n") // skipped
	writeFile(t, dir, "notes.txt", "not a recording")                                      // skipped
	writeFile(t, dir, ".hidden/x.har", miniHAR)                                            // skipped
	writeFile(t, dir, "broken.har", `{"log":{"entries":[`+miniEntry+`,{`)                  // error, then go on
	writeFile(t, dir, "bom.json", "\xEF\xBB\xBF"+miniHAR)

	exs, errs := collect(t, Load(t.Context(), []string{dir}))
	want := []string{"a.har#0", "a.har#1", "c.json#0", "c.json#1", "bom.json#0", "bom.json#1", "broken.har#0", "e.yaml#0", "g.yml#0"}
	if got := whereList(exs); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got exchanges %v, want %v", got, want)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "broken.har: entry 1: byte ") || !strings.Contains(errs[0].Error(), "truncated") {
		t.Errorf("got errors %q, want one truncation error for broken.har entry 1", errorList(errs))
	}
}

func TestLoadPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	har := writeFile(t, dir, "one.har", miniHAR)
	yml := writeFile(t, dir, "one.yml", miniCassette)
	notHAR := writeFile(t, dir, "spec.json", `{"openapi":"3.0.3"}`)
	notCassette := writeFile(t, dir, "spec.yaml", "openapi: 3.0.3\n")
	txt := writeFile(t, dir, "notes.txt", "hello")
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
			exs, errs := collect(t, Load(t.Context(), tc.paths))
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
	_, errs := collect(t, Load(t.Context(), []string{missing}))
	if len(errs) != 1 || !errors.Is(errs[0], fs.ErrNotExist) {
		t.Errorf("got %v, want an error matching fs.ErrNotExist", errs)
	}
}

func TestLoadEarlyBreakAndCancel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "a.har", miniHAR)
	writeFile(t, dir, "b.har", miniHAR)
	writeFile(t, dir, "c.yaml", miniCassette)

	t.Run("break", func(t *testing.T) {
		t.Parallel()
		for _, stopAt := range []int{1, 2, 3} {
			n := 0
			for _, err := range Load(t.Context(), []string{dir}) {
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
		for _, err := range Load(ctx, []string{dir}) {
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

// TestTestdataRecordingsValidate loads the committed recordings and validates every exchange: a valid recording
// must give no violation and no warning, so a false alarm in the loaders or the validator fails here.
func TestTestdataRecordingsValidate(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	cases := []struct {
		file string
		ops  map[string]int // operation -> exchanges expected
	}{
		{"testdata/doorflow.har", map[string]int{"listGroupReservations": 4, "getGroupReservation": 2}},
		{"testdata/sonderplan.har", map[string]int{"listGroups": 5}},
		{"testdata/doorflow_cassette.yaml", map[string]int{"listGroupReservations": 2, "getGroupReservation": 2}},
	}
	for _, tc := range cases {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			t.Parallel()
			exs, errs := collect(t, Load(t.Context(), []string{tc.file}))
			if len(errs) > 0 {
				t.Fatalf("load errors: %q", errorList(errs))
			}
			got := map[string]int{}
			for _, ex := range exs {
				if ex.RequestHeader.Get("Authorization") != "Bearer REDACTED" {
					t.Errorf("%s: Authorization is not redacted", ex.Where())
				}
				res := v.Validate(t.Context(), ex)
				got[res.OperationID]++
				if !res.Valid || res.Skipped || len(res.Violations) > 0 || len(res.Warnings) > 0 {
					t.Errorf("%s: got valid=%v skipped=%v (%s) violations %v warnings %v, want a clean pass",
						ex.Where(), res.Valid, res.Skipped, res.SkipReason, res.Violations, res.Warnings)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.ops) {
				t.Errorf("got operations %v, want %v", got, tc.ops)
			}
			// A control: the same exchanges with one broken value must not pass, or "no violations" above
			// would prove nothing.
			ex := *exs[0]
			ex.ResponseBody = []byte(strings.Replace(string(ex.ResponseBody), `"id"`, `"id":"x","was_id"`, 1))
			if res := v.Validate(t.Context(), &ex); res.Valid {
				t.Errorf("%s with a string id: got valid, want a violation", ex.Where())
			}
		})
	}
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
		for ex, err := range Load(t.Context(), paths) {
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
