package contract

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikit/apikit/internal/capturetest"
)

// collect runs a loader to the end and returns what it yielded; every error must be a *LoadError.
func collect(t testing.TB, seq func(yield func(*Exchange, error) bool)) ([]*Exchange, []*LoadError) {
	t.Helper()
	return capturetest.Collect(t, seq)
}

func errorList(errs []*LoadError) []string { return capturetest.ErrorList(errs) }

// TestTestdataRecordingsValidate loads the committed recordings and validates every exchange: a valid recording
// must give no violation and no warning, so a false alarm in the loaders or the validator fails here.
func TestTestdataRecordingsValidate(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	cases := []struct {
		file string
		ops  map[string]int // operation -> exchanges expected
	}{
		{"testdata/doorflow.har", map[string]int{"listGroupReservations": 4, "getGroupReservation": 2}},
		{"testdata/sonderplan.har", map[string]int{"listGroups": 5}},
		{"testdata/doorflow_cassette.yaml", map[string]int{"listGroupReservations": 2, "getGroupReservation": 2}},
	}
	for _, tc := range cases {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			t.Parallel()
			exs, errs := collect(t, Load(t.Context(), []string{tc.file}))
			if len(errs) > 0 {
				t.Fatalf("load errors: %q", errorList(errs))
			}
			got := map[string]int{}
			for _, ex := range exs {
				if ex.RequestHeader.Get("Authorization") != "Bearer REDACTED" {
					t.Errorf("%s: Authorization is not redacted", ex.Where())
				}
				res := v.Validate(t.Context(), ex)
				got[res.OperationID]++
				if !res.Valid || res.Skipped || len(res.Violations) > 0 || len(res.Warnings) > 0 {
					t.Errorf("%s: got valid=%v skipped=%v (%s) violations %v warnings %v, want a clean pass",
						ex.Where(), res.Valid, res.Skipped, res.SkipReason, res.Violations, res.Warnings)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.ops) {
				t.Errorf("got operations %v, want %v", got, tc.ops)
			}
			// A control: the same exchanges with one broken value must not pass, or "no violations" above
			// would prove nothing.
			ex := *exs[0]
			ex.ResponseBody = []byte(strings.Replace(string(ex.ResponseBody), `"id"`, `"id":"x","was_id"`, 1))
			if res := v.Validate(t.Context(), &ex); res.Valid {
				t.Errorf("%s with a string id: got valid, want a violation", ex.Where())
			}
		})
	}
}

// TestManyEntriesValidate validates every 1000th of 10,000 small HAR entries as capture/har reads them.
func TestManyEntriesValidate(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "many.har")
	capturetest.WriteManyEntries(t, p, 10000)
	v := newValidator(t)
	count := 0
	for ex, err := range ReadHAR(t.Context(), p) {
		if err != nil {
			t.Fatal(err)
		}
		if count%1000 == 0 {
			if res := v.Validate(t.Context(), ex); !res.Valid {
				t.Fatalf("entry %d: %v", count, res.Violations)
			}
		}
		count++
	}
	if count != 10000 {
		t.Fatalf("got %d exchanges, want 10000", count)
	}
}
