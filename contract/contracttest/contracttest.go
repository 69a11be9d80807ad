// Package contracttest holds test helpers that put the contract harness into ordinary Go tests: an
// *http.Client whose every exchange is validated against the vendors' specs (a violation fails the test), with
// optional recording and offline replay of go-vcr cassettes, and a middleware that holds a fake server to the
// contract.
//
// In a test, give the client under test the helper's *http.Client. Each violation fails the test with
// t.Errorf, naming the exchange, where the problem is (request or response, query, header or body), the JSON
// pointer and the message:
//
//	func TestListGroups(t *testing.T) {
//		hc := contracttest.Client(t, contracttest.WithCassette("sonderplan", "listGroups", "first-page"))
//		c, err := sonderplan.New(sonderplan.DefaultBaseURL, sonderplan.WithHTTPClient(hc), sonderplan.WithToken(token))
//		...
//	}
//
// WithCassette replays testdata/cassettes/<vendor>/<operationId>/<case>.yaml with no network, and records it
// (redacted) instead when APIKIT_RECORD=1. A fake server is held to the contract with [Enforce].
package contracttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/internal/egress"
)

// RecordEnv is the environment variable that makes [WithCassette] record instead of replay: APIKIT_RECORD=1.
const RecordEnv = "APIKIT_RECORD"

// Recording reports whether APIKIT_RECORD=1 asks tests to record their cassettes against the real API.
func Recording() bool { return os.Getenv(RecordEnv) == "1" }

// CassettePath returns where the cassette of one case of an operation lives:
// testdata/cassettes/<vendor>/<operationId>/<case>.yaml, relative to the test's package folder.
func CassettePath(vendor, operationID, caseName string) string {
	return filepath.Join("testdata", "cassettes", vendor, operationID, caseName+".yaml")
}

// Option configures [Client], [Transport] and [Enforce].
type Option func(*config)

type config struct {
	validator *contract.Validator
	vopts     []contract.Option
	topts     []contract.TransportOption
	basePath  string
	failOn    contract.FailOn // "": both
}

// WithBaseURL maps a base URL (a staging host, a local fake server) onto a vendor, so that exchanges with it
// route to that vendor's operations (see [contract.WithBaseURL]). Ignored with [WithValidator].
func WithBaseURL(vendor, baseURL string) Option {
	return func(c *config) { c.vopts = append(c.vopts, contract.WithBaseURL(vendor, baseURL)) }
}

// WithStrict makes undeclared response properties and requests to routes no spec describes fail the test too
// (see [contract.WithStrict]). Ignored with [WithValidator].
func WithStrict() Option {
	return func(c *config) { c.vopts = append(c.vopts, contract.WithStrict(true)) }
}

// WithFailOn chooses which violations fail the test ([Transport], [CheckRecordings]): [contract.FailOnVendor]
// for a recording of one's own error-path calls (a request without a token on purpose), whose request-side
// violations are then logged with t.Logf; [contract.FailOnClient] the other way round. The default fails on both.
func WithFailOn(f contract.FailOn) Option {
	return func(c *config) { c.failOn = f }
}

// WithValidator validates with v instead of a validator built for the test: share one across tests to save
// loading the specs each time.
func WithValidator(v *contract.Validator) Option {
	return func(c *config) { c.validator = v }
}

// WithRoundTripper sends requests with rt instead of http.DefaultTransport (an httptest server's transport,
// an oauth2.Transport). Not used when replaying.
func WithRoundTripper(rt http.RoundTripper) Option {
	return func(c *config) { c.topts = append(c.topts, contract.WithRoundTripper(rt)) }
}

// WithCassette replays the cassette of one case of an operation ([CassettePath]) with no network, or records it
// against the real API, redacted, when APIKIT_RECORD=1 ([Recording]).
func WithCassette(vendor, operationID, caseName string) Option {
	p := CassettePath(vendor, operationID, caseName)
	if Recording() {
		return WithRecording(p)
	}
	return WithReplay(p)
}

// WithRecording records every exchange to the go-vcr cassette at path, redacted; it is written when the test
// ends.
func WithRecording(path string) Option {
	return func(c *config) { c.topts = append(c.topts, contract.WithRecord(path)) }
}

// WithReplay answers every request from the go-vcr cassette at path, with no network (see [contract.WithReplay]).
func WithReplay(path string) Option {
	return func(c *config) { c.topts = append(c.topts, contract.WithReplay(path)) }
}

