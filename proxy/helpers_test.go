package proxy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikit/apikit/capture/load"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/mock"
	"github.com/apikit/apikit/proxy"
)

// listen opens a listener on a free 127.0.0.1 port.
func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// serveOn serves h on ln until stop is called or the test ends, and returns its base URL and stop. stop shuts
// the server down gracefully: it returns once every handler has returned.
func serveOn(t testing.TB, ln net.Listener, h http.Handler) (string, func()) {
	t.Helper()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serving on %s: %v", ln.Addr(), err)
		}
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Errorf("shutting down %s: %v", ln.Addr(), err)
				_ = srv.Close()
			}
			<-done
		})
	}
	t.Cleanup(stop)
	return "http://" + ln.Addr().String(), stop
}

// serve serves h on a free 127.0.0.1 port; see serveOn.
func serve(t testing.TB, h http.Handler) (string, func()) {
	t.Helper()
	return serveOn(t, listen(t), h)
}

// newMock builds the mock with a small data set.
func newMock(t testing.TB) *mock.Server {
	t.Helper()
	m, err := mock.New(context.Background(), mock.WithCount(40))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newValidator(t testing.TB, opts ...contract.Option) *contract.Validator {
	t.Helper()
	v, err := contract.New(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// syncBuffer is a log sink many goroutines write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// rig is a proxy in front of an upstream, on real loopback listeners, with what it reports collected.
type rig struct {
	p       *proxy.Proxy
	url     string // the proxy's base URL
	stop    func() // shuts the proxy's server down; every exchange has been reported when it returns
	har     *contract.HARWriter
	log     *syncBuffer
	results chan contract.Result
	errs    chan *proxy.UpstreamError
}

// newRig starts a proxy to target that records to a HAR file in a temporary folder and collects its results,
// errors and log. results and errs hold up to buffer items each; more block the proxy.
func newRig(t testing.TB, target string, v *contract.Validator, buffer int, opts ...proxy.Option) *rig {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	har, err := contract.CreateHAR(filepath.Join(t.TempDir(), "proxy.har"), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{har: har, log: &syncBuffer{}, results: make(chan contract.Result, buffer), errs: make(chan *proxy.UpstreamError, buffer)}
	logger := slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts = append([]proxy.Option{proxy.WithHAR(har), proxy.WithLogger(logger),
		proxy.WithOnResult(func(res contract.Result) { r.results <- res }),
		proxy.WithOnError(func(e *proxy.UpstreamError) { r.errs <- e }),
	}, opts...)
	r.p, err = proxy.New(u, v, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var stopServer func()
	r.url, stopServer = serve(t, r.p)
	r.stop = func() {
		stopServer()
		if err := r.p.Drain(context.Background()); err != nil {
			t.Error(err)
		}
		r.p.CloseIdleConnections()
		if err := har.Close(); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(r.stop)
	return r
}

// result waits for the next verdict the proxy reports.
func (r *rig) result(t testing.TB) contract.Result {
	t.Helper()
	select {
	case res := <-r.results:
		return res
	case <-time.After(20 * time.Second): // a safety net, not a timed assertion
		t.Fatal("the proxy reported no verdict")
	}
	return contract.Result{}
}

// upstreamError waits for the next upstream failure the proxy reports.
func (r *rig) upstreamError(t testing.TB) *proxy.UpstreamError {
	t.Helper()
	select {
	case e := <-r.errs:
		return e
	case <-time.After(20 * time.Second): // a safety net, not a timed assertion
		t.Fatal("the proxy reported no upstream failure")
	}
	return nil
}

// get sends GET path through the proxy with the mock's token and returns the status, headers and body.
func get(t testing.TB, ctx context.Context, hc *http.Client, base, path string) (int, http.Header, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+mock.DefaultToken)
	res, err := hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, body, err
}

// loadHAR validates a recording as apikit validate does, and returns each entry's verdict. Any input error (an
// unreadable entry, one without a response) fails the test.
func loadHAR(t testing.TB, v *contract.Validator, path string) []contract.Result {
	t.Helper()
	var out []contract.Result
	for ex, err := range load.Files(context.Background(), []string{path}) {
		if err != nil {
			t.Fatalf("apikit validate would stop at an input error: %v", err)
		}
		if ex.Status == 0 {
			t.Fatalf("%s: entry without a response", ex.Where())
		}
		out = append(out, v.Validate(context.Background(), ex))
	}
	return out
}

// violationLines formats a verdict's violations and warnings as apikit validate prints them.
func violationLines(results ...contract.Result) []string {
	var out []string
	for _, r := range results {
		for i := range r.Violations {
			out = append(out, "✗ "+r.Violations[i].Error())
		}
		for i := range r.Warnings {
			out = append(out, "warning: "+r.Warnings[i].Error())
		}
	}
	return out
}

// mockBody answers path from the mock in-process, for fixtures.
func mockBody(t testing.TB, m http.Handler, path string) []byte {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+mock.DefaultToken)
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("mock %s: status %d: %s", path, rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

func hasLine(log, substr string, with ...string) bool {
	for line := range strings.Lines(log) {
		if !strings.Contains(line, substr) {
			continue
		}
		ok := true
		for _, w := range with {
			ok = ok && strings.Contains(line, w)
		}
		if ok {
			return true
		}
	}
	return false
}
