package propose

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/mail"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/apikit/apikit/capture"
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

// The JSON kinds a summary counts, in the order of kindNames.
const (
	kindNull = iota
	kindArray
	kindBoolean
	kindInteger
	kindNumber
	kindObject
	kindString
	numKinds
)

// kindName names a kind as a schema's type does.
func kindName(k int) string {
	switch k {
	case kindNull:
		return "null"
	case kindArray:
		return "array"
	case kindBoolean:
		return "boolean"
	case kindInteger:
		return "integer"
	case kindNumber:
		return "number"
	case kindObject:
		return "object"
	}
	return "string"
}

// Bounds of a summary, so that no input grows it without limit: the distinct properties one object summary
// keeps, and the budget (in summaryCost units, about bytes) all the summaries of one Collector share.
const (
	maxProps      = 1000
	summaryBudget = 8 << 20
	summaryCost   = 160 // a summary node and its place in its parent, about
)

// summary folds the values seen at one place (values as encoding/json decodes them with UseNumber) into what
// inference needs: how many of each kind, and for the kinds with a format, whether every value so far fits it;
// an object's properties and an array's items are summaries of their own. Its size grows with the distinct
// places in the values, never with their count.
type summary struct {
	counts      [numKinds]int
	bigInt      bool // an integer beyond int64 was seen
	notDateTime bool // a string that is not an RFC 3339 date-time was seen
	notEmail    bool // a string that is not a bare e-mail address was seen
	props       map[string]*summary
	items       *summary // nil until an array item is seen
	// lost says why a property or an item could not be summarized (lostProps, lostBudget): the summary is
	// incomplete, and infer says so rather than propose from it.
	lost int
}

const (
	lostProps  = 1 // more than maxProps distinct properties
	lostBudget = 2 // the Collector's summary budget ran out
)

// budget is what is left of a Collector's summary budget.
type budget struct{ left int }

func (b *budget) take(n int) bool {
	if b.left < n {
		return false
	}
	b.left -= n
	return true
}

// add folds v into s.
func (s *summary) add(v any, b *budget) {
	switch x := v.(type) {
	case nil:
		s.counts[kindNull]++
	case string:
		s.counts[kindString]++
		if !s.notDateTime {
			if _, err := time.Parse(time.RFC3339Nano, x); err != nil {
				s.notDateTime = true
			}
		}
		if !s.notEmail {
			if a, err := mail.ParseAddress(x); err != nil || a.Address != x || a.Name != "" {
				s.notEmail = true
			}
		}
	case bool:
		s.counts[kindBoolean]++
	case json.Number:
		switch {
		case isInt64(x):
			s.counts[kindInteger]++
		case isBigInt(x):
			s.counts[kindInteger]++ // beyond int64: an integer without the int64 format
			s.bigInt = true
		default:
			s.counts[kindNumber]++
		}
	case map[string]any:
		s.counts[kindObject]++
		for k, e := range x {
			p := s.props[k]
			if p == nil {
				switch {
				case len(s.props) >= maxProps:
					s.lost |= lostProps
					continue
				case !b.take(summaryCost + len(k)):
					s.lost |= lostBudget
					continue
				}
				if s.props == nil {
					s.props = map[string]*summary{}
				}
				p = &summary{}
				s.props[k] = p
			}
			p.add(e, b)
		}
	case []any:
		s.counts[kindArray]++
		for _, e := range x {
			if s.items == nil {
				if !b.take(summaryCost) {
					s.lost |= lostBudget
					break
				}
				s.items = &summary{}
			}
			s.items.add(e, b)
		}
	}
}

func isInt64(n json.Number) bool {
	_, err := n.Int64()
	return err == nil
}

func isBigInt(n json.Number) bool {
	f, err := n.Float64()
	return err == nil && f == math.Trunc(f) && !strings.ContainsAny(string(n), ".eE")
}

// infer returns the schema every value folded into s fits, or an error saying which values contradict each other
// (or that s is incomplete). at names the place in messages.
func (s *summary) infer(at string) (*schema, error) {
	switch {
	case s.lost&lostProps != 0:
		return nil, fmt.Errorf("%s: more than %d distinct properties were seen (an object keyed by data?), so no schema is inferred", at, maxProps)
	case s.lost&lostBudget != 0:
		return nil, fmt.Errorf("%s: the values seen have more distinct places than apikit summarizes (%s of summaries), so no schema is inferred", at, capture.FormatSize(summaryBudget))
	}
	counts := s.counts
	nulls := counts[kindNull]
	counts[kindNull] = 0
	// An integer among numbers is a number.
	if counts[kindInteger] > 0 && counts[kindNumber] > 0 {
		counts[kindNumber] += counts[kindInteger]
		counts[kindInteger] = 0
	}
	var seen []string
	typ := ""
	for k, n := range counts {
		if n > 0 {
			typ = kindName(k)
			seen = append(seen, fmt.Sprintf("%s %d times", kindName(k), n))
		}
	}
	switch len(seen) {
	case 0:
		return nil, fmt.Errorf("%s: only null was seen (%d values), so no type can be inferred", at, nulls)
	case 1:
	default:
		slices.Sort(seen)
		return nil, fmt.Errorf("%s: contradictory observations: %s", at, strings.Join(seen, ", "))
	}
	sc := &schema{typ: typ, nullable: nulls > 0}
	switch typ {
	case "string":
		switch {
		case !s.notDateTime:
			sc.format = "date-time"
		case !s.notEmail:
			sc.format = "email"
		}
	case "integer":
		if !s.bigInt {
			sc.format = "int64"
		}
	case "object":
		sc.props = map[string]*schema{}
		for _, k := range slices.Sorted(maps.Keys(s.props)) {
			p, err := s.props[k].infer(at + "." + k)
			if err != nil {
				return nil, err
			}
			sc.props[k] = p
		}
	case "array":
		if s.items == nil {
			sc.emptyItems = true
			break
		}
		it, err := s.items.infer(at + "[]")
		if err != nil {
			return nil, err
		}
		sc.items = it
	}
	return sc, nil
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
