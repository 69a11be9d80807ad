package cassette

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/internal/benchdata"
	"github.com/apikit/apikit/internal/capturetest"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// TestReadCassetteMatchesGoVCR reads the committed cassette with ReadCassette and with go-vcr's own
// cassette.Load, and checks both see the same interactions.
func TestReadCassetteMatchesGoVCR(t *testing.T) {
	t.Parallel()
	const file = "../../contract/testdata/doorflow_cassette.yaml"
	exs, errs := capturetest.Collect(t, Read(t.Context(), file))
	if len(errs) > 0 {
		t.Fatalf("got errors %q", capturetest.ErrorList(errs))
	}
	// cassette.Load appends ".yaml" to the name it is given (pinned here: it is why ReadCassette does not call
	// it with the caller's path).
	if _, err := cassette.Load(file); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf(`cassette.Load(%q): got %v, want fs.ErrNotExist (it looks for %q)`, file, err, file+".yaml")
	}
	c, err := cassette.Load(strings.TrimSuffix(file, ".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != len(c.Interactions) {
		t.Fatalf("got %d exchanges, go-vcr loads %d interactions", len(exs), len(c.Interactions))
	}
	for i, it := range c.Interactions {
		ex := exs[i]
		const f = "%s#%d %s %s %d %s %v %v"
		got := fmt.Sprintf(f, ex.Source, ex.Index, ex.Method, ex.URL, ex.Status, ex.ResponseBody, ex.RequestHeader, ex.ResponseHeader)
		want := fmt.Sprintf(f, file, i, it.Request.Method, it.Request.URL, it.Response.Code, it.Response.Body, it.Request.Headers, it.Response.Headers)
		if got != want {
			t.Errorf("interaction %d:\ngot  %s\nwant %s", i, got, want)
		}
		if ex.RequestBody != nil {
			t.Errorf("interaction %d: got request body %q, want none", i, ex.RequestBody)
		}
	}
}

func TestReadCassette(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, file, content string
		want                []string // "index method url status body request-header response-header"
		wantReq             string
	}{
		{name: "yml extension and header names made canonical", file: "c.yml", content: capturetest.CassetteOf(capturetest.Interaction("200", `{"id":1}`)),
			want: []string{"0 GET " + capturetest.GetURL + ` 200 {"id":1} map[Authorization:[Bearer REDACTED]] map[Content-Type:[application/json; charset=utf-8]]`}},
		{name: "no response code is no response", file: "c.yaml", content: capturetest.CassetteOf(capturetest.Interaction("0", ``)),
			want: []string{"0 GET " + capturetest.GetURL + " 0  map[Authorization:[Bearer REDACTED]] map[]"}},
		{name: "request body", file: "c.yaml", content: capturetest.CassetteOf("  - request:\n      method: POST\n      url: https://x/y\n      body: '{\"a\":1}'\n    response:\n      code: 201\n"),
			want: []string{`0 POST https://x/y 201  map[] map[]`}, wantReq: `{"a":1}`},
		{name: "null interactions", file: "c.yaml", content: "version: 2\ninteractions:\n"},
		{name: "empty interactions", file: "c.yaml", content: "version: 2\ninteractions: []\n"},
		{name: "flow style (JSON) cassette", file: "c.yaml", content: `{"version": 2, "interactions": [{"request": {"method": "GET", "url": "https://x/"}, "response": {"code": 204}}]}`,
			want: []string{"0 GET https://x/ 204  map[] map[]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := capturetest.WriteFile(t, t.TempDir(), tc.file, tc.content)
			exs, errs := capturetest.Collect(t, Read(t.Context(), p))
			if len(errs) > 0 {
				t.Fatalf("got errors %q", capturetest.ErrorList(errs))
			}
			var got []string
			for _, ex := range exs {
				if ex.Source != p {
					t.Errorf("got Source %q, want %q", ex.Source, p)
				}
				got = append(got, fmt.Sprintf("%d %s %s %d %s %v %v", ex.Index, ex.Method, ex.URL, ex.Status, ex.ResponseBody, ex.RequestHeader, headerOrNil(ex.ResponseHeader)))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
			for _, ex := range exs {
				if string(ex.RequestBody) != tc.wantReq || (tc.wantReq == "" && ex.RequestBody != nil) {
					t.Errorf("got request body %q, want %q", ex.RequestBody, tc.wantReq)
				}
			}
		})
	}
}

