package sonderplan_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/apikit/apikit/client/sonderplan"
	gen "github.com/apikit/apikit/gen/sonderplan"
	"github.com/apikit/apikit/internal/clienttest"
)

func TestListGroups(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		groups      int
		opts        *sonderplan.ListGroupsOptions
		wantIDs     []int64
		wantQueries []string // each request's query, as url.Values.Encode prints it
	}{
		{name: "three pages", groups: 25, opts: &sonderplan.ListGroupsOptions{Limit: 10},
			wantIDs:     seq(1, 25),
			wantQueries: []string{"limit=10&page=1", "limit=10&page=2", "limit=10&page=3"}},
		{name: "total reached on a full page: no extra request", groups: 20, opts: &sonderplan.ListGroupsOptions{Limit: 10},
			wantIDs:     seq(1, 20),
			wantQueries: []string{"limit=10&page=1", "limit=10&page=2"}},
		{name: "server default page size", groups: 12, opts: nil,
			wantIDs:     seq(1, 12),
			wantQueries: []string{"page=1", "page=2"}},
		{name: "from page 2", groups: 25, opts: &sonderplan.ListGroupsOptions{Page: 2, Limit: 10},
			wantIDs:     seq(11, 25),
			wantQueries: []string{"limit=10&page=2", "limit=10&page=3"}},
		{name: "empty", groups: 0, opts: &sonderplan.ListGroupsOptions{},
			wantIDs:     []int64{},
			wantQueries: []string{"page=1"}},
		{name: "every filter on the wire", groups: 5,
			opts: &sonderplan.ListGroupsOptions{
				IDs: []int64{1, 3}, Name: "Video", Description: "schedule access",
				ACL: sonderplan.ACLFilter{Schedule: gen.ACLReadWrite, Project: gen.ACLRead, Task: gen.ACLRead, Finance: gen.ACLNone,
					Report: gen.ACLRead, Contact: gen.ACLRead, Admin: gen.ACLNone, Account: gen.ACLRead},
				FilterOperator: gen.FilterAnd, Fields: []string{"id", "name"}, OrderAsc: "name", OrderDesc: "created", Limit: 5,
			},
			wantIDs: []int64{1, 3},
			wantQueries: []string{"acl_account=R-&acl_admin=--&acl_contact=R-&acl_finance=--&acl_project=R-&acl_report=R-" +
				"&acl_schedule=RW&acl_task=R-&description=schedule+access&fields=id%2Cname&filter_operator=AND&id=1%2C3" +
				"&limit=5&name=Video&order_asc=name&order_desc=created&page=1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.fake.set(groups(tc.groups)...)
			var got []gen.Group
			for g, err := range e.c.ListGroups(t.Context(), tc.opts) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, g)
			}
			if diff := cmp.Diff(tc.wantIDs, ids(got)); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantQueries, encoded(e.fake.Queries())); diff != "" {
				t.Errorf("queries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListGroupsSparseFields(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.fake.set(group(1))
	got, _, err := e.c.ListGroupsPage(t.Context(), &sonderplan.ListGroupsOptions{Fields: []string{"id", "name"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []gen.Group{{ID: ptr(int64(1)), Name: ptr("Group 1")}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

func seq(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func encoded(qs []url.Values) []string {
	out := []string{}
	for _, q := range qs {
		out = append(out, q.Encode())
	}
	return out
}

func TestListGroupsEarlyStop(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		take         int
		wantRequests int
	}{
		{"inside the first page", 1, 1},
		{"at the end of the first page", 10, 1},
		{"inside the second page", 11, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.fake.set(groups(30)...)
			n := 0
			for _, err := range e.c.ListGroups(t.Context(), nil) {
				if err != nil {
					t.Fatal(err)
				}
				if n++; n == tc.take {
					break
				}
			}
			if got := e.srv.Requests(); got != tc.wantRequests {
				t.Errorf("got %d requests, want %d", got, tc.wantRequests)
			}
		})
	}
}

func TestListGroupsPage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		opts           *sonderplan.ListGroupsOptions
		wantIDs        []int64
		wantPagination gen.Pagination
		wantNextPage   int
	}{
		{"first of three", &sonderplan.ListGroupsOptions{Limit: 10}, seq(1, 10),
			gen.Pagination{Total: 25, Count: 10, PerPage: 10, CurrentPage: 1}, 2},
		{"last, short", &sonderplan.ListGroupsOptions{Limit: 10, Page: 3}, seq(21, 25),
			gen.Pagination{Total: 25, Count: 5, PerPage: 10, CurrentPage: 3}, 0},
		{"past the end", &sonderplan.ListGroupsOptions{Limit: 10, Page: 4}, []int64{},
			gen.Pagination{Total: 25, Count: 0, PerPage: 10, CurrentPage: 4}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.fake.set(groups(25)...)
			got, resp, err := e.c.ListGroupsPage(t.Context(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantIDs, ids(got)); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantPagination, resp.Pagination); diff != "" {
				t.Errorf("pagination (-want +got):\n%s", diff)
			}
			if resp.NextPage != tc.wantNextPage {
				t.Errorf("got next page %d, want %d", resp.NextPage, tc.wantNextPage)
			}
		})
	}
}

func TestListGroupsRejectsBadOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts sonderplan.ListGroupsOptions
	}{
		{"unknown ACL", sonderplan.ListGroupsOptions{ACL: sonderplan.ACLFilter{Admin: "rw"}}},
		{"unknown filter operator", sonderplan.ListGroupsOptions{FilterOperator: "XOR"}},
		{"field with a comma", sonderplan.ListGroupsOptions{Fields: []string{"id,name"}}},
		{"empty field", sonderplan.ListGroupsOptions{Fields: []string{""}}},
		{"negative limit", sonderplan.ListGroupsOptions{Limit: -1}},
		{"negative page", sonderplan.ListGroupsOptions{Page: -1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			for _, err := range e.c.ListGroups(t.Context(), &tc.opts) {
				if err == nil {
					t.Fatal("got a group, want an error")
				}
			}
			if n := e.srv.Requests(); n != 0 {
				t.Errorf("got %d requests, want none", n)
			}
		})
	}
}

