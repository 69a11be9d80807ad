package proxy_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/apikit/apikit/internal/codingtest"
	"github.com/apikit/apikit/internal/streamtest"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/apikit/apikit/client/doorflow"
	"github.com/apikit/apikit/client/sonderplan"
	"github.com/apikit/apikit/contract"
	gensp "github.com/apikit/apikit/gen/sonderplan"
	"github.com/apikit/apikit/internal/redact"
	"github.com/apikit/apikit/mock"
	"github.com/apikit/apikit/proxy"
)

// TestProxyMockClients puts the proxy in front of the mock, drives it with both client packages, and checks that
// the recording is what apikit validate passes: every exchange, none with a violation, no token in the file.
func TestProxyMockClients(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newValidator(t)
	target, _ := serve(t, newMock(t))
	r := newRig(t, target, v, 100)

	df, err := doorflow.New(r.url, doorflow.WithMaxAttempts(1),
		doorflow.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: mock.DefaultToken})))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for res, err := range df.ListGroupReservations(ctx, &doorflow.ListOptions{PerPage: 7}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.ID)
	}
	if len(ids) == 0 {
		t.Fatal("the mock listed no group reservations")
	}
	if _, err := df.GetGroupReservation(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := df.GetGroupReservation(ctx, 1<<40); !errors.Is(err, doorflow.ErrNotFound) {
		t.Fatalf("got %v, want doorflow.ErrNotFound", err)
	}

	sp, err := sonderplan.New(r.url, sonderplan.WithToken(mock.DefaultToken), sonderplan.WithMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	groups := 0
	for _, err := range sp.ListGroups(ctx, &sonderplan.ListGroupsOptions{Limit: 6, OrderDesc: "name"}) {
		if err != nil {
			t.Fatal(err)
		}
		groups++
	}
	if _, _, err := sp.ListGroupsPage(ctx, &sonderplan.ListGroupsOptions{
		ACL: sonderplan.ACLFilter{Schedule: gensp.ACLReadWrite}, Fields: []string{"id", "name"}, Limit: 3}); err != nil {
		t.Fatal(err)
	}
	if groups == 0 {
		t.Fatal("the mock listed no groups")
	}

	r.stop() // every exchange has been validated and recorded once the server has shut down
	st := r.p.Stats()
	if st.Requests < 5 || st.Recorded != st.Requests || st.Validated != st.Requests || st.Invalid != 0 ||
		st.Skipped != 0 || st.UpstreamErrors != 0 || st.Warnings != 0 {
		t.Errorf("got stats %+v, want every request validated, valid and recorded", st)
	}
	var live []contract.Result
	for range st.Requests {
		live = append(live, r.result(t))
	}
	if lines := violationLines(live...); len(lines) > 0 {
		t.Errorf("the proxy reported violations:\n%s", strings.Join(lines, "\n"))
	}

	data, err := os.ReadFile(r.har.Path())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(mock.DefaultToken)) {
		t.Error("the recording holds the bearer token")
	}
	if f := redact.Scan(data); len(f) > 0 {
		t.Errorf("the recording holds secrets: %+v", f)
	}
	if strings.Contains(r.log.String(), mock.DefaultToken) {
		t.Error("the log holds the bearer token")
	}
	recorded := loadHAR(t, v, r.har.Path())
	if int64(len(recorded)) != st.Requests {
		t.Errorf("got %d entries in the recording, want %d", len(recorded), st.Requests)
	}
	ops := map[string]int{}
	for _, res := range recorded {
		ops[res.OperationID]++
		if !res.Valid || res.Skipped {
			t.Errorf("%s: got valid=%v skipped=%v (%s), want valid", res.Where(), res.Valid, res.Skipped, res.SkipReason)
		}
	}
	for _, op := range []string{"listGroupReservations", "getGroupReservation", "listGroups"} {
		if ops[op] == 0 {
			t.Errorf("no %s exchange in the recording (got %v)", op, ops)
		}
	}
	if !hasLine(r.log.String(), "msg=proxy ", "method=GET", "path=/v2/group", "status=200", "operation=listGroups", "violations=0", "duration=") {
		t.Errorf("no request line for listGroups in the log:\n%s", r.log)
	}
}

