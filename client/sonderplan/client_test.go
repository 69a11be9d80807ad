package sonderplan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/apikit/apikit/client/sonderplan"
	gen "github.com/apikit/apikit/gen/sonderplan"
	"github.com/apikit/apikit/internal/clienttest"
)

// token is the API token setup's client sends; the fake accepts no other.
const token = "SECRET-sonderplan-token"

// env is one test's fake Sonderplan and a client pointed at it.
type env struct {
	srv   *clienttest.Server
	fake  *fakeSonderplan
	c     *sonderplan.Client
	sleep *sleeper
	logs  *bytes.Buffer
}

// setup starts a fake Sonderplan held to the contract (every request and response is validated against
// openapi/sonderplan.yaml) and a client for it. The client logs at debug level into env.logs, and its backoff
// sleeps are recorded, not slept. opts come after the defaults and override them.
func setup(t *testing.T, opts ...sonderplan.Option) *env {
	t.Helper()
	e := &env{srv: clienttest.NewServer(t, "sonderplan"), sleep: &sleeper{}, logs: &bytes.Buffer{}}
	e.fake = &fakeSonderplan{t: t}
	e.srv.API.HandleFunc("GET /v2/group", e.fake.list)
	defaults := []sonderplan.Option{
		sonderplan.WithHTTPClient(e.srv.Client()),
		sonderplan.WithToken(token),
		sonderplan.WithLogger(debugLogger(e.logs)),
	}
	c, err := sonderplan.New(e.srv.BaseURL, append(defaults, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	sonderplan.SetSleep(c, e.sleep.sleep)
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

// fakeSonderplan serves GET /v2/group as the vendor's page describes: a {data, meta.pagination} envelope, page
// and limit (defaults 1 and 10), the id filter, and fields as a sparse fieldset (other filters are accepted and
// ignored). It answers 401 to any token but [token]. Its intercept hook answers instead when it returns true;
// n counts the API requests, from 1.
type fakeSonderplan struct {
	t         *testing.T
	mu        sync.Mutex
	groups    []gen.Group
	queries   []url.Values
	n         int
	intercept func(n int, w http.ResponseWriter, r *http.Request) bool
}

func (f *fakeSonderplan) set(groups ...gen.Group) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups = append(f.groups, groups...)
}

// Queries returns the query of every API request so far.
func (f *fakeSonderplan) Queries() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.queries)
}

func (f *fakeSonderplan) list(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.n++
	n, hook := f.n, f.intercept
	f.queries = append(f.queries, r.URL.Query())
	groups := slices.Clone(f.groups)
	f.mu.Unlock()
	if hook != nil && hook(n, w, r) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+token {
		unauthenticated(f.t, w)
		return
	}
	q := r.URL.Query()
	if ids := q.Get("id"); ids != "" {
		keep := strings.Split(ids, ",")
		groups = slices.DeleteFunc(groups, func(g gen.Group) bool { return !slices.Contains(keep, strconv.FormatInt(*g.ID, 10)) })
	}
	page, limit := intParam(q, "page", 1), intParam(q, "limit", 10)
	data := groups[min((page-1)*limit, len(groups)):min(page*limit, len(groups))]
	items := make([]map[string]any, len(data))
	for i, g := range data {
		items[i] = sparse(f.t, g, q.Get("fields"))
	}
	clienttest.JSON(f.t, w, http.StatusOK, map[string]any{
		"data": items,
		"meta": map[string]any{"pagination": gen.Pagination{Total: len(groups), Count: len(data), PerPage: limit, CurrentPage: page}},
	})
}

// sparse returns g as JSON properties, only those in fields (comma separated) when it is set.
func sparse(t *testing.T, g gen.Group, fields string) map[string]any {
	b, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if fields != "" {
		keep := strings.Split(fields, ",")
		for k := range m {
			if !slices.Contains(keep, k) {
				delete(m, k)
			}
		}
	}
	return m
}

func intParam(q url.Values, name string, def int) int {
	if v, err := strconv.Atoi(q.Get(name)); err == nil {
		return v
	}
	return def
}

func unauthenticated(t *testing.T, w http.ResponseWriter) {
	w.Header().Set("X-Request-ID", "req-401")
	clienttest.JSON(t, w, http.StatusUnauthorized, map[string]string{"message": "Unauthenticated."})
}

// group is a valid, complete group.
func group(id int64) gen.Group {
	acl, rw := gen.ACLRead, gen.ACLReadWrite
	return gen.Group{
		ID: ptr(id), Name: ptr("Group " + strconv.FormatInt(id, 10)), Description: ptr("Full schedule access"),
		IsDefault: ptr(id == 1),
		Members: []gen.Member{{ID: ptr(int64(4)), FirstName: ptr("Jane"), LastName: ptr("Smith"),
			PrimaryEmail: ptr(openapi_types.Email("jane.smith@example.com"))}},
		ACLSchedule: &rw, ACLProject: &acl, ACLTask: &acl, ACLFinance: &acl, ACLReport: &acl, ACLContact: &acl, ACLAdmin: &acl, ACLAccount: &acl,
		CreatedID: ptr(int64(3)), Created: ptr(int64(1388552400)), UpdatedID: ptr(int64(3)), Updated: ptr(int64(1388552400)),
	}
}

// groups returns groups 1..n.
func groups(n int) []gen.Group {
	var out []gen.Group
	for i := 1; i <= n; i++ {
		out = append(out, group(int64(i)))
	}
	return out
}

func ids(gs []gen.Group) []int64 {
	out := []int64{}
	for _, g := range gs {
		out = append(out, *g.ID)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestOperationsWrapped(t *testing.T) {
	t.Parallel()
	clienttest.CheckOperations(t, "sonderplan", "Sonderplan", ".")
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		baseURL string
		opt     sonderplan.Option
	}{
		{"relative base URL", "v2", nil},
		{"empty token", "", sonderplan.WithToken("")},
		{"nil HTTP client", "", sonderplan.WithHTTPClient(nil)},
		{"negative timeout", "", sonderplan.WithTimeout(-time.Second)},
		{"no attempts", "", sonderplan.WithMaxAttempts(0)},
		{"zero backoff base", "", sonderplan.WithBackoff(0, time.Second)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var opts []sonderplan.Option
			if tc.opt != nil {
				opts = append(opts, tc.opt)
			}
			if c, err := sonderplan.New(tc.baseURL, opts...); err == nil {
				t.Errorf("got client %v, want an error", c)
			}
		})
	}
}
