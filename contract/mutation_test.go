package contract

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// mutant is one deliberate break of a valid exchange, with the violation it must cause.
type mutant struct {
	kind    string // what kind of break: "drop required", "change type", ...
	name    string
	in      string
	pointer string
	rule    string
	apply   func(ex *Exchange)
}

// TestMutationsAreCaught derives mutants from every valid recording in testdata/ — drop each required property,
// change each property's type, break each enum and format, drop the content type, make the status undocumented,
// break each typed parameter, drop the credential — and asserts each is caught with the right in, pointer and
// rule. It logs the mutation score per operation and kind; anything below 100% fails.
func TestMutationsAreCaught(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	files, err := filepath.Glob(filepath.Join("testdata", "*.har"))
	if err != nil {
		t.Fatal(err)
	}
	cassettes, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	files = append(files, cassettes...)
	if len(files) == 0 {
		t.Fatal("no recordings in testdata/")
	}
	type score struct{ caught, total int }
	scores := map[string]map[string]*score{} // operation -> kind -> score
	seen := map[string]bool{}                // one mutant per operation+kind+pointer
	for ex, err := range Load(t.Context(), files) {
		if err != nil {
			t.Fatalf("loading testdata: %v", err)
		}
		base := v.Validate(t.Context(), ex)
		if base.Skipped || !base.Valid {
			if !base.Skipped {
				t.Errorf("%s: the recording itself is invalid: %v", ex.Where(), base.Violations)
			}
			continue
		}
		op := v.router.op(base.OperationID)
		for _, m := range mutants(t, op, ex) {
			key := base.OperationID + "|" + m.kind + "|" + m.in + "|" + m.pointer + "|" + m.name
			if seen[key] {
				continue
			}
			seen[key] = true
			if scores[base.OperationID] == nil {
				scores[base.OperationID] = map[string]*score{}
			}
			sc := scores[base.OperationID][m.kind]
			if sc == nil {
				sc = &score{}
				scores[base.OperationID][m.kind] = sc
			}
			sc.total++
			mex := cloneExchange(ex)
			m.apply(mex)
			res := v.Validate(t.Context(), mex)
			found := false
			for _, vi := range res.Violations {
				if vi.In == m.in && vi.Pointer == m.pointer && vi.Rule == m.rule {
					found = true
				}
			}
			if found && !res.Valid {
				sc.caught++
				continue
			}
			var got []string
			for _, vi := range res.Violations {
				got = append(got, vi.In+" "+vi.Pointer+" "+vi.Rule)
			}
			t.Errorf("%s %s: mutant %q (%s) not caught as %s %s %s; got %q", ex.Where(), base.OperationID, m.name, m.kind, m.in, m.pointer, m.rule, got)
		}
	}
	if len(scores) != 3 {
		t.Errorf("mutants were derived for %d operations, want all 3", len(scores))
	}
	for _, op := range slices.Sorted(maps.Keys(scores)) {
		var parts []string
		for _, kind := range slices.Sorted(maps.Keys(scores[op])) {
			s := scores[op][kind]
			parts = append(parts, fmt.Sprintf("%s %d/%d", kind, s.caught, s.total))
		}
		t.Logf("mutation score %s: %s", op, strings.Join(parts, ", "))
	}
}

func cloneExchange(ex *Exchange) *Exchange {
	c := *ex
	u := *ex.URL
	c.URL = &u
	c.RequestHeader = ex.RequestHeader.Clone()
	c.ResponseHeader = ex.ResponseHeader.Clone()
	c.ResponseBody = slices.Clone(ex.ResponseBody)
	return &c
}

// mutants derives every mutant of one valid exchange from its operation's schema and parameters.
func mutants(t *testing.T, op *operation, ex *Exchange) []mutant {
	t.Helper()
	var out []mutant
	// Request side: break each typed parameter present or declared, and drop the credential.
	for _, pr := range op.route.Operation.Parameters {
		p := pr.Value
		bad, rule := breakParam(p.Schema.Value)
		if bad == "" {
			continue
		}
		in := "request." + p.In
		name := p.Name
		out = append(out, mutant{kind: "break parameter", name: name + "=" + bad, in: in, pointer: name, rule: rule,
			apply: func(ex *Exchange) { setParam(ex, op, name, bad) }})
	}
	out = append(out, mutant{kind: "drop credential", name: "no Authorization", in: InRequestHeader, pointer: "Authorization", rule: "security",
		apply: func(ex *Exchange) { ex.RequestHeader.Del("Authorization") }})
	// Response side.
	out = append(out,
		mutant{kind: "drop content type", name: "no Content-Type", in: InResponseHeader, pointer: "Content-Type", rule: "content-type",
			apply: func(ex *Exchange) { ex.ResponseHeader.Del("Content-Type") }},
		mutant{kind: "undocumented status", name: "status 418", in: InResponseStatus, pointer: "", rule: "status",
			apply: func(ex *Exchange) { ex.Status = http.StatusTeapot }},
	)
	media := op.route.Operation.Responses.Status(ex.Status).Value.Content.Get("application/json")
	var body any
	if err := json.Unmarshal(ex.ResponseBody, &body); err != nil {
		t.Fatalf("%s: %v", ex.Where(), err)
	}
	walkMutants(media.Schema.Value, body, nil, &out)
	return out
}

