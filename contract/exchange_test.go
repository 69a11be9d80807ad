package contract

import (
	"net/http"
	"testing"
	"time"
)

// TestExchangeWhen checks the validator's fallback for exchanges built by hand: Time, else the Date header (the
// loaders' part is capture/load's TestExchangeTime).
func TestExchangeWhen(t *testing.T) {
	t.Parallel()
	ex := &Exchange{ResponseHeader: http.Header{"Date": {"Mon, 15 Jan 2024 10:45:00 GMT"}}}
	if got := ex.When(); !got.Equal(time.Date(2024, 1, 15, 10, 45, 0, 0, time.UTC)) {
		t.Errorf("an exchange built by hand: got time %v, want the Date header's", got)
	}
	ex.Time = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := ex.When(); !got.Equal(ex.Time) {
		t.Errorf("Time set: got %v, want Time itself", got)
	}
}
