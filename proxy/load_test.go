package proxy_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apikit/apikit/mock"
)

// Load test size: loadRequests under make test, loadRequestsLong under make test-long (APIKIT_LONG=1).
// APIKIT_PROXY_LOAD=N overrides the request count.
const (
	loadRequests     = 1000
	loadRequestsLong = 5000
	loadConcurrency  = 32
)

// TestProxyLoad sends loadRequests (or loadRequestsLong) requests from loadConcurrency clients at once through the proxy to the mock,
// all on loopback, and checks that none fails, none breaks the contract, and each is recorded exactly once: the
// recording holds as many entries as requests were sent, every one valid.
func TestProxyLoad(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("load test: runs without -short (make test)")
	}
	n := loadRequests
	if os.Getenv("APIKIT_LONG") == "1" {
		n = loadRequestsLong
	}
	if s := os.Getenv("APIKIT_PROXY_LOAD"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("APIKIT_PROXY_LOAD=%q: want a positive count", s)
		}
	}
	v := newValidator(t)
	m := newMock(t)
	target, _ := serve(t, m)
	r := newRig(t, target, v, n)

	paths := []string{
		"/v2/group?limit=3",
		"/v2/group?limit=2&acl_schedule=RW&fields=id,name",
		"/api/3/group_reservations?per_page=3",
		"/api/3/group_reservations?per_page=2&page=2",
	}
	var listed []struct{ ID int64 }
	if err := json.Unmarshal(mockBody(t, m, "/api/3/group_reservations?per_page=3"), &listed); err != nil || len(listed) == 0 {
		t.Fatalf("the mock lists no reservations: %v", err)
	}
	for _, res := range listed {
		paths = append(paths, fmt.Sprintf("/api/3/group_reservations/%d", res.ID))
	}

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadConcurrency, DisableCompression: true}}
	defer hc.CloseIdleConnections()
	var (
		next    atomic.Int64
		errMu   sync.Mutex
		errs    []string
		failed  atomic.Int64
		workers sync.WaitGroup
	)
	started := time.Now()
	for range loadConcurrency {
		workers.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || t.Context().Err() != nil {
					return
				}
				status, _, _, err := get(t, t.Context(), hc, r.url, paths[i%len(paths)])
				if err != nil || status != http.StatusOK {
					failed.Add(1)
					errMu.Lock()
					if len(errs) < 5 {
						errs = append(errs, fmt.Sprintf("request %d: status %d, %v", i, status, err))
					}
					errMu.Unlock()
				}
			}
		})
	}
	workers.Wait()
	r.stop()
	wall := time.Since(started)

	st := r.p.Stats()
	entries := loadHAR(t, v, r.har.Path())
	invalid := 0
	for _, res := range entries {
		if !res.Valid || res.Skipped {
			invalid++
		}
	}
	t.Logf("%d requests, %d clients, %v (%.0f req/s): %d errors, %d violations live, %d entries recorded, %d invalid on re-validation",
		n, loadConcurrency, wall.Round(time.Millisecond), float64(n)/wall.Seconds(), failed.Load(), st.Violations, len(entries), invalid)
	if failed.Load() > 0 {
		t.Errorf("%d requests failed: %s", failed.Load(), strings.Join(errs, "; "))
	}
	if st.Requests != int64(n) || st.Validated != int64(n) || st.Recorded != int64(n) || st.Violations != 0 || st.Invalid != 0 ||
		st.UpstreamErrors != 0 || st.Aborted != 0 || st.RecordErrors != 0 {
		t.Errorf("got stats %+v, want %d requests validated and recorded, nothing else", st, n)
	}
	if len(entries) != n || invalid != 0 {
		t.Errorf("the recording holds %d entries (%d invalid), want %d valid ones", len(entries), invalid, n)
	}
	if strings.Contains(r.log.String(), mock.DefaultToken) {
		t.Error("the log holds the bearer token")
	}
}
