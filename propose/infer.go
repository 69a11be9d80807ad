package propose

import (
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// schema is an inferred schema: only what every observed value supports.
type schema struct {
	typ        string // string, integer, number, boolean, object, array
	format     string // date-time, email or int64, when every value fits it
	nullable   bool
	props      map[string]*schema // object
	items      *schema            // array; nil when every array seen was empty
	emptyItems bool               // array whose items were never seen
}

// infer returns the schema every value in vals fits, or an error saying which values contradict each other. A
// value is as encoding/json decodes it with UseNumber. at names the place in messages.
func infer(vals []any, at string) (*schema, error) {
	var s *schema
	nulls := 0
	kinds := map[string]int{}
	for _, v := range vals {
		k := kindOf(v)
		if k == "null" {
			nulls++
			continue
		}
		kinds[k]++
	}
	// An integer among numbers is a number.
	if kinds["integer"] > 0 && kinds["number"] > 0 {
		kinds["number"] += kinds["integer"]
		delete(kinds, "integer")
	}
	switch len(kinds) {
	case 0:
		return nil, fmt.Errorf("%s: only null was seen (%d values), so no type can be inferred", at, nulls)
	case 1:
	default:
		seen := make([]string, 0, len(kinds))
		for k, n := range kinds {
			seen = append(seen, fmt.Sprintf("%s %d times", k, n))
		}
		slices.Sort(seen)
		return nil, fmt.Errorf("%s: contradictory observations: %s", at, strings.Join(seen, ", "))
	}
	for k := range kinds {
		s = &schema{typ: k, nullable: nulls > 0}
	}
	var nonNull []any
	for _, v := range vals {
		if v != nil {
			nonNull = append(nonNull, v)
		}
	}
	switch s.typ {
	case "string":
		s.format = stringFormat(nonNull)
	case "integer":
		s.format = "int64"
		for _, v := range nonNull {
			if _, err := v.(json.Number).Int64(); err != nil {
				s.format = ""
			}
		}
	case "object":
		s.props = map[string]*schema{}
		byKey := map[string][]any{}
		for _, v := range nonNull {
			for k, x := range v.(map[string]any) {
				byKey[k] = append(byKey[k], x)
			}
		}
		for k, xs := range byKey {
			p, err := infer(xs, at+"."+k)
			if err != nil {
				return nil, err
			}
			s.props[k] = p
		}
	case "array":
		var all []any
		for _, v := range nonNull {
			all = append(all, v.([]any)...)
		}
		if len(all) == 0 {
			s.emptyItems = true
			break
		}
		it, err := infer(all, at+"[]")
		if err != nil {
			return nil, err
		}
		s.items = it
	}
	return s, nil
}

func kindOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "integer"
		}
		if f, err := x.Float64(); err == nil && f == math.Trunc(f) && !strings.ContainsAny(string(x), ".eE") {
			return "integer" // beyond int64: an integer without the int64 format
		}
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// stringFormat returns the one format every string fits (date-time, email), or "" when they do not all fit one.
func stringFormat(vals []any) string {
	if len(vals) == 0 {
		return ""
	}
	dt, email := true, true
	for _, v := range vals {
		s := v.(string)
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			dt = false
		}
		if a, err := mail.ParseAddress(s); err != nil || a.Address != s || a.Name != "" {
			email = false
		}
	}
	switch {
	case dt:
		return "date-time"
	case email:
		return "email"
	}
	return ""
}

// describe is the schema in a few words, for descriptions: "string (date-time), nullable".
func (s *schema) describe() string {
	d := s.typ
	if s.format != "" {
		d += " (" + s.format + ")"
	}
	if s.nullable {
		d += ", nullable"
	}
	return d
}

// node is the schema as an OpenAPI 3.0 schema object.
func (s *schema) node() *yaml.Node {
	m := mapping()
	put(m, "type", scalar(s.typ))
	if s.format != "" {
		put(m, "format", scalar(s.format))
	}
	if s.nullable {
		put(m, "nullable", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	}
	switch s.typ {
	case "object":
		props := mapping()
		keys := make([]string, 0, len(s.props))
		for k := range s.props {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			put(props, k, s.props[k].node())
		}
		put(m, "properties", props)
	case "array":
		if s.items != nil {
			put(m, "items", s.items.node())
		} else {
			put(m, "items", mapping()) // every array seen was empty: any item
		}
	}
	return m
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"} }

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

func put(m *yaml.Node, k string, v *yaml.Node) { m.Content = append(m.Content, scalar(k), v) }
