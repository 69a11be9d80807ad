package contract_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/internal/benchdata"
)

// amplified validates benchdata's amplification HAR (a page of n reservations, then n complete answers lacking
// them: since_utc ones, or skip_pagination ones) as `apikit validate` does with its default rules.
func amplified(t *testing.T, n int, skip bool) []contract.Result {
	t.Helper()
	path := filepath.Join(t.TempDir(), "amplify.har")
	var b bytes.Buffer
	if err := benchdata.WriteAmplifyHAR(&b, n, n, skip); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
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
			t.Fatal(err)
		}
		results = append(results, v.Validate(ctx, ex))
	}
	contract.NewInvariants().CheckAll(results)
	return results
}

// TestAmplificationAggregated: N reservations lost by each of N complete answers are still a violation of each
// answer, reported once per answer with the count and the first ids, so the output grows with N, not N×N.
func TestAmplificationAggregated(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, rule string
		skip       bool
	}{
		{"since", contract.InvariantSyncLostChange, false},
		{"skip", contract.InvariantSkipPaginationUnion, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var jsonSizes []int
			for _, n := range []int{100, 200, 400} {
				results := amplified(t, n, tc.skip)
				invalid := 0
				for i := range results {
					r := &results[i]
					if r.Valid {
						continue
					}
					invalid++
					if len(r.Violations) != 1 {
						t.Fatalf("n=%d: %s has %d violations, want 1 (aggregated): %v", n, r.Where(), len(r.Violations), r.Violations)
					}
					v := r.Violations[0]
					if v.Rule != tc.rule || v.Count != n {
						t.Fatalf("n=%d: %s: got %s with Count %d, want %s with Count %d", n, r.Where(), v.Rule, v.Count, tc.rule, n)
					}
					// The first one in full (the smallest id), then the next four ids, then "...".
					if want := fmt.Sprintf(" [%d items in all here; the next: 200001, 200002, 200003, 200004, ...]", n); !strings.HasSuffix(v.Message, want) ||
						!strings.Contains(v.Message, "the item with id 200000") || v.Value != "200000" {
						t.Fatalf("n=%d: %s: message %q, value %q", n, r.Where(), v.Message, v.Value)
					}
				}
				if invalid != n {
					t.Fatalf("n=%d: %d invalid results, want %d (every answer still fails)", n, invalid, n)
				}
				var out bytes.Buffer
				o := &contract.Output{Results: results}
				if err := o.WriteJSON(&out); err != nil {
					t.Fatal(err)
				}
				jsonSizes = append(jsonSizes, out.Len())
			}
			// Linear in n: doubling n at most doubles the output (plus a little for longer ids), where one
			// violation per lost item quadrupled it.
			for i := 1; i < len(jsonSizes); i++ {
				if got := float64(jsonSizes[i]) / float64(jsonSizes[i-1]); got > 2.2 {
					t.Errorf("JSON output %d then %d bytes when n doubles: ×%.2f, want ≤ ×2.2", jsonSizes[i-1], jsonSizes[i], got)
				}
			}
		})
	}
}

// TestTextOutputCapped: the text output prints at most MaxViolations violation lines a run, then says how many
// it did not print; the summary still counts every exchange and every item of the aggregated violations.
func TestTextOutputCapped(t *testing.T) {
	t.Parallel()
	results := amplified(t, 60, false)
	for _, tc := range []struct {
		max, lines int
		more       string
	}{
		{10, 10, "50 more violations not printed (past the first 10; --format json has them all)\n"},
		{-1, 60, ""},
		{0, 60, ""}, // the default cap is far above 60
	} {
		var out bytes.Buffer
		sink := contract.NewTextSink(&out, contract.TextOptions{MaxViolations: tc.max}, nil)
		for i := range results {
			if err := sink.Observe(t.Context(), &results[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := sink.Close(); err != nil {
			t.Fatal(err)
		}
		s := out.String()
		if got := strings.Count(s, "✗ "); got != tc.lines {
			t.Errorf("MaxViolations %d: %d violation lines, want %d", tc.max, got, tc.lines)
		}
		if tc.more != "" && !strings.Contains(s, tc.more) || tc.more == "" && strings.Contains(s, "not printed") {
			t.Errorf("MaxViolations %d: output ends\n%s\nwant the line %q", tc.max, s[max(0, len(s)-300):], tc.more)
		}
		// The summary counts every item the aggregated violations stand for: 60 answers lacking 60 items each.
		if !strings.HasSuffix(s, "61 exchanges: 1 valid, 60 invalid, 0 skipped (violations: 0 by the client, 3600 by the vendor)\n") {
			t.Errorf("MaxViolations %d: summary: %q", tc.max, s[max(0, len(s)-100):])
		}
	}
}
