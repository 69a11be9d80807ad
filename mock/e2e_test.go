package mock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/gen/doorflow"
	"github.com/apikit/apikit/gen/sonderplan"
)

// startTCP serves h on a real 127.0.0.1 listener until the test ends, and returns its base URL.
func startTCP(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h, 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// capture is a RoundTripper that validates every exchange it carries with the harness, the way a contract
// test wraps a real client. It fails the test on any response-side finding and keeps the request-side ones.
type capture struct {
	t    *testing.T
	v    *contract.Validator
	base http.RoundTripper

	mu        sync.Mutex
	exchanges int
	requests  map[string][]string // "METHOD path?query" → harness findings on the request
}

func (c *capture) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	ex := &contract.Exchange{Source: "e2e", Index: -1, Method: req.Method, URL: req.URL, RequestHeader: req.Header,
		Status: res.StatusCode, ResponseHeader: res.Header, ResponseBody: body}
	found := violationKeys(checkExchange(c.t, c.v, ex))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.exchanges++
	if len(found) > 0 {
		c.requests[req.Method+" "+req.URL.RequestURI()] = found
	}
	return res, nil
}

func bearerEditor(token string) func(context.Context, *http.Request) error {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// TestEndToEnd drives the mock over real TCP with the generated clients, validating every exchange.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	s := newServer(t, WithSeed(21), WithCount(80))
	base := startTCP(t, s)
	v, err := contract.New(t.Context(), contract.WithBaseURL("doorflow", base), contract.WithBaseURL("sonderplan", base))
	if err != nil {
		t.Fatal(err)
	}
	capt := &capture{t: t, v: v, base: http.DefaultTransport.(*http.Transport).Clone(), requests: map[string][]string{}}
	hc := &http.Client{Transport: capt}
	ctx := t.Context()

	df, err := doorflow.NewClientWithResponses(base, doorflow.WithHTTPClient(hc), doorflow.WithRequestEditorFn(bearerEditor(DefaultToken)))
	if err != nil {
		t.Fatal(err)
	}
	sp, err := sonderplan.NewClientWithResponses(base, sonderplan.WithHTTPClient(hc), sonderplan.WithRequestEditorFn(bearerEditor(DefaultToken)))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("doorflow", func(t *testing.T) {
		skip := true
		whole, err := df.ListGroupReservationsWithResponse(ctx, &doorflow.ListGroupReservationsParams{SkipPagination: &skip})
		if err != nil || whole.JSON200 == nil {
			t.Fatalf("list: %v, status %d", err, whole.StatusCode())
		}
		var walked []doorflow.GroupReservation
		per := 9
		for page := 1; page < 100; page++ {
			r, err := df.ListGroupReservationsWithResponse(ctx, &doorflow.ListGroupReservationsParams{Page: &page, PerPage: &per})
			if err != nil || r.JSON200 == nil {
				t.Fatalf("page %d: %v, status %d", page, err, r.StatusCode())
			}
			walked = append(walked, *r.JSON200...)
			if len(*r.JSON200) < per {
				break
			}
		}
		if got, want := reservationIDs(walked), reservationIDs(*whole.JSON200); !slices.Equal(got, want) {
			t.Errorf("walking pages: got ids %v, want %v", got, want)
		}

		pivot := (*whole.JSON200)[len(*whole.JSON200)/2]
		since := pivot.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00")
		r, err := df.ListGroupReservationsWithResponse(ctx, &doorflow.ListGroupReservationsParams{SinceUTC: &since})
		if err != nil || r.JSON200 == nil {
			t.Fatalf("since_utc: %v, status %d", err, r.StatusCode())
		}
		if !slices.ContainsFunc(*r.JSON200, func(x doorflow.GroupReservation) bool { return x.ID == pivot.ID }) {
			t.Errorf("since_utc=%s leaves out reservation %d updated then", since, pivot.ID)
		}
		for _, x := range *r.JSON200 {
			if x.UpdatedAt.Before(pivot.UpdatedAt) {
				t.Errorf("since_utc=%s returned reservation %d updated at %s", since, x.ID, x.UpdatedAt)
			}
		}

		for _, want := range (*whole.JSON200)[:5] {
			r, err := df.GetGroupReservationWithResponse(ctx, want.ID)
			if err != nil || r.JSON200 == nil {
				t.Fatalf("get %d: %v, status %d", want.ID, err, r.StatusCode())
			}
			if !sameReservation(*r.JSON200, want) {
				t.Errorf("get %d: got %+v, want %+v", want.ID, *r.JSON200, want)
			}
		}
		nf, err := df.GetGroupReservationWithResponse(ctx, 1)
		if err != nil || nf.JSON404 == nil || nf.JSON404.Error == nil || *nf.JSON404.Error != "not_found" {
			t.Errorf("get 1: got %v, status %d, body %s; want a 404 not_found", err, nf.StatusCode(), nf.Body)
		}
		forbidden, err := df.GetGroupReservationWithResponse(ctx, pivot.ID, bearerEditor("wrong"))
		if err != nil || forbidden.JSON401 == nil {
			t.Errorf("get with an unknown token: got %v, status %d; want a 401", err, forbidden.StatusCode())
		}
	})

	t.Run("sonderplan", func(t *testing.T) {
		rw := sonderplan.ACLReadWrite
		var walked []sonderplan.Group
		limit, total := 7, -1
		for page := 1; page < 100; page++ {
			r, err := sp.ListGroupsWithResponse(ctx, &sonderplan.ListGroupsParams{ACLTask: &rw, Page: &page, Limit: &limit})
			if err != nil || r.JSON200 == nil {
				t.Fatalf("page %d: %v, status %d", page, err, r.StatusCode())
			}
			p := r.JSON200.Meta.Pagination
			if p.CurrentPage != page || p.PerPage != limit || p.Count != len(r.JSON200.Data) {
				t.Errorf("page %d: got pagination %+v", page, p)
			}
			total = p.Total
			walked = append(walked, r.JSON200.Data...)
			if len(r.JSON200.Data) < limit {
				break
			}
		}
		if len(walked) != total || total == 0 {
			t.Errorf("walked %d groups, meta.pagination.total says %d", len(walked), total)
		}
		for _, g := range walked {
			if g.ACLTask == nil || *g.ACLTask != rw {
				t.Errorf("group %d has acl_task %v, want RW", *g.ID, g.ACLTask)
			}
		}

		and, fields, order := sonderplan.FilterAnd, "id,name,members", "name"
		r, err := sp.ListGroupsWithResponse(ctx, &sonderplan.ListGroupsParams{ACLTask: &rw, ACLSchedule: &rw,
			FilterOperator: &and, Fields: &fields, OrderDesc: &order, Limit: &limit})
		if err != nil || r.JSON200 == nil {
			t.Fatalf("AND, fields, order: %v, status %d", err, r.StatusCode())
		}
		for i, g := range r.JSON200.Data {
			if g.ID == nil || g.Name == nil || g.ACLTask != nil || g.Created != nil {
				t.Errorf("fields=%s: got %+v", fields, g)
			}
			if i > 0 && strings.ToLower(*r.JSON200.Data[i-1].Name) < strings.ToLower(*g.Name) {
				t.Errorf("order_desc=name: %q before %q", *r.JSON200.Data[i-1].Name, *g.Name)
			}
		}

		noToken, err := sonderplan.NewClientWithResponses(base, sonderplan.WithHTTPClient(hc))
		if err != nil {
			t.Fatal(err)
		}
		un, err := noToken.ListGroupsWithResponse(ctx, nil)
		if err != nil || un.JSON401 == nil || un.JSON401.Message == nil {
			t.Errorf("no token: got %v, status %d; want a 401 with a message", err, un.StatusCode())
		}
	})

	capt.mu.Lock()
	defer capt.mu.Unlock()
	if capt.exchanges < 20 {
		t.Errorf("validated %d exchanges, want at least 20", capt.exchanges)
	}
	want := map[string][]string{"GET /v2/group": {"request.header Authorization security"}}
	for k, got := range capt.requests {
		if !slices.Equal(got, want[k]) {
			t.Errorf("%s: harness on the request: got %q, want %q", k, got, want[k])
		}
	}
}

