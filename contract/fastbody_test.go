package contract

import (
	"fmt"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// The compiled body check (fastbody.go) must give exactly kin-openapi's verdicts: these tests run every body
// through both engines and compare every field of every violation and warning.

// target is an operation and status a body is checked against; features selects the test spec
// testdata/fastpath/features.yaml (schema features our vendor specs do not use) instead of the vendor specs.
type target struct {
	op       string
	status   int
	ct       string
	features bool
}

var fuzzTargets = []target{
	{"getGroupReservation", 200, "application/json; charset=utf-8", false},
	{"listGroupReservations", 200, "application/json", false},
	{"listGroups", 200, "application/json", false},
	{"getGroupReservation", 404, "application/json", false},
	{"listGroups", 401, "application/json; charset=utf-8", false},
	{"listGroupReservations", 500, "Application/JSON", false},
	{"getThing", 200, "application/json", true},
	{"getThing", 503, "application/json", true}, // the default response
	{"getMixed", 200, "application/json", true}, // an unsupported schema: always kin
}

// kinOnly returns a validator whose compiled checks are off: everything goes through kin-openapi.
func kinOnly(t testing.TB, opts ...Option) *Validator {
	v := newValidator(t, opts...)
	v.bodies, v.requests = nil, nil
	return v
}

// engines is a validator with the compiled checks and one without, on the same specs.
type engines struct{ fast, ref *Validator }

// enginePairs returns the engines on the vendor specs and on the features test spec.
func enginePairs(t testing.TB) (vendor, features engines) {
	fs := WithSpecFS(os.DirFS("testdata/fastpath"), "testdata/fastpath")
	return engines{newValidator(t), kinOnly(t)}, engines{newValidator(t, fs), kinOnly(t, fs)}
}

func (tg target) engines(vendor, features engines) engines {
	if tg.features {
		return features
	}
	return vendor
}

// normalized sorts findings on every field, so that two engines' results compare whatever order ties took.
func normalized(res Result) Result {
	key := func(v Violation) string { return fmt.Sprintf("%#v", v) }
	for _, vs := range [][]Violation{res.Violations, res.Warnings} {
		slices.SortFunc(vs, func(a, b Violation) int { return strings.Compare(key(a), key(b)) })
	}
	if len(res.Warnings) == 0 {
		res.Warnings = nil
	}
	res.Observed = nil // rules: what each validator observes for the invariants is its own
	return res
}

// compareEngines validates ex with both validators and fails on any difference; it returns whether the compiled
// path decided (rather than falling back to kin). Where apikit is stricter than kin on purpose (strictjson.go:
// data after the value, duplicate names, exact int32/int64 bounds quoted as sent, differing Content-Types), the
// reference engine applies the same checks after kin, so the two agree there too: the cases "id 2^63 outside
// int64" and "trailing garbage" hold that, where plain kin would pass or print the number rounded.
func compareEngines(t testing.TB, fast, ref *Validator, ex *Exchange) bool {
	t.Helper()
	got := normalized(fast.Validate(t.Context(), ex))
	want := normalized(ref.Validate(t.Context(), ex))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("compiled path and kin-openapi disagree on %s %d %q\nbody: %.300q\ncompiled: %s\nkin:      %s",
			ex.OperationID, ex.Status, ex.ResponseHeader.Get("Content-Type"), ex.ResponseBody, describe(got), describe(want))
	}
	op := fast.router.op(ex.OperationID)
	base := Violation{Source: ex.Source, Index: ex.Index, Spec: op.spec.file, Line: op.line, OperationID: op.id,
		Method: op.method, Path: op.template, Severity: SeverityError, Status: ex.Status}
	_, _, decided := fast.fastResponse(op, ex, base)
	return decided
}

