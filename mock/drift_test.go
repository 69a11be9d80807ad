package mock

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const driftData = `{"now": "2026-06-15T09:30:00Z", "group_reservations": [
 {"id": 1, "person_id": 2, "start_time": "2026-06-25T06:30:00.000Z", "end_time": "2026-06-30T06:30:00.000Z",
  "state": "x-apikit-test-state", "group_ids": [1], "created_at": "2026-06-15T00:31:39.775Z", "updated_at": "2026-06-15T00:31:39.775Z",
  "x_apikit_test_drift": "2026-06-25T06:31:00Z", "badge": {"n": 7}},
 {"id": 2, "person_id": 3, "start_time": "2026-06-25T06:30:00.000Z", "end_time": "2026-06-30T06:30:00.000Z",
  "state": "pending", "group_ids": [], "created_at": "2026-06-15T00:31:39.775Z", "updated_at": "2026-06-15T00:31:39.775Z"}
], "groups": []}`

// TestDriftDataset uses drift no overlay a user applies will declare, so that it holds with one.
func TestDriftDataset(t *testing.T) {
	if _, err := ParseDataset(t.Context(), []byte(driftData)); err == nil ||
		!strings.Contains(err.Error(), `"x_apikit_test_drift" is not declared`) || !strings.Contains(err.Error(), "x-apikit-test-state") {
		t.Fatalf("ParseDataset accepted drift or did not name it: %v", err)
	}
	d, err := ParseDatasetDrift(t.Context(), []byte(driftData))
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, WithDataset(d))
	for target, want := range map[string]string{
		"/api/3/group_reservations/1": `"state":"x-apikit-test-state","group_ids":[1],"created_at":"2026-06-15T00:31:39.775Z","updated_at":"2026-06-15T00:31:39.775Z","badge":{"n":7},"x_apikit_test_drift":"2026-06-25T06:31:00Z"}`,
		"/api/3/group_reservations/2": `"updated_at":"2026-06-15T00:31:39.775Z"}`,
	} {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
		req.Header.Set("Authorization", "Bearer apikit-dev-token")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.HasSuffix(body, want) || !json.Valid([]byte(body)) {
			t.Errorf("GET %s: %d %s, want 200 ending %s", target, rec.Code, body, want)
		}
	}
	// Other rules still hold.
	bad := strings.Replace(driftData, `"id": 2,`, `"id": 1,`, 1)
	if _, err := ParseDatasetDrift(t.Context(), []byte(bad)); err == nil {
		t.Fatal("a drifting data set with a duplicate id was accepted")
	}
}
