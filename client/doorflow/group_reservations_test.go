package doorflow_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikit/apikit/client/doorflow"
	gen "github.com/apikit/apikit/gen/doorflow"
	"github.com/apikit/apikit/internal/clienttest"
)

func TestListGroupReservations(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		items       int
		total       string // the fake's Total header (fakeDoorFlow.total)
		opts        *doorflow.ListOptions
		wantIDs     []int64
		wantQueries []string // the raw query of each request
	}{
		{name: "three pages", items: 5, opts: &doorflow.ListOptions{PerPage: 2},
			wantIDs:     []int64{1, 2, 3, 4, 5},
			wantQueries: []string{"page=1&per_page=2", "page=2&per_page=2", "page=3&per_page=2"}},
		{name: "full last page needs one more request", items: 4, opts: &doorflow.ListOptions{PerPage: 2},
			wantIDs:     []int64{1, 2, 3, 4},
			wantQueries: []string{"page=1&per_page=2", "page=2&per_page=2", "page=3&per_page=2"}},
		{name: "full last page with Total: one request fewer", items: 4, total: "count", opts: &doorflow.ListOptions{PerPage: 2},
			wantIDs:     []int64{1, 2, 3, 4},
			wantQueries: []string{"page=1&per_page=2", "page=2&per_page=2"}},
		{name: "short last page with Total", items: 5, total: "count", opts: &doorflow.ListOptions{PerPage: 2},
			wantIDs:     []int64{1, 2, 3, 4, 5},
			wantQueries: []string{"page=1&per_page=2", "page=2&per_page=2", "page=3&per_page=2"}},
		{name: "from page 2 with Total", items: 4, total: "count", opts: &doorflow.ListOptions{Page: 2, PerPage: 2},
			wantIDs:     []int64{3, 4},
			wantQueries: []string{"page=2&per_page=2"}},
		{name: "Total with since counts the matches", items: 5, total: "count",
			opts:        &doorflow.ListOptions{UpdatedSince: t0.Add(2 * time.Millisecond), PerPage: 2},
			wantIDs:     []int64{2, 3, 4, 5},
			wantQueries: []string{"page=1&per_page=2&since_utc=2024-01-10T12%3A00%3A00.002Z", "page=2&per_page=2&since_utc=2024-01-10T12%3A00%3A00.002Z"}},
		{name: "a Total the first page reaches ends the walk", items: 4, total: "1", opts: &doorflow.ListOptions{PerPage: 2},
			wantIDs:     []int64{1, 2},
			wantQueries: []string{"page=1&per_page=2"}},
		{name: "server default page size sent explicitly", items: 3, opts: nil,
			wantIDs:     []int64{1, 2, 3},
			wantQueries: []string{"page=1&per_page=500"}},
		{name: "from page 2", items: 5, opts: &doorflow.ListOptions{Page: 2, PerPage: 2},
			wantIDs:     []int64{3, 4, 5},
			wantQueries: []string{"page=2&per_page=2", "page=3&per_page=2"}},
		{name: "skip_pagination is one request", items: 5, opts: &doorflow.ListOptions{SkipPagination: true, PerPage: 2},
			wantIDs:     []int64{1, 2, 3, 4, 5},
			wantQueries: []string{"skip_pagination=true"}},
		{name: "updated since, in UTC with milliseconds", items: 5,
			opts:    &doorflow.ListOptions{UpdatedSince: t0.Add(4 * time.Millisecond).In(time.FixedZone("CET", 3600)), PerPage: 2},
			wantIDs: []int64{4, 5},
			wantQueries: []string{"page=1&per_page=2&since_utc=2024-01-10T12%3A00%3A00.004Z",
				"page=2&per_page=2&since_utc=2024-01-10T12%3A00%3A00.004Z"}},
		{name: "empty", items: 0, opts: &doorflow.ListOptions{PerPage: 2},
			wantIDs:     []int64{},
			wantQueries: []string{"page=1&per_page=2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.fake.set(reservations(tc.items)...)
			e.fake.total = tc.total
			var got []gen.GroupReservation
			for r, err := range e.c.ListGroupReservations(t.Context(), tc.opts) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
			if diff := cmp.Diff(tc.wantIDs, ids(got)); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantQueries, encoded(e.fake.Queries())); diff != "" {
				t.Errorf("queries (-want +got):\n%s", diff)
			}
			if len(got) > 0 && !got[0].UpdatedAt.Equal(reservation(got[0].ID, time.Duration(got[0].ID)*time.Millisecond).UpdatedAt) {
				t.Errorf("got updated_at %v, want the served instant", got[0].UpdatedAt)
			}
		})
	}
}