func describe(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "valid=%v", r.Valid)
	for _, v := range r.Violations {
		fmt.Fprintf(&b, "\n  error   %s %q %s line=%d msg=%q value=%q", v.In, v.Pointer, v.Rule, v.Line, v.Message, v.Value)
	}
	for _, v := range r.Warnings {
		fmt.Fprintf(&b, "\n  warning %s %q %s line=%d msg=%q value=%q", v.In, v.Pointer, v.Rule, v.Line, v.Message, v.Value)
	}
	return b.String()
}

func bodyExchange(tg target, body []byte) *Exchange {
	return &Exchange{Source: "fuzz", Index: -1, OperationID: tg.op, NoRequest: true, Status: tg.status,
		ResponseHeader: http.Header{"Content-Type": {tg.ct}}, ResponseBody: body}
}

const group = `{"id":5693,"name":"Video Editors","description":"Full schedule access","is_default":true,` +
	`"members":[{"id":4,"first_name":"Jane","last_name":"Smith","primary_email":"jane.smith@example.com"}],` +
	`"acl_schedule":"R-","acl_project":"R-","acl_task":"RW","acl_finance":"--","acl_report":"R-","acl_contact":"R-",` +
	`"acl_admin":"R-","acl_account":"R-","created_id":3,"created":1388552400,"updated_id":3,"updated":1388552400}`

const groupList = `{"data":[` + group + `],"meta":{"pagination":{"total":1,"count":1,"per_page":10,"current_page":1}}}`

// res replaces the first occurrence of old in the reservation.
func res(old, new string) string { return strings.Replace(reservation, old, new, 1) }

// manyMembers is n members ,"m0":0,... and, when dup ≥ 0, one more repeating member dup's name.
func manyMembers(n, dup int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `,"m%d":%d`, i, i)
	}
	if dup >= 0 {
		fmt.Fprintf(&b, `,"m%d":0`, dup)
	}
	return b.String()
}

