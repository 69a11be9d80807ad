package apikit

import (
	"encoding/json"
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
	notCompleted                  // a request the browser aborted: reported as not completed, its request valid
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
// Chromium in embed and omit mode, mitmproxy's har_dump.py, apikit proxy --record) and checks, in normal and
// in strict mode: every entry parses, each routes to its operation, the ordinary exchanges are valid (in omit
// mode with their response body reported as not recorded, never as a violation), the deliberate client errors
// are one request-side violation each (so failing on the vendor's side only passes the file), the aborted
// request is reported as not completed, other traffic is never a violation.
func TestExporterFixtures(t *testing.T) {
	t.Parallel()
	for _, strict := range []bool{false, true} {
		t.Run(map[bool]string{false: "normal", true: "strict"}[strict], func(t *testing.T) {
			t.Parallel()
			exporterFixtures(t, strict)
		})
	}
}

func exporterFixtures(t *testing.T, strict bool) {
	v, err := contract.New(t.Context(), contract.WithStrict(strict))
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
			var sum contract.Summary
			for ex, err := range contract.ReadHAR(t.Context(), path) {
				if err != nil {
					t.Errorf("%v", err)
					continue
				}
				if ex.Index < 0 || ex.Index >= len(tc.entries) {
					t.Errorf("%s: an exchange with index %d", path, ex.Index)
					continue
				}
				parsed[ex.Index] = true
				want := tc.entries[ex.Index]
				res := v.Validate(t.Context(), ex)
				sum.Count(&res)
				if res.OperationID != want.op {
					t.Errorf("%s: operation %q, want %q", res.Where(), res.OperationID, want.op)
				}
				if !tc.bodies && want.kind != otherTraffic && len(ex.ResponseBody) != 0 {
					t.Errorf("%s: a %d-byte response body in a capture that keeps none", res.Where(), len(ex.ResponseBody))
				}
				checkEntry(t, res, want.kind, tc.bodies)
			}
			for i := range tc.entries {
				if !parsed[i] {
					t.Errorf("%s#%d did not load", path, i)
				}
			}
			if sum.Failed(contract.FailOnVendor) || !sum.Failed(contract.FailOnClient) || sum.ClientViolations != 2 {
				t.Errorf("%s: summary %+v: want the two client violations only, failing --fail-on client and not vendor", path, sum)
			}
		})
	}
}

// checkEntry checks one entry's verdict.
func checkEntry(t *testing.T, res contract.Result, kind entryKind, bodies bool) {
	t.Helper()
	viols := res.Violations
	wantNotRecorded := ""
	if !bodies && kind != notCompleted && kind != otherTraffic {
		wantNotRecorded = "response"
	}
	if res.BodyNotRecorded != wantNotRecorded {
		t.Errorf("%s: body not recorded %q, want %q", res.Where(), res.BodyNotRecorded, wantNotRecorded)
	}
	if (kind == notCompleted) != (res.NotCompleted != "") {
		t.Errorf("%s: not completed %q, want it set only on the aborted request", res.Where(), res.NotCompleted)
	}
	if (kind == otherTraffic) != res.OtherTraffic {
		t.Errorf("%s: other traffic %v, want %v", res.Where(), res.OtherTraffic, kind == otherTraffic)
	}
	switch kind {
	case ordinary, otherTraffic, notCompleted:
		for _, viol := range viols {
			t.Errorf("%s", viol.Error()) // the text names the file and entry
		}
		if kind == ordinary && !res.Valid {
			t.Errorf("%s: not valid, want valid", res.Where())
		}
	case noToken, malformed:
		in, pointer := contract.InRequestHeader, "Authorization"
		if kind == malformed {
			in, pointer = contract.InRequestQuery, "per_page"
		}
		if len(viols) != 1 || viols[0].In != in || viols[0].Pointer != pointer || viols[0].Status != 0 || viols[0].Side != contract.SideRequest {
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
