package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"iter"
	"os"
	"testing"

	"github.com/apikit/apikit/capture"
)

// fuzzLimit is the body limit the fuzz targets use, small so the limit paths are reached.
const fuzzLimit = 4 << 10

// checkLoaded asserts the invariants every loader keeps, on any input: errors are *LoadErrors naming the file,
// exchanges are complete and within the limit, indexes increase. It reports whether any error was yielded.
func checkLoaded(t *testing.T, file string, size int, seq iter.Seq2[*Exchange, error]) bool {
	t.Helper()
	sawErr := false
	last := -1
	for ex, err := range seq {
		if err != nil {
			sawErr = true
			var le *LoadError
			if !errors.As(err, &le) || le.File != file || le.Err == nil {
				t.Fatalf("got error %#v, want a *LoadError for %s", err, file)
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
		if len(ex.RequestBody) > fuzzLimit || len(ex.ResponseBody) > fuzzLimit {
			t.Fatalf("entry %d: body over the %d-byte limit", ex.Index, fuzzLimit)
		}
		if ex.Status != 0 && (ex.Status < 100 || ex.Status > 999) {
			t.Fatalf("entry %d: status %d", ex.Index, ex.Status)
		}
	}
	return sawErr
}

// breakAfterFirst stops at the first yield; the runtime panics if the iterator calls yield again.
func breakAfterFirst(seq iter.Seq2[*Exchange, error]) {
	for range seq {
		break
	}
}

func addSeedFiles(f *testing.F, paths ...string) {
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzParseHAR(f *testing.F) {
	addSeedFiles(f, "testdata/doorflow.har", "testdata/sonderplan.har")
	for _, s := range harSeeds() { // harfilter_test.go
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := capture.NewConfig([]LoadOption{WithMaxBody(fuzzLimit)})
		seq := func(yield func(*Exchange, error) bool) {
			newHARStream("fuzz.har", bytes.NewReader(data), cfg).run(t.Context(), yield)
		}
		sawErr := checkLoaded(t, "fuzz.har", len(data), seq)
		if !json.Valid(bytes.TrimPrefix(data, []byte(utf8BOM))) && !sawErr {
			t.Fatalf("invalid JSON read without an error: %q", data)
		}
		breakAfterFirst(seq)
	})
}

func FuzzParseCassette(f *testing.F) {
	addSeedFiles(f, "testdata/doorflow_cassette.yaml")
	good := interaction("200", `{}`)
	for _, s := range []string{
		"", "version: 2\n", "interactions: []\n", "version: 2\ninteractions:\n", cassetteOf(good, good), cassetteOf(good)[:120],
		cassetteOf(interaction("abc", "x"), "    - just a string\n", "    - response:\n        code: 200\n"),
		"version: 1\ninteractions: []\n", "version: 2\ninteractions: {a: 1}\n",
		`{"version": 2, "interactions": [{"request": {"method": "GET", "url": "https://x/"}, "response": {"code": 204}}]}`,
		"version: 2\na: &a [x, x]\nb: &b [*a, *a]\ninteractions: [*b, *b]\n",
		"version: 2\ninteractions:\n  - &i {request: {method: GET, url: 'https://x'}, response: {code: 200, body: '{}'}}\n  - *i\n  - <<: *i\n",
		"\x00\x9f\x92\x96garbage\xff", "[[[[[[[[", "a: b: c",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := capture.NewConfig([]LoadOption{WithMaxBody(fuzzLimit)})
		seq := cassetteExchanges(t.Context(), "fuzz.yaml", data, cfg, false)
		checkLoaded(t, "fuzz.yaml", len(data), seq)
		breakAfterFirst(seq)
	})
}
