package contract

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzValidateBody validates arbitrary response bodies for every operation and status: no panic, no hang, a
// verdict for every input, and never a violation without a location, a message and its side.
func FuzzValidateBody(f *testing.F) {
	for _, seed := range []string{
		reservation, "[" + reservation + "]", `[]`, `{}`, `null`, `[{"id":1}]`, `{"data":[],"meta":{}}`,
		`{"data":[{"id":1,"members":[{"primary_email":"x"}]}],"meta":{"pagination":{"total":1,"count":1,"per_page":1,"current_page":1}}}`,
		`{"error":"not_found"}`, `{"a":`, "\x00\xff", `[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]`, `{"id":1e400}`, `"\ud800"`,
		"[" + reservation + "]GARBAGE", "[" + reservation + "] [{}]", `{"id":9223372036854775808}`, `{"id":"x","id":5}`,
	} {
		f.Add(seed, uint8(0), uint16(200))
		f.Add(seed, uint8(1), uint16(404))
		f.Add(seed, uint8(2), uint16(401))
	}
	v := newValidator(f)
	ops := []string{"listGroupReservations", "getGroupReservation", "listGroups"}
	f.Fuzz(func(t *testing.T, body string, op uint8, status uint16) {
		ex := &Exchange{Source: "fuzz", Index: 0, OperationID: ops[int(op)%len(ops)], NoRequest: true,
			Status: 100 + int(status)%500, ResponseHeader: http.Header{"Content-Type": {"application/json"}}, ResponseBody: []byte(body)}
		res := v.Validate(t.Context(), ex)
		if res.Valid != (len(res.Violations) == 0) {
			t.Fatalf("valid=%v with %d violations", res.Valid, len(res.Violations))
		}
		for _, vi := range res.Violations {
			if vi.Side != SideOf(vi.In) {
				t.Fatalf("violation on side %q, in %s: %+v", vi.Side, vi.In, vi)
			}
			if vi.In == "" || vi.Message == "" || vi.Rule == "" {
				t.Fatalf("violation without in, rule or message: %+v", vi)
			}
			if vi.In == InResponseBody && vi.Pointer != "" && !strings.HasPrefix(vi.Pointer, "/") {
				t.Fatalf("body pointer %q is not an RFC 6901 pointer", vi.Pointer)
			}
		}
	})
}