func TestListGroupsStopsWhenPageIsIgnored(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.fake.intercept = func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		clienttest.JSON(t, w, http.StatusOK, gen.GroupList{Data: groups(10), // always page 1 of 100
			Meta: gen.Meta{Pagination: gen.Pagination{Total: 100, Count: 10, PerPage: 10, CurrentPage: 1}}})
		return true
	}
	var err error
	for _, err = range e.c.ListGroups(t.Context(), nil) {
		if err != nil {
			break
		}
	}
	if err == nil || e.srv.Requests() != 2 {
		t.Errorf("got error %v after %d requests, want an error after 2", err, e.srv.Requests())
	}
}

func TestListGroupsErrorsAndRetries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		opts         []sonderplan.Option
		answer       func(n int, w http.ResponseWriter) bool
		wantRequests int
		wantWaits    []time.Duration // exact waits; nil when jittered (then only their count is checked)
		waitCount    int
		wantStatus   int // the *APIError's status; 0 for success
		wantIs       error
		wantCode     string
	}{
		{name: "401 is ErrUnauthorized", opts: []sonderplan.Option{sonderplan.WithToken("SECRET-wrong-token")},
			wantRequests: 1, wantWaits: []time.Duration{}, wantStatus: 401, wantIs: sonderplan.ErrUnauthorized, wantCode: "Unauthenticated."},
		{name: "503 then success", answer: gateway(1, http.StatusServiceUnavailable),
			wantRequests: 2, waitCount: 1},
		{name: "502, 504 then success", answer: gateway(2, http.StatusBadGateway, http.StatusGatewayTimeout),
			wantRequests: 3, waitCount: 2},
		{name: "429 with Retry-After", answer: gateway(1, http.StatusTooManyRequests, "Retry-After", "1"),
			wantRequests: 2, wantWaits: []time.Duration{time.Second}},
		{name: "429 until the attempts run out", opts: []sonderplan.Option{sonderplan.WithMaxAttempts(2)},
			answer:       gateway(9, http.StatusTooManyRequests, "Retry-After", "2"),
			wantRequests: 2, wantWaits: []time.Duration{2 * time.Second}, wantStatus: 429, wantIs: sonderplan.ErrRateLimited},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, tc.opts...)
			e.fake.set(groups(3)...)
			if tc.answer != nil {
				e.fake.intercept = func(n int, w http.ResponseWriter, _ *http.Request) bool { return tc.answer(n, w) }
			}
			got, _, err := e.c.ListGroupsPage(t.Context(), nil)
			if tc.wantStatus == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]int64{1, 2, 3}, ids(got)); diff != "" {
					t.Errorf("IDs (-want +got):\n%s", diff)
				}
			} else {
				var apiErr *sonderplan.APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.wantStatus || apiErr.Code != tc.wantCode || apiErr.Operation != "listGroups" {
					t.Fatalf("got error %#v, want an *APIError with status %d, code %q", err, tc.wantStatus, tc.wantCode)
				}
				if !errors.Is(err, tc.wantIs) || errors.Is(err, sonderplan.ErrNotFound) {
					t.Errorf("errors.Is(%v, %v) = false or it matches ErrNotFound", err, tc.wantIs)
				}
			}
			if n := e.srv.Requests(); n != tc.wantRequests {
				t.Errorf("got %d requests, want %d", n, tc.wantRequests)
			}
			waits := e.sleep.Waits()
			if tc.wantWaits != nil {
				if diff := cmp.Diff(tc.wantWaits, waits, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("waits (-want +got):\n%s", diff)
				}
			} else if len(waits) != tc.waitCount {
				t.Errorf("got waits %v, want %d", waits, tc.waitCount)
			}
		})
	}
}