// WithHAR also records every exchange, redacted, to a HAR 1.2 file at path.
func WithHAR(path string) Option {
	return func(c *config) { c.topts = append(c.topts, contract.WithHAR(path)) }
}

// WithRedaction adds to what recordings leave out (see [contract.Redaction]).
func WithRedaction(r contract.Redaction) Option {
	return func(c *config) { c.topts = append(c.topts, contract.WithRedaction(r)) }
}

// WithBasePath tells [Enforce] the path its handler is mounted under ("/v1"): the spec's paths follow it.
func WithBasePath(p string) Option {
	return func(c *config) { c.basePath = "/" + strings.Trim(p, "/") }
}

func newConfig(opts []Option) *config {
	c := &config{}
	for _, o := range opts {
		o(c)
	}
	if c.basePath == "/" {
		c.basePath = ""
	}
	return c
}

// validator returns the configured validator or builds one; a failure ends the test.
func (c *config) validatorFor(t testing.TB, extra ...contract.Option) *contract.Validator {
	t.Helper()
	if c.validator != nil {
		return c.validator
	}
	v, err := contract.New(t.Context(), append(c.vopts, extra...)...)
	if err != nil {
		t.Fatalf("contracttest: %v", err)
	}
	return v
}

// Client returns an *http.Client whose every exchange is validated against the specs; see [Transport].
func Client(t testing.TB, opts ...Option) *http.Client {
	t.Helper()
	return &http.Client{Transport: Transport(t, opts...)}
}

// Transport returns a [contract.Transport] for t: each violation fails the test with t.Errorf (method, redacted
// URL, status, then "exchange operation in pointer: message"), warnings (undeclared properties) and exchanges
// no spec describes are logged with t.Logf. Exchanges are named after the test ("TestList#0"). It is closed when
// the test ends, which writes a cassette being recorded; a failure to write fails the test.
func Transport(t testing.TB, opts ...Option) *contract.Transport {
	t.Helper()
	c := newConfig(opts)
	v := c.validatorFor(t)
	topts := append([]contract.TransportOption{
		contract.WithSource(t.Name()),
		contract.WithSink(sinkFor(t, c.failOn)),
	}, c.topts...)
	tr, err := contract.NewTransport(v, topts...)
	if errors.Is(err, cassette.ErrCassetteNotFound) {
		t.Fatalf("contracttest: %v (record it against the real API with %s=1 go test -run '^%s$')", err, RecordEnv, strings.SplitN(t.Name(), "/", 2)[0])
	}
	if err != nil {
		t.Fatalf("contracttest: %v", err)
	}
	t.Cleanup(func() {
		if err := tr.Close(); err != nil {
			t.Errorf("contracttest: %v", err)
		}
	})
	return tr
}

// Sink returns the [contract.Sink] of a test: each violation fails t with t.Errorf (method, redacted URL,
// status, then "exchange operation in pointer: message"), warnings and exchanges no spec describes are logged
// with t.Logf. Pass it to any front end ([contract.WithSink], proxy.WithSink) to hold that traffic to the
// contract in a test. It is safe for concurrent use, as testing.TB is.
func Sink(t testing.TB) contract.Sink { return sinkFor(t, contract.FailOnBoth) }

func sinkFor(t testing.TB, failOn contract.FailOn) contract.Sink {
	return contract.SinkFunc(func(_ context.Context, res *contract.Result) error {
		report(t, res, failOn)
		return nil
	})
}

// report turns one verdict into test failures and logs; the violations failOn does not fail on are logged.
func report(t testing.TB, res *contract.Result, failOn contract.FailOn) {
	t.Helper()
	// The test log is a terminal's text too: it leaves through the exit point.
	method, u := egress.Sanitize(res.Method), egress.Sanitize(egress.URLString(res.URL))
	for i := range res.Violations {
		if failOn != "" && !failOn.Fails(res.Violations[i].Side) {
			t.Logf("contract violation (%s side, not failing): %s %s (status %d): %s", res.Violations[i].Side, method, u, res.Status, egress.Sanitize(res.Violations[i].Error()))
			continue
		}
		t.Errorf("contract violation: %s %s (status %d): %s", method, u, res.Status, egress.Sanitize(res.Violations[i].Error()))
	}
	for i := range res.Warnings {
		t.Logf("contract warning: %s %s: %s", method, u, egress.Sanitize(res.Warnings[i].Error()))
	}
	if res.Skipped {
		t.Logf("contract: %s %s not validated: %s", method, u, egress.Sanitize(res.SkipReason))
	}
}

