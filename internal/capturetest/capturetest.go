// Package capturetest holds what the tests of the capture sources share: small recordings, and collecting and
// comparing what a source yields.
package capturetest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apikit/apikit/capture"
)

// Collect runs a loader to the end and returns what it yielded. Every error must be a *capture.LoadError.
func Collect(t testing.TB, seq iter.Seq2[*capture.Exchange, error]) ([]*capture.Exchange, []*capture.LoadError) {
	t.Helper()
	var exs []*capture.Exchange
	var errs []*capture.LoadError
	for ex, err := range seq {
		if err != nil {
			le, ok := err.(*capture.LoadError)
			if !ok {
				t.Fatalf("got error %T %q, want *capture.LoadError", err, err)
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

// WriteFile writes content to dir/name (making parent directories) and returns the path.
func WriteFile(t testing.TB, dir, name, content string) string {
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

// ErrorList lists the errors' texts.
func ErrorList(errs []*capture.LoadError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// HAROf wraps entries (JSON objects) in a HAR 1.2 document.
func HAROf(entries ...string) string {
	return `{"log":{"version":"1.2","creator":{"name":"test","version":"1"},"entries":[` + strings.Join(entries, ",") + `]}}`
}

// GetURL is the URL of the entries HAROf tests build.
const GetURL = "https://api.doorflow.com/api/3/group_reservations/456"

// WriteManyEntries writes a HAR of n small entries, each a valid listGroupReservations exchange.
func WriteManyEntries(t testing.TB, p string, n int) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(`{"log":{"version":"1.2","creator":{"name":"test","version":"1"},"entries":[`)
	for i := range n {
		if i > 0 {
			w.WriteString(",\n")
		}
		body, _ := json.Marshal(fmt.Sprintf(`[{"id":%d,"person_id":12345,"start_time":"2024-01-15T09:00:00.000Z","end_time":"2024-01-15T17:00:00.000Z",`+
			`"state":"active","group_ids":[1],"created_at":"2024-01-10T12:00:00.000Z","updated_at":"2024-01-10T12:00:00.000Z"}]`, i))
		fmt.Fprintf(w, `{"startedDateTime":"2024-01-15T10:30:00.000Z","time":12,"request":{"method":"GET","url":"https://api.doorflow.com/api/3/group_reservations?page=%d",`+
			`"httpVersion":"HTTP/1.1","headers":[{"name":"Authorization","value":"Bearer REDACTED"}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0},`+
			`"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[{"name":"Content-Type","value":"application/json; charset=utf-8"}],`+
			`"cookies":[],"content":{"size":200,"mimeType":"application/json","text":%s},"redirectURL":"","headersSize":-1,"bodySize":200},"cache":{},"timings":{"send":0,"wait":10,"receive":2}}`,
			i+1, body)
	}
	w.WriteString("]}}\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// LargeBodyHAR writes a HAR with one entry whose response body is size bytes of JSON (an array of objects),
// escaped into content.text as exporters write it, and returns the body.
func LargeBodyHAR(t testing.TB, p string, size int) []byte {
	t.Helper()
	item := []byte(`{"id":1234567,"state":"active"},`)
	body := bytes.Repeat(item, size/len(item))
	body[0] = '['
	body[len(body)-1] = ']'
	text, err := json.Marshal(string(body))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, part := range [][]byte{
		[]byte(`{"log":{"version":"1.2","entries":[{"request":{"method":"GET","url":"https://api.doorflow.com/api/3/group_reservations"},` +
			`"response":{"status":200,"headers":[],"content":{"mimeType":"application/json","text":`), text, []byte(`}}}]}}`),
	} {
		if _, err := f.Write(part); err != nil {
			t.Fatal(err)
		}
	}
	return body
}

// Loaded is one thing a HAR stream yielded, in a form two streams' outputs can be compared in.
type Loaded struct {
	Ex     *capture.Exchange
	Err    string
	Index  int
	Offset int64
	TooBig bool // errors.Is(err, capture.ErrBodyTooLarge)
	EOF    bool // errors.Is(err, io.ErrUnexpectedEOF)
}

// CollectStream runs a stream to the end and returns what it yielded, each error as a *capture.LoadError's parts.
func CollectStream(t *testing.T, run func(yield func(*capture.Exchange, error) bool)) []Loaded {
	t.Helper()
	var out []Loaded
	run(func(ex *capture.Exchange, err error) bool {
		if err != nil {
			var le *capture.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("got error %T %q, want *capture.LoadError", err, err)
			}
			out = append(out, Loaded{Err: err.Error(), Index: le.Index, Offset: le.Offset,
				TooBig: errors.Is(err, capture.ErrBodyTooLarge), EOF: errors.Is(err, io.ErrUnexpectedEOF)})
			return true
		}
		out = append(out, Loaded{Ex: ex})
		return true
	})
	return out
}

// CassetteOf wraps interactions (from Interaction) in a go-vcr v4 cassette.
func CassetteOf(interactions ...string) string {
	return "---\nversion: 2\ninteractions:\n" + strings.Join(interactions, "")
}

// Interaction is a cassette interaction for GET GetURL answered with code and body.
func Interaction(code, body string) string {
	return "    - id: 0\n      request:\n        headers:\n            authorization:\n                - Bearer REDACTED\n" +
		"        url: " + GetURL + "\n        method: GET\n" +
		"      response:\n        body: '" + body + "'\n        headers:\n            content-type:\n                - application/json; charset=utf-8\n" +
		"        status: 200 OK\n        code: " + code + "\n        duration: 12ms\n"
}

// DiffLoaded describes where got differs from want, item by item; "" when they agree.
func DiffLoaded(got, want []Loaded) string {
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		var g, w Loaded
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if i >= len(got) || i >= len(want) {
			fmt.Fprintf(&b, "item %d: got %s, want %s\n", i, describeLoaded(g, i < len(got)), describeLoaded(w, i < len(want)))
			continue
		}
		if (g.Ex == nil) != (w.Ex == nil) || g.Err != w.Err || g.Index != w.Index || g.Offset != w.Offset || g.TooBig != w.TooBig || g.EOF != w.EOF {
			fmt.Fprintf(&b, "item %d: got %s, want %s\n", i, describeLoaded(g, true), describeLoaded(w, true))
			continue
		}
		if g.Ex != nil {
			if d := diffExchange(g.Ex, w.Ex); d != "" {
				fmt.Fprintf(&b, "item %d: %s\n", i, d)
			}
		}
	}
	return b.String()
}

func describeLoaded(l Loaded, ok bool) string {
	switch {
	case !ok:
		return "nothing"
	case l.Ex != nil:
		return fmt.Sprintf("exchange %d", l.Ex.Index)
	}
	return fmt.Sprintf("error %q (index %d, offset %d, too big %v, eof %v)", l.Err, l.Index, l.Offset, l.TooBig, l.EOF)
}

func diffExchange(g, w *capture.Exchange) string {
	switch {
	case g.Source != w.Source || g.Index != w.Index || g.Method != w.Method || g.Status != w.Status ||
		g.OperationID != w.OperationID || g.NoRequest != w.NoRequest:
		return fmt.Sprintf("got %+v, want %+v", g, w)
	case g.URL.String() != w.URL.String():
		return fmt.Sprintf("got URL %s, want %s", g.URL, w.URL)
	case !reflect.DeepEqual(g.RequestHeader, w.RequestHeader) || !reflect.DeepEqual(g.ResponseHeader, w.ResponseHeader):
		return fmt.Sprintf("got headers %v %v, want %v %v", g.RequestHeader, g.ResponseHeader, w.RequestHeader, w.ResponseHeader)
	case !bytes.Equal(g.RequestBody, w.RequestBody) || (g.RequestBody == nil) != (w.RequestBody == nil):
		return fmt.Sprintf("got request body %q, want %q", g.RequestBody, w.RequestBody)
	case !bytes.Equal(g.ResponseBody, w.ResponseBody) || (g.ResponseBody == nil) != (w.ResponseBody == nil):
		return fmt.Sprintf("got response body %q, want %q", g.ResponseBody, w.ResponseBody)
	}
	return ""
}

// Reservation is a valid DoorFlow group reservation, 223 bytes of JSON.
const Reservation = `{"id":456,"person_id":12345,"start_time":"2024-01-15T09:00:00.000Z","end_time":"2024-01-15T17:00:00.000Z","state":"active","group_ids":[1,3,5],"created_at":"2024-01-10T12:00:00.000Z","updated_at":"2024-01-10T12:00:00.000Z"}`

// FuzzLimit is the body limit the fuzz targets use, small so the limit paths are reached.
const FuzzLimit = 4 << 10

// CheckLoaded asserts the invariants every loader keeps, on any input: errors are *LoadErrors naming the file,
// exchanges are complete and within the limit, indexes increase. It reports whether any error was yielded.
func CheckLoaded(t *testing.T, file string, size int, seq iter.Seq2[*capture.Exchange, error]) bool {
	t.Helper()
	sawErr := false
	last := -1
	for ex, err := range seq {
		if err != nil {
			sawErr = true
			var le *capture.LoadError
			if !errors.As(err, &le) || le.File != file || le.Err == nil {
				t.Fatalf("got error %#v, want a *capture.LoadError for %s", err, file)
			}
			if le.Offset < -1 || le.Offset > int64(size) {
				t.Fatalf("error %q: offset %d outside the %d-byte input", le, le.Offset, size)
			}
			continue
		}
		if ex == nil || ex.Source != file || ex.Index <= last || ex.URL == nil || ex.Method == "" {
			t.Fatalf("got incomplete exchange %+v after index %d", ex, last)
		}
		last = ex.Index
		if len(ex.RequestBody) > FuzzLimit || len(ex.ResponseBody) > FuzzLimit {
			t.Fatalf("entry %d: body over the %d-byte limit", ex.Index, FuzzLimit)
		}
		if ex.Status != 0 && (ex.Status < 100 || ex.Status > 999) {
			t.Fatalf("entry %d: status %d", ex.Index, ex.Status)
		}
	}
	return sawErr
}

// BreakAfterFirst stops at the first yield; the runtime panics if the iterator calls yield again.
func BreakAfterFirst(seq iter.Seq2[*capture.Exchange, error]) {
	for range seq {
		break
	}
}

// AddSeedFiles adds the files at paths to f's seed corpus.
func AddSeedFiles(f *testing.F, paths ...string) {
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// MustURL parses s, failing the test when it is not a URL.
func MustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Long reports whether the exhaustive variants of the comparison tests run: `make test-long` sets APIKIT_LONG=1;
// `make test` runs a sample of the same comparisons.
func Long() bool { return os.Getenv("APIKIT_LONG") == "1" }
