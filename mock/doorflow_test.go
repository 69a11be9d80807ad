package mock

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/gen/doorflow"
)

// listedIDs is what a DoorFlow list holds without filters, computed from the data set: the reservations that
// have not ended by now, by id.
func listedIDs(s *Server) []int64 {
	var ids []int64
	for _, r := range s.Dataset().GroupReservations {
		if !r.EndTime.Before(s.Now()) {
			ids = append(ids, r.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func reservationIDs(rs []doorflow.GroupReservation) []int64 {
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

func TestDoorFlowList(t *testing.T) {
	t.Parallel()
	s := newServer(t, WithSeed(3), WithCount(150), WithLocation(time.FixedZone("UTC+2", 2*60*60)))
	v := newValidator(t, contract.WithTimeZone(s.loc)) // the harness reads since in the mock's zone
	all := listedIDs(s)
	if len(all) < 20 {
		t.Fatalf("got %d listed reservations, want at least 20 for the paging cases", len(all))
	}
	// A listed reservation to put the since boundary on, and its neighbours in updated_at order.
	var pivot doorflow.GroupReservation
	for _, r := range s.Dataset().GroupReservations {
		if r.ID == all[len(all)/2] {
			pivot = r
		}
	}
	updatedSince := func(since time.Time) []int64 {
		var ids []int64
		for _, r := range s.Dataset().GroupReservations {
			if !r.EndTime.Before(s.Now()) && !r.UpdatedAt.Before(since) {
				ids = append(ids, r.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	utc := func(t time.Time) string { return url.QueryEscape(t.UTC().Format("2006-01-02T15:04:05.000Z07:00")) }
	local := func(t time.Time) string { return t.In(s.loc).Format("2006-01-02T15:04:05.000") }

	cases := []struct {
		name, query string
		status      int
		want        []int64  // ids, for 200
		wantErr     []string // words the 400 description holds
		wantReq     []string // harness findings on the request
		total       int      // the Total header of a 200 when paging cuts a since query short (else derived)
	}{
		{name: "defaults: page 1 of 500", query: "", status: 200, want: all},
		{name: "page 2 of 7", query: "?per_page=7&page=2", status: 200, want: all[7:14]},
		{name: "short last page", query: fmt.Sprintf("?per_page=7&page=%d", (len(all)+6)/7), status: 200, want: all[(len(all)-1)/7*7:]},
		{name: "past the last page", query: "?per_page=7&page=1000", status: 200, want: []int64{}},
		{name: "huge page does not overflow", query: "?per_page=9223372036854775807&page=9223372036854775807", status: 200, want: []int64{}},
		{name: "skip_pagination ignores page and per_page", query: "?skip_pagination=true&per_page=3&page=4", status: 200, want: all},
		{name: "skip_pagination=false pages", query: "?skip_pagination=false&per_page=3", status: 200, want: all[:3]},
		{name: "since_utc on updated_at is inclusive", query: "?since_utc=" + utc(pivot.UpdatedAt), status: 200, want: updatedSince(pivot.UpdatedAt)},
		{name: "since_utc a millisecond later excludes it", query: "?since_utc=" + utc(pivot.UpdatedAt.Add(time.Millisecond)), status: 200, want: updatedSince(pivot.UpdatedAt.Add(time.Millisecond))},
		// since_utc is an RFC 3339 date-time (DoorFlow's published spec): a value without its zone is refused, as a
		// server enforcing that format refuses it.
		{name: "since_utc without zone", query: "?since_utc=" + pivot.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000"), status: 400, wantErr: []string{`"since_utc"`}, wantReq: []string{"request.query since_utc format"}},
		{name: "since is local time", query: "?since=" + local(pivot.UpdatedAt), status: 200, want: updatedSince(pivot.UpdatedAt)},
		{name: "since local a millisecond later", query: "?since=" + local(pivot.UpdatedAt.Add(time.Millisecond)), status: 200, want: updatedSince(pivot.UpdatedAt.Add(time.Millisecond))},
		{name: "since with paging", query: "?per_page=2&since_utc=" + utc(pivot.UpdatedAt), status: 200, want: updatedSince(pivot.UpdatedAt)[:2], total: len(updatedSince(pivot.UpdatedAt))},
		{name: "since in the future", query: "?since_utc=2999-01-01T00:00:00Z", status: 200, want: []int64{}},
		// Nothing says since and since_utc exclude each other: both filters apply (the later instant wins).
		{name: "since and since_utc together, since later", query: "?since=" + local(pivot.UpdatedAt) + "&since_utc=2000-01-01T00:00:00Z", status: 200, want: updatedSince(pivot.UpdatedAt)},
		{name: "since and since_utc together, since_utc later", query: "?since=2000-01-01T00:00:00&since_utc=" + utc(pivot.UpdatedAt.Add(time.Millisecond)), status: 200, want: updatedSince(pivot.UpdatedAt.Add(time.Millisecond))},
		{name: "since not a time", query: "?since=yesterday", status: 400, wantErr: []string{`"since"`, "yesterday"}},
		{name: "since_utc not a time", query: "?since_utc=2026-13-01", status: 400, wantErr: []string{`"since_utc"`}, wantReq: []string{"request.query since_utc format"}},
		{name: "page not an integer", query: "?page=abc", status: 400, wantErr: []string{`"page"`, "abc"}, wantReq: []string{"request.query page type"}},
		{name: "page zero", query: "?page=0", status: 400, wantErr: []string{`"page"`, "at least 1"}},
		{name: "per_page negative", query: "?per_page=-5", status: 400, wantErr: []string{`"per_page"`, "at least 1"}},
		{name: "per_page empty", query: "?per_page=", status: 400, wantErr: []string{`"per_page"`, "empty"}, wantReq: []string{"request.query per_page allowEmptyValue"}},
		{name: "skip_pagination not a boolean", query: "?skip_pagination=yes", status: 400, wantErr: []string{`"skip_pagination"`}, wantReq: []string{"request.query skip_pagination type"}},
		{name: "two problems, both named", query: "?page=x&per_page=y", status: 400, wantErr: []string{`"page"`, `"per_page"`}, wantReq: []string{"request.query page type", "request.query per_page type"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := get(t, s, v, "/api/3/group_reservations"+tc.query, DefaultToken)
			if rep.status != tc.status {
				t.Fatalf("got status %d, want %d: %s", rep.status, tc.status, rep.body)
			}
			if got := violationKeys(rep.reqViolations); !slices.Equal(got, tc.wantReq) {
				t.Errorf("harness on the request: got %q, want %q", got, tc.wantReq)
			}
			if tc.status != http.StatusOK {
				e := decode[doorflow.Error](t, rep.body)
				if e.Error == nil || *e.Error != "invalid_request" || e.ErrorDescription == nil {
					t.Fatalf("got %s, want an invalid_request error", rep.body)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(*e.ErrorDescription, w) {
						t.Errorf("got error_description %q, want it to hold %s", *e.ErrorDescription, w)
					}
				}
				return
			}
			got := reservationIDs(decode[[]doorflow.GroupReservation](t, rep.body))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got ids %v, want %v", got, tc.want)
			}
			// Total counts the query's matches over all pages; Per-Page is the page size used (none without paging).
			q, _ := url.ParseQuery(strings.TrimPrefix(tc.query, "?"))
			total := len(all)
			switch {
			case tc.total != 0:
				total = tc.total
			case q.Get("since") != "" || q.Get("since_utc") != "":
				total = len(tc.want) // one page holds every match
			}
			if ht := rep.header.Get("Total"); ht != fmt.Sprint(total) {
				t.Errorf("Total: %q, want %d", ht, total)
			}
			wantPer := cmp.Or(q.Get("per_page"), "500")
			if q.Get("skip_pagination") == "true" {
				wantPer = ""
			}
			if hp := rep.header.Get("Per-Page"); hp != wantPer {
				t.Errorf("Per-Page: %q, want %q", hp, wantPer)
			}
		})
	}
}

// TestDoorFlowPagingWalk walks the list as a client does, until a short page, and gets the same reservations
// as skip_pagination, each once, in id order.
func TestDoorFlowPagingWalk(t *testing.T) {
	t.Parallel()
	s := newServer(t, WithSeed(5), WithCount(120))
	v := newValidator(t)
	whole := decode[[]doorflow.GroupReservation](t, get(t, s, v, "/api/3/group_reservations?skip_pagination=true", DefaultToken).body)
	for _, per := range []int{1, 7, 50, len(whole), len(whole) + 1} {
		t.Run(fmt.Sprint("per_page=", per), func(t *testing.T) {
			t.Parallel()
			var walked []doorflow.GroupReservation
			for page := 1; ; page++ {
				rep := get(t, s, v, fmt.Sprintf("/api/3/group_reservations?page=%d&per_page=%d", page, per), DefaultToken)
				if rep.status != http.StatusOK {
					t.Fatalf("page %d: got status %d", page, rep.status)
				}
				items := decode[[]doorflow.GroupReservation](t, rep.body)
				walked = append(walked, items...)
				if len(items) < per {
					break
				}
				if page > len(whole)+1 {
					t.Fatal("the walk does not end")
				}
			}
			if got, want := reservationIDs(walked), reservationIDs(whole); !slices.Equal(got, want) {
				t.Errorf("got ids %v, want %v", got, want)
			}
		})
	}
	if !slices.IsSortedFunc(whole, func(a, b doorflow.GroupReservation) int { return cmp.Compare(a.ID, b.ID) }) {
		t.Error("the list is not ordered by id")
	}
	states := map[doorflow.GroupReservationState]int{}
	for _, r := range whole {
		states[r.State]++
		if r.EndTime.Before(s.Now()) {
			t.Errorf("reservation %d ended at %s, before now (%s): the list holds present and future ones", r.ID, r.EndTime, s.Now())
		}
	}
	for _, st := range []doorflow.GroupReservationState{doorflow.StatePending, doorflow.StateActive, doorflow.StateDeactivated} {
		if states[st] == 0 {
			t.Errorf("the list holds no %s reservation", st)
		}
	}
}

func TestDoorFlowGet(t *testing.T) {
	t.Parallel()
	s := newServer(t, WithSeed(9), WithCount(60))
	v := newValidator(t)
	var ended doorflow.GroupReservation // a completed reservation: not listed, still gettable
	for _, r := range s.Dataset().GroupReservations {
		if r.EndTime.Before(s.Now()) {
			ended = r
			break
		}
	}
	if ended.ID == 0 {
		t.Fatal("the data set holds no reservation that has ended")
	}
	first := s.Dataset().GroupReservations[0]
	cases := []struct {
		name, path string
		status     int
		want       *doorflow.GroupReservation
		wantReq    []string
	}{
		{name: "listed reservation", path: fmt.Sprint(first.ID), status: 200, want: &first},
		{name: "ended reservation", path: fmt.Sprint(ended.ID), status: 200, want: &ended},
		{name: "unknown id", path: "1", status: 404},
		{name: "negative id", path: "-7", status: 404},
		{name: "id not an integer", path: "abc", status: 400, wantReq: []string{"request.path id type"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := get(t, s, v, "/api/3/group_reservations/"+tc.path, DefaultToken)
			if rep.status != tc.status {
				t.Fatalf("got status %d, want %d: %s", rep.status, tc.status, rep.body)
			}
			if got := violationKeys(rep.reqViolations); !slices.Equal(got, tc.wantReq) {
				t.Errorf("harness on the request: got %q, want %q", got, tc.wantReq)
			}
			switch tc.status {
			case http.StatusOK:
				got := decode[doorflow.GroupReservation](t, rep.body)
				if !sameReservation(got, *tc.want) {
					t.Errorf("got %+v, want %+v", got, *tc.want)
				}
				for _, key := range []string{"start_time", "end_time", "created_at", "updated_at"} {
					if !doorflowStamp.MatchString(string(rep.body)[strings.Index(string(rep.body), `"`+key+`":`)+len(key)+3:]) {
						t.Errorf("got %s, want %s in DoorFlow's form 2024-01-15T09:00:00.000Z", rep.body, key)
					}
				}
			case http.StatusNotFound:
				e := decode[doorflow.Error](t, rep.body)
				if e.Error == nil || *e.Error != "not_found" {
					t.Errorf("got %s, want error not_found", rep.body)
				}
			case http.StatusBadRequest:
				e := decode[doorflow.Error](t, rep.body)
				if e.ErrorDescription == nil || !strings.Contains(*e.ErrorDescription, `"id"`) {
					t.Errorf("got %s, want a description naming \"id\"", rep.body)
				}
			}
		})
	}
}

var doorflowStamp = regexp.MustCompile(`^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"`)

func sameReservation(a, b doorflow.GroupReservation) bool {
	return a.ID == b.ID && a.PersonID == b.PersonID && a.State == b.State && slices.Equal(a.GroupIDs, b.GroupIDs) &&
		a.StartTime.Equal(b.StartTime) && a.EndTime.Equal(b.EndTime) && a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}