func headerOrNil(h http.Header) http.Header {
	if h == nil {
		return http.Header{}
	}
	return h
}

func TestReadCassetteErrors(t *testing.T) {
	t.Parallel()
	good := capturetest.Interaction("200", `{}`)
	valid := capturetest.CassetteOf(good, good)
	cases := []struct {
		name     string
		content  string
		opts     []capture.Option
		wantN    int
		wantErrs []string
		wantIs   error
	}{
		{name: "empty file", content: "", wantErrs: []string{"file is empty, not a go-vcr cassette"}},
		{name: "only a comment", content: "# nothing\n", wantErrs: []string{`not a go-vcr cassette: the document is not a mapping`}},
		{name: "binary garbage", content: "\x00\x9f\x92\x96garbage\xff", wantErrs: []string{"invalid YAML"}},
		{name: "malformed YAML", content: "version: 2\ninteractions:\n  - request: {method: GET\n", wantErrs: []string{"invalid YAML"}},
		{name: "bad indentation", content: "version: 2\ninteractions:\n  - request:\n      method: GET\n     url: x\n", wantErrs: []string{"invalid YAML"}},
		{name: "truncated in a quoted body", content: valid[:strings.Index(valid, "body: '{")+9], wantErrs: []string{"invalid YAML"}},
		{name: "not a cassette", content: "openapi: 3.0.3\ninfo: {title: x}\n", wantErrs: []string{`not a go-vcr cassette: no top-level "interactions" key`}, wantIs: errNotCassette},
		{name: "a list", content: "- a\n- b\n", wantErrs: []string{"not a go-vcr cassette: the document is not a mapping"}},
		{name: "no version", content: "interactions: []\n", wantErrs: []string{`cassette has no "version"`}},
		{name: "version 1", content: strings.Replace(valid, "version: 2", "version: 1", 1),
			wantErrs: []string{`unsupported cassette version format: the cassette says version "1" (line 2), go-vcr v4 reads version 2`}, wantIs: cassette.ErrUnsupportedCassetteFormat},
		{name: "interactions not a list", content: "version: 2\ninteractions: {a: 1}\n", wantErrs: []string{`"interactions" at line 2 is not a list`}},
		{name: "interaction field of the wrong type", content: capturetest.CassetteOf(capturetest.Interaction("abc", `{}`), good), wantN: 1,
			wantErrs: []string{"entry 0: interaction at line 4: "}},
		{name: "interaction not a mapping", content: capturetest.CassetteOf("    - just a string\n", good), wantN: 1, wantErrs: []string{"entry 0: interaction at line 4"}},
		{name: "interaction without request", content: capturetest.CassetteOf("    - response:\n        code: 200\n", good), wantN: 1,
			wantErrs: []string{"entry 0: interaction at line 4: interaction has no request"}},
		{name: "request without url", content: capturetest.CassetteOf("    - request:\n        method: GET\n", good), wantN: 1, wantErrs: []string{"entry 0: interaction at line 4: request.url is missing"}},
		{name: "bad url", content: capturetest.CassetteOf("    - request:\n        method: GET\n        url: 'http://[::1'\n", good), wantN: 1,
			wantErrs: []string{"entry 0: interaction at line 4: request.url is not a URL"}},
		{name: "code out of range", content: capturetest.CassetteOf(capturetest.Interaction("42", `{}`), good), wantN: 1, wantErrs: []string{"entry 0: interaction at line 4: response.code 42 is not an HTTP status code"}},
		{name: "file over the limit", content: valid, opts: []capture.Option{capture.WithMaxBody(100)},
			wantErrs: []string{"cassette file is 797 bytes, over the 100 bytes limit (--max-body); a cassette is parsed whole"}, wantIs: capture.ErrBodyTooLarge},
		{name: "alias bomb", content: "version: 2\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
			"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n" +
			"interactions: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n", wantN: 0, wantErrs: nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := capturetest.WriteFile(t, t.TempDir(), "rec.yaml", tc.content)
			exs, errs := capturetest.Collect(t, Read(t.Context(), p, tc.opts...))
			if len(exs) != tc.wantN {
				t.Errorf("got %d exchanges, want %d", len(exs), tc.wantN)
			}
			if tc.name == "alias bomb" {
				// Each interaction is an alias of a 10^5-scalar nest: decoding must fail fast, without expanding it.
				if len(errs) == 0 {
					t.Errorf("got no errors, want the expansion refused")
				}
				return
			}
			if len(errs) != len(tc.wantErrs) {
				t.Fatalf("got errors %q, want %d matching %q", capturetest.ErrorList(errs), len(tc.wantErrs), tc.wantErrs)
			}
			for i, e := range errs {
				if got := e.Error(); !strings.HasPrefix(got, p+": ") || !strings.Contains(got, tc.wantErrs[i]) {
					t.Errorf("got error %q, want %q after the file name", got, tc.wantErrs[i])
				}
				if tc.wantIs != nil && !errors.Is(e, tc.wantIs) {
					t.Errorf("errors.Is(%q, %v) = false, want true", e, tc.wantIs)
				}
			}
		})
	}
}