func encoded(qs []url.Values) []string {
	out := []string{}
	for _, q := range qs {
		out = append(out, q.Encode())
	}
	return out
}

func TestListGroupReservationsEarlyStop(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		take         int
		wantRequests int
	}{
		{"inside the first page", 1, 1},
		{"at the end of the first page", 2, 1},
		{"inside the second page", 3, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.fake.set(reservations(6)...)
			n := 0
			for _, err := range e.c.ListGroupReservations(t.Context(), &doorflow.ListOptions{PerPage: 2}) {
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

// TestListGroupReservationsPageTotal: Response exposes the Total header, and a malformed one is ignored (the
// harness reports it; the page still decodes).
func TestListGroupReservationsPageTotal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		total     string
		wantTotal int
		wantHas   bool
		wantNext  int
	}{
		{"", 0, false, 2},
		{"count", 3, true, 2},
		{"2", 2, true, 0},
	} {
		e := setup(t)
		e.fake.set(reservations(3)...)
		e.fake.total = tc.total
		_, resp, err := e.c.ListGroupReservationsPage(t.Context(), &doorflow.ListOptions{PerPage: 2})
		if err != nil {
			t.Fatalf("Total %q: %v", tc.total, err)
		}
		if resp.Total != tc.wantTotal || resp.HasTotal != tc.wantHas || resp.NextPage != tc.wantNext {
			t.Errorf("Total %q: got Total %d, HasTotal %v, NextPage %d; want %d, %v, %d", tc.total, resp.Total, resp.HasTotal,
				resp.NextPage, tc.wantTotal, tc.wantHas, tc.wantNext)
		}
	}
}

func TestListGroupReservationsPage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		opts         *doorflow.ListOptions
		wantIDs      []int64
		wantNextPage int
	}{
		{"full page", &doorflow.ListOptions{PerPage: 2}, []int64{1, 2}, 2},
		{"short page", &doorflow.ListOptions{Page: 2, PerPage: 2}, []int64{3}, 0},
		{"skip_pagination", &doorflow.ListOptions{SkipPagination: true}, []int64{1, 2, 3}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.fake.set(reservations(3)...)
			items, resp, err := e.c.ListGroupReservationsPage(t.Context(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantIDs, ids(items)); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
			if resp.NextPage != tc.wantNextPage || resp.StatusCode != http.StatusOK {
				t.Errorf("got status %d, next page %d, want 200 and %d", resp.StatusCode, resp.NextPage, tc.wantNextPage)
			}
		})
	}
}

func TestListGroupReservationsPageRejectsNegativePaging(t *testing.T) {
	t.Parallel()
	e := setup(t)
	if _, _, err := e.c.ListGroupReservationsPage(t.Context(), &doorflow.ListOptions{Page: -1}); err == nil {
		t.Error("got no error for page -1")
	}
	if n := e.srv.Requests(); n != 0 {
		t.Errorf("got %d requests, want 0", n)
	}
}

func TestListGroupReservationsStopsOnRepeatedPage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.fake.set(reservations(2)...)
	e.fake.intercept = func(n int, w http.ResponseWriter, r *http.Request) bool {
		clienttest.JSON(t, w, http.StatusOK, reservations(2)) // ignores page
		return true
	}
	var err error
	for _, err = range e.c.ListGroupReservations(t.Context(), &doorflow.ListOptions{PerPage: 2}) {
		if err != nil {
			break
		}
	}
	if err == nil || e.srv.Requests() != 2 {
		t.Errorf("got error %v after %d requests, want an error after 2", err, e.srv.Requests())
	}
}

