// Package load is the load generator of `make bench-compare`: a fixed number of clients send a fixed number of
// GET requests to one URL on loopback, each client on its own kept-alive connection, and it reports the
// requests per second. Every run is bounded in count and in time.
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one run.
type Config struct {
	URL      string        // a loopback http URL
	Header   http.Header   // sent with every request
	Clients  int           // concurrent clients (connections)
	Requests int           // requests in all, shared among the clients
	Timeout  time.Duration // the whole run's bound; 0 means one minute
}

// Result is what a run measured.
type Result struct {
	Requests  int           // completed with status 200 and the whole body read
	Errors    int           // failed, or another status
	Bytes     int64         // body bytes read
	Elapsed   time.Duration // from the first request to the last response
	PerSecond float64       // Requests / Elapsed
	P50, P99  time.Duration // latency of the completed requests
	FirstErr  string        // the first error, if any
}

func (r Result) String() string {
	return fmt.Sprintf("%d requests (%d errors) in %v: %.0f req/s, p50 %v, p99 %v", r.Requests, r.Errors,
		r.Elapsed.Round(time.Millisecond), r.PerSecond, r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond))
}

// Run sends c.Requests requests to c.URL from c.Clients clients and waits for every answer, or until the
// timeout or ctx ends the run. It refuses a host other than a loopback address.
func Run(ctx context.Context, c Config) (Result, error) {
	u, err := url.Parse(c.URL)
	if err != nil || u.Scheme != "http" {
		return Result{}, fmt.Errorf("load: %q is not an http URL", c.URL)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return Result{}, fmt.Errorf("load: %q is not on a loopback address", c.URL)
	}
	if c.Clients < 1 || c.Requests < 1 {
		return Result{}, errors.New("load: clients and requests must be positive")
	}
	if c.Timeout <= 0 {
		c.Timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: c.Clients, MaxConnsPerHost: c.Clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	var next atomic.Int64
	lat := make([][]time.Duration, c.Clients)
	var mu sync.Mutex
	var res Result
	var wg sync.WaitGroup
	start := time.Now()
	for w := range c.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ok, bad int
			var n int64
			var first string
			for next.Add(1) <= int64(c.Requests) && ctx.Err() == nil {
				t0 := time.Now()
				got, err := get(ctx, hc, c.URL, c.Header)
				if err != nil {
					bad++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				ok++
				n += got
				lat[w] = append(lat[w], time.Since(t0))
			}
			mu.Lock()
			res.Requests += ok
			res.Errors += bad
			res.Bytes += n
			if res.FirstErr == "" {
				res.FirstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if res.Elapsed > 0 {
		res.PerSecond = float64(res.Requests) / res.Elapsed.Seconds()
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		res.P50, res.P99 = all[len(all)/2], all[len(all)*99/100]
	}
	if err := ctx.Err(); err != nil && res.Requests+res.Errors < c.Requests {
		return res, fmt.Errorf("load: stopped after %d of %d requests: %w", res.Requests+res.Errors, c.Requests, err)
	}
	return res, nil
}

func get(ctx context.Context, hc *http.Client, u string, h http.Header) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	if err != nil {
		return n, fmt.Errorf("reading the body: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return n, fmt.Errorf("status %d", res.StatusCode)
	}
	return n, nil
}