// violating answers from the mock with the first group's acl_task out of its enum and an undeclared property.
func violating(t *testing.T, m http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		var body map[string]any
		if err := json.Unmarshal(mockBody(t, m, req.URL.RequestURI()), &body); err != nil {
			t.Error(err)
			return
		}
		first := body["data"].([]any)[0].(map[string]any)
		first["acl_task"], first["surprise"] = "rw", true
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}
}

// TestProxyViolations: a spec-violating answer is reported as soon as its exchange ends, named as apikit
// validate names the recorded entry, and recorded; a strict validator turns the undeclared property into a
// violation.
func TestProxyViolations(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		strict bool
		want   []string
	}{
		{"default", false, []string{
			"✗ HAR#0 listGroups response.body /data/0/acl_task: must be one of",
			"warning: HAR#0 listGroups response.body /data/0/surprise: ",
		}},
		{"strict", true, []string{
			"✗ HAR#0 listGroups response.body /data/0/acl_task: must be one of",
			"✗ HAR#0 listGroups response.body /data/0/surprise: ",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := newValidator(t, contract.WithStrict(tc.strict))
			target, _ := serve(t, violating(t, newMock(t)))
			r := newRig(t, target, v, 10)
			status, _, _, err := get(t, t.Context(), http.DefaultClient, r.url, "/v2/group?limit=2")
			if err != nil || status != http.StatusOK {
				t.Fatalf("got %d, %v; want 200: the proxy forwards what the upstream says", status, err)
			}
			res := r.result(t) // reported while the proxy runs, not at its end
			live := violationLines(res)
			for i := range live {
				live[i] = strings.Replace(live[i], r.har.Path(), "HAR", 1)
			}
			if len(live) != len(tc.want) {
				t.Fatalf("got %d lines %q, want %d", len(live), live, len(tc.want))
			}
			for i := range tc.want {
				if !strings.HasPrefix(live[i], tc.want[i]) {
					t.Errorf("line %d: got %q, want it to start with %q", i, live[i], tc.want[i])
				}
			}
			if strings.Contains(strings.Join(live, "\n"), `(got "rw")`) == false {
				t.Errorf("got %q, want the offending value", live)
			}

			r.stop()
			if st := r.p.Stats(); st.Invalid != 1 || st.Recorded != 1 {
				t.Errorf("got stats %+v, want one invalid exchange, recorded", st)
			}
			if diff := cmp.Diff(violationLines(res), violationLines(loadHAR(t, v, r.har.Path())...)); diff != "" {
				t.Errorf("apikit validate of the recording differs from what the proxy reported (-live +recorded):\n%s", diff)
			}
		})
	}
}

// TestProxyStreams: the client gets the first half of a body before the upstream has sent the second half; the
// exchange is validated and recorded whole once it ends.
func TestProxyStreams(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	body := mockBody(t, m, "/api/3/group_reservations?per_page=6")
	half := len(body) / 2
	release := make(chan struct{})
	upstream := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/json")            // no Content-Length: chunked, flushed as it comes
		w.Header().Set("Date", m.Now().UTC().Format(http.TimeFormat)) // the clock the mock's data follows (rule.time-window)
		_, _ = w.Write(body[:half])
		_ = http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-req.Context().Done():
			return
		}
		_, _ = w.Write(body[half:])
	})
	target, _ := serve(t, upstream)
	v := newValidator(t)
	r := newRig(t, target, v, 10)

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, r.url+"/api/3/group_reservations?per_page=6", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+mock.DefaultToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	first := make([]byte, half)
	if _, err := io.ReadFull(res.Body, first); err != nil { // would block for ever if the proxy buffered the body
		t.Fatal(err)
	}
	select {
	case got := <-r.results:
		t.Fatalf("the exchange was validated before its body ended: %+v", got)
	default:
	}
	close(release)
	rest, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got := append(first, rest...); !bytes.Equal(got, body) {
		t.Fatalf("the client got %d bytes, not the upstream's %d", len(got), len(body))
	}
	if got := r.result(t); !got.Valid || got.OperationID != "listGroupReservations" {
		t.Errorf("got %+v, want a valid listGroupReservations", got)
	}
	r.stop()
	recorded := loadHAR(t, v, r.har.Path())
	if len(recorded) != 1 || !recorded[0].Valid {
		t.Errorf("got %+v, want one valid entry", recorded)
	}
}