func deep(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// fastCases are named bodies for each target; fast says whether the compiled path decides them (false: kin).
var fastCases = []struct {
	name string
	tg   int // index into fuzzTargets
	body string
	fast bool
}{
	{"valid reservation", 0, reservation, true},
	{"missing required person_id", 0, res(`"person_id":12345,`, ""), true},
	{"every required missing", 0, `{}`, true},
	{"id as string", 0, res(`"id":456`, `"id":"456"`), true},
	{"id 1.0 is an integer to kin", 0, res(`"id":456`, `"id":1.0`), true},
	{"id 1.5", 0, res(`"id":456`, `"id":1.5`), true},
	{"id 1e2", 0, res(`"id":456`, `"id":1e2`), true},
	{"id 1.0000000000000001 rounds to 1", 0, res(`"id":456`, `"id":1.0000000000000001`), true},
	{"id max int64", 0, res(`"id":456`, `"id":9223372036854775807`), true},
	{"id 2^63 outside int64 (kin accepts: rounds to max int64)", 0, res(`"id":456`, `"id":9223372036854775808`), true},
	{"id 2^63+1023 outside int64", 0, res(`"id":456`, `"id":9223372036854776831`), true},
	{"id -2^63-1 outside int64", 0, res(`"id":456`, `"id":-9223372036854775809`), true},
	{"id 1e19 outside int64", 0, res(`"id":456`, `"id":1e19`), true},
	{"id -2^63", 0, res(`"id":456`, `"id":-9223372036854775808`), true},
	{"id -1e19", 0, res(`"id":456`, `"id":-1e19`), true},
	{"id 1e308", 0, res(`"id":456`, `"id":1e308`), true},
	{"id 1e400 beyond float64", 0, res(`"id":456`, `"id":1e400`), false},
	{"undeclared 1e700 beyond float64 (found by fuzzing)", 0, `{"":1e700}`, false},
	{"1e700 in a mismatched object", 0, res(`"active"`, `{"a":[-1e700]}`), false},
	{"id 1e-400 underflows to 0", 0, res(`"id":456`, `"id":1e-400`), true},
	{"id -0", 0, res(`"id":456`, `"id":-0`), true},
	{"id -0.0", 0, res(`"id":456`, `"id":-0.0`), true},
	{"id 12.5e-1", 0, res(`"id":456`, `"id":12.5e-1`), true},
	{"id true", 0, res(`"id":456`, `"id":true`), true},
	{"id null", 0, res(`"id":456`, `"id":null`), true},
	{"id object", 0, res(`"id":456`, `"id":{"a":1,"b":{"c":2}}`), true},
	{"id array", 0, res(`"id":456`, `"id":[1,2,3]`), true},
	{"state not in enum", 0, res(`"active"`, `"ajar"`), true},
	{"state number", 0, res(`"active"`, `5.50`), true},
	{"state null", 0, res(`"active"`, `null`), true},
	{"state object", 0, res(`"active"`, `{"x":1,"y":2}`), true},
	{"state array", 0, res(`"active"`, `["active"]`), true},
	{"state boolean", 0, res(`"active"`, `false`), true},
	{"state escaped", 0, res(`"active"`, `"\u0061ctive"`), true},
	{"state html", 0, res(`"active"`, `"<script>&"`), true},
	{"state long", 0, res(`"active"`, `"`+strings.Repeat("é", 80)+`"`), true},
	{"start_time placeholder", 0, res(`"2024-01-15T09:00:00.000Z"`, `"string"`), true},
	{"start_time without zone", 0, res(`"2024-01-15T09:00:00.000Z"`, `"2024-01-15T09:00:00"`), true},
	{"start_time with offset", 0, res(`"2024-01-15T09:00:00.000Z"`, `"2024-01-15T09:00:00+01:00"`), true},
	{"start_time lowercase", 0, res(`"2024-01-15T09:00:00.000Z"`, `"2024-01-15t09:00:00.000z"`), true},
	{"start_time leap second", 0, res(`"2024-01-15T09:00:00.000Z"`, `"2024-06-30T23:59:60Z"`), true},
	{"start_time month 13", 0, res(`"2024-01-15T09:00:00.000Z"`, `"2024-13-15T09:00:00Z"`), true},
	{"start_time number", 0, res(`"2024-01-15T09:00:00.000Z"`, `20240115`), true},
	{"group_ids string", 0, res(`[1,3,5]`, `"1,3,5"`), true},
	{"group_ids mixed", 0, res(`[1,3,5]`, `[1,"a",null,2.5,{"k":1},[1]]`), true},
	{"group_ids empty", 0, res(`[1,3,5]`, `[]`), true},
	{"undeclared property", 0, res(`"id":456`, `"id":456,"colour":"blue"`), true},
	{"undeclared object", 0, res(`"id":456`, `"id":456,"extra":{"a":{"b":[1,{"c":2}]}}`), true},
	{"undeclared name needing escapes", 0, res(`"id":456`, `"id":456,"a/b~c":1,"\u00e9\n":2`), true},
	{"escaped declared name", 0, res(`"id":456`, `"\u0069d":456`), true},
	{"escaped name still wrong type", 0, res(`"id":456`, `"i\u0064":"x"`), true},
	{"duplicate name, last wins in kin", 0, res(`"id":456`, `"id":"x","id":456`), false},
	{"duplicate undeclared name", 0, res(`"id":456`, `"id":456,"x":1,"x":2`), false},
	// The walker checks names itself (dupName): every object, at any depth, names compared unescaped.
	{"duplicate declared name, one escaped", 0, res(`"id":456`, `"id":456,"\u0069d":456`), false},
	{"duplicate undeclared name, one escaped", 0, res(`"id":456`, `"id":456,"x":1,"\u0078":1`), false},
	{"duplicate name in an undeclared object", 0, res(`"id":456`, `"id":456,"extra":{"a":1,"b":{"c":1,"c":2}}`), false},
	{"duplicate name in an object in an array", 0, res(`[1,3,5]`, `[1,{"k":1,"k":1}]`), false},
	{"same name in sibling objects", 0, res(`"id":456`, `"id":456,"e":{"k":1},"f":{"k":1},"g":[{"k":1},{"k":2}]`), true},
	{"same name at two depths", 0, res(`"id":456`, `"id":456,"k":{"k":{"k":1}}`), true},
	{"many undeclared names", 0, res(`"id":456`, `"id":456`+manyMembers(100, -1)), true},
	{"many undeclared names, the last a duplicate", 0, res(`"id":456`, `"id":456`+manyMembers(100, 3)), false},
	{"many undeclared names, a duplicate among the first", 0, res(`"id":456`, `"id":456`+manyMembers(10, 3)), false},
	{"invalid UTF-8", 0, res(`"active"`, "\"act\xffive\""), false},
	{"invalid UTF-8 in undeclared name", 0, res(`"id":456`, "\"id\":456,\"\xff\":1"), false},
	{"lone surrogate escape", 0, res(`"active"`, `"\ud800"`), false},
	{"truncated", 0, reservation[:len(reservation)/2], false},
	{"trailing garbage", 0, reservation + ` x`, false},
	{"trailing second value", 0, reservation + ` {}`, false},
	{"trailing whitespace", 0, " \t\r\n" + reservation + "\n\n", true},
	{"empty body", 0, ``, false},
	{"byte order mark", 0, "\xef\xbb\xbf" + reservation, false},
	{"not JSON", 0, `<html></html>`, false},
	{"control character in string", 0, res(`"active"`, "\"a\tb\""), false},
	{"nesting 50 deep in an undeclared property", 0, res(`"id":456`, `"id":456,"x":`+deep(50)), true},
	{"nesting 2000 deep", 0, res(`"id":456`, `"id":456,"x":`+deep(2000)), false},
	{"nesting 10001 deep", 0, res(`"id":456`, `"id":456,"x":`+deep(10001)), false},
	{"top-level array for an object", 0, `[` + reservation + `]`, true},
	{"top-level null", 0, `null`, true},
	{"top-level string", 0, `"x"`, true},
	{"leading zero", 0, res(`"id":456`, `"id":0456`), false},
	{"valid list", 1, `[` + reservation + `,` + reservation + `]`, true},
	{"empty list", 1, `[]`, true},
	{"list item broken", 1, `[` + reservation + `,` + res(`"state":"active",`, `"state":7,"x":null,`) + `,{}]`, true},
	{"list as object", 1, `{"a":[1]}`, true},
	{"list of nulls", 1, `[null,true,1,"s"]`, true},
	{"valid groups", 2, groupList, true},
	{"groups bad member email and name (secrets)", 2, strings.Replace(strings.Replace(groupList,
		`"jane.smith@example.com"`, `"SECRET-not-an-email"`, 1), `"first_name":"Jane"`, `"first_name":7`, 1), true},
	{"groups email with space", 2, strings.Replace(groupList, `"jane.smith@example.com"`, `"a@b c"`, 1), true},
	{"groups missing pagination", 2, `{"data":[],"meta":{}}`, true},
	{"groups data null", 2, `{"data":null,"meta":{"pagination":{"total":"1","count":1.5,"per_page":null}}}`, true},
	{"groups acl bad", 2, strings.Replace(groupList, `"acl_task":"RW"`, `"acl_task":"rw","acl_other":"RW"`, 1), true},
	{"groups id int64 overflow", 2, strings.Replace(groupList, `"id":5693`, `"id":18446744073709551616`, 1), true},
	{"not found body", 3, `{"error":"not_found","error_description":"gone"}`, true},
	{"not found wrong types", 3, `{"error":404,"error_description":null,"extra":1}`, true},
	{"unauthorized", 4, `{"message":"Unauthenticated."}`, true},
	{"unauthorized wrong type", 4, `{"message":["x"]}`, true},
	{"server error upper-case content type", 5, `{"error":"internal_server_error"}`, true},
	{"thing valid", 6, `{"id":1,"ghost":null,"tags":["a"]}`, true},
	{"thing every feature valid", 6, `{"id":-2147483648,"ghost":1,"tags":[],"ratio":1.5,"ratio32":1e39,"label":null,` +
		`"kind":"2024-01-15T09:00:00Z","day":"2024-01-15","blob":"QUJD","mail":"a@b","uuid":"x","anything":[{}],` +
		`"nested":[[{"id":1,"ghost":2,"tags":[]}]],"flag":null,"obj":{},"a/b~c":3}`, true},
	{"thing every feature broken", 6, `{"id":2147483648,"tags":[1,null],"ratio":"1","ratio32":true,"label":"z",` +
		`"kind":"2024-01-15T09:00:00","day":"2024-13-01","blob":"!!","mail":"a@b@c","uuid":7,"anything":[{"x":1},2],` +
		`"nested":[[{"id":"s","deep":1}],{}],"flag":"no","obj":{"k":1},"a/b~c":"x"}`, true},
	{"thing enum before format", 6, `{"id":1,"ghost":1,"tags":[],"kind":"x"}`, true},
	{"thing nullable enum", 6, `{"id":1,"ghost":1,"tags":[],"label":"x","flag":true}`, true},
	{"thing top-level array", 6, `[{"id":1}]`, true},
	{"default response", 7, `{"code":1.5,"x":1}`, true},
	{"default response valid", 7, `{"code":503}`, true},
	{"unsupported schema goes to kin", 8, `{"a":"y","n":1,"z":1}`, false},
}

func TestFastPathMatchesKin(t *testing.T) {
	t.Parallel()
	vendor, features := enginePairs(t)
	for _, tc := range fastCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tg := fuzzTargets[tc.tg]
			e := tg.engines(vendor, features)
			decided := compareEngines(t, e.fast, e.ref, bodyExchange(tg, []byte(tc.body)))
			if decided != tc.fast {
				t.Errorf("compiled path decided=%v, want %v", decided, tc.fast)
			}
		})
	}
}

