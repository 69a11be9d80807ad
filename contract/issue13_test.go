package contract

// Issue 13: verdicts you can trust on real captures. Each test here failed before the fix (a silent pass, or
// --strict failing other traffic).

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// strictExchange is a whole recorded exchange of getGroupReservation or listGroupReservations, as a HAR entry
// or the proxy gives it.
func strictExchange(path, body string, ct ...string) *Exchange {
	if len(ct) == 0 {
		ct = []string{"application/json"}
	}
	u, _ := url.Parse("https://api.doorflow.com" + path)
	return &Exchange{Source: "x.har", Index: 0, Method: http.MethodGet, URL: u, RequestHeader: bearer(), Status: 200,
		ResponseHeader: http.Header{"Content-Type": ct}, ResponseBody: []byte(body)}
}

// findViolation returns the violations of res (warnings too, with warn) with rule at pointer.
func findViolation(vs []Violation, rule, pointer string) *Violation {
	for i := range vs {
		if vs[i].Rule == rule && vs[i].Pointer == pointer {
			return &vs[i]
		}
	}
	return nil
}

// Each case passed silently before issue 13 (exit 0 in a HAR and through the proxy).
func TestStricterThanKin(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	strict := newValidator(t, WithStrict(true))
	list := "[" + reservation + "]"

	t.Run("data after the JSON value", func(t *testing.T) {
		t.Parallel()
		for _, body := range []string{list + "GARBAGE", list + " [{}]", reservation + ` {}`} {
			path := "/api/3/group_reservations"
			if !strings.HasPrefix(body, "[") {
				path += "/456"
			}
			res := v.Validate(t.Context(), strictExchange(path, body))
			vio := findViolation(res.Violations, "json", "")
			if res.Valid || vio == nil || vio.Side != SideResponse || !strings.Contains(vio.Message, "data after its JSON value") {
				t.Errorf("%q: valid %v, violations %+v; want the trailing data reported", body, res.Valid, res.Violations)
			}
		}
	})

	t.Run("int64 bounds exactly, quoted as sent", func(t *testing.T) {
		t.Parallel()
		for _, id := range []string{"9223372036854775808", "9223372036854776831", "-9223372036854775809", "18446744073709551616"} {
			body := strings.Replace(reservation, `"id":456`, `"id":`+id, 1)
			// The compiled path, and kin's (which a duplicate name or trailing data sends the body to).
			for _, b := range []string{body, strings.Replace(body, `"state":"active"`, `"state":"x","state":"active"`, 1), body + " x"} {
				res := v.Validate(t.Context(), strictExchange("/api/3/group_reservations/456", b))
				vio := findViolation(res.Violations, "format", "/id")
				if vio == nil || vio.Value != id {
					t.Errorf("%s: violations %+v; want a format violation at /id quoting %s", b, res.Violations, id)
				}
			}
		}
		res := v.Validate(t.Context(), strictExchange("/api/3/group_reservations/456", strings.Replace(reservation, `"id":456`, `"id":9223372036854775807`, 1)))
		if !res.Valid {
			t.Errorf("max int64: %+v, want valid", res.Violations)
		}
	})

	t.Run("duplicate key", func(t *testing.T) {
		t.Parallel()
		body := "[" + strings.Replace(reservation, `"state":"active"`, `"state":"bogus","state":"active"`, 1) + "]"
		res := v.Validate(t.Context(), strictExchange("/api/3/group_reservations", body))
		w := findViolation(res.Warnings, "duplicate-key", "/0/state")
		if !res.Valid || w == nil || w.Severity != SeverityWarning {
			t.Errorf("valid %v, warnings %+v; want a duplicate-key warning at /0/state", res.Valid, res.Warnings)
		}
		res = strict.Validate(t.Context(), strictExchange("/api/3/group_reservations", body))
		if res.Valid || findViolation(res.Violations, "duplicate-key", "/0/state") == nil {
			t.Errorf("strict: valid %v, violations %+v; want a duplicate-key violation", res.Valid, res.Violations)
		}
	})

	t.Run("two different Content-Type headers", func(t *testing.T) {
		t.Parallel()
		res := v.Validate(t.Context(), strictExchange("/api/3/group_reservations/456", reservation, "application/json", "text/html"))
		vio := findViolation(res.Violations, "content-type", "Content-Type")
		if res.Valid || vio == nil || vio.In != InResponseHeader {
			t.Errorf("valid %v, violations %+v; want a response.header Content-Type violation", res.Valid, res.Violations)
		}
		res = v.Validate(t.Context(), strictExchange("/api/3/group_reservations/456", reservation, "application/json", "application/json"))
		if !res.Valid {
			t.Errorf("the same Content-Type twice: %+v, want valid", res.Violations)
		}
	})
}

// TestStrictScope: under --strict an unmatched exchange of the vendors (their host, no host, or a path like the
// specs' on another host, such as the mock's) is drift; a page, an asset or another API elsewhere is other
// traffic, never a violation, in either mode.
func TestStrictScope(t *testing.T) {
	t.Parallel()
	strict := newValidator(t, WithStrict(true))
	lax := newValidator(t)
	for _, tc := range []struct {
		url   string
		drift bool
	}{
		{"https://api.doorflow.com/favicon.ico", true},   // a vendor's host
		{"/api/3/doors", true},                           // no host
		{"http://127.0.0.1:8080/api/3/doors", true},      // the mock, without --base-url: a path like the specs'
		{"http://127.0.0.1:8080/v2/people", true},        // the same for Sonderplan
		{"http://127.0.0.1:8090/", false},                // the page
		{"http://127.0.0.1:8090/favicon.svg", false},     // its icon
		{"https://cdn.example.com/static/app.js", false}, // an asset
		{"https://maps.example.com/geocode?q=x", false},  // another API
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		ex := &Exchange{Source: "x.har", Index: 0, Method: http.MethodGet, URL: u, RequestHeader: bearer(), Status: 200,
			ResponseHeader: http.Header{"Content-Type": {"text/html"}}, ResponseBody: []byte("<html></html>")}
		res := strict.Validate(t.Context(), ex)
		if tc.drift != !res.Valid || tc.drift == res.OtherTraffic {
			t.Errorf("strict %s: valid %v, other traffic %v, violations %+v; want drift %v", tc.url, res.Valid, res.OtherTraffic, res.Violations, tc.drift)
		}
		res = lax.Validate(t.Context(), ex)
		if !res.Valid || !res.Skipped || res.OtherTraffic == tc.drift {
			t.Errorf("%s: valid %v, skipped %v, other traffic %v; want skipped, other traffic %v", tc.url, res.Valid, res.Skipped, res.OtherTraffic, !tc.drift)
		}
	}
}
