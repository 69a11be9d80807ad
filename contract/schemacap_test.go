package contract

import (
	"runtime"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// zeros is a JSON array of n zeros: each item breaks listGroupReservations' 200 (an array of objects).
func zeros(n int) []byte { return []byte("[" + strings.TrimSuffix(strings.Repeat("0,", n), ",") + "]") }

// countItems is the number of items the violations stand for, as the summary counts them.
func countItems(vs []Violation) int {
	n := 0
	for _, v := range vs {
		n += max(v.Count, 1)
	}
	return n
}

// TestHostileBodyBoundedViolations: a 1.5 MiB body of bad items (issue 14) is invalid with every item counted, in
// maxSchemaViolations+1 violations and an allocation bounded by a few times the body, not one violation per item.
func TestHostileBodyBoundedViolations(t *testing.T) {
	const items = 3 << 18 // 786,432 items, 1.5 MiB
	body := zeros(items)
	v := newValidator(t)
	ex := bodyExchange(target{"listGroupReservations", 200, "application/json", false}, body)
	v.Validate(t.Context(), ex) // warm the pools

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res := v.Validate(t.Context(), ex)
	runtime.ReadMemStats(&after)

	if res.Valid {
		t.Fatal("a body of integers where objects are declared passed")
	}
	if got := countItems(res.Violations); got != items {
		t.Errorf("the violations count %d items, want %d", got, items)
	}
	if len(res.Violations) != maxSchemaViolations+1 {
		t.Errorf("%d violations, want %d (the first ones and one counting the rest)", len(res.Violations), maxSchemaViolations+1)
	}
	alloc, limit := after.TotalAlloc-before.TotalAlloc, uint64(8*len(body))
	t.Logf("%d-byte body: %d bytes allocated, %d violations", len(body), alloc, len(res.Violations))
	if last := res.Violations[len(res.Violations)-1]; !isMore(last) || last.Count != items-maxSchemaViolations {
		t.Errorf("the last violation is %+v, want the count of the %d not listed", last, items-maxSchemaViolations)
	}
	if alloc > limit {
		t.Errorf("validating a %d-byte body allocated %d bytes, over 8x the body (%d)", len(body), alloc, limit)
	}
}

// TestSchemaViolationCapBothEngines: past the cap, the compiled path and kin-openapi give the same violations, the
// last one counting the rest; at the cap nothing changes.
func TestSchemaViolationCapBothEngines(t *testing.T) {
	vendor, _ := enginePairs(t)
	tg := target{"listGroupReservations", 200, "application/json", false}
	for _, n := range []int{1, maxSchemaViolations, maxSchemaViolations + 1, maxSchemaViolations + 50} {
		ex := bodyExchange(tg, zeros(n))
		if !compareEngines(t, vendor.fast, vendor.ref, ex) {
			t.Errorf("%d items: the compiled path did not decide", n)
		}
		res := vendor.ref.Validate(t.Context(), ex)
		if got := countItems(res.Violations); got != n {
			t.Errorf("%d items: the violations count %d", n, got)
		}
		want := min(n, maxSchemaViolations)
		if n > maxSchemaViolations {
			want++
		}
		if len(res.Violations) != want {
			t.Errorf("%d items: %d violations, want %d", n, len(res.Violations), want)
		}
		for _, vio := range res.Violations {
			if vio.Rule == "schema" && (n <= maxSchemaViolations || !isMore(vio)) {
				t.Errorf("%d items: unexpected %+v", n, vio)
			}
		}
	}
}

// TestKinResponseConvertsUpToCap: the kin-openapi path converts at most maxSchemaViolations of kin's errors and
// counts the rest, rather than building one violation per item.
func TestKinResponseConvertsUpToCap(t *testing.T) {
	v := kinOnly(t)
	const items = 3 * maxSchemaViolations
	ex := bodyExchange(target{"listGroupReservations", 200, "application/json", false}, zeros(items))
	op := v.router.op(ex.OperationID)
	in := &openapi3filter.RequestValidationInput{Request: v.request(t.Context(), ex, op), Route: op.route, Options: v.opts}
	errs, _ := v.kinResponse(t.Context(), in, op, ex, Violation{Status: 200})
	if len(errs) != maxSchemaViolations+1 || !isMore(errs[len(errs)-1]) || countItems(errs) != items {
		t.Errorf("kin path: %d violations counting %d items, want %d counting %d", len(errs), countItems(errs), maxSchemaViolations+1, items)
	}
}

// TestKinFirstOnlyOverKinListMax: a body over kinListMax the compiled check cannot decide (every body, with the
// compiled checks off) is invalid with kin's first violation and a warning, and kin is not asked for one error per
// item: the allocation stays a bounded multiple of the body (122x; 303x when kin listed every item) (kin decodes it into any, the undeclared walk again).
func TestKinFirstOnlyOverKinListMax(t *testing.T) {
	v := kinOnly(t)
	const items = 3 << 18 // 1.5 MiB
	body := zeros(items)
	ex := bodyExchange(target{"listGroupReservations", 200, "application/json", false}, body)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res := v.Validate(t.Context(), ex)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d-byte body through kin: %d bytes allocated (%.1fx)", len(body), alloc, float64(alloc)/float64(len(body)))
	if res.Valid || len(res.Violations) != 1 || res.Violations[0].Pointer != "/0" {
		t.Errorf("want invalid with the first item's violation, got valid=%v %d violations", res.Valid, len(res.Violations))
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Rule != "first-violation-only" {
		t.Errorf("want the first-violation-only warning, got %+v", res.Warnings)
	}
	if limit := uint64(200 * len(body)); alloc > limit { // 303x when kin was asked for every error
		t.Errorf("kin allocated %d bytes for a %d-byte body, over 200x (%d)", alloc, len(body), limit)
	}
}