// gateway answers the first n requests with the statuses in turn (the last one repeating), then lets the fake
// answer. Strings after the statuses are header name/value pairs.
func gateway(n int, args ...any) func(int, http.ResponseWriter) bool {
	var codes []int
	var header []string
	for _, a := range args {
		switch v := a.(type) {
		case int:
			codes = append(codes, v)
		case string:
			header = append(header, v)
		}
	}
	return func(i int, w http.ResponseWriter) bool {
		if i > n {
			return false
		}
		clienttest.Gateway(w, codes[min(i, len(codes))-1], header...)
		return true
	}
}

func TestContextCanceledMidIteration(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.fake.set(groups(30)...)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	n := 0
	var err error
	for _, err2 := range e.c.ListGroups(ctx, nil) {
		if err = err2; err != nil {
			break
		}
		n++
		cancel() // the caller gives up; the page in hand is still delivered
	}
	if !errors.Is(err, context.Canceled) || n != 10 {
		t.Errorf("got error %v after %d groups, want context.Canceled after 10", err, n)
	}
	if got := e.srv.Requests(); got != 1 {
		t.Errorf("got %d requests, want 1: no request after the cancellation", got)
	}
}

func TestTimeoutOnSlowServer(t *testing.T) {
	t.Parallel()
	e := setup(t, sonderplan.WithTimeout(300*time.Millisecond), sonderplan.WithMaxAttempts(3)) // long enough for each attempt to reach the server under -race on a loaded machine
	e.fake.intercept = func(_ int, _ http.ResponseWriter, r *http.Request) bool {
		<-r.Context().Done() // answer never: the client's attempt timeout closes the connection
		return true
	}
	_, _, err := e.c.ListGroupsPage(t.Context(), nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got error %v, want one matching context.DeadlineExceeded", err)
	}
	if n := e.srv.Requests(); n != 3 {
		t.Errorf("got %d requests, want 3 (a timed-out attempt is retried, up to WithMaxAttempts)", n)
	}
}

// TestNoSecretsInErrorsOrLogs plants secrets where a client could leak them (the token, a password in the base
// URL) and fails every way it can; no error text and no log line may hold a secret.
func TestNoSecretsInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		opts   []sonderplan.Option
		answer func(n int, w http.ResponseWriter, r *http.Request) bool
	}{
		{name: "401", answer: func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			unauthenticated(t, w)
			return true
		}},
		{name: "503 until the attempts run out", opts: []sonderplan.Option{sonderplan.WithMaxAttempts(2)},
			answer: func(_ int, w http.ResponseWriter, _ *http.Request) bool {
				clienttest.Gateway(w, http.StatusServiceUnavailable)
				return true
			}},
		{name: "dropped connections", opts: []sonderplan.Option{sonderplan.WithMaxAttempts(2)},
			answer: func(int, http.ResponseWriter, *http.Request) bool { panic(http.ErrAbortHandler) }},
		{name: "timeout", opts: []sonderplan.Option{sonderplan.WithMaxAttempts(1), sonderplan.WithTimeout(20 * time.Millisecond)},
			answer: func(_ int, _ http.ResponseWriter, r *http.Request) bool {
				<-r.Context().Done()
				return true
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			var logs strings.Builder
			withPassword := strings.Replace(e.srv.BaseURL, "http://", "http://user:SECRET-password@", 1)
			c, err := sonderplan.New(withPassword, append([]sonderplan.Option{sonderplan.WithHTTPClient(e.srv.Client()),
				sonderplan.WithToken(token), sonderplan.WithLogger(debugLogger(&logs))}, tc.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			sonderplan.SetSleep(c, e.sleep.sleep)
			e.fake.intercept = tc.answer
			_, _, err = c.ListGroupsPage(t.Context(), &sonderplan.ListGroupsOptions{Name: "Video"})
			if err == nil {
				t.Fatal("got no error")
			}
			if !strings.Contains(logs.String(), "http attempt") {
				t.Errorf("logs hold no attempt record; the check would pass vacuously:\n%s", logs.String())
			}
			for where, s := range map[string]string{"error": err.Error(), "%+v": fmt.Sprintf("%+v", err), "%#v": fmt.Sprintf("%#v", err),
				"logs": logs.String(), "client": fmt.Sprintf("%+v %#v", c, c)} {
				if strings.Contains(s, "SECRET-") {
					t.Errorf("%s holds a secret:\n%s", where, s)
				}
			}
		})
	}
}
