package contract

import (
	"encoding/json"
	"fmt"
	"mime"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

// undeclared reports response properties the schema does not declare (vendor drift). kin-openapi accepts them
// unless a schema sets additionalProperties: false; apikit reports them as warnings, or as violations in strict
// mode, like libopenapi-validator's strict mode. It walks properties and items; allOf/oneOf/anyOf are not used
// by our specs, so their subschemas are not walked (their properties count as declared).
func (v *Validator) undeclared(op *operation, ex *Exchange, base Violation) []Violation {
	if len(ex.ResponseBody) == 0 {
		return nil
	}
	r := op.route.Operation.Responses.Status(ex.Status)
	if r == nil || r.Value == nil {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ex.ResponseHeader.Get("Content-Type"))
	if err != nil {
		return nil
	}
	media := r.Value.Content.Get(mt)
	if media == nil || media.Schema == nil {
		return nil
	}
	var body any
	if err := json.Unmarshal(ex.ResponseBody, &body); err != nil {
		return nil // reported by the schema check
	}
	base.In, base.Rule, base.Severity = InResponseBody, "additionalProperties", SeverityWarning
	var out []Violation
	more := 0 // issue 14: past maxUndeclaredWarnings, counted in walk order as the compiled check counts them
	var walk func(s *openapi3.Schema, val any, path []string)
	walk = func(s *openapi3.Schema, val any, path []string) {
		if s == nil {
			return
		}
		switch x := val.(type) {
		case map[string]any:
			if len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) > 0 || s.AdditionalProperties.Has != nil || s.AdditionalProperties.Schema != nil {
				return
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p, ok := s.Properties[k]
				if !ok {
					if len(out) < maxUndeclaredWarnings {
						out = append(out, undeclaredWarning(base, path, k))
					} else {
						more++
					}
					continue
				}
				if p != nil {
					walk(p.Value, x[k], append(path, k))
				}
			}
		case []any:
			if s.Items == nil {
				return
			}
			for i, item := range x {
				walk(s.Items.Value, item, append(path, fmt.Sprint(i)))
			}
		}
	}
	walk(media.Schema.Value, body, nil)
	if more > 0 {
		out = append(out, moreUndeclared(base, more))
	}
	return out
}

// undeclaredWarning is the finding for property k, not declared by the schema of the object at path. base has
// In, Rule and Severity set as undeclared sets them; the compiled body check (fastbody.go) shares it.
func undeclaredWarning(base Violation, path []string, k string) Violation {
	base.Pointer = pointer(append(path[:len(path):len(path)], k))
	base.Message = fmt.Sprintf("property %q is not declared in the spec (vendor drift?)", k)
	return base
}
