package apikit

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikit/apikit/contract"
)

// entryKind is what a fixture's entry is (testdata/exporters/README.md).
type entryKind int

const (
	ordinary     entryKind = iota // an ordinary exchange with the mock: it must validate
	noToken                       // a deliberate call without a token: the request-side security violation
	malformed                     // a deliberate call with per_page=abc: the request-side query violation
	otherTraffic                  // the page and its icon: never a violation
	notCompleted                  // a request the browser aborted: no assertion until issue 13 settles it
)

// fixtureEntry is one entry of a fixture: its kind and the operation it routes to ("" for other traffic).
type fixtureEntry struct {
	kind entryKind
	op   string
}

// curlCalls are the entries scripts/fixtures/calls.sh makes; the browser makes the same calls after its page.
var curlCalls = []fixtureEntry{
	{ordinary, "listGroupReservations"},  // page 1
	{ordinary, "listGroupReservations"},  // page 2
	{ordinary, "getGroupReservation"},    // the first id of page 1
	{ordinary, "getGroupReservation"},    // 999999: 404
	{ordinary, "listGroups"},             // fields, filter, order
	{noToken, "listGroups"},              // 401
	{malformed, "listGroupReservations"}, // 400
}

var browserCalls = append(append([]fixtureEntry{{otherTraffic, ""}, {otherTraffic, ""}}, curlCalls...),
	fixtureEntry{notCompleted, "listGroupReservations"})

// TestExporterFixtures loads the captures `make fixtures` records with real exporters (Playwright driving
// Chromium in embed and omit mode, mitmproxy's har_dump.py, apikit proxy --record) and checks what is true
// today and must stay true: every entry but the aborted one parses, each routes to its operation, the ordinary
// exchanges validate, the deliberate client errors are request-side violations, other traffic is never a
// violation. Today's false alarms (omit mode's missing bodies read as invalid JSON, the aborted entry's input
// error) are tolerated, not asserted: issue 13 is to remove them.
func TestExporterFixtures(t *testing.T) {
	t.Parallel()
	v, err := contract.New(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file    string
		bodies  bool // the exporter kept the response bodies
		entries []fixtureEntry
	}{
		{"playwright-embed.har", true, browserCalls},
		{"playwright-omit.har", false, browserCalls},
		{"mitmproxy-har_dump.har", true, curlCalls},
		{"apikit-proxy.har", true, curlCalls},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", "exporters", tc.file)
			if got, want := countEntries(t, path), len(tc.entries); got != want {
				t.Fatalf("%s holds %d entries, want %d", path, got, want)
			}
			parsed := map[int]bool{}
			for ex, err := range contract.ReadHAR(t.Context(), path) {
				if err != nil {
					var le *contract.LoadError
					if errors.As(err, &le) && le.Index >= 0 && le.Index < len(tc.entries) &&
						tc.entries[le.Index].kind == notCompleted {
						continue // today "response.status -1 is not an HTTP status code"; issue 13
					}
					t.Errorf("%v", err)
					continue
				}
				if ex.Index < 0 || ex.Index >= len(tc.entries) {
					t.Errorf("%s: an exchange with index %d", path, ex.Index)
					continue
				}
				parsed[ex.Index] = true
				want := tc.entries[ex.Index]
				if want.kind == notCompleted {
					continue
				}
				res := v.Validate(t.Context(), ex)
				if res.OperationID != want.op {
					t.Errorf("%s: operation %q, want %q", res.Where(), res.OperationID, want.op)
				}
				if !tc.bodies && want.kind != otherTraffic && len(ex.ResponseBody) != 0 {
					t.Errorf("%s: a %d-byte response body in a capture that keeps none", res.Where(), len(ex.ResponseBody))
				}
				checkEntry(t, res, want.kind, tc.bodies)
			}
			for i, e := range tc.entries {
				if e.kind != notCompleted && !parsed[i] {
					t.Errorf("%s#%d did not load", path, i)
				}
			}
		})
	}
}

// checkEntry checks one entry's verdict. Without recorded bodies, response.body violations are today's false
// alarm (issue 13) and are left out of every check.
func checkEntry(t *testing.T, res contract.Result, kind entryKind, bodies bool) {
	t.Helper()
	var viols []contract.Violation
	for _, viol := range res.Violations {
		if bodies || viol.In != contract.InResponseBody {
			viols = append(viols, viol)
		}
	}
	switch kind {
	case ordinary, otherTraffic:
		for _, viol := range viols {
			t.Errorf("%s", viol.Error()) // the text names the file and entry
		}
		if kind == ordinary && bodies && !res.Valid {
			t.Errorf("%s: not valid, want valid", res.Where())
		}
	case noToken, malformed:
		in, pointer := contract.InRequestHeader, "Authorization"
		if kind == malformed {
			in, pointer = contract.InRequestQuery, "per_page"
		}
		if len(viols) != 1 || viols[0].In != in || viols[0].Pointer != pointer || viols[0].Status != 0 {
			var got []string
			for _, viol := range viols {
				got = append(got, viol.Error())
			}
			t.Errorf("%s: violations %q, want one request-side violation in %s %s", res.Where(), got, in, pointer)
		}
	}
}

// countEntries returns how many entries the HAR file at path holds, read with encoding/json.
func countEntries(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var har struct {
		Log struct {
			Entries []json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &har); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if strings.Contains(string(data), "apikit-dev-token") {
		t.Errorf("%s holds the mock's token unredacted", path)
	}
	return len(har.Log.Entries)
}
