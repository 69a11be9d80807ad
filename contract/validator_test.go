package contract

import (
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/apikit/apikit/internal/benchdata"
)

func newValidator(t testing.TB, opts ...Option) *Validator {
	t.Helper()
	v, err := New(t.Context(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

const reservation = `{"id":456,"person_id":12345,"start_time":"2024-01-15T09:00:00.000Z","end_time":"2024-01-15T17:00:00.000Z","state":"active","group_ids":[1,3,5],"created_at":"2024-01-10T12:00:00.000Z","updated_at":"2024-01-10T12:00:00.000Z"}`

func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json; charset=utf-8"}}
}

func bearer() http.Header { return http.Header{"Authorization": {"Bearer REDACTED"}} }

func TestValidateRoutesAndChecks(t *testing.T) {
	t.Parallel()
	v := newValidator(t, WithBaseURL("doorflow", "http://127.0.0.1:8080/df"))
	cases := []struct {
		name, method, url string
		header            http.Header
		status            int
		body              string
		wantOp            string
		wantSkipped       bool
		want              []string // "in pointer rule"
	}{
		{name: "valid get", method: "GET", url: "https://api.doorflow.com/api/3/group_reservations/456", header: bearer(),
			status: 200, body: reservation, wantOp: "getGroupReservation"},
		{name: "staging base URL", method: "GET", url: "http://127.0.0.1:8080/df/api/3/group_reservations/456", header: bearer(),
			status: 200, body: reservation, wantOp: "getGroupReservation"},
		{name: "unknown host routes by path", method: "GET", url: "https://staging.example/v2/group?fields=id", header: bearer(),
			status: 200, body: `{"data":[{"id":1}],"meta":{"pagination":{"total":1,"count":1,"per_page":10,"current_page":1}}}`, wantOp: "listGroups"},
		{name: "empty list", method: "GET", url: "https://api.doorflow.com/api/3/group_reservations", header: bearer(),
			status: 200, body: `[]`, wantOp: "listGroupReservations"},
		{name: "no credential", method: "GET", url: "https://api.doorflow.com/api/3/group_reservations/456", header: http.Header{},
			status: 200, body: reservation, wantOp: "getGroupReservation", want: []string{"request.header Authorization security"}},
		{name: "bad path param", method: "GET", url: "https://api.doorflow.com/api/3/group_reservations/abc", header: bearer(),
			wantOp: "getGroupReservation", want: []string{"request.path id type"}},
		{name: "undocumented status", method: "GET", url: "https://api.sonderplan.com/v2/group", header: bearer(),
			status: 404, body: `{}`, wantOp: "listGroups", want: []string{"response.status  status"}},
		{name: "wrong content type", method: "GET", url: "https://api.sonderplan.com/v2/group", header: bearer(),
			status: 401, body: `<html></html>`, wantOp: "listGroups", want: []string{"response.header Content-Type content-type"}},
		{name: "unknown route skipped", method: "GET", url: "https://api.doorflow.com/api/3/people", wantSkipped: true},
		{name: "other method skipped", method: "DELETE", url: "https://api.doorflow.com/api/3/group_reservations/1", wantSkipped: true},
		{name: "HEAD skipped", method: "HEAD", url: "https://api.doorflow.com/api/3/group_reservations/1", header: bearer(), status: 200, wantSkipped: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := jsonHeader()
			if strings.HasPrefix(tc.body, "<") {
				h = http.Header{"Content-Type": {"text/html"}}
			}
			ex := &Exchange{Source: "t", Index: 0, Method: tc.method, URL: mustURL(t, tc.url), RequestHeader: tc.header,
				Status: tc.status, ResponseHeader: h, ResponseBody: []byte(tc.body)}
			res := v.Validate(t.Context(), ex)
			if res.OperationID != tc.wantOp || res.Skipped != tc.wantSkipped {
				t.Fatalf("got operation %q skipped=%v (%s), want %q skipped=%v", res.OperationID, res.Skipped, res.SkipReason, tc.wantOp, tc.wantSkipped)
			}
			var got []string
			for _, vi := range res.Violations {
				got = append(got, vi.In+" "+vi.Pointer+" "+vi.Rule)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got violations\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if res.Valid != (len(tc.want) == 0) {
				t.Errorf("got valid=%v with %d violations", res.Valid, len(res.Violations))
			}
		})
	}
}

func TestStrictMode(t *testing.T) {
	t.Parallel()
	body := strings.Replace(reservation, `"id":456`, `"id":456,"colour":"blue"`, 1)
	ex := &Exchange{Source: "t", Index: 0, Method: "GET", URL: mustURL(t, "https://api.doorflow.com/api/3/group_reservations/456"),
		RequestHeader: bearer(), Status: 200, ResponseHeader: jsonHeader(), ResponseBody: []byte(body)}
	lax := newValidator(t).Validate(t.Context(), ex)
	if !lax.Valid || len(lax.Warnings) != 1 || lax.Warnings[0].Pointer != "/colour" {
		t.Errorf("default mode: got valid=%v warnings=%v, want valid with one warning at /colour", lax.Valid, lax.Warnings)
	}
	strict := newValidator(t, WithStrict(true))
	res := strict.Validate(t.Context(), ex)
	if res.Valid || len(res.Violations) != 1 || res.Violations[0].Rule != "additionalProperties" {
		t.Errorf("strict mode: got valid=%v violations=%v, want one additionalProperties violation", res.Valid, res.Violations)
	}
	other := &Exchange{Source: "t", Index: 1, Method: "GET", URL: mustURL(t, "https://api.doorflow.com/api/3/people")}
	if res := strict.Validate(t.Context(), other); res.Skipped || res.Valid {
		t.Errorf("strict mode: an unmatched route must be a violation, got skipped=%v valid=%v", res.Skipped, res.Valid)
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	body := `{"data":[{"id":1,"members":[{"primary_email":"SECRET-not-an-email","first_name":7}]}],"meta":{"pagination":{"total":1,"count":1,"per_page":10,"current_page":1}}}`
	ex := &Exchange{Source: "t", Index: 0, Method: "GET", URL: mustURL(t, "https://api.sonderplan.com/v2/group?access_token=SECRET-token"),
		RequestHeader: http.Header{"Authorization": {"Bearer SECRET-bearer"}}, Status: 200, ResponseHeader: jsonHeader(), ResponseBody: []byte(body)}
	res := v.Validate(t.Context(), ex)
	if len(res.Violations) != 2 {
		t.Fatalf("got %d violations, want 2 (email format, first_name type): %v", len(res.Violations), res.Violations)
	}
	all := res.URL
	for _, vi := range res.Violations {
		all += vi.Error() + vi.Value
	}
	if strings.Contains(all, "SECRET-") {
		t.Errorf("a secret reached the output: %s", all)
	}
}

// TestSharedBaseURL: the mock and a proxy serve both vendors on one host; each path routes to its own vendor.
func TestSharedBaseURL(t *testing.T) {
	t.Parallel()
	base := "http://127.0.0.1:8080"
	v := newValidator(t, WithBaseURL("doorflow", base), WithBaseURL("sonderplan", base))
	for _, tc := range []struct{ url, want string }{
		{base + "/api/3/group_reservations/456", "getGroupReservation"},
		{base + "/v2/group", "listGroups"},
	} {
		res := v.ValidateRequest(t.Context(), &Exchange{Method: "GET", URL: mustURL(t, tc.url), RequestHeader: bearer()})
		if res.OperationID != tc.want {
			t.Errorf("%s: got operation %q (skipped=%v %s), want %s", tc.url, res.OperationID, res.Skipped, res.SkipReason, tc.want)
		}
	}
}

// TestValidateLargeBodyInPlace: a large valid list is checked where it lies, by the compiled path: nothing in
// Validate copies the body (no clone, no string conversion) or hands it to kin-openapi (about 10x the body in
// allocations). It does not run in parallel: it reads process-wide allocation counters.
func TestValidateLargeBodyInPlace(t *testing.T) {
	v := newValidator(t)
	body := benchdata.ReservationList(45000) // 10 MB
	ex := &Exchange{Source: "large.har", Index: 0, Method: "GET", URL: mustURL(t, "https://api.doorflow.com/api/3/group_reservations?skip_pagination=true"),
		RequestHeader: bearer(), Status: 200, ResponseHeader: jsonHeader(), ResponseBody: body}
	if res := v.Validate(t.Context(), ex); !res.Valid || len(res.Warnings) > 0 { // warm the walker pool
		t.Fatalf("got %+v, want a clean pass", res)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res := v.Validate(t.Context(), ex)
	runtime.ReadMemStats(&after)
	if !res.Valid || res.OperationID != "listGroupReservations" {
		t.Fatalf("got %+v, want a clean pass of listGroupReservations", res)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<10 {
		t.Errorf("validating a %d-byte body allocated %d bytes, want under 64 KiB (no copy, no kin-openapi)", len(body), alloc)
	}
}
