package contract_test

import (
	"net/http"
	"net/url"
	"runtime"
	"testing"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/internal/benchdata"
)

// Allocation budgets of the validator's hot paths (issue 17): each test counts the allocations of one
// validation with testing.AllocsPerRun and fails when they exceed today's figure plus a small margin, so that a
// regression fails `make test` without any timing. The race detector allocates on its own, so under -race the
// budgets are skipped (raceEnabled, allocs_race_test.go). The bytes are TotalAlloc's growth over the runs.

// allocBudget measures f's allocations per run (testing.AllocsPerRun) and bytes allocated per run, and fails t
// when either exceeds its budget. Under the race detector, which allocates on its own, it runs f once and
// asserts nothing.
func allocBudget(t *testing.T, name string, runs int, f func(), allocs, bytes float64) {
	t.Helper()
	if raceEnabled {
		f()
		t.Logf("%s: race detector on: allocations are not counted, the budgets (%.0f, %.0f bytes) not asserted", name, allocs, bytes)
		return
	}
	got := testing.AllocsPerRun(runs, f)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	perRun := float64(after.TotalAlloc-before.TotalAlloc) / float64(runs)
	t.Logf("%s: %.1f allocations, %.0f bytes per run (budgets %.0f, %.0f)", name, got, perRun, allocs, bytes)
	if got > allocs {
		t.Errorf("%s: got %.1f allocations per run, want at most %.0f", name, got, allocs)
	}
	if perRun > bytes {
		t.Errorf("%s: got %.0f bytes allocated per run, want at most %.0f", name, perRun, bytes)
	}
}

func allocsValidator(t *testing.T, opts ...contract.Option) *contract.Validator {
	t.Helper()
	v, err := contract.New(t.Context(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func allocsURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// TestAllocsLargeList: a DoorFlow list of 10,000 reservations (2.3 MB), response side, default options.
// Measured by BenchmarkLargeList/apikit (contract/fastbody_bench_test.go).
func TestAllocsLargeList(t *testing.T) {
	v := allocsValidator(t)
	ex := &contract.Exchange{Source: "allocs", Index: -1, Method: "GET", URL: allocsURL(t, "https://api.doorflow.com/api/3/group_reservations"),
		RequestHeader: http.Header{"Authorization": {"Bearer REDACTED"}}, Status: 200, ResponseHeader: jsonHeader,
		ResponseBody: benchdata.ReservationList(10000), NoRequest: true}
	ctx := t.Context()
	if res := v.ValidateResponse(ctx, ex); !res.Valid || len(res.Warnings) > 0 {
		t.Fatalf("the list is not valid: %v %v", res.Violations, res.Warnings)
	}
	allocBudget(t, "large list", 20, func() {
		if res := v.ValidateResponse(ctx, ex); !res.Valid {
			t.Fatal(res.Violations)
		}
	}, 2, 1024) // today (Go 1.26, linux/amd64): 1 allocation (the result's URL), about 80 bytes (a collection emptying the pools adds ~50 per run)
}

// TestAllocsSmallExchange: DoorFlow getGroupReservation, request and response (223-byte body), routing included.
// Measured by BenchmarkSmallExchange/apikit (contract/fastbody_bench_test.go).
func TestAllocsSmallExchange(t *testing.T) {
	v := allocsValidator(t)
	body := `{"id":456,"person_id":12345,"start_time":"2024-01-15T09:00:00.000Z","end_time":"2024-01-15T17:00:00.000Z","state":"active","group_ids":[1,3,5],"created_at":"2024-01-10T12:00:00.000Z","updated_at":"2024-01-10T12:00:00.000Z"}`
	ex := &contract.Exchange{Source: "allocs", Index: -1, Method: "GET", URL: allocsURL(t, "https://api.doorflow.com/api/3/group_reservations/456"),
		RequestHeader: http.Header{"Authorization": {"Bearer REDACTED"}}, Status: 200, ResponseHeader: jsonHeader, ResponseBody: []byte(body)}
	ctx := t.Context()
	if res := v.Validate(ctx, ex); !res.Valid || res.OperationID != "getGroupReservation" {
		t.Fatalf("the exchange is not valid: %+v", res)
	}
	allocBudget(t, "small exchange", 200, func() {
		if res := v.Validate(ctx, ex); !res.Valid {
			t.Fatal(res.Violations)
		}
	}, 2, 256) // today: 1 allocation (the result's URL), 64 bytes
}

// TestAllocsLargeListObserved: the same list size with the invariants' observations on, as apikit validate runs
// the default rules (a skip_pagination answer at a known time, passing every rule). Measured by
// BenchmarkRules/schema+rules+observations (contract/rules_bench_test.go).
func TestAllocsLargeListObserved(t *testing.T) {
	v := allocsValidator(t, contract.WithObservations(true))
	body := benchdata.PassingList(10000)
	ex := &contract.Exchange{Source: "allocs", Index: -1, Method: "GET",
		URL:           allocsURL(t, "https://api.doorflow.com/api/3/group_reservations?skip_pagination=true"),
		RequestHeader: http.Header{"Authorization": {"Bearer REDACTED"}}, Status: 200, ResponseHeader: jsonHeader, ResponseBody: body,
		Time: benchdata.Now}
	ctx := t.Context()
	if res := v.Validate(ctx, ex); !res.Valid || len(res.Warnings) > 0 {
		t.Fatalf("the list is not valid: %v %v", res.Violations, res.Warnings)
	}
	allocBudget(t, "large list with observations", 10, func() {
		if res := v.ValidateResponse(ctx, ex); !res.Valid {
			t.Fatal(res.Violations)
		}
	}, 12, 520_000) // today: 10 allocations, about 460,000 bytes (46 per item: an observed item is 40)
}

// TestAllocsSmallPage: one exchange of the folder of small HARs that make bench-compare times (benchdata.
// WriteSmallHAR): a DoorFlow page of two reservations asked for with a query (?per_page=2&page=1), request and
// response, with the default rules and the invariants' observations on, as apikit validate runs them. The query
// is parsed once for the request check and the rules, and the result's URL printed without a redacted copy when
// its query holds no secret.
func TestAllocsSmallPage(t *testing.T) {
	v := allocsValidator(t, contract.WithObservations(true))
	body := benchdata.PassingList(2)
	ex := &contract.Exchange{Source: "allocs", Index: -1, Method: "GET",
		URL:           allocsURL(t, "https://api.doorflow.com/api/3/group_reservations?per_page=2&page=1"),
		RequestHeader: http.Header{"Authorization": {"Bearer REDACTED"}}, Status: 200, ResponseHeader: jsonHeader, ResponseBody: body,
		Time: benchdata.Now}
	ctx := t.Context()
	if res := v.Validate(ctx, ex); !res.Valid || len(res.Warnings) > 0 || res.OperationID == "" {
		t.Fatalf("the page is not valid: %+v", res)
	}
	allocBudget(t, "small page with a query", 200, func() {
		if res := v.Validate(ctx, ex); !res.Valid {
			t.Fatal(res.Violations)
		}
	}, 11, 1024) // today: 9 allocations, 856 bytes (16 and 1,480 before the query was shared and the URL's copy spared)
}
