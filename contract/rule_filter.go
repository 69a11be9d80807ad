package contract

// rule.filter, declared as filters: {operator: filter_operator, match: [{param, field, kind}]}. Every item
// satisfies the request's filters, combined by the operator parameter (its schema default when absent): AND every
// filter, OR at least one. kind is equals, text (passes when at least one word of the query is a case-insensitive
// substring) or idList (comma-separated ids). A filter on a property the item lacks counts as satisfied; a value
// outside the parameter's enum is not evaluated.

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
)

// filterKey is the member of x-apikit-rules that declares it, and how its value is read.
const filterKey = ruleKey[filtersDecl, *filtersDecl]("filters")

type filtersDecl struct {
	Operator string       `json:"operator"`
	Match    []filterDecl `json:"match"`
}

type filterDecl struct {
	Param string `json:"param"`
	Field string `json:"field"`
	Kind  string `json:"kind"` // equals | text | idList
}

func (d *filtersDecl) compile(c *opCompiler) error {
	if err := c.listOnly("filters"); err != nil {
		return err
	}
	if d.Operator != "" {
		if err := c.param("filters.operator", d.Operator); err != nil {
			return err
		}
	}
	if len(d.Match) == 0 {
		return c.errorf("filters.match lists no filter")
	}
	for i, m := range d.Match {
		what := fmt.Sprintf("filters.match[%d]", i)
		if err := c.param(what+".param", m.Param); err != nil {
			return err
		}
		if err := c.field(what+".field", m.Field); err != nil {
			return err
		}
		switch m.Kind {
		case "equals", "text", "idList":
		default:
			return c.errorf("%s.kind %q: want equals, text or idList", what, m.Kind)
		}
	}
	c.addRule(d)
	return nil
}

// filterCheck is the rule on one exchange whose request sends filters.
type filterCheck struct {
	filters []activeFilter
	and     bool // filters combine with AND
}

type activeFilter struct {
	filterDecl
	slot  int
	value string
	words []string        // text: the query's words, lower-cased
	ids   map[string]bool // idList
}

func (d *filtersDecl) start(run *ruleRun) {
	if !run.obs.known {
		return
	}
	op := "OR"
	if d.Operator != "" {
		op, _ = run.param(d.Operator)
		if op == "" {
			op = "OR"
		}
	}
	if op != "AND" && op != "OR" {
		return
	}
	c := &filterCheck{and: op == "AND"}
	for _, m := range d.Match {
		v := run.q.Get(m.Param)
		if v == "" || !inEnum(run.r.params[m.Param], v) {
			continue // absent, or a value the request check already rejects: the server's answer is not defined
		}
		af := activeFilter{filterDecl: m, slot: run.slot(m.Field), value: v}
		switch m.Kind {
		case "text":
			af.words = strings.FieldsFunc(strings.ToLower(v), func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) })
		case "idList":
			af.ids = map[string]bool{}
			for _, id := range strings.Split(v, ",") {
				if id = strings.TrimSpace(id); id != "" {
					af.ids[canonicalID([]byte(id))] = true
				}
			}
		}
		c.filters = append(c.filters, af)
	}
	if len(c.filters) > 0 {
		run.onItem(c)
	}
}

// item checks an item against the request's filters. A filter whose field the item lacks (sparse fields) cannot
// be evaluated and counts as satisfied.
func (c *filterCheck) item(run *ruleRun, idx int) {
	var failed []*activeFilter
	anyHeld := false
	for i := range c.filters {
		f := &c.filters[i]
		raw := run.raw(f.slot)
		held := raw == nil || f.holds(raw)
		if held {
			anyHeld = true
			if !c.and {
				return
			}
			continue
		}
		failed = append(failed, f)
	}
	switch {
	case len(failed) == 0:
	case c.and:
		for _, f := range failed {
			run.add(RuleFilter, idx, f.Field, fmt.Sprintf("%s does not satisfy the request's %s filter (filter_operator AND: every filter must hold)", f.Field, f.Param), run.valueOf(f.slot))
		}
	case !anyHeld && len(c.filters) == 1:
		f := failed[0]
		run.add(RuleFilter, idx, f.Field, fmt.Sprintf("%s does not satisfy the request's %s filter", f.Field, f.Param), run.valueOf(f.slot))
	case !anyHeld:
		var names []string
		for _, f := range failed {
			names = append(names, f.Param)
		}
		run.add(RuleFilter, idx, "", fmt.Sprintf("the item satisfies none of the request's filters %s (filter_operator OR: at least one must hold)", strings.Join(names, ", ")), "")
	}
}

func (f *activeFilter) holds(raw []byte) bool {
	switch f.Kind {
	case "equals":
		if s, ok := stringValue(raw); ok {
			return s == f.value
		}
		if a, err := strconv.ParseFloat(string(raw), 64); err == nil {
			b, err := strconv.ParseFloat(f.value, 64)
			return err == nil && a == b
		}
		return string(raw) == f.value
	case "text":
		s, ok := stringValue(raw)
		if !ok {
			return true // not text: not evaluable
		}
		if len(f.words) == 0 {
			return true
		}
		s = strings.ToLower(s)
		for _, w := range f.words {
			if strings.Contains(s, w) {
				return true
			}
		}
		return false
	case "idList":
		return f.ids[canonicalID(raw)]
	}
	return true
}

// canonicalID renders an id (a JSON number or string, or a query's list entry) comparably: 0042 and 42 and "42"
// are one id.
func canonicalID(raw []byte) string {
	if s, ok := stringValue(raw); ok {
		raw = []byte(s)
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return strconv.FormatInt(n, 10)
	}
	return string(raw)
}

// inEnum reports whether a parameter's value is one of its schema's enum values (true when there is no enum).
func inEnum(p *openapi3.Parameter, v string) bool {
	if p == nil || p.Schema == nil || p.Schema.Value == nil || len(p.Schema.Value.Enum) == 0 {
		return true
	}
	for _, e := range p.Schema.Value.Enum {
		if e == v {
			return true
		}
	}
	return false
}