// TestProxyMaxBody: a body over the limit streams whole, and its exchange is logged as not validated, and not
// recorded.
func TestProxyMaxBody(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	body := mockBody(t, m, "/v2/group?limit=5")
	target, _ := serve(t, m)
	r := newRig(t, target, newValidator(t), 10, proxy.WithMaxBody(64))
	status, _, got, err := get(t, t.Context(), http.DefaultClient, r.url, "/v2/group?limit=5")
	if err != nil || status != http.StatusOK || !bytes.Equal(got, body) {
		t.Fatalf("got %d, %d bytes, %v; want 200 and the upstream's %d bytes", status, len(got), err, len(body))
	}
	r.stop()
	if st := r.p.Stats(); st.Unvalidated != 1 || st.Recorded != 0 || st.Validated != 0 {
		t.Errorf("got stats %+v, want one unvalidated exchange, none recorded", st)
	}
	if !hasLine(r.log.String(), "level=WARN", "not validated", "larger than the 64 bytes body limit", "path=/v2/group") {
		t.Errorf("no line saying the body was not validated:\n%s", r.log)
	}
}

// TestProxyRewrite: the upstream gets the client's path and query under the target's path, the target's host,
// and X-Forwarded-* headers; the verdict names the upstream URL.
func TestProxyRewrite(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	seen := make(chan *http.Request, 1)
	target, _ := serve(t, http.StripPrefix("/staging", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		seen <- req.Clone(context.Background())
		m.ServeHTTP(w, req)
	})))
	v := newValidator(t, contract.WithBaseURL("sonderplan", target+"/staging"))
	r := newRig(t, target+"/staging", v, 10)
	status, _, _, err := get(t, t.Context(), http.DefaultClient, r.url, "/v2/group?limit=2&name=a%20b")
	if err != nil || status != http.StatusOK {
		t.Fatalf("got %d, %v; want 200", status, err)
	}
	req := <-seen
	proxyURL, _ := url.Parse(r.url)
	targetURL, _ := url.Parse(target)
	checks := []struct{ what, got, want string }{
		{"path", req.URL.Path, "/v2/group"}, // after StripPrefix
		{"query", req.URL.RawQuery, "limit=2&name=a%20b"},
		{"Host", req.Host, targetURL.Host},
		{"X-Forwarded-Host", req.Header.Get("X-Forwarded-Host"), proxyURL.Host},
		{"X-Forwarded-Proto", req.Header.Get("X-Forwarded-Proto"), "http"},
		{"X-Forwarded-For", req.Header.Get("X-Forwarded-For"), "127.0.0.1"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.what, c.got, c.want)
		}
	}
	res := r.result(t)
	if !res.Valid || res.OperationID != "listGroups" || !strings.HasPrefix(res.URL, target+"/staging/v2/group?") {
		t.Errorf("got %+v, want a valid listGroups at %s/staging/v2/group", res, target)
	}
}

// TestProxyContentEncoding: a body the client asked to receive encoded reaches it encoded, and is validated and
// recorded decoded, whatever its Content-Encoding (before issue 12 the proxy could not read br).
func TestProxyContentEncoding(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	plain := mockBody(t, m, "/v2/group?limit=3")
	cases := []struct {
		encoding string
		body     []byte
	}{
		{"gzip", codingtest.Encode(t, plain, "gzip")},
		{"deflate", codingtest.Encode(t, plain, "deflate")},
		{"br", codingtest.Encode(t, plain, "br")},
	}
	for _, tc := range cases {
		t.Run(tc.encoding, func(t *testing.T) {
			t.Parallel()
			target, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				if req.Header.Get("Accept-Encoding") != tc.encoding {
					t.Errorf("got Accept-Encoding %q, want the client's %s", req.Header.Get("Accept-Encoding"), tc.encoding)
				}
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", tc.encoding)
				_, _ = w.Write(tc.body)
			}))
			v := newValidator(t)
			r := newRig(t, target, v, 10)
			tr := &http.Transport{DisableCompression: true}
			defer tr.CloseIdleConnections()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, r.url+"/v2/group?limit=3", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+mock.DefaultToken)
			req.Header.Set("Accept-Encoding", tc.encoding)
			res, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil || res.Header.Get("Content-Encoding") != tc.encoding || !bytes.Equal(got, tc.body) {
				t.Fatalf("got %d bytes with Content-Encoding %q, %v; want the upstream's %s bytes", len(got), res.Header.Get("Content-Encoding"), err, tc.encoding)
			}
			if got := r.result(t); !got.Valid || got.Skipped || got.OperationID != "listGroups" {
				t.Errorf("got %+v, want a valid listGroups", got)
			}
			r.stop()
			recorded := loadHAR(t, v, r.har.Path())
			if len(recorded) != 1 || !recorded[0].Valid {
				t.Errorf("got %+v, want one valid entry", recorded)
			}
		})
	}
}

