package contract

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// streamResults validates a recording of walks (pages of reservations, some ids repeated across pages, times
// out of order by up to spread entries) and returns its results in input order.
func streamResults(t *testing.T, n, spread int) []Result {
	t.Helper()
	v := newValidator(t, WithObservations(true))
	u := "2024-01-10T12:00:00.000Z"
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]Result, n)
	for i := range out {
		page := i%3 + 1
		at := ruleNow.Add(time.Duration(i+rng.IntN(spread+1)) * time.Second)
		body := resvs(later(page, u), later(page+1, u)) // page 2 repeats page 1's second id, and so on
		ex := listExchange(t, i, fmt.Sprintf("%s?per_page=2&page=%d", dfList, page), body, at)
		ex.Source = "a.har"
		out[i] = v.Validate(t.Context(), ex)
	}
	return out
}

// verdicts lists the results' rule findings.
func verdicts(results []Result) []string {
	var got []string
	for _, r := range results {
		for _, f := range ruleFindings(r.Violations) {
			got = append(got, fmt.Sprint(r.Index)+" "+f)
		}
	}
	return got
}

// TestInvariantStreamMatchesCheckAll: a recording out of time order by less than the window gets CheckAll's
// verdicts, handed on in input order, while the stream holds at most 2×window+1 results.
func TestInvariantStreamMatchesCheckAll(t *testing.T) {
	t.Parallel()
	for _, window := range []int{8, 64} {
		results := streamResults(t, 300, window/2)
		want := slices.Clone(results)
		for i := range want {
			want[i].Violations = slices.Clone(want[i].Violations)
		}
		NewInvariants().CheckAll(want)
		var got []Result
		s := NewInvariantStream(window, func(r *Result) error { got = append(got, *r); return nil })
		held := 0
		for _, r := range results {
			s.Add(r)
			held = max(held, len(s.queue))
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(results) || !slices.IsSortedFunc(got, func(a, b Result) int { return a.Index - b.Index }) {
			t.Fatalf("window %d: %d results handed on, want %d in input order", window, len(got), len(results))
		}
		if g, w := verdicts(got), verdicts(want); len(w) == 0 || !slices.Equal(g, w) {
			t.Errorf("window %d: got %v\nwant %v (CheckAll's, not empty)", window, g, w)
		}
		if held > 2*window+1 {
			t.Errorf("window %d: held %d results, want at most %d", window, held, 2*window+1)
		}
	}
}

// TestInvariantStreamReset: a stream reset after Close checks the next recording as a new stream does, and holds
// nothing of the one before.
func TestInvariantStreamReset(t *testing.T) {
	t.Parallel()
	results := streamResults(t, 60, 0)
	pass := func(s *InvariantStream, source string) {
		for _, r := range results {
			r.Source, r.Violations = source, slices.Clone(r.Violations)
			s.Add(r)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var fresh, reused []Result
	pass(NewInvariantStream(8, func(r *Result) error { fresh = append(fresh, *r); return nil }), "b.har")
	s := NewInvariantStream(8, func(r *Result) error { reused = append(reused, *r); return nil })
	pass(s, "a.har")
	s.Reset()
	reused = nil
	pass(s, "b.har")
	if g, w := verdicts(reused), verdicts(fresh); len(w) == 0 || !slices.Equal(g, w) {
		t.Errorf("after Reset: got %v\nwant %v (a new stream's, not empty)", g, w)
	}
	if len(reused) != len(results) || len(reused) > 0 && reused[0].Index != 0 {
		t.Errorf("after Reset: %d results handed on, want %d from #0", len(reused), len(results))
	}
	if n := len(s.inv.sources); n != 1 {
		t.Errorf("after Reset and one recording, the invariants hold %d recordings, want 1", n)
	}
}

// TestInvariantStreamBounded: whatever the order, the stream holds at most 2×window+1 results and hands every one
// on once.
func TestInvariantStreamBounded(t *testing.T) {
	t.Parallel()
	results := streamResults(t, 200, 200)
	slices.Reverse(results) // the latest first: every result comes before its time
	n, held := 0, 0
	s := NewInvariantStream(4, func(*Result) error { n++; return nil })
	for _, r := range results {
		s.Add(r)
		held = max(held, len(s.queue))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n != len(results) || held > 9 {
		t.Errorf("handed on %d of %d results, held at most %d, want all and at most 9", n, len(results), held)
	}
}

// TestBoundedWalks: a recording of many distinct queries holds at most maxWalks walks, the latest ones.
func TestBoundedWalks(t *testing.T) {
	t.Parallel()
	var b boundedWalks
	walks := make([]*walkState, 3*maxWalks)
	for i := range walks {
		walks[i] = &walkState{firstPage: i}
		b.put(fmt.Sprint("q", i%(2*maxWalks)), walks[i]) // the second half of the puts replaces walks held
		if len(b.m) > maxWalks || len(b.order) > 4*maxWalks+1 {
			t.Fatalf("after %d puts: %d walks and %d puts held, want at most %d and %d", i+1, len(b.m), len(b.order), maxWalks, 4*maxWalks+1)
		}
	}
	for i := len(walks) - maxWalks; i < len(walks); i++ {
		if got := b.get(fmt.Sprint("q", i%(2*maxWalks))); got != walks[i] {
			t.Fatalf("walk %d: got %v, want the latest put", i, got)
		}
	}
	if got := b.get(fmt.Sprint("q", (len(walks)-maxWalks-1)%(2*maxWalks))); got != nil {
		t.Errorf("the walk put before the latest %d is still held", maxWalks)
	}
}

// TestRuleAggregated: a rule that fails for every item of a list is one violation of that list, counting them and
// naming the next four, whatever the list's length.
func TestRuleAggregated(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	for _, n := range []int{20, 400} {
		items := make([]string, n)
		for i := range items {
			items[i] = activeResv(i+1, "2024-01-10T12:00:00.000Z") // updated before since_utc: each breaks rule.since
		}
		url := fmt.Sprintf("%s?since_utc=2024-01-15T09:00:00.000Z&per_page=%d", dfList, n)
		res := v.Validate(t.Context(), listExchange(t, 0, url, resvs(items...), ruleNow))
		var got []Violation
		for _, vi := range res.Violations {
			if vi.Rule == RuleSince {
				got = append(got, vi)
			}
		}
		if len(got) != 1 || got[0].Count != n || got[0].Pointer != "/0/updated_at" ||
			!strings.HasSuffix(got[0].Message, fmt.Sprintf(" [%d items in all here; the next: /1/updated_at, /2/updated_at, /3/updated_at, /4/updated_at, ...]", n)) {
			t.Fatalf("n=%d: got %+v, want one rule.since violation at /0/updated_at counting %d items", n, got, n)
		}
	}
}

// TestRuleAggregatedUnknownNames: properties no spec or request names, each on one item, are one group of
// rule.sparse-fields, not one violation per name.
func TestRuleAggregatedUnknownNames(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	const n = 300
	items := make([]string, n)
	for i := range items {
		items[i] = grp("id", fmt.Sprint(i+1), "name", `"x"`, fmt.Sprintf("leak%d", i), "1")
	}
	res := v.Validate(t.Context(), listExchange(t, 0, spList+"?fields=id,name", grpPage(n, -1, 10, 1, items...), ruleNow))
	var got []Violation
	for _, vi := range res.Violations {
		if vi.Rule == RuleSparseFields {
			got = append(got, vi)
		}
	}
	if len(got) != 1 || got[0].Count != n || got[0].Pointer != "/data/0/leak0" {
		t.Fatalf("got %d rule.sparse-fields violations %+v, want one at /data/0/leak0 counting %d", len(got), got, n)
	}
}
