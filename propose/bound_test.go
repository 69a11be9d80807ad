package propose_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/propose"
)

// verdicts validates recs against the shipped specs and returns their results, each holding its exchange.
func verdicts(t *testing.T, recs []rec) []contract.Result {
	t.Helper()
	v := newValidator(t, contract.WithSpecFS(specFS(t, nil), "openapi"))
	var out []contract.Result
	for _, ex := range exchanges(recs) {
		r := v.Validate(context.Background(), ex)
		r.Exchange = ex
		out = append(out, r)
	}
	return out
}

func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestCollectorMemoryIsBounded observes 200,000 exchanges with an undeclared property, a new enum value and an
// undeclared header, and 200,000 of an undocumented status with a JSON body: the heap after 200,000 is the heap
// after 10,000 within a small constant, and the evidence counts every exchange and names the first ten.
func TestCollectorMemoryIsBounded(t *testing.T) {
	const n = 200_000
	ctx := context.Background()
	rs := verdicts(t, []rec{drift()[1], drift()[3]}) // checked_in_at, suspended, X-Ratelimit-Remaining; 409 with a body
	prop, status := rs[0], rs[1]
	if len(prop.Warnings) == 0 || len(prop.Violations) == 0 || len(status.Violations) == 0 {
		t.Fatalf("the verdicts should drift: %+v", rs)
	}
	status.Source = "b.har"
	var out bytes.Buffer
	c, err := propose.New(specFS(t, nil), "openapi", &out)
	if err != nil {
		t.Fatal(err)
	}
	observe := func(from, to int) {
		for i := from; i < to; i++ {
			prop.Index, status.Index = i, i
			if err := c.Observe(ctx, &prop); err != nil {
				t.Fatal(err)
			}
			if err := c.Observe(ctx, &status); err != nil {
				t.Fatal(err)
			}
		}
	}
	observe(0, 10_000)
	at10k := heapAfterGC()
	observe(10_000, n)
	at200k := heapAfterGC()
	growth := int64(at200k) - int64(at10k)
	t.Logf("heap after GC: %d bytes after 10,000 observations of each, %d after %d (growth %d)", at10k, at200k, n, growth)
	if growth > 64<<10 {
		t.Errorf("the heap grew by %d bytes from 10,000 to %d observations of the same drift; want at most 64 KiB", growth, n)
	}
	// One more verdict with drift costs what it cost at the start: its body's decoding, nothing kept.
	total := n
	if !raceEnabled {
		i := n
		allocs := testing.AllocsPerRun(100, func() {
			prop.Index, i = i, i+1
			_ = c.Observe(ctx, &prop)
		})
		t.Logf("one more observation after %d: %.0f allocations", n, allocs)
		if allocs > 100 {
			t.Errorf("one more observation after %d allocates %.0f times, want at most 100", n, allocs)
		}
		total = i // and the runs of the count
	}

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if notes := c.Notes(); len(notes) != 0 {
		t.Errorf("notes %q, want none", notes)
	}
	got := actions(t, out.Bytes())
	if len(got) != 4 {
		t.Fatalf("%d actions, want the property, the enum, the status and the header:\n%s", len(got), out.Bytes())
	}
	first := func(src string) string {
		ids := make([]string, 10)
		for i := range ids {
			ids[i] = fmt.Sprintf("%s#%d", src, i)
		}
		return strings.Join(ids, ", ")
	}
	for i, a := range got {
		src := "rec.har"
		count := total
		if i == 2 {
			src, count = "b.har", n
		}
		want := fmt.Sprintf("seen in %d exchange(s): %s and %d more", count, first(src), count-10)
		if a.Evidence != want || !strings.Contains(a.Description, want) {
			t.Errorf("action %d: evidence %q, description %q; want %q", i+1, a.Evidence, a.Description, want)
		}
	}
	if u := yamlOf(t, got[0].Update); !strings.Contains(u, fmt.Sprintf("checked_in_at:\n        description: 'Not in the vendor''s documentation: seen in recorded traffic (%d exchanges).'\n        format: date-time\n        type: string\n", total)) {
		t.Errorf("the property's update:\n%s", u)
	}
	if u := yamlOf(t, got[2].Update); !strings.Contains(u, "retry_after:\n                        format: int64\n                        type: integer\n") {
		t.Errorf("the status's update:\n%s", u)
	}
}

// TestObserveWithoutDriftAllocatesNothing: the proxy observes every verdict, and one without drift (no
// undocumented status, no value outside an enum, no undeclared property or header) costs lookups only.
func TestObserveWithoutDriftAllocatesNothing(t *testing.T) {
	rs := verdicts(t, []rec{{path: "/api/3/group_reservations/1", status: 200, body: res(1, "pending", "")}})
	r := rs[0]
	if len(r.Warnings)+len(r.Violations) != 0 || r.Path == "" {
		t.Fatalf("the verdict should be clean and matched: %+v", r)
	}
	var out bytes.Buffer
	c, err := propose.New(specFS(t, nil), "openapi", &out)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() { _ = c.Observe(ctx, &r) })
	t.Logf("an observation without drift: %.1f allocations", allocs)
	if !raceEnabled && allocs != 0 {
		t.Errorf("an observation without drift allocates %.1f times, want 0", allocs)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if a := actions(t, out.Bytes()); len(a) != 0 {
		t.Errorf("%d actions from a clean verdict", len(a))
	}
}
