package contract

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
)

// ruleBenchList is a DoorFlow list body of n reservations, all valid and right for the time ruleNow: a third
// pending, a third active, a third deactivated (about 235 bytes each).
func ruleBenchList(n int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		start, end, state := "2024-01-16T09:00:00.000Z", "2024-01-16T17:00:00.000Z", "pending"
		switch i % 3 {
		case 1:
			start, end, state = "2024-01-15T09:00:00.000Z", "2024-01-15T17:00:00.000Z", "active"
		case 2:
			start, end, state = "2024-01-02T09:00:00.000Z", "2024-01-02T17:00:00.000Z", "deactivated"
		}
		fmt.Fprintf(&b, `{"id":%d,"person_id":%d,"start_time":%q,"end_time":%q,"state":%q,"group_ids":[%d,%d,%d],`+
			`"created_at":"2024-01-01T12:00:00.000Z","updated_at":"2024-01-10T12:%02d:00.000Z"}`,
			100000+i, 12345+i%1000, start, end, state, i%7, i%11, i%13, i%60)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// BenchmarkRules measures what the rules cost on top of schema validation for a 10,000-item DoorFlow list
// (GET /api/3/group_reservations?skip_pagination=true, the exchange's time known):
//
//   - schema: WithRules(RulesSchema), the compiled check alone;
//   - schema+rules: the default, every rule the request switches on (here max items, skipped, and the time
//     window of every item), read through the compiled check's pass. It must cost less than 20% more than schema;
//   - schema+rules+observations: WithObservations(true) as apikit validate runs it, which also records each
//     item's id, version, end time and fingerprint for the cross-exchange invariants;
//   - rules-own-pass: the rules and observations through their own scanner, as when kin-openapi decides the
//     schema instead of the compiled check (for comparison).
//
// The machine the numbers come from is shared: compare ratios from one run (-count 6 -cpu 1), not absolutes.
func BenchmarkRules(b *testing.B) {
	body := ruleBenchList(10000)
	url := "https://api.doorflow.com/api/3/group_reservations?skip_pagination=true"
	ex := &Exchange{Source: "bench", Index: -1, Method: "GET", URL: mustURL(b, url), RequestHeader: bearer(),
		Status: 200, ResponseHeader: http.Header{"Content-Type": {"application/json"}}, ResponseBody: body, Time: ruleNow}
	observing := newValidator(b, WithObservations(true))
	if res := observing.Validate(b.Context(), ex); !res.Valid || len(res.Observed.items) != 10000 {
		b.Fatalf("benchmark exchange: valid=%v %v", res.Valid, res.Violations)
	}
	for _, bc := range []struct {
		name string
		v    *Validator
	}{{"schema", newValidator(b, WithRules(RulesSchema))}, {"schema+rules", newValidator(b)}, {"schema+rules+observations", observing}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if res := bc.v.ValidateResponse(b.Context(), ex); !res.Valid {
					b.Fatal(res.Violations)
				}
			}
		})
	}
	b.Run("rules-own-pass", func(b *testing.B) {
		op := observing.router.op("listGroupReservations")
		base := Violation{Source: ex.Source, Index: ex.Index, OperationID: op.id, Status: 200}
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			res := Result{}
			observing.finishRules(observing.startRules(ex, op, base), false, &res)
			if len(res.Violations) > 0 || len(res.Observed.items) != 10000 {
				b.Fatal(res.Violations)
			}
		}
	})
}

// TestRulesBenchmarkBodyIsValid keeps the benchmark's body honest in the ordinary test run.
func TestRulesBenchmarkBodyIsValid(t *testing.T) {
	t.Parallel()
	ex := listExchange(t, -1, dfList+"?per_page=30", string(ruleBenchList(30)), ruleNow)
	if res := newValidator(t).Validate(t.Context(), ex); !res.Valid {
		t.Errorf("got %v", res.Violations)
	}
}
