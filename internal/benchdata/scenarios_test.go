package benchdata_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/internal/benchdata"
)

// validateFile writes a recording with write and validates it as `apikit validate` does with its default rules:
// every exchange with the invariants' observations, then the invariants over the recording.
func validateFile(t *testing.T, name string, write func(io.Writer) error) []contract.Result {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := write(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	v, err := contract.New(ctx, contract.WithObservations(true))
	if err != nil {
		t.Fatal(err)
	}
	var results []contract.Result
	for ex, err := range contract.Load(ctx, []string{path}) {
		if err != nil {
			t.Fatalf("loading %q: %v", name, err)
		}
		results = append(results, v.Validate(ctx, ex))
	}
	contract.NewInvariants().CheckAll(results)
	return results
}

// count returns how many results are valid and how many carry a violation of rule.
func count(results []contract.Result, rule string) (valid, withRule int) {
	for _, r := range results {
		if r.Valid && !r.Skipped {
			valid++
		}
		for _, v := range r.Violations {
			if v.Rule == rule {
				withRule++
				break
			}
		}
	}
	return valid, withRule
}

// TestScenarios holds the generated recordings to what bench-compare and bench-hostile say of them: the passing
// ones pass the default rules, the hostile ones are read whole and fail where they should.
func TestScenarios(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file    string
		write         func(io.Writer) error
		results, good int
		rule          string // a rule every other result breaks
	}{
		{"passing list", "list.har", func(w io.Writer) error { return benchdata.WritePassingListHAR(w, 600) }, 1, 1, ""},
		{"small HAR", "small.har", func(w io.Writer) error { return benchdata.WriteSmallHAR(w, 3) }, benchdata.SmallHARExchanges, benchdata.SmallHARExchanges, ""},
		{"amplify", "amplify.har", func(w io.Writer) error { return benchdata.WriteAmplifyHAR(w, 5, 4, false) }, 5, 1, "invariant.sync-lost-change"},
		{"skip", "skip.har", func(w io.Writer) error { return benchdata.WriteAmplifyHAR(w, 5, 4, true) }, 5, 1, "invariant.skip-pagination-union"},
		{"tiny", "tiny.har", func(w io.Writer) error { return benchdata.WriteTinyHAR(w, 20) }, 20, 20, ""},
		{"alias", "alias.yaml", func(w io.Writer) error { return benchdata.WriteAliasCassette(w, 3, 4) }, 4, 4, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			results := validateFile(t, tc.file, tc.write)
			valid, broken := count(results, tc.rule)
			if len(results) != tc.results || valid != tc.good {
				t.Errorf("got %d results, %d valid, want %d, %d", len(results), valid, tc.results, tc.good)
			}
			if tc.rule != "" && broken != tc.results-tc.good {
				t.Errorf("got %d results breaking %s, want %d", broken, tc.rule, tc.results-tc.good)
			}
			for _, r := range results {
				if tc.rule == "" && !r.Valid {
					t.Errorf("%s: %v", r.Where(), r.Violations)
				}
			}
		})
	}
	t.Run("hostile names", func(t *testing.T) {
		t.Parallel()
		results := validateFile(t, benchdata.HostileName, func(w io.Writer) error { return benchdata.WriteHostileNamesHAR(w, 2) })
		var escaped int
		for _, r := range results {
			if !strings.Contains(r.Source, "\x1b[2J") {
				t.Errorf("source %q lost the file name's escape sequence", r.Source)
			}
			for _, w := range r.Warnings {
				if strings.Contains(w.Pointer, "\x1b[2K") {
					escaped++
				}
			}
		}
		if len(results) != 4 || escaped != 2 {
			t.Errorf("got %d results and %d warnings whose pointer holds the property name's escape sequence, want 4 and 2", len(results), escaped)
		}
	})
}
