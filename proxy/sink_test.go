package proxy_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/proxy"
)

// counter is a metrics counter, the consumer a user adds: one sink, passed to the proxy with WithSink.
type counter struct {
	mu                       sync.Mutex
	exchanges, invalid, body int
	sources                  []string
	timed                    bool
	closed                   bool
}

func (c *counter) Observe(ctx context.Context, res *contract.Result) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.exchanges++
	if !res.Valid {
		c.invalid++
	}
	if res.Exchange != nil {
		c.body += len(res.Exchange.ResponseBody)
	}
	c.sources = append(c.sources, res.Source)
	_, elapsed, ok := contract.Timing(ctx)
	c.timed = ok && elapsed > 0
	return nil
}

func (c *counter) Close() error { c.closed = true; return nil }

func TestProxyWithSink(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	target, _ := serve(t, violating(t, newMock(t)))
	c := &counter{}
	r := newRig(t, target, v, 10, proxy.WithSink(c))
	status, _, _, err := get(t, t.Context(), http.DefaultClient, r.url, "/v2/group?limit=2")
	if err != nil || status != http.StatusOK {
		t.Fatalf("got %d, %v; want 200", status, err)
	}
	res := r.result(t)
	r.stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exchanges != 1 || c.invalid != 1 || c.body == 0 || !c.timed {
		t.Errorf("got %+v, want one invalid exchange with its body and timing", c)
	}
	// The recorder runs first and names the verdict by its HAR entry, for the sinks after it.
	if len(c.sources) != 1 || c.sources[0] != r.har.Path() || res.Source != r.har.Path() {
		t.Errorf("got sources %q and %q, want the HAR file %s", c.sources, res.Source, r.har.Path())
	}
	if c.closed {
		t.Error("the proxy closed the caller's sink")
	}
	if _, err := proxy.New(r.p.Target(), v, proxy.WithSink(nil)); err == nil || !strings.Contains(err.Error(), "nil Sink") {
		t.Errorf("WithSink(nil): got %v", err)
	}
}

// blockedSink holds every verdict until released.
type blockedSink struct {
	seen    chan struct{}
	release chan struct{}
}

func (b blockedSink) Observe(context.Context, *contract.Result) error {
	b.seen <- struct{}{}
	<-b.release
	return nil
}

func (blockedSink) Close() error { return nil }

// TestProxyOffResponsePath (issue 14): the client's response ends, its last byte and the end of a chunked body
// included, while the exchange's sink (after the HAR recorder) is still busy with it; the next request on the same
// connection is served meanwhile; Drain waits for the sink, and the stats count the exchanges once it returns.
func TestProxyOffResponsePath(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	want := mockBody(t, m, "/v2/group?limit=5")
	target, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.(http.Flusher).Flush() // chunked: the body ends only when the proxy's handler returns
		m.ServeHTTP(w, req)
	}))
	s := blockedSink{seen: make(chan struct{}, 2), release: make(chan struct{})}
	r := newRig(t, target, newValidator(t), 10, proxy.WithSink(s))
	var once sync.Once
	release := func() { once.Do(func() { close(s.release) }) }
	t.Cleanup(release) // before the rig stops, which drains
	hc := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	defer hc.CloseIdleConnections()
	done := make(chan error, 1)
	go func() {
		for i := range 2 {
			status, _, got, err := get(t, t.Context(), hc, r.url, "/v2/group?limit=5")
			if err != nil || status != http.StatusOK || !bytes.Equal(got, want) {
				done <- fmt.Errorf("request %d: got %d, %d bytes, %v; want 200 and the upstream's %d bytes", i, status, len(got), err, len(want))
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second): // a safety net, not a timed assertion
		t.Fatal("the responses did not end while the sink held their exchanges")
	}
	<-s.seen // both exchanges reached the sink, which holds them
	<-s.seen
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	if err := r.p.Drain(cancelled); err == nil {
		t.Error("Drain with a cancelled context returned nil while the sink held the exchanges")
	}
	release()
	if err := r.p.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := r.p.Stats(); st.Validated != 2 || st.Recorded != 2 {
		t.Errorf("got stats %+v, want 2 exchanges validated and recorded", st)
	}
}