// TestFastPathExchanges compares whole exchanges (request and response, routed by URL), strict mode included, and
// the content types that leave a body to kin.
func TestFastPathExchanges(t *testing.T) {
	t.Parallel()
	for _, strict := range []bool{false, true} {
		fast, ref := newValidator(t, WithStrict(strict)), kinOnly(t, WithStrict(strict))
		for _, ct := range []string{"application/json", "application/json; charset=utf-8", "APPLICATION/JSON ; x=y",
			"application/json; charset", "text/plain", "", "application/problem+json"} {
			for _, body := range []string{reservation, res(`"id":456`, `"id":"x","colour":1`)} {
				ex := &Exchange{Source: "t", Index: 0, Method: "GET", URL: mustURL(t, "https://api.doorflow.com/api/3/group_reservations/456"),
					RequestHeader: bearer(), Status: 200, ResponseHeader: http.Header{"Content-Type": {ct}}, ResponseBody: []byte(body)}
				got, want := normalized(fast.Validate(t.Context(), ex)), normalized(ref.Validate(t.Context(), ex))
				if !reflect.DeepEqual(got, want) {
					t.Errorf("strict=%v content type %q: engines disagree\ncompiled: %s\nkin:      %s", strict, ct, describe(got), describe(want))
				}
			}
		}
	}
}