// TestInteractionBodyLimit checks the per-body limit on a decoded interaction. Through ReadCassette it cannot
// trigger (the file is refused first when it is over the limit), so it is tested here directly.
func TestInteractionBodyLimit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		it   cassette.Interaction
		want string
	}{
		{"request", cassette.Interaction{Request: cassette.Request{Method: "POST", URL: "https://x", Body: strings.Repeat("y", 600)}},
			"request body is 600 bytes, over the 512 bytes limit (--max-body)"},
		{"response", cassette.Interaction{Request: cassette.Request{Method: "GET", URL: "https://x"}, Response: cassette.Response{Code: 200, Body: strings.Repeat("y", 513)}},
			"response body is 513 bytes, over the 512 bytes limit (--max-body)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := interactionExchange("c.yaml", 0, &tc.it, 512)
			if err == nil || err.Error() != tc.want || !errors.Is(err, capture.ErrBodyTooLarge) {
				t.Errorf("got %v, want %q matching capture.ErrBodyTooLarge", err, tc.want)
			}
		})
	}
	if _, err := interactionExchange("c.yaml", 0, &cassette.Interaction{Request: cassette.Request{Method: "GET", URL: "https://x"},
		Response: cassette.Response{Code: 200, Body: strings.Repeat("y", 512)}}, 512); err != nil {
		t.Errorf("a body at the limit: got %v, want no error", err)
	}
}

func TestReadCassetteFileErrorsAndBreak(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, errs := capturetest.Collect(t, Read(t.Context(), filepath.Join(dir, "missing.yaml")))
	if len(errs) != 1 || !errors.Is(errs[0], fs.ErrNotExist) || errs[0].Index != -1 {
		t.Errorf("missing file: got %q, want one fs.ErrNotExist error", capturetest.ErrorList(errs))
	}
	_, errs = capturetest.Collect(t, Read(t.Context(), dir))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "is a directory") {
		t.Errorf("directory: got %q, want one error", capturetest.ErrorList(errs))
	}
	p := capturetest.WriteFile(t, dir, "three.yaml", capturetest.CassetteOf(capturetest.Interaction("200", "{}"), capturetest.Interaction("200", "{}"), capturetest.Interaction("200", "{}")))
	n := 0
	for _, err := range Read(t.Context(), p) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("got %d, want 2", n)
	}
	if err := os.Chmod(p, 0); err == nil && os.Getuid() != 0 {
		_, errs = capturetest.Collect(t, Read(t.Context(), p))
		if len(errs) != 1 || !errors.Is(errs[0], fs.ErrPermission) {
			t.Errorf("unreadable file: got %q, want fs.ErrPermission", capturetest.ErrorList(errs))
		}
	}
}

// TestAliasExpansionBounded: a cassette whose anchor is referenced many times is refused with a LoadError naming
// the file, before anything is expanded; a few references within the bound still read.
func TestAliasExpansionBounded(t *testing.T) {
	t.Parallel()
	write := func(refs, items int) string {
		var b bytes.Buffer
		if err := benchdata.WriteAliasCassette(&b, refs, items); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), fmt.Sprintf("alias-%d.yaml", refs))
		if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	path := write(200, 1000)
	var n int
	for ex, err := range Read(t.Context(), path) {
		var le *capture.LoadError
		if ex != nil || !errors.As(err, &le) || le.File != path || !strings.Contains(err.Error(), "YAML aliases expand the cassette past") {
			t.Fatalf("got %v, %v; want a LoadError naming %s", ex, err, path)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d results, want the one error", n)
	}
	n = 0
	for _, err := range Read(t.Context(), write(3, 100)) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 4 {
		t.Fatalf("a cassette with 3 references: %d exchanges, want 4", n)
	}
}
