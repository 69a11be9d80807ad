package mock

import (
	"net/http"
	"testing"
	"time"
)

// TestDateIsTheMocksNow checks that every answer's Date header is the mock's "now", the clock its reservations'
// states follow, so that a client comparing them with the Date (apikit validate's time-window rule) agrees.
func TestDateIsTheMocksNow(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 3, 4, 5, 6, 7, 0, time.UTC)
	s := newServer(t, WithNow(now), WithCount(20))
	v := newValidator(t)
	for _, target := range []string{"/api/3/group_reservations", "/v2/group", "/nowhere"} {
		rep := get(t, s, v, target, DefaultToken)
		if got := rep.header.Get("Date"); got != now.Format(http.TimeFormat) {
			t.Errorf("GET %s: got Date %q, want %q", target, got, now.Format(http.TimeFormat))
		}
	}
}