// TestFastPathCoversOurSpecs pins that every JSON response of our specs is compiled: a spec change that brings in
// an unsupported keyword would silently move its bodies back to kin (correct, but slow).
func TestFastPathCoversOurSpecs(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	for _, s := range v.router.specs {
		for _, o := range s.ops {
			for code, ref := range o.route.Operation.Responses.Map() {
				for ct, mt := range ref.Value.Content {
					if v.bodies[mt] == nil {
						t.Errorf("%s %s %s: response schema not compiled", o.id, code, ct)
					}
				}
			}
		}
	}
}

func TestSupported(t *testing.T) {
	t.Parallel()
	str := &openapi3.Schema{Type: &openapi3.Types{"string"}}
	cases := []struct {
		name string
		s    *openapi3.Schema
		want bool
	}{
		{"string", str, true},
		{"no type", &openapi3.Schema{}, false},
		{"two types", &openapi3.Schema{Type: &openapi3.Types{"string", "integer"}}, false},
		{"pattern", &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: "^a"}, false},
		{"allOf", &openapi3.Schema{Type: &openapi3.Types{"object"}, AllOf: openapi3.SchemaRefs{{Value: str}}}, false},
		{"additionalProperties false", &openapi3.Schema{Type: &openapi3.Types{"object"}, AdditionalProperties: openapi3.AdditionalProperties{Has: new(bool)}}, false},
		{"minimum", &openapi3.Schema{Type: &openapi3.Types{"integer"}, Min: new(float64)}, false},
		{"integer enum", &openapi3.Schema{Type: &openapi3.Types{"integer"}, Enum: []any{1.0}}, false},
		{"string enum", &openapi3.Schema{Type: &openapi3.Types{"string"}, Enum: []any{"a"}}, true},
		{"writeOnly", &openapi3.Schema{Type: &openapi3.Types{"string"}, WriteOnly: true}, false},
		{"nullable with annotations", &openapi3.Schema{Type: &openapi3.Types{"string"}, Nullable: true, Description: "d", Example: "x"}, true},
		{"items on a string", &openapi3.Schema{Type: &openapi3.Types{"string"}, Items: &openapi3.SchemaRef{Value: str}}, false},
	}
	for _, tc := range cases {
		if got := supported(tc.s); got != tc.want {
			t.Errorf("%s: supported = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMatchDateTime(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(openapi3.FormatOfStringDateTime)
	inputs := append([]string{"2024-01-15T09:00:00.000000001Z", "2024-02-30T00:00:00Z", "0000-01-01T00:00:00-00:00",
		"2024-01-15T09:00:00.000Z ", "2024-01-15T19:59:59.1+23:59", "2024-10-01T20:00:00.Z", "2024-01-15T09:00:00.0"},
		dateTimeProbes...)
	for _, s := range inputs {
		if got, want := matchDateTime([]byte(s)), re.MatchString(s); got != want {
			t.Errorf("matchDateTime(%q) = %v, regexp says %v", s, got, want)
		}
	}
	if !dateTimeValidatorMatches(openapi3.SchemaStringFormats["date-time"]) {
		t.Error("kin-openapi's date-time validator is no longer the regexp matchDateTime mirrors")
	}
}

func FuzzMatchDateTime(f *testing.F) {
	for _, s := range dateTimeProbes {
		f.Add(s)
	}
	re := regexp.MustCompile(openapi3.FormatOfStringDateTime)
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := matchDateTime([]byte(s)), re.MatchString(s); got != want {
			t.Errorf("matchDateTime(%q) = %v, regexp says %v", s, got, want)
		}
	})
}

// FuzzFastPathMatchesKin mutates bodies for each operation and fails on any difference between the compiled
// path and kin-openapi: verdict, In, Pointer, Rule, Message, Value, line, warnings. Its seeds (fastCases) run in
// plain go test.
func FuzzFastPathMatchesKin(f *testing.F) {
	for _, tc := range fastCases {
		f.Add(uint8(tc.tg), []byte(tc.body))
	}
	vendor, features := enginePairs(f)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		tg := fuzzTargets[int(which)%len(fuzzTargets)]
		e := tg.engines(vendor, features)
		compareEngines(t, e.fast, e.ref, bodyExchange(tg, body))
	})
}
