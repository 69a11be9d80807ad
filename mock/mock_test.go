package mock

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apikit/apikit/contract"
)

func newServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(t.Context(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newValidator(t testing.TB, opts ...contract.Option) *contract.Validator {
	t.Helper()
	v, err := contract.New(t.Context(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// reply is one answer of the mock, already checked against the specs.
type reply struct {
	status int
	header http.Header
	body   []byte
	// reqViolations are the harness's findings on the request (expected for 400 and 401 cases).
	reqViolations []contract.Violation
}

// get sends GET target (path and query) with a bearer token (none when token is empty) through the handler and
// validates the whole exchange with the harness: the response must have no violation and no warning (400 is
// documented in both specs for malformed parameters).
func get(t *testing.T, h http.Handler, v *contract.Validator, target, token string) reply {
	t.Helper()
	return send(t, h, v, http.MethodGet, target, token)
}

func send(t *testing.T, h http.Handler, v *contract.Validator, method, target, token string) reply {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, target, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	rep := reply{status: res.StatusCode, header: res.Header, body: rec.Body.Bytes()}
	ex := &contract.Exchange{Source: t.Name(), Index: -1, Method: method, URL: req.URL, RequestHeader: req.Header,
		Status: rep.status, ResponseHeader: rep.header, ResponseBody: rep.body}
	rep.reqViolations = checkExchange(t, v, ex)
	if ct := rep.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && res.StatusCode != http.StatusMovedPermanently {
		t.Errorf("%s %s: got Content-Type %q, want application/json", method, target, ct)
	}
	if !json.Valid(rep.body) {
		t.Errorf("%s %s: the body is not JSON: %.200s", method, target, rep.body)
	}
	return rep
}

// checkExchange validates ex, fails the test on any response-side violation or warning, and returns the
// request-side violations.
func checkExchange(t testing.TB, v *contract.Validator, ex *contract.Exchange) []contract.Violation {
	t.Helper()
	res := v.Validate(t.Context(), ex)
	for _, w := range res.Warnings {
		t.Errorf("%s %s: warning: %v", ex.Method, ex.URL, &w)
	}
	var reqSide []contract.Violation
	for _, vio := range res.Violations {
		switch {
		case strings.HasPrefix(vio.In, "request."):
			reqSide = append(reqSide, vio)
		default:
			t.Errorf("%s %s: the mock's response violates the spec: %v", ex.Method, ex.URL, &vio)
		}
	}
	return reqSide
}

// decode unmarshals a reply body into T.
func decode[T any](t testing.TB, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decoding %.200s: %v", body, err)
	}
	return v
}

// violationKeys renders violations as "in pointer rule", for comparisons.
func violationKeys(vs []contract.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.In+" "+v.Pointer+" "+v.Rule)
	}
	return out
}
