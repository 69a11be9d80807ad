package contract

import (
	"bytes"
	"crypto/sha256"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apikit/apikit/internal/streamtest"
)

// TestTransportOverBodyLimit (issue 14): a response and an upload far larger than the body limit, without a
// length, go through the Transport intact, streaming: the bytes allocated meanwhile stay a small fraction of the
// body, the logger says each was not validated, over the body limit, and no verdict is handed on.
func TestTransportOverBodyLimit(t *testing.T) {
	const limit, size = 1 << 20, 64 << 20
	for _, which := range []string{"response", "request"} {
		t.Run(which, func(t *testing.T) {
			var log bytes.Buffer
			sent := streamtest.NewBody(size)
			received := sha256.New()
			var results []Result
			tr, err := NewTransport(newValidator(t), WithBodyBudget(limit),
				WithLogger(slog.New(slog.NewTextHandler(&log, nil))),
				WithOnResult(func(r Result) { results = append(results, r) }),
				WithRoundTripper(roundTripFunc(func(req *http.Request) (*http.Response, error) {
					res := &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
						ContentLength: -1, Body: io.NopCloser(strings.NewReader("{}")), Request: req}
					if which == "request" {
						if _, err := io.Copy(received, req.Body); err != nil {
							return nil, err
						}
						_ = req.Body.Close()
					} else {
						res.Body = sent
					}
					return res, nil
				})))
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			var body io.Reader = http.NoBody
			method := http.MethodGet
			if which == "request" {
				body, method = io.NopCloser(sent), http.MethodPost
			}
			req, err := http.NewRequestWithContext(t.Context(), method, "https://api.doorflow.com/api/3/people", body)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			res, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			if which == "response" {
				if _, err := io.Copy(received, res.Body); err != nil {
					t.Fatal(err)
				}
			}
			_ = res.Body.Close()
			runtime.ReadMemStats(&after)
			if !bytes.Equal(received.Sum(nil), sent.Sum()) || sent.Left() != 0 {
				t.Fatalf("the %s body reached the other side changed (%d bytes left unsent)", which, sent.Left())
			}
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d KiB allocated for a %d MiB %s body", allocated>>10, size>>20, which)
			if allocated > 4<<20 {
				t.Errorf("%d bytes allocated for a %d bytes body, want at most 4 MiB", allocated, size)
			}
			if len(results) != 0 {
				t.Errorf("got %d verdicts, want none for an exchange not validated", len(results))
			}
			if !strings.Contains(log.String(), `level=WARN msg="contract: not validated: over the body limit"`) ||
				!strings.Contains(log.String(), "body="+which) {
				t.Errorf("no warning that the %s body was not validated:\n%s", which, &log)
			}
			if h := tr.held.Load(); h != 0 {
				t.Errorf("%d bytes of the body budget still held", h)
			}
		})
	}
}

// blockingBody sends half of its bytes, then waits for release before the rest.
type blockingBody struct {
	data     []byte
	off      int
	reached  chan struct{}
	release  chan struct{}
	signaled bool
}

func (b *blockingBody) Read(p []byte) (int, error) {
	if b.off == len(b.data)/2 && !b.signaled {
		b.signaled = true
		close(b.reached)
		<-b.release
	}
	if b.off == len(b.data) {
		return 0, io.EOF
	}
	end := len(b.data)
	if b.off < len(b.data)/2 {
		end = len(b.data) / 2
	}
	n := copy(p, b.data[b.off:end])
	b.off += n
	return n, nil
}

func (b *blockingBody) Close() error { return nil }

// TestTransportBodyBudget: exchanges in flight share one body budget. While a 600 KiB response is being read to
// validate, a second one does not fit in the 1 MiB budget: it goes to the caller whole and unvalidated, with a
// warning, and the first is validated once it ends. Every reservation is given back.
func TestTransportBodyBudget(t *testing.T) {
	const limit, size = 1 << 20, 600 << 10
	data := bytes.Repeat([]byte("x"), size)
	reached, release := make(chan struct{}), make(chan struct{})
	first := &blockingBody{data: data, reached: reached, release: release}
	var log bytes.Buffer
	var mu sync.Mutex
	var results []Result
	tr, err := NewTransport(newValidator(t), WithBodyBudget(limit),
		WithLogger(slog.New(slog.NewTextHandler(&log, nil))),
		WithOnResult(func(r Result) { mu.Lock(); results = append(results, r); mu.Unlock() }),
		WithRoundTripper(roundTripFunc(func(req *http.Request) (*http.Response, error) {
			var body io.ReadCloser = io.NopCloser(bytes.NewReader(data))
			if req.URL.Query().Get("n") == "1" {
				body = first
			}
			return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Length": {strconv.Itoa(size)}},
				ContentLength: size, Body: body, Request: req}, nil
		})))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	get := func(n string) []byte {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://api.doorflow.com/api/3/people?n="+n, nil)
		res, err := tr.RoundTrip(req)
		if err != nil {
			t.Error(err)
			return nil
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Error(err)
		}
		return b
	}
	done := make(chan []byte)
	go func() { done <- get("1") }()
	<-reached
	if held := tr.held.Load(); held != size {
		t.Fatalf("%d bytes held while the first body is read, want %d", held, size)
	}
	if got := get("2"); !bytes.Equal(got, data) {
		t.Errorf("the second body: got %d bytes, want the %d sent", len(got), size)
	}
	close(release)
	if got := <-done; !bytes.Equal(got, data) {
		t.Errorf("the first body: got %d bytes, want the %d sent", len(got), size)
	}
	if len(results) != 1 || results[0].Index != 0 { // the first request is exchange 0
		t.Errorf("got %d verdicts, want one, on the first exchange", len(results))
	}
	if !strings.Contains(log.String(), "not validated: over the body limit") || strings.Count(log.String(), "over the body limit") != 1 {
		t.Errorf("want one warning, on the second exchange:\n%s", &log)
	}
	if h := tr.held.Load(); h != 0 {
		t.Errorf("%d bytes of the body budget still held", h)
	}
}
