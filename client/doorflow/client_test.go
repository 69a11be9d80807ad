package doorflow_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/apikit/apikit/client/doorflow"
	gen "github.com/apikit/apikit/gen/doorflow"
	"github.com/apikit/apikit/internal/clienttest"
)

// staticToken is the access token setup's client sends unless a test gives another token source.
const staticToken = "SECRET-access-static"

// t0 is the instant the fixtures' timestamps start from.
var t0 = time.Date(2024, 1, 10, 12, 0, 0, 0, time.UTC)

// env is one test's fake DoorFlow and a client pointed at it.
type env struct {
	srv   *clienttest.Server
	fake  *fakeDoorFlow
	c     *doorflow.Client
	sleep *sleeper
	logs  *bytes.Buffer
}

// setup starts a fake DoorFlow held to the contract (every request and response is validated against
// openapi/doorflow.yaml) and a client for it. The client logs at debug level into env.logs, and its backoff
// sleeps are recorded, not slept. opts come after the defaults and override them.
func setup(t *testing.T, opts ...doorflow.Option) *env {
	t.Helper()
	e := &env{srv: clienttest.NewServer(t, "doorflow"), sleep: &sleeper{}, logs: &bytes.Buffer{}}
	e.fake = &fakeDoorFlow{t: t}
	e.srv.API.Handle("GET /api/3/group_reservations", http.HandlerFunc(e.fake.list))
	e.srv.API.Handle("GET /api/3/group_reservations/{id}", http.HandlerFunc(e.fake.get))
	defaults := []doorflow.Option{
		doorflow.WithHTTPClient(e.srv.Client()),
		doorflow.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: staticToken})),
		doorflow.WithLogger(debugLogger(e.logs)),
	}
	c, err := doorflow.New(e.srv.BaseURL, append(defaults, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	doorflow.SetSleep(c, e.sleep.sleep)
	e.c = c
	return e
}

// debugLogger logs everything, as text, to w.
func debugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// sleeper records the backoff waits a client asks for and returns at once (or with the context's error).
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.waits)
}

// fakeDoorFlow serves group reservations as the vendor's pages describe: a bare JSON array, page and per_page
// (defaults 1 and 500), skip_pagination, and since_utc as an inclusive "updated since". Its intercept hook
// answers instead when it returns true (errors, retries); n counts the API requests, from 1.
type fakeDoorFlow struct {
	t         *testing.T
	mu        sync.Mutex
	items     []gen.GroupReservation // in ID order, as the server lists them
	queries   []url.Values
	n         int
	intercept func(n int, w http.ResponseWriter, r *http.Request) bool
	total     string // the Total header the list sends: "" none, "count" the number of matches, else as is
}

func (f *fakeDoorFlow) set(items ...gen.GroupReservation) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, it := range items {
		i := slices.IndexFunc(f.items, func(x gen.GroupReservation) bool { return x.ID == it.ID })
		if i >= 0 {
			f.items[i] = it
		} else {
			f.items = append(f.items, it)
		}
	}
	slices.SortFunc(f.items, func(a, b gen.GroupReservation) int { return int(a.ID - b.ID) })
}

// Items returns the reservations the server holds.
func (f *fakeDoorFlow) Items() []gen.GroupReservation {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.items)
}

// Queries returns the query of every API request so far.
func (f *fakeDoorFlow) Queries() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.queries)
}

func (f *fakeDoorFlow) begin(w http.ResponseWriter, r *http.Request) (intercepted bool) {
	f.mu.Lock()
	f.n++
	n, hook := f.n, f.intercept
	f.queries = append(f.queries, r.URL.Query())
	f.mu.Unlock()
	return hook != nil && hook(n, w, r)
}

