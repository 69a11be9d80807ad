package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"sort"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-json-experiment/json/jsontext"
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
	// issue 14: past maxUndeclaredWarnings the warnings are counted, in the compiled check's walk order (the
	// body's), so that both engines list the same ones; a body jsontext rejects (a repeated name, invalid UTF-8)
	// is walked from the decoded map, its keys sorted, as the compiled check leaves it to kin.
	if out, ok := undeclaredInOrder(ex.ResponseBody, media.Schema.Value, base); ok {
		return out
	}
	c := undeclaredCap{base: base}
	var walk func(s *openapi3.Schema, val any, path []string)
	walk = func(s *openapi3.Schema, val any, path []string) {
		if s == nil {
			return
		}
		switch x := val.(type) {
		case map[string]any:
			if !walksProperties(s) {
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
					c.add(path, k)
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
	return c.done()
}

// walksProperties reports whether undeclared checks the names of an object of schema s.
func walksProperties(s *openapi3.Schema) bool {
	return len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) == 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil
}

// undeclaredCap keeps the first maxUndeclaredWarnings undeclared-property warnings and counts the rest (issue 14).
type undeclaredCap struct {
	base Violation
	out  []Violation
	more int
}

func (c *undeclaredCap) add(path []string, k string) {
	if len(c.out) < maxUndeclaredWarnings {
		c.out = append(c.out, undeclaredWarning(c.base, path, k))
	} else {
		c.more++
	}
}

func (c *undeclaredCap) done() []Violation {
	if c.more > 0 {
		return append(c.out, moreUndeclared(c.base, c.more))
	}
	return c.out
}

// undeclaredInOrder is undeclared's walk over the body's tokens, in the body's order; ok is false when jsontext
// rejects the body (the caller then walks the decoded map).
func undeclaredInOrder(body []byte, schema *openapi3.Schema, base Violation) (_ []Violation, ok bool) {
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	c := undeclaredCap{base: base}
	var walk func(s *openapi3.Schema, path []string) error
	walk = func(s *openapi3.Schema, path []string) error {
		switch kind := dec.PeekKind(); {
		case s != nil && kind == '{' && walksProperties(s):
			if _, err := dec.ReadToken(); err != nil {
				return err
			}
			for dec.PeekKind() != '}' {
				tok, err := dec.ReadToken()
				if err != nil {
					return err
				}
				k := tok.String()
				p, declared := s.Properties[k]
				switch {
				case !declared:
					c.add(path, k)
					err = dec.SkipValue()
				case p != nil:
					err = walk(p.Value, append(path, k))
				default:
					err = dec.SkipValue()
				}
				if err != nil {
					return err
				}
			}
			_, err := dec.ReadToken()
			return err
		case s != nil && kind == '[' && s.Items != nil:
			if _, err := dec.ReadToken(); err != nil {
				return err
			}
			for i := 0; dec.PeekKind() != ']'; i++ {
				if err := walk(s.Items.Value, append(path, strconv.Itoa(i))); err != nil {
					return err
				}
			}
			_, err := dec.ReadToken()
			return err
		}
		return dec.SkipValue()
	}
	if err := walk(schema, nil); err != nil {
		return nil, false
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, false
	}
	return c.done(), true
}

// undeclaredWarning is the finding for property k, not declared by the schema of the object at path. base has
// In, Rule and Severity set as undeclared sets them; the compiled body check (fastbody.go) shares it.
func undeclaredWarning(base Violation, path []string, k string) Violation {
	base.Pointer = pointer(append(path[:len(path):len(path)], k))
	base.Message = fmt.Sprintf("property %q is not declared in the spec (vendor drift?)", k)
	return base
}
