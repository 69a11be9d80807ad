// Package clienttest holds the test helpers the client packages share: a fake vendor server held to the
// contract, and the check that ties each client's methods to the spec's operations.
package clienttest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apikit/apikit/contract"
)

// GatewayStatuses are the statuses a rate limiter or a gateway in front of a vendor sends (429, 502, 503, 504).
// The specs document none of them, yet clients must handle them: [Server] lets a handler answer with one and
// reports the undocumented status with t.Log instead of failing. Every other check still applies.
var GatewayStatuses = []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}

// Server is a fake vendor API on 127.0.0.1 whose every request and response is validated against the vendor's
// spec with the contract harness; a violation fails the test. The API lives under the path "/"+vendor, so
// clients are also tested with a base URL that has a path.
type Server struct {
	*httptest.Server
	// BaseURL is the base URL to give the client: the server's URL and "/"+vendor.
	BaseURL string
	// API holds the vendor's handlers, at the spec's paths ("/api/3/group_reservations").
	API *http.ServeMux

	root     *http.ServeMux
	requests atomic.Int64
}

// NewServer starts a fake API for vendor ("doorflow" or "sonderplan"), closed when the test ends.
func NewServer(t *testing.T, vendor string) *Server {
	t.Helper()
	s := &Server{API: http.NewServeMux(), root: http.NewServeMux()}
	s.Server = httptest.NewServer(s.root)
	t.Cleanup(s.Close)
	s.BaseURL = s.URL + "/" + vendor
	// Schemas only: a fake answers with canned data, and the rules (x-apikit-rules: filters, paging, time
	// windows) describe how a real server computes its answers, which a canned one does not.
	v, err := contract.New(t.Context(), contract.WithBaseURL(vendor, s.BaseURL), contract.WithRules(contract.RulesSchema))
	if err != nil {
		t.Fatal(err)
	}
	prefix := "/" + vendor
	s.root.Handle(prefix+"/", s.enforce(t, v, http.StripPrefix(prefix, s.API)))
	return s
}

// Handle serves pattern outside the vendor's API and outside the contract (an OAuth token endpoint).
func (s *Server) Handle(pattern string, h http.Handler) { s.root.Handle(pattern, h) }

// Requests returns how many API requests the server has received.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// enforce validates each request before h sees it and each response before it leaves.
func (s *Server) enforce(t *testing.T, v *contract.Validator, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		u, err := url.Parse(s.URL + r.URL.RequestURI())
		if err != nil {
			t.Errorf("fake server: request URL: %v", err)
			return
		}
		ex := &contract.Exchange{Source: "fake " + r.Method + " " + u.Path, Index: -1, Method: r.Method, URL: u,
			RequestHeader: r.Header.Clone()}
		res := v.ValidateRequest(r.Context(), ex)
		if res.Skipped {
			t.Errorf("fake server: %s %s is not an operation of the spec: %s", r.Method, r.URL.Path, res.SkipReason)
		}
		for _, viol := range res.Violations {
			t.Errorf("client sent a request that breaks the contract: %s", viol.Error())
		}

		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if r.Context().Err() != nil {
			return // the client is gone (a timeout test): nothing was delivered, nothing to validate
		}
		ex.Status, ex.ResponseHeader, ex.ResponseBody = rec.Code, rec.Header(), rec.Body.Bytes()
		res = v.ValidateResponse(r.Context(), ex)
		for _, viol := range res.Violations {
			if viol.In == contract.InResponseStatus && slices.Contains(GatewayStatuses, rec.Code) {
				t.Logf("fake server: gateway status %d is not in the spec (expected): %s", rec.Code, viol.Message)
				continue
			}
			t.Errorf("fake server answered outside the contract: %s", viol.Error())
		}
		for k, vals := range rec.Header() {
			w.Header()[k] = vals
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// JSON writes v as a JSON response with status code.
func JSON(t *testing.T, w http.ResponseWriter, code int, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Errorf("fake server: encoding the response: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// Gateway answers with a gateway status (one of [GatewayStatuses]), an HTML body as proxies send, and the
// given headers ("Retry-After", "1").
func Gateway(w http.ResponseWriter, code int, header ...string) {
	for i := 0; i+1 < len(header); i += 2 {
		w.Header().Set(header[i], header[i+1])
	}
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(code)
	_, _ = w.Write([]byte("<html><body>" + strings.ToLower(http.StatusText(code)) + "</body></html>"))
}
