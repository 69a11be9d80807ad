package contract

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// step is one exchange of an invariant case: a GET of url answered with body (or another method, answered 204),
// at ruleNow plus after.
type step struct {
	method, url, body string
	after             time.Duration
	total             string // DoorFlow's Total response header, when not ""
}

// later is a pending DoorFlow reservation that starts after ruleNow (and after every step of a case), updated at
// updated.
func later(id int, updated string) string {
	return resv(id, "2024-01-20T09:00:00.000Z", "2024-01-20T17:00:00.000Z", "pending", updated)
}

// runSteps validates the steps as one recording and checks its invariants; it returns each entry's rule and
// invariant findings as "entry rule pointer".
func runSteps(t *testing.T, v *Validator, steps []step) []string {
	t.Helper()
	var results []Result
	for i, st := range steps {
		ex := listExchange(t, i, st.url, st.body, ruleNow.Add(st.after))
		if st.total != "" {
			ex.ResponseHeader.Set("Total", st.total)
		}
		if st.method != "" {
			ex.Method, ex.Status, ex.ResponseBody, ex.ResponseHeader = st.method, 204, nil, nil
		}
		results = append(results, v.Validate(t.Context(), ex))
	}
	NewInvariants().CheckAll(results)
	var got []string
	for _, res := range results {
		for _, f := range ruleFindings(res.Violations) {
			got = append(got, fmt.Sprintf("%d %s", res.Index, f))
		}
		if res.Valid != (len(res.Violations) == 0) {
			t.Errorf("entry %d: valid=%v with %d violations", res.Index, res.Valid, len(res.Violations))
		}
	}
	slices.Sort(got)
	return got
}