// TestDeterministic: the same seed gives byte-identical answers from two mocks; another seed does not.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	targets := []string{
		"/api/3/group_reservations", "/api/3/group_reservations?per_page=5&page=3",
		"/api/3/group_reservations?since_utc=2026-06-01T00:00:00Z", "/v2/group", "/v2/group?order_desc=name&limit=50&fields=name,members",
	}
	a, b, c := newServer(t, WithSeed(99)), newServer(t, WithSeed(99)), newServer(t, WithSeed(100))
	v := newValidator(t)
	for _, target := range targets {
		ra, rb, rc := get(t, a, v, target, DefaultToken), get(t, b, v, target, DefaultToken), get(t, c, v, target, DefaultToken)
		if ra.status != http.StatusOK {
			t.Fatalf("GET %s: got status %d", target, ra.status)
		}
		if !bytes.Equal(ra.body, rb.body) {
			t.Errorf("GET %s: seed 99 answered differently twice", target)
		}
		if bytes.Equal(ra.body, rc.body) {
			t.Errorf("GET %s: seeds 99 and 100 gave the same answer", target)
		}
	}
}

// TestServeGracefulShutdown: when the context ends, Serve stops accepting connections and lets an in-flight
// request finish.
func TestServeGracefulShutdown(t *testing.T) {
	t.Parallel()
	entered, release, shutdown := make(chan struct{}), make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(h)
	srv.RegisterOnShutdown(func() { close(shutdown) }) // runs once Shutdown has closed the listener
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- serve(ctx, srv, ln, time.Minute) }()

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		req, _ := http.NewRequestWithContext(context.WithoutCancel(t.Context()), http.MethodGet, "http://"+ln.Addr().String()+"/slow", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		got <- result{string(b), err}
	}()

	<-entered  // the request is in flight
	cancel()   // SIGINT/SIGTERM in the CLI
	<-shutdown // Shutdown has begun
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		_ = c.Close()
		t.Error("a new connection was accepted after shutdown began")
	}
	close(release)
	if r := <-got; r.err != nil || r.body != "finished" {
		t.Errorf("in-flight request: got %q, %v; want it to finish", r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: got %v, want nil after a clean shutdown", err)
	}
}

func TestServeListenerError(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_ = ln.Close()
	err = Serve(t.Context(), ln, http.NotFoundHandler(), time.Second)
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("got %v, want the listener's error", err)
	}
}

// discard is a ResponseWriter that keeps nothing, so the benchmark measures the handler.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkList measures one list request through the handler: validation, filtering, paging and rendering.
func BenchmarkList(b *testing.B) {
	s := newServer(b, WithCount(1000))
	for _, bc := range []struct{ name, target string }{
		{"doorflow/default-page", "/api/3/group_reservations"},
		{"doorflow/since-paged", "/api/3/group_reservations?since_utc=2026-06-10T00:00:00Z&per_page=50&page=2"},
		{"sonderplan/default-page", "/v2/group"},
		{"sonderplan/filtered-ordered", "/v2/group?acl_task=RW&name=editor&filter_operator=OR&order_desc=name&fields=id,name&limit=25"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req, err := http.NewRequestWithContext(b.Context(), http.MethodGet, bc.target, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+DefaultToken)
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				s.ServeHTTP(w, req)
			}
		})
	}
}