func TestGetGroupReservation(t *testing.T) {
	t.Parallel()
	want := reservation(456, 0)
	cases := []struct {
		name       string
		id         int64
		fail       int // status the server answers instead, 0 for none
		want       *gen.GroupReservation
		wantIs     error
		wantStatus int
		wantCode   string
	}{
		{name: "found", id: 456, want: &want},
		{name: "404 is ErrNotFound", id: 7, wantIs: doorflow.ErrNotFound, wantStatus: 404, wantCode: "not_found"},
		{name: "401 is ErrUnauthorized", id: 456, fail: 401, wantIs: doorflow.ErrUnauthorized, wantStatus: 401, wantCode: "unauthorized"},
		{name: "403 is ErrForbidden", id: 456, fail: 403, wantIs: doorflow.ErrForbidden, wantStatus: 403, wantCode: "forbidden"},
		{name: "500 is an APIError, no sentinel", id: 456, fail: 500, wantStatus: 500, wantCode: "internal_server_error"},
	}
	codes := map[int]string{401: "unauthorized", 403: "forbidden", 500: "internal_server_error"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.fake.set(want)
			if tc.fail != 0 {
				e.fake.intercept = func(_ int, w http.ResponseWriter, _ *http.Request) bool {
					apiError(t, w, tc.fail, codes[tc.fail], "described")
					return true
				}
			}
			got, err := e.c.GetGroupReservation(t.Context(), tc.id)
			if tc.wantStatus == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("reservation (-want +got):\n%s", diff)
				}
				return
			}
			var apiErr *doorflow.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("got %v (%T), want a *doorflow.APIError", err, err)
			}
			if apiErr.StatusCode != tc.wantStatus || apiErr.Code != tc.wantCode || apiErr.Operation != "getGroupReservation" ||
				apiErr.RequestID == "" || apiErr.Method != http.MethodGet || apiErr.URL == "" {
				t.Errorf("got %#v, want status %d, code %q, operation, method, URL and request id", apiErr, tc.wantStatus, tc.wantCode)
			}
			for _, s := range []error{doorflow.ErrNotFound, doorflow.ErrUnauthorized, doorflow.ErrForbidden, doorflow.ErrRateLimited} {
				if got, want := errors.Is(err, s), s == tc.wantIs; got != want {
					t.Errorf("errors.Is(err, %v) = %v, want %v", s, got, want)
				}
			}
			if n := e.srv.Requests(); n != 1 {
				t.Errorf("got %d requests, want 1 (%d is not retried)", n, tc.wantStatus)
			}
		})
	}
}

func TestContextCanceledMidIteration(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.fake.set(reservations(6)...)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var got []int64
	var err error
	for r, err2 := range e.c.ListGroupReservations(ctx, &doorflow.ListOptions{PerPage: 2}) {
		if err = err2; err != nil {
			break
		}
		got = append(got, r.ID)
		cancel() // the caller gives up after the first reservation; the page in hand is still delivered
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want context.Canceled", err)
	}
	if diff := cmp.Diff([]int64{1, 2}, got); diff != "" {
		t.Errorf("IDs (-want +got):\n%s", diff)
	}
	if n := e.srv.Requests(); n != 1 {
		t.Errorf("got %d requests, want 1: no request after the cancellation", n)
	}
}

func TestTimeoutOnSlowServer(t *testing.T) {
	t.Parallel()
	e := setup(t, doorflow.WithTimeout(300*time.Millisecond), doorflow.WithMaxAttempts(2)) // long enough for each attempt to reach the server under -race on a loaded machine
	e.fake.intercept = func(_ int, _ http.ResponseWriter, r *http.Request) bool {
		<-r.Context().Done() // answer never: the client's attempt timeout closes the connection
		return true
	}
	_, err := e.c.GetGroupReservation(t.Context(), 456)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got error %v, want one matching context.DeadlineExceeded", err)
	}
	if n := e.srv.Requests(); n != 2 {
		t.Errorf("got %d requests, want 2 (a timed-out attempt is retried, up to WithMaxAttempts)", n)
	}
}

// TestMalformedPagingHeadersAreIgnored: the generated parser fails a page on a header it cannot bind; the client
// drops a malformed Total or Per-Page (the harness reports it) and decodes the page.
func TestMalformedPagingHeadersAreIgnored(t *testing.T) {
	t.Parallel()
	for _, h := range []http.Header{{"Total": {"abc"}}, {"Per-Page": {"1.5"}}, {"Total": {"-1"}, "Per-Page": {""}}} {
		h.Set("Content-Type", "application/json")
		rsp := &http.Response{StatusCode: http.StatusOK, Header: h, Body: io.NopCloser(strings.NewReader(`[]`))}
		total, has, err := doorflow.ParseListPage(rsp)
		if err != nil || has || total != 0 {
			t.Errorf("%v: got %d, %v, %v; want no Total and no error", h, total, has, err)
		}
		if len(rsp.Header.Values("Total"))+len(rsp.Header.Values("Per-Page")) == 0 {
			t.Errorf("%v: the caller's headers were changed", h)
		}
	}
}
