package contract_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/internal/codingtest"
)

// groups is a valid Sonderplan listGroups answer.
const groups = `{"data":[{"id":5693,"name":"Video Editors","members":[{"id":4,"first_name":"Ada","last_name":"L","primary_email":"ada@example.com"}],` +
	`"acl_schedule":"R-"}],"meta":{"pagination":{"total":1,"count":1,"per_page":10,"current_page":1}}}`

// TestIssue12TransportDecodes: a valid JSON answer the caller asked to receive encoded is valid whatever its
// Content-Encoding (before issue 12 only gzip was decoded, and a deflate answer was "not valid JSON"); the
// caller still gets the encoded bytes; a corrupt body is validated as it came and logged, naming the encoding.
func TestIssue12TransportDecodes(t *testing.T) {
	t.Parallel()
	v, err := contract.New(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte(groups)
	cases := []struct {
		name, encoding string
		body           []byte
		wantValid      bool
		wantLog        string
	}{
		{"gzip", "gzip", codingtest.Encode(t, plain, "gzip"), true, ""},
		{"deflate, zlib-wrapped", "deflate", codingtest.Encode(t, plain, "deflate"), true, ""},
		{"deflate, raw", "deflate", codingtest.Encode(t, plain, "deflate-raw"), true, ""},
		{"br", "br", codingtest.Encode(t, plain, "br"), true, ""},
		{"gzip then br", "gzip, br", codingtest.Encode(t, plain, "gzip", "br"), true, ""},
		{"corrupt br", "br", []byte("not brotli at all"), false, "decoding br"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if got := r.Header.Get("Accept-Encoding"); got != tc.encoding {
					t.Errorf("got Accept-Encoding %q, want the caller's %q", got, tc.encoding)
				}
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", tc.encoding)
				_, _ = w.Write(tc.body)
			}))
			t.Cleanup(srv.Close)
			var (
				mu      sync.Mutex
				results []contract.Result
				log     bytes.Buffer
			)
			tr, err := contract.NewTransport(v, contract.WithRoundTripper(srv.Client().Transport),
				contract.WithLogger(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelWarn}))),
				contract.WithOnResult(func(r contract.Result) {
					mu.Lock()
					defer mu.Unlock()
					results = append(results, r)
				}))
			if err != nil {
				t.Fatal(err)
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/v2/group?limit=10", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer token")
			req.Header.Set("Accept-Encoding", tc.encoding)
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || !bytes.Equal(got, tc.body) || resp.Header.Get("Content-Encoding") != tc.encoding {
				t.Errorf("the caller got %d bytes with Content-Encoding %q, %v; want the server's %d bytes as %q",
					len(got), resp.Header.Get("Content-Encoding"), err, len(tc.body), tc.encoding)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(results) != 1 || results[0].OperationID != "listGroups" || results[0].Valid != tc.wantValid {
				t.Fatalf("got results %+v, want one listGroups with Valid %v", results, tc.wantValid)
			}
			if tc.wantLog == "" && log.Len() > 0 || !strings.Contains(log.String(), tc.wantLog) {
				t.Errorf("got log %q, want %q", log.String(), tc.wantLog)
			}
		})
	}
}

// TestIssue12CoverageContentParameter: coverage of a spec whose parameter is declared with content: instead of
// schema: (testdata/issue12/things.yaml; before issue 12, NewCoverage dereferenced the nil schema and panicked). The parameter counts; enums still count.
func TestIssue12CoverageContentParameter(t *testing.T) {
	t.Parallel()
	v, err := contract.New(t.Context(), contract.WithSpecFS(os.DirFS("testdata/issue12"), "testdata/issue12"))
	if err != nil {
		t.Fatal(err)
	}
	cov := v.NewCoverage()
	u, _ := url.Parse(`https://t.example/things?filter=` + url.QueryEscape(`{"state":"on"}`) + `&page=2`)
	ex := &contract.Exchange{Method: http.MethodGet, URL: u, RequestHeader: http.Header{}, Status: 200,
		ResponseHeader: http.Header{"Content-Type": {"application/json"}}, ResponseBody: []byte(`{"kind":"a"}`)}
	res := v.Validate(t.Context(), ex)
	if !res.Valid {
		t.Fatalf("got %+v, want a valid exchange", res)
	}
	cov.Add(ex, res)
	r := cov.Report()
	if len(r.Operations) != 1 {
		t.Fatalf("got %d operations, want 1", len(r.Operations))
	}
	hits := map[string]int{}
	for _, it := range append(r.Operations[0].Parameters, r.Operations[0].EnumValues...) {
		hits[it.Name] = it.Hits
	}
	want := map[string]int{"query:filter": 1, "query:page": 1, "kind=a": 1, "kind=b": 0}
	for name, n := range want {
		if got, ok := hits[name]; !ok || got != n {
			t.Errorf("%s: got %d hits (listed: %v), want %d", name, got, ok, n)
		}
	}
}
