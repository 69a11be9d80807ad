package contract

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
		for _, id := range []string{"9223372036854775808", "9223372036854776831", "-9223372036854775809"} {
			res := v.Validate(t.Context(), strictExchange("/api/3/group_reservations/456", strings.Replace(reservation, `"id":456`, `"id":`+id, 1)))
			vio := findViolation(res.Violations, "format", "/id")
			if vio == nil || vio.Value != id {
				t.Errorf("id %s: violations %+v; want a format violation at /id quoting %s", id, res.Violations, id)
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
