package contract

import (
	"net/http"
	"net/url"
	"testing"
)

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