// TestInvariants breaks each invariant once in a recording built in code, and checks the neighbours of each
// break raise nothing: the exact entry, rule and pointer.
func TestInvariants(t *testing.T) {
	t.Parallel()
	v := newValidator(t, WithObservations(true))
	u := "2024-01-10T12:00:00.000Z"
	page := func(total, perPage, cur int, ids ...int) string {
		var items []string
		for _, id := range ids {
			items = append(items, grp("id", fmt.Sprint(id), "name", fmt.Sprintf(`"g%d"`, id)))
		}
		return grpPage(total, -1, perPage, cur, items...)
	}
	cases := []struct {
		name  string
		steps []step
		want  []string
	}{
		// invariant.unique-across-pages
		{name: "a walk without duplicates", steps: []step{
			{url: spList + "?limit=2", body: page(3, 2, 1, 1, 2)},
			{url: spList + "?limit=2&page=2", body: page(3, 2, 2, 3)}}},
		{name: "an id on two pages", steps: []step{
			{url: spList + "?limit=2", body: page(4, 2, 1, 1, 2)},
			{url: spList + "?limit=2&page=2", body: page(4, 2, 2, 2, 3)}},
			want: []string{"1 invariant.unique-across-pages /data/0/id"}},
		{name: "an id on two pages of a DoorFlow walk", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u))},
			{url: dfList + "?per_page=2&page=2", body: resvs(later(3, u), later(2, u))}},
			want: []string{"1 invariant.unique-across-pages /1/id"}},
		{name: "a page fetched twice is not two pages", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u))},
			{url: dfList + "?per_page=2&page=2", body: resvs(later(3, u))},
			{url: dfList + "?per_page=2&page=2", body: resvs(later(3, u))}}},
		{name: "page 1 again starts a new walk", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u))},
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u))},
			{url: dfList + "?per_page=2&page=2", body: resvs(later(3, u))}}},
		{name: "other parameters are another walk", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u))},
			{url: dfList + "?per_page=2&page=2&since_utc=2024-01-01T00:00:00Z", body: resvs(later(2, u))}}},
		{name: "a write between the pages excuses a duplicate", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u))},
			{method: "POST", url: dfList},
			{url: dfList + "?per_page=2&page=2", body: resvs(later(2, u))}}},
		{name: "a change during the walk excuses a duplicate", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u))},
			{url: dfList + "?per_page=2&page=2", body: resvs(later(2, u), later(5, "2024-01-15T10:00:30.000Z")), after: time.Minute}}},

		// invariant.total-stable
		{name: "the total changes during a walk", steps: []step{
			{url: spList + "?limit=2", body: page(3, 2, 1, 1, 2)},
			{url: spList + "?limit=2&page=2", body: page(4, 2, 2, 3, 4)}},
			want: []string{"1 invariant.total-stable /meta/pagination/total"}},
		{name: "DoorFlow's Total header changes during a walk", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u)), total: "3"},
			{url: dfList + "?per_page=2&page=2", body: resvs(later(3, u), later(4, u)), total: "4"}},
			want: []string{"1 invariant.total-stable Total"}},
		{name: "DoorFlow's Total header stays", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u)), total: "3"},
			{url: dfList + "?per_page=2&page=2", body: resvs(later(3, u)), total: "3"}}},
		{name: "DoorFlow's Total completes a walk at a full page", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u)), total: "2"},
			{url: dfList + "?skip_pagination=true", body: resvs(later(1, u)), after: time.Minute}},
			want: []string{"1 invariant.skip-pagination-union "}},

		// invariant.skip-pagination-union
		{name: "an unpaged answer is the union of the pages", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u))},
			{url: dfList + "?per_page=2&page=2", body: resvs(later(3, u))},
			{url: dfList + "?skip_pagination=true", body: resvs(later(1, u), later(2, u), later(3, u)), after: time.Minute}}},
		{name: "an unpaged answer misses an item", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u))},
			{url: dfList + "?per_page=2&page=2", body: resvs(later(3, u))},
			{url: dfList + "?skip_pagination=true&per_page=2", body: resvs(later(1, u), later(3, u))}},
			want: []string{"2 invariant.skip-pagination-union "}},
		{name: "an unpaged answer has an item no page had", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u))},
			{url: dfList + "?per_page=2&page=2", body: resvs()},
			{url: dfList + "?skip_pagination=true", body: resvs(later(1, u), later(2, u), later(9, u))}},
			want: []string{"2 invariant.skip-pagination-union /2/id"}},
		{name: "an item created since the walk began may join", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u))},
			{url: dfList + "?per_page=2&page=2", body: resvs()},
			{url: dfList + "?skip_pagination=true", body: resvs(later(1, u), later(2, u), later(9, "2024-01-15T10:00:10.000Z")), after: 30 * time.Second}}},
		{name: "a write after the walk: not compared", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u))},
			{url: dfList + "?per_page=2&page=2", body: resvs(later(3, u))},
			{method: "DELETE", url: dfList + "/3"},
			{url: dfList + "?skip_pagination=true", body: resvs(later(1, u), later(2, u))}}},
		{name: "long after the walk: not compared", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u))},
			{url: dfList + "?per_page=2&page=2", body: resvs(later(3, u))},
			{url: dfList + "?skip_pagination=true", body: resvs(later(1, u), later(2, u)), after: time.Hour}}},
		{name: "an incomplete walk: not compared", steps: []step{
			{url: dfList + "?per_page=2", body: resvs(later(1, u), later(2, u))},
			{url: dfList + "?skip_pagination=true", body: resvs(later(1, u))}}},

		// invariant.same-object
		{name: "listed and fetched copies agree, whatever their state and the order of their members", steps: []step{
			{url: dfList, body: resvs(later(1, u))},
			{url: dfList + "/1", body: `{"state":"deactivated","id":1,"person_id":1,"start_time":"2024-01-20T09:00:00.000Z",` +
				`"end_time":"2024-01-20T17:00:00.000Z","group_ids":[ 1 ],"created_at":"2024-01-01T00:00:00.000Z","updated_at":"` + u + `"}`}}},
		{name: "listed and fetched copies agree", steps: []step{
			{url: dfList, body: resvs(later(1, u), later(2, u))},
			{url: dfList + "/2", body: "  " + strings.ReplaceAll(later(2, u), ",", ", ")}}},
		{name: "a fetched copy differs from the listed one", steps: []step{
			{url: dfList, body: resvs(later(1, u), later(2, u))},
			{url: dfList + "/2", body: strings.Replace(later(2, u), `"person_id":1`, `"person_id":7`, 1)}},
			want: []string{"1 invariant.same-object "}},
		{name: "a listed copy differs from the fetched one", steps: []step{
			{url: dfList + "/2", body: strings.Replace(later(2, u), `"group_ids":[1]`, `"group_ids":[1,2]`, 1)},
			{url: dfList, body: resvs(later(1, u), later(2, u))}},
			want: []string{"1 invariant.same-object /1"}},
		{name: "a fetched copy older than the listed one", steps: []step{
			{url: dfList, body: resvs(later(2, "2024-01-12T00:00:00.000Z"))},
			{url: dfList + "/2", body: later(2, u)}},
			want: []string{"1 invariant.same-object /updated_at"}},
		{name: "a newer fetched copy may differ", steps: []step{
			{url: dfList, body: resvs(later(2, u))},
			{url: dfList + "/2", body: strings.Replace(later(2, "2024-01-12T00:00:00.000Z"), `"person_id":1`, `"person_id":7`, 1)}}},

		// invariant.sync-lost-change
		{name: "a sync answer holds the changes seen before", steps: []step{
			{url: dfList, body: resvs(later(1, u), later(5, "2024-01-15T09:30:00.000Z"))},
			{url: dfList + "?since_utc=2024-01-15T09:00:00.000Z", body: resvs(later(5, "2024-01-15T09:30:00.000Z")), after: time.Minute}}},
		{name: "a sync answer loses a change", steps: []step{
			{url: dfList, body: resvs(later(1, u), later(5, "2024-01-15T09:30:00.000Z"))},
			{url: dfList + "?since_utc=2024-01-15T09:00:00.000Z", body: resvs(), after: time.Minute}},
			want: []string{"1 invariant.sync-lost-change "}},
		{name: "a sync answer loses a change seen by id", steps: []step{
			{url: dfList + "/5", body: later(5, "2024-01-15T09:30:00.000Z")},
			{url: dfList + "?since_utc=2024-01-15T09:00:00.000Z&skip_pagination=true", body: resvs(), after: time.Minute}},
			want: []string{"1 invariant.sync-lost-change "}},
		{name: "a paged sync answer is checked when complete", steps: []step{
			{url: dfList, body: resvs(later(5, "2024-01-15T09:30:00.000Z"), later(6, "2024-01-15T09:40:00.000Z"))},
			{url: dfList + "?since_utc=2024-01-15T09:00:00.000Z&per_page=1", body: resvs(later(5, "2024-01-15T09:30:00.000Z"))},
			{url: dfList + "?since_utc=2024-01-15T09:00:00.000Z&per_page=1&page=2", body: resvs()}},
			want: []string{"2 invariant.sync-lost-change "}},
		{name: "an item that has ended may leave the list", steps: []step{
			{url: dfList, body: resvs(resv(5, "2024-01-15T09:00:00.000Z", "2024-01-15T10:01:00.000Z", "active", "2024-01-15T09:30:00.000Z"))},
			{url: dfList + "?since_utc=2024-01-15T09:00:00.000Z", body: resvs(), after: 10 * time.Minute}}},
		{name: "an older change need not be in the answer", steps: []step{
			{url: dfList, body: resvs(later(5, "2024-01-15T08:30:00.000Z"))},
			{url: dfList + "?since_utc=2024-01-15T09:00:00.000Z", body: resvs()}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := runSteps(t, v, tc.steps)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestInvariantsTimeOrder checks that CheckAll takes a recording's exchanges in time order and keeps
// recordings apart.
func TestInvariantsTimeOrder(t *testing.T) {
	t.Parallel()
	v := newValidator(t, WithObservations(true))
	u := "2024-01-10T12:00:00.000Z"
	mk := func(source string, i int, url, body string, after time.Duration) Result {
		ex := listExchange(t, i, url, body, ruleNow.Add(after))
		ex.Source = source
		return v.Validate(t.Context(), ex)
	}
	results := []Result{
		// Written out of order: page 2 (a duplicate of page 1's id 2) comes first in the file.
		mk("a.har", 0, dfList+"?per_page=2&page=2", resvs(later(2, u)), time.Second),
		mk("a.har", 1, dfList+"?per_page=2", resvs(later(1, u), later(2, u)), 0),
		// Another recording: its page 2 is not a page of a.har's walk.
		mk("b.har", 0, dfList+"?per_page=2&page=2", resvs(later(1, u)), 2*time.Second),
	}
	NewInvariants().CheckAll(results)
	var got []string
	for _, r := range results {
		for _, f := range ruleFindings(r.Violations) {
			got = append(got, r.Source+"#"+fmt.Sprint(r.Index)+" "+f)
		}
	}
	if fmt.Sprint(got) != "[a.har#0 invariant.unique-across-pages /0/id]" {
		t.Errorf("got %v, want the duplicate on a.har#0, the later page in time", got)
	}
	if results[0].Valid || !results[1].Valid || !results[2].Valid {
		t.Errorf("got valid %v %v %v, want false true true", results[0].Valid, results[1].Valid, results[2].Valid)
	}
}

// TestInvariantsWithoutObservations checks that results of a validator without WithObservations pass through.
func TestInvariantsWithoutObservations(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	u := "2024-01-10T12:00:00.000Z"
	results := []Result{
		v.Validate(t.Context(), listExchange(t, 0, dfList+"?per_page=2", resvs(later(1, u), later(2, u)), ruleNow)),
		v.Validate(t.Context(), listExchange(t, 1, dfList+"?per_page=2&page=2", resvs(later(2, u)), ruleNow)),
	}
	NewInvariants().CheckAll(results)
	if !results[0].Valid || !results[1].Valid {
		t.Errorf("got %v %v, want both valid: nothing was observed", results[0].Violations, results[1].Violations)
	}
}

// TestRecordingsPassRulesAndInvariants checks that the shipped recordings (testdata/ and ../examples/, not the
// broken ones) break no rule and no invariant: the rules raise no false alarm on real traffic.
func TestRecordingsPassRulesAndInvariants(t *testing.T) {
	t.Parallel()
	v := newValidator(t, WithObservations(true))
	var results []Result
	for ex, err := range Load(t.Context(), []string{"testdata/doorflow.har", "testdata/sonderplan.har", "testdata/doorflow_cassette.yaml", "../examples"}) {
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, v.Validate(t.Context(), ex))
	}
	if len(results) < 20 {
		t.Fatalf("got %d exchanges, want the shipped recordings", len(results))
	}
	NewInvariants().CheckAll(results)
	for _, r := range results {
		for _, vi := range r.Violations {
			t.Errorf("%v", &vi)
		}
	}
}
