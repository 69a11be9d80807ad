package contract

import (
	"net/http"
	"testing"

	"github.com/apikit/apikit/internal/capturetest"
)

// TestReadBody reads a bare body (capture/body) and validates it: the exchange it makes must be what the
// validator needs for the operation named.
func TestReadBody(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := capturetest.WriteFile(t, dir, "reservation.json", reservation)
	cases := []struct {
		name        string
		op          string
		status      int
		contentType string
		wantStatus  int
		wantCT      string
	}{
		{name: "defaults", op: "getGroupReservation", wantStatus: 200, wantCT: "application/json"},
		{name: "explicit", op: "getGroupReservation", status: 200, contentType: "application/json; charset=utf-8", wantStatus: 200, wantCT: "application/json; charset=utf-8"},
		{name: "undocumented status", op: "getGroupReservation", status: 418, wantStatus: 418, wantCT: "application/json"},
	}
	v := newValidator(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ex, err := ReadBody(t.Context(), p, tc.op, tc.status, tc.contentType)
			if err != nil {
				t.Fatal(err)
			}
			want := Exchange{Source: p, Index: -1, OperationID: tc.op, NoRequest: true, Status: tc.wantStatus,
				ResponseHeader: http.Header{"Content-Type": {tc.wantCT}}, ResponseBody: []byte(reservation)}
			if ex.Source != want.Source || ex.Index != want.Index || ex.OperationID != want.OperationID || !ex.NoRequest ||
				ex.Status != want.Status || ex.ResponseHeader.Get("Content-Type") != tc.wantCT || string(ex.ResponseBody) != reservation ||
				ex.URL != nil || ex.Method != "" || ex.RequestHeader != nil || ex.RequestBody != nil {
				t.Errorf("got %+v, want %+v", ex, want)
			}
			res := v.Validate(t.Context(), ex)
			if wantValid := tc.wantStatus == 200; res.Valid != wantValid {
				t.Errorf("validated: got valid=%v (%v), want %v", res.Valid, res.Violations, wantValid)
			}
		})
	}
}
