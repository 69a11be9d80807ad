package contract

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// undeclaredItems is a listGroupReservations 200 body of n reservations, each with one undeclared property x.
func undeclaredItems(n int) []byte {
	item := `{"x":1,` + strings.TrimPrefix(reservation, "{")
	return []byte("[" + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + "]")
}

// TestUndeclaredWarningsCapped: a body of 20,000 items with one undeclared property each (issue 14) gets the first
// maxUndeclaredWarnings warnings and one counting the rest, on both engines, the summary counting every item, and
// an allocation bounded by a few times the body rather than one warning per item.
func TestUndeclaredWarningsCapped(t *testing.T) {
	const items = 20000
	body := undeclaredItems(items)
	ex := bodyExchange(target{"listGroupReservations", 200, "application/json", false}, body)
	vendor, _ := enginePairs(t)
	for _, e := range []struct {
		name  string
		v     *Validator
		limit uint64
	}{{"compiled", vendor.fast, 4}, {"kin", vendor.ref, 40}} {
		t.Run(e.name, func(t *testing.T) {
			e.v.Validate(t.Context(), ex) // warm the pools
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			res := e.v.Validate(t.Context(), ex)
			runtime.ReadMemStats(&after)

			alloc, limit := after.TotalAlloc-before.TotalAlloc, e.limit*uint64(len(body))
			t.Logf("%d-byte body: %d bytes allocated (%.1fx)", len(body), alloc, float64(alloc)/float64(len(body)))
			if alloc > limit {
				t.Errorf("validating a %d-byte body allocated %d bytes, over %dx the body", len(body), alloc, e.limit)
			}
			if !res.Valid {
				t.Fatalf("invalid: %v", res.Violations[:min(3, len(res.Violations))])
			}
			if len(res.Warnings) != maxUndeclaredWarnings+1 {
				t.Fatalf("%d warnings, want %d (the first ones and one counting the rest)", len(res.Warnings), maxUndeclaredWarnings+1)
			}
			for i, w := range res.Warnings[:maxUndeclaredWarnings] {
				if !strings.HasSuffix(w.Pointer, "/x") || w.Rule != "additionalProperties" || w.Count != 0 {
					t.Errorf("warning %d is %+v, want an undeclared /N/x", i, w)
				}
			}
			last := res.Warnings[maxUndeclaredWarnings]
			if !isMoreUndeclared(last) || last.Count != items-maxUndeclaredWarnings || last.Severity != SeverityWarning ||
				last.Message != "19900 more undeclared properties in the body are not listed" {
				t.Errorf("the last warning is %+v, want the count of the %d not listed", last, items-maxUndeclaredWarnings)
			}
			var rep Report
			rep.Add(res)
			if s := rep.Summary(); s.Warnings != items {
				t.Errorf("the summary counts %d warnings, want %d", s.Warnings, items)
			}
		})
	}
	compareEngines(t, vendor.fast, vendor.ref, ex)
}

// TestUndeclaredCapStrict: under --strict the capped warnings become violations, the count one included, and the
// summary counts every item as a vendor violation.
func TestUndeclaredCapStrict(t *testing.T) {
	const items = maxUndeclaredWarnings + 50
	ex := bodyExchange(target{"listGroupReservations", 200, "application/json", false}, undeclaredItems(items))
	for _, v := range []*Validator{newValidator(t, WithStrict(true)), kinOnly(t, WithStrict(true))} {
		res := v.Validate(t.Context(), ex)
		if res.Valid || len(res.Warnings) != 0 || len(res.Violations) != maxUndeclaredWarnings+1 {
			t.Fatalf("valid=%v, %d warnings, %d violations; want invalid, 0, %d", res.Valid, len(res.Warnings), len(res.Violations), maxUndeclaredWarnings+1)
		}
		if last := res.Violations[maxUndeclaredWarnings]; !isMoreUndeclared(last) || last.Count != 50 || last.Severity != SeverityError {
			t.Errorf("the last violation is %+v, want the count of the 50 not listed", last)
		}
		var rep Report
		rep.Add(res)
		if s := rep.Summary(); s.VendorViolations != items || s.Warnings != 0 {
			t.Errorf("summary %+v, want %d vendor violations", s, items)
		}
	}
}

// TestUndeclaredAtCapUnchanged: up to the cap every undeclared property is listed, none counted.
func TestUndeclaredAtCapUnchanged(t *testing.T) {
	vendor, _ := enginePairs(t)
	for _, n := range []int{1, maxUndeclaredWarnings, maxUndeclaredWarnings + 1} {
		ex := bodyExchange(target{"listGroupReservations", 200, "application/json", false}, undeclaredItems(n))
		if !compareEngines(t, vendor.fast, vendor.ref, ex) {
			t.Errorf("%d items: the compiled path did not decide", n)
		}
		res := vendor.fast.Validate(t.Context(), ex)
		want := min(n, maxUndeclaredWarnings)
		if n > maxUndeclaredWarnings {
			want++
		}
		if len(res.Warnings) != want {
			t.Errorf("%d items: %d warnings, want %d", n, len(res.Warnings), want)
		}
		if n == maxUndeclaredWarnings+1 {
			if last := res.Warnings[len(res.Warnings)-1]; !isMoreUndeclared(last) || last.Count != 0 || last.Message != "1 more undeclared property in the body is not listed" {
				t.Errorf("%d items: last warning %+v", n, last)
			}
		}
	}
}

// TestUndeclaredCapWalkOrder: past the cap both engines keep the same warnings, those first in the body, even when
// an object's names are not in sorted order (the kin-path walk once took each object's names sorted): zz, k200..k102.
func TestUndeclaredCapWalkOrder(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"zz":1,`)
	for i := 2 * maxUndeclaredWarnings; i > 0; i-- {
		fmt.Fprintf(&b, `"k%03d":1,`, i)
	}
	item := b.String() + strings.TrimPrefix(reservation, "{")
	ex := bodyExchange(target{"listGroupReservations", 200, "application/json", false}, []byte("["+item+","+item+"]"))
	vendor, _ := enginePairs(t)
	if !compareEngines(t, vendor.fast, vendor.ref, ex) {
		t.Error("the compiled path did not decide")
	}
	res := vendor.ref.Validate(t.Context(), ex)
	if len(res.Warnings) != maxUndeclaredWarnings+1 || res.Warnings[0].Pointer != "/0/k102" || res.Warnings[maxUndeclaredWarnings-1].Pointer != "/0/zz" || res.Warnings[maxUndeclaredWarnings].Count != 2*(2*maxUndeclaredWarnings+1)-maxUndeclaredWarnings {
		t.Errorf("kin path: %d warnings, first %+v, last %+v", len(res.Warnings), res.Warnings[0], res.Warnings[len(res.Warnings)-1])
	}
}
