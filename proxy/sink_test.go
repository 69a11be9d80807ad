package proxy_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

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