func (f *fakeDoorFlow) list(w http.ResponseWriter, r *http.Request) {
	if f.begin(w, r) {
		return
	}
	q := r.URL.Query()
	page, perPage := intParam(q, "page", 1), intParam(q, "per_page", 500)
	var since time.Time
	if s := q.Get("since_utc"); s != "" {
		var err error
		if since, err = time.Parse(time.RFC3339, s); err != nil {
			f.t.Errorf("fake DoorFlow: since_utc %q: %v", s, err)
		}
	}
	f.mu.Lock()
	var out []gen.GroupReservation
	for _, it := range f.items {
		if !it.UpdatedAt.Before(since) {
			out = append(out, it)
		}
	}
	total := f.total
	f.mu.Unlock()
	switch total {
	case "":
	case "count":
		w.Header().Set("Total", strconv.Itoa(len(out)))
	default:
		w.Header().Set("Total", total)
	}
	if q.Get("skip_pagination") != "true" {
		lo, hi := min((page-1)*perPage, len(out)), min(page*perPage, len(out))
		out = out[lo:hi]
	}
	clienttest.JSON(f.t, w, http.StatusOK, append([]gen.GroupReservation{}, out...))
}

func (f *fakeDoorFlow) get(w http.ResponseWriter, r *http.Request) {
	if f.begin(w, r) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f.mu.Lock()
	i := slices.IndexFunc(f.items, func(x gen.GroupReservation) bool { return x.ID == id })
	var it gen.GroupReservation
	if i >= 0 {
		it = f.items[i]
	}
	f.mu.Unlock()
	if i < 0 {
		apiError(f.t, w, http.StatusNotFound, "not_found", "The requested resource was not found")
		return
	}
	clienttest.JSON(f.t, w, http.StatusOK, it)
}

func intParam(q url.Values, name string, def int) int {
	if v, err := strconv.Atoi(q.Get(name)); err == nil {
		return v
	}
	return def
}

// apiError answers with DoorFlow's error body and a request id.
func apiError(t *testing.T, w http.ResponseWriter, code int, errCode, desc string) {
	w.Header().Set("X-Request-Id", "req-"+strconv.Itoa(code))
	clienttest.JSON(t, w, code, map[string]string{"error": errCode, "error_description": desc})
}

// reservation is a valid reservation updated at t0+updated. It is deactivated: a window in 2024 is right for
// that state whenever the tests run (the contract's time-window rule checks pending and active ones against the
// time of the exchange).
func reservation(id int64, updated time.Duration) gen.GroupReservation {
	return gen.GroupReservation{
		ID:        id,
		PersonID:  1000 + id,
		StartTime: t0.Add(time.Hour),
		EndTime:   t0.Add(9 * time.Hour),
		State:     gen.StateDeactivated,
		GroupIDs:  []int64{1, 3},
		CreatedAt: t0,
		UpdatedAt: t0.Add(updated),
	}
}

// reservations returns reservations 1..n, updated a millisecond apart.
func reservations(n int) []gen.GroupReservation {
	var out []gen.GroupReservation
	for i := 1; i <= n; i++ {
		out = append(out, reservation(int64(i), time.Duration(i)*time.Millisecond))
	}
	return out
}

func ids(items []gen.GroupReservation) []int64 {
	out := []int64{}
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func TestOperationsWrapped(t *testing.T) {
	t.Parallel()
	clienttest.CheckOperations(t, "doorflow", "DoorFlow", ".")
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		baseURL string
		opt     doorflow.Option
	}{
		{"relative base URL", "/api", nil},
		{"not http", "ftp://api.doorflow.com", nil},
		{"nil HTTP client", "", doorflow.WithHTTPClient(nil)},
		{"zero timeout", "", doorflow.WithTimeout(0)},
		{"no attempts", "", doorflow.WithMaxAttempts(0)},
		{"backoff max below base", "", doorflow.WithBackoff(time.Second, time.Millisecond)},
		{"nil token source", "", doorflow.WithTokenSource(nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var opts []doorflow.Option
			if tc.opt != nil {
				opts = append(opts, tc.opt)
			}
			if c, err := doorflow.New(tc.baseURL, opts...); err == nil {
				t.Errorf("got client %v, want an error", c)
			}
		})
	}
}