// walkMutants adds body mutants for each property present in a valid body: drop it when required, change its
// type, break its enum and its format. Only the first item of each array is mutated.
func walkMutants(s *openapi3.Schema, val any, path []string, out *[]mutant) {
	switch x := val.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			ps := s.Properties[k]
			if ps == nil {
				continue
			}
			p := append(slices.Clone(path), k)
			ptr := pointer(p)
			if slices.Contains(s.Required, k) {
				*out = append(*out, mutant{kind: "drop required", name: "drop " + ptr, in: InResponseBody, pointer: ptr, rule: "required",
					apply: editBody(path, func(m any) { delete(m.(map[string]any), k) })})
			}
			addLeafMutants(ps.Value, p, out)
			walkMutants(ps.Value, x[k], p, out)
		}
	case []any:
		if len(x) > 0 && s.Items != nil {
			walkMutants(s.Items.Value, x[0], append(slices.Clone(path), "0"), out)
		}
	}
}

func addLeafMutants(s *openapi3.Schema, p []string, out *[]mutant) {
	ptr := pointer(p)
	parent, key := p[:len(p)-1], p[len(p)-1]
	set := func(v any) func(*Exchange) {
		return editBody(parent, func(m any) { setChild(m, key, v) })
	}
	wrong := map[string]any{"string": 12345, "integer": "12345", "number": "1.5", "boolean": "true", "array": map[string]any{}, "object": []any{}}
	for _, typ := range s.Type.Slice() {
		// kin-openapi checks enum before type, so a wrong-typed value of an enum property is reported as
		// "enum" (must be one of ...). kin is the reference; the mutant expects what it reports.
		rule := "type"
		if len(s.Enum) > 0 {
			rule = "enum"
		}
		*out = append(*out, mutant{kind: "change type", name: fmt.Sprintf("%s %s→%T", ptr, typ, wrong[typ]), in: InResponseBody, pointer: ptr, rule: rule, apply: set(wrong[typ])})
	}
	if len(s.Enum) > 0 {
		*out = append(*out, mutant{kind: "break enum", name: ptr + " not in enum", in: InResponseBody, pointer: ptr, rule: "enum", apply: set("not-a-listed-value")})
	}
	switch s.Format {
	case "date-time":
		*out = append(*out, mutant{kind: "break format", name: ptr + " as a bare date", in: InResponseBody, pointer: ptr, rule: "format", apply: set("2024-01-15 09:00")})
	case "email":
		*out = append(*out, mutant{kind: "break format", name: ptr + " not an email", in: InResponseBody, pointer: ptr, rule: "format", apply: set("not-an-email")})
	case "int32":
		*out = append(*out, mutant{kind: "break format", name: ptr + " over int32", in: InResponseBody, pointer: ptr, rule: "format", apply: set(1 << 40)})
	}
}

func setChild(container any, key string, v any) {
	switch c := container.(type) {
	case map[string]any:
		c[key] = v
	case []any:
		var i int
		fmt.Sscan(key, &i)
		c[i] = v
	}
}

// editBody returns a mutation that decodes the body, applies fn to the value at path, and encodes it again.
func editBody(path []string, fn func(any)) func(*Exchange) {
	return func(ex *Exchange) {
		var body any
		if err := json.Unmarshal(ex.ResponseBody, &body); err != nil {
			panic(err)
		}
		cur := body
		for _, seg := range path {
			switch c := cur.(type) {
			case map[string]any:
				cur = c[seg]
			case []any:
				var i int
				fmt.Sscan(seg, &i)
				cur = c[i]
			}
		}
		fn(cur)
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		ex.ResponseBody = b
	}
}

// breakParam returns a value that violates a parameter schema, and the rule it breaks; "" when an arbitrary
// string is valid.
func breakParam(s *openapi3.Schema) (string, string) {
	switch {
	case len(s.Enum) > 0:
		return "not-a-listed-value", "enum"
	case s.Type.Is("integer"), s.Type.Is("number"):
		return "twelve", "type"
	case s.Type.Is("boolean"):
		return "maybe", "type"
	}
	return "", ""
}

// setParam puts a parameter value into the exchange's URL (query) or path.
func setParam(ex *Exchange, op *operation, name, value string) {
	for i, seg := range op.segments {
		if seg == "{"+name+"}" {
			segs := strings.Split(ex.URL.Path, "/")
			off := len(segs) - len(op.segments)
			segs[off+i] = value
			ex.URL.Path = strings.Join(segs, "/")
			ex.URL.RawPath = ""
			return
		}
	}
	q := ex.URL.Query()
	q.Set(name, value)
	ex.URL.RawQuery = q.Encode()
}
