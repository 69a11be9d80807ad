package proxy_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/apikit/apikit/mock"
	"github.com/apikit/apikit/proxy"
)

// BenchmarkProxyOverhead sends the same request (a Sonderplan page of 10 groups, about 7 KB, answered from
// memory by a loopback upstream) directly and through the proxy, which validates it; nothing is recorded or
// logged. The direct and proxy sub-benchmarks give each path's time and allocations (client, proxy and upstream
// all run in this process, so the difference of B/op and allocs/op is the proxy's own cost); paired alternates
// the two in one loop and reports the proxy's time per request as a multiple of the direct one ("x-direct").
//
//	go test ./proxy -run '^$' -bench ProxyOverhead -benchmem
func BenchmarkProxyOverhead(b *testing.B) {
	m := newMock(b)
	body := mockBody(b, m, "/v2/group?limit=10")
	upstream, _ := serve(b, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	target, _ := url.Parse(upstream)
	p, err := proxy.New(target, newValidator(b))
	if err != nil {
		b.Fatal(err)
	}
	defer p.CloseIdleConnections()
	through, _ := serve(b, p)

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer hc.CloseIdleConnections()
	run := func(b *testing.B, base string) {
		req := newRequest(b, base)
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			send(b, hc, req, len(body))
		}
	}
	b.Run("direct", func(b *testing.B) { run(b, upstream) })
	b.Run("proxy", func(b *testing.B) { run(b, through) })
	// paired alternates a direct and a proxied request and times each, so that both see the same load on a shared
	// machine: its ratio is the figure to quote.
	b.Run("paired", func(b *testing.B) {
		direct, proxied := newRequest(b, upstream), newRequest(b, through)
		var dt, pt time.Duration
		for b.Loop() {
			t0 := time.Now()
			send(b, hc, direct, len(body))
			t1 := time.Now()
			send(b, hc, proxied, len(body))
			dt, pt = dt+t1.Sub(t0), pt+time.Since(t1)
		}
		b.ReportMetric(float64(dt.Nanoseconds())/float64(b.N), "direct-ns/req")
		b.ReportMetric(float64(pt.Nanoseconds())/float64(b.N), "proxy-ns/req")
		b.ReportMetric(float64(pt)/float64(dt), "x-direct")
	})
}

func newRequest(b *testing.B, base string) *http.Request {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, base+"/v2/group?limit=10", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+mock.DefaultToken)
	return req
}

func send(b *testing.B, hc *http.Client, req *http.Request, size int) {
	res, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || n != int64(size) {
		b.Fatalf("got %d, %d bytes, %v", res.StatusCode, n, err)
	}
}

// BenchmarkProxyServe is TestAllocsProxiedRequest's request (a DoorFlow list of 50 reservations, per_page=50 as
// `make bench-compare` loads the proxy) through Proxy.ServeHTTP from an in-memory upstream to a client that
// discards, validated and, in the second case, recorded: the proxy's own CPU, without the network's, for
// profiles.
//
//	go test ./proxy -run '^$' -bench ProxyServe -benchmem -cpuprofile cpu.out
func BenchmarkProxyServe(b *testing.B) {
	for _, record := range []bool{false, true} {
		name := "validated"
		if record {
			name = "recorded"
		}
		b.Run(name, func(b *testing.B) {
			p, req := proxiedList(b, record)
			w := &discardWriter{h: http.Header{}}
			for b.Loop() {
				clear(w.h)
				p.ServeHTTP(w, req)
			}
			if err := p.Drain(b.Context()); err != nil {
				b.Fatal(err)
			}
		})
	}
}