// TestProxyOverBodyLimit (issue 14): responses and an upload far larger than the limit, several at once and
// without a length, stream through intact while the proxy keeps no copy of them past the limit: the bytes the
// whole process allocates meanwhile (client, proxy and upstream) stay a small fraction of what went through. Each
// exchange is logged as not validated, over the body limit, and none is recorded.
func TestProxyOverBodyLimit(t *testing.T) {
	const limit, size, clients = 1 << 20, 32 << 20, 4
	sums := make(chan []byte, clients+1)
	target, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if req.Method == http.MethodPost {
			h := sha256.New()
			n, err := io.Copy(h, req.Body)
			if err != nil || n != size {
				http.Error(w, fmt.Sprintf("read %d bytes: %v", n, err), http.StatusBadRequest)
				return
			}
			sums <- h.Sum(nil)
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{}`))
			return
		}
		g := streamtest.NewBody(size)
		_, _ = io.Copy(w, g)
		sums <- g.Sum()
	}))
	r := newRig(t, target, newValidator(t), 10, proxy.WithMaxBody(limit))
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer hc.CloseIdleConnections()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got := make(chan []byte, clients+1)
	errs := make(chan error, clients+1)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, r.url+"/v2/group?limit=5", nil)
			res, err := hc.Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer res.Body.Close()
			h := sha256.New()
			if n, err := io.Copy(h, res.Body); err != nil || n != size {
				errs <- fmt.Errorf("got %d bytes, %v; want %d", n, err, size)
				return
			}
			got <- h.Sum(nil)
		})
	}
	wg.Go(func() {
		up := streamtest.NewBody(size)
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, r.url+"/v2/group", up)
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			errs <- err
			return
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			errs <- fmt.Errorf("upload: status %d", res.StatusCode)
			return
		}
		got <- up.Sum()
	})
	wg.Wait()
	runtime.ReadMemStats(&after)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	r.stop()

	want := map[string]int{}
	for range clients + 1 {
		want[string(<-sums)]++
	}
	for range clients + 1 {
		s := string(<-got)
		if want[s] == 0 {
			t.Fatal("a body reached the other side changed")
		}
		want[s]--
	}
	// Through the proxy went 5 × 32 MiB; the copies it may keep are bounded by the 1 MiB budget (about 4 MiB
	// allocated in all, today). Each copy kept to the limit by doubling a buffer would add about 2 MiB (some 14 MiB
	// in all); whole copies, at least 160 MiB.
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d MiB allocated for %d MiB through the proxy", allocated>>20, (clients+1)*size>>20)
	if allocated > 8<<20 {
		t.Errorf("%d bytes allocated while %d went through, want at most 8 MiB", allocated, (clients+1)*size)
	}
	if st := r.p.Stats(); st.Unvalidated != clients+1 || st.Recorded != 0 || st.Validated != 0 {
		t.Errorf("got stats %+v, want %d unvalidated exchanges, none recorded", st, clients+1)
	}
	if !hasLine(r.log.String(), "level=WARN", "not validated", "over the body limit", "response body", "method=GET") ||
		!hasLine(r.log.String(), "level=WARN", "not validated", "over the body limit", "request body", "method=POST") {
		t.Errorf("no lines saying the bodies were not validated, over the body limit:\n%s", r.log)
	}
}