// enforceHost stands for whatever host a fake server listens on: Enforce maps it onto the vendor.
const enforceHost = "http://enforce.apikit.invalid"

// Enforce wraps the handler of a fake vendor server so that the server itself is held to vendor's spec: each
// request is validated before h sees it and each response before it leaves, and every violation fails the test
// (t.Errorf), as does a request for a route the spec does not describe. Mount it outside any StripPrefix and
// name the prefix with [WithBasePath]. Of the options, [WithBasePath] and [WithStrict] apply.
func Enforce(t testing.TB, vendor string, h http.Handler, opts ...Option) http.Handler {
	t.Helper()
	// The handler fails t from the server's goroutine, where no frame of the test is on the stack (t.Helper
	// cannot point there): each failure names the line that called Enforce instead.
	at := "contracttest.Enforce"
	if _, file, line, ok := runtime.Caller(1); ok {
		at = fmt.Sprintf("contracttest.Enforce at %s:%d", filepath.Base(file), line)
	}
	c := newConfig(opts)
	c.validator = nil
	v := c.validatorFor(t, contract.WithBaseURL(vendor, enforceHost+c.basePath))
	var n atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := url.Parse(enforceHost + r.URL.RequestURI())
		if err != nil {
			t.Errorf("%s: request URL: %v", at, err)
			http.Error(w, "bad request URL", http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("%s: reading the request body: %v", at, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		ex := &contract.Exchange{Source: t.Name() + " fake " + vendor, Index: int(n.Add(1) - 1), Method: r.Method, URL: u,
			RequestHeader: r.Header.Clone()}
		if len(body) > 0 {
			ex.RequestBody = body
		}
		res := v.ValidateRequest(r.Context(), ex)
		if c.basePath != "" && r.URL.Path != c.basePath && !strings.HasPrefix(r.URL.Path, c.basePath+"/") {
			res.Skipped, res.SkipReason = true, "the path is outside the base path "+c.basePath
		}
		if res.Skipped {
			t.Errorf("%s: %s %s is not an operation of %s: %s", at, r.Method, res.URL, vendor, res.SkipReason)
		}
		for i := range res.Violations {
			t.Errorf("%s: fake %s got a request that breaks the contract: %s", at, vendor, res.Violations[i].Error())
		}

		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if r.Context().Err() != nil {
			return // the client is gone: nothing is delivered, nothing to validate
		}
		ex.Status, ex.ResponseHeader, ex.ResponseBody = rec.Code, rec.Header(), rec.Body.Bytes()
		if !res.Skipped {
			res = v.ValidateResponse(r.Context(), ex)
			for i := range res.Violations {
				t.Errorf("%s: fake %s answered outside the contract: %s", at, vendor, res.Violations[i].Error())
			}
		}
		for k, vals := range rec.Header() {
			w.Header()[k] = vals
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// CheckRecordings fails t unless the recordings at paths (files, or folders walked for *.har and cassettes)
// are safe to keep and conform: no file holds any of secrets (the live credentials of the run, values a test
// planted), and every recorded exchange validates ([contract.Load], then [contract.Validator.Validate];
// exchanges no spec describes are skipped). Of the options, [WithBaseURL], [WithStrict] and [WithValidator]
// apply.
func CheckRecordings(t testing.TB, paths, secrets []string, opts ...Option) {
	t.Helper()
	for _, p := range paths {
		err := filepath.WalkDir(p, func(file string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			for i, s := range secrets {
				if s != "" && bytes.Contains(data, []byte(s)) {
					t.Errorf("contracttest: %s holds secret number %d of %d (its value is not shown)", file, i+1, len(secrets))
				}
			}
			return nil
		})
		if err != nil {
			t.Errorf("contracttest: %v", err)
		}
	}
	c := newConfig(opts)
	v := c.validatorFor(t)
	n := 0
	for ex, err := range contract.Load(t.Context(), paths) {
		if err != nil {
			t.Errorf("contracttest: %v", err)
			continue
		}
		n++
		res := v.Validate(t.Context(), ex)
		for i := range res.Violations {
			if c.failOn != "" && !c.failOn.Fails(res.Violations[i].Side) {
				t.Logf("contracttest: recorded exchange violates the contract (%s side, not failing): %s", res.Violations[i].Side, res.Violations[i].Error())
				continue
			}
			t.Errorf("contracttest: recorded exchange violates the contract: %s", res.Violations[i].Error())
		}
	}
	if n == 0 {
		t.Errorf("contracttest: no recorded exchange in %s", strings.Join(paths, ", "))
	}
}
