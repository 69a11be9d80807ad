package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/getkin/kin-openapi/openapi3"
)

// Coverage counts which parts of the contract a set of exchanges exercises: per operation, its documented
// status codes, its parameters, and the values of its enums (parameter enums from requests, response enums from
// bodies). Build it with [Validator.NewCoverage], feed it every validated exchange with [Coverage.Add], or
// pass it as a [Sink] to a front end (it reads Result.Exchange), then read [Coverage.Report]. It is safe for
// concurrent use.
type Coverage struct {
	mu  sync.Mutex
	ops []*opCoverage // in spec order
	by  map[string]*opCoverage
}

type opCoverage struct {
	op        *operation
	exchanges int
	statuses  map[string]int // documented status -> hits
	params    map[string]int // "query:page" -> hits
	enums     map[string]int // "state=active" -> hits
}

// NewCoverage starts counting coverage of every operation the validator knows.
func (v *Validator) NewCoverage() *Coverage {
	c := &Coverage{by: map[string]*opCoverage{}}
	for _, s := range v.router.specs {
		for _, o := range s.ops {
			oc := &opCoverage{op: o, statuses: map[string]int{}, params: map[string]int{}, enums: map[string]int{}}
			for _, code := range o.statuses {
				oc.statuses[code] = 0
			}
			for _, p := range o.route.Operation.Parameters {
				if p == nil || p.Value == nil {
					continue
				}
				oc.params[p.Value.In+":"+p.Value.Name] = 0
				// A parameter declared with content: instead of schema: has no Schema; its value is encoded
				// (JSON, say), so its enum values could not be matched against the raw value anyway.
				if p.Value.Schema == nil || p.Value.Schema.Value == nil {
					continue
				}
				for _, e := range p.Value.Schema.Value.Enum {
					oc.enums[fmt.Sprintf("%s=%v", p.Value.Name, e)] = 0
				}
			}
			if o.route.Operation.Responses != nil {
				for _, r := range o.route.Operation.Responses.Map() {
					if r == nil || r.Value == nil {
						continue
					}
					if mt := r.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
						collectEnums(mt.Schema.Value, "", oc.enums, map[enumVisit]bool{})
					}
				}
			}
			c.ops = append(c.ops, oc)
			c.by[o.name] = oc // as results name it
		}
	}
	return c
}

// collectEnums lists "property=value" for every enum reachable from a response schema.
// A schema is walked once per property name it is reached under (recursive schemas end, shared ones are not
// walked again along every path to them).
func collectEnums(s *openapi3.Schema, name string, into map[string]int, seen map[enumVisit]bool) {
	if s == nil || seen[enumVisit{s, name}] {
		return
	}
	seen[enumVisit{s, name}] = true
	if name != "" {
		for _, e := range s.Enum {
			into[fmt.Sprintf("%s=%v", name, e)] = 0
		}
	}
	for pname, p := range s.Properties {
		if p != nil {
			collectEnums(p.Value, pname, into, seen)
		}
	}
	if s.Items != nil {
		collectEnums(s.Items.Value, name, into, seen)
	}
}

// Observe counts the exchange a verdict is about (res.Exchange), as [Coverage.Add] does: Coverage is a [Sink].
// A verdict that does not carry its exchange is an error, not a silent miss.
func (c *Coverage) Observe(_ context.Context, res *Result) error {
	if res.Exchange == nil {
		return fmt.Errorf("coverage: the verdict on %s carries no exchange", res.Where())
	}
	c.Add(res.Exchange, *res)
	return nil
}

// Close does nothing: read [Coverage.Report] when the front end is done.
func (c *Coverage) Close() error { return nil }

// Add counts one validated exchange. Skipped exchanges and exchanges without a response count for nothing.
func (c *Coverage) Add(ex *Exchange, res Result) {
	if res.Skipped || res.OperationID == "" || ex.Status == 0 {
		return
	}
	oc := c.by[res.OperationID]
	if oc == nil {
		return
	}
	hits := map[string]bool{}
	for _, p := range oc.op.route.Operation.Parameters {
		if p == nil || p.Value == nil {
			continue
		}
		pv := p.Value
		var val string
		var present bool
		switch pv.In {
		case openapi3.ParameterInQuery:
			if ex.URL != nil {
				q := ex.URL.Query()
				present, val = q.Has(pv.Name), q.Get(pv.Name)
			}
		case openapi3.ParameterInPath:
			present = !ex.NoRequest
		case openapi3.ParameterInHeader:
			val = ex.RequestHeader.Get(pv.Name)
			present = val != ""
		}
		if present {
			hits[pv.In+":"+pv.Name] = true
			if val != "" {
				hits[pv.Name+"="+val] = true
			}
		}
	}
	if mt, ok := parseMediaType(ex.ResponseHeader.Get("Content-Type")); ok && mt == "application/json" && len(ex.ResponseBody) > 0 &&
		oc.op.route.Operation.Responses != nil {
		if r := oc.op.route.Operation.Responses.Status(ex.Status); r != nil && r.Value != nil {
			if m := r.Value.Content.Get(mt); m != nil && m.Schema != nil {
				var body any
				if json.Unmarshal(ex.ResponseBody, &body) == nil {
					enumHits(m.Schema.Value, "", body, hits)
				}
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	oc.exchanges++
	if _, ok := oc.statuses[fmt.Sprint(ex.Status)]; ok {
		oc.statuses[fmt.Sprint(ex.Status)]++
	}
	for k := range hits {
		if _, ok := oc.params[k]; ok {
			oc.params[k]++
		}
		if _, ok := oc.enums[k]; ok {
			oc.enums[k]++
		}
	}
}

// enumHits marks the enum values a body holds.
// enumVisit is a schema reached under a property name.
type enumVisit struct {
	s    *openapi3.Schema
	name string
}

func enumHits(s *openapi3.Schema, name string, val any, hits map[string]bool) {
	if s == nil {
		return
	}
	switch x := val.(type) {
	case map[string]any:
		for k, v := range x {
			if p := s.Properties[k]; p != nil && p.Value != nil {
				enumHits(p.Value, k, v, hits)
			}
		}
	case []any:
		if s.Items != nil {
			for _, item := range x {
				enumHits(s.Items.Value, name, item, hits)
			}
		}
	default:
		if name != "" && len(s.Enum) > 0 {
			hits[fmt.Sprintf("%s=%v", name, x)] = true
		}
	}
}

// CoverageItem is one countable part of an operation and how many exchanges exercised it.
type CoverageItem struct {
	Name string `json:"name"`
	Hits int    `json:"hits"`
}

// OperationCoverage is what the exchanges exercised of one operation.
type OperationCoverage struct {
	Vendor      string         `json:"vendor"`
	OperationID string         `json:"operation"`
	Method      string         `json:"method"`
	Path        string         `json:"path"`
	Exchanges   int            `json:"exchanges"`
	Statuses    []CoverageItem `json:"statuses"`
	Parameters  []CoverageItem `json:"parameters"`
	EnumValues  []CoverageItem `json:"enumValues"`
	// Percent is the share of documented status codes and parameters exercised (enum values are reported, not
	// counted, since a recording cannot be expected to hold every state).
	Percent float64 `json:"percent"`
}

// CoverageReport is the coverage of every operation, with the overall share of documented status codes and
// parameters that the exchanges exercised.
type CoverageReport struct {
	Operations []OperationCoverage `json:"operations"`
	Percent    float64             `json:"percent"`
}

// Report returns the coverage counted so far, operations in spec order and items sorted by name.
func (c *Coverage) Report() *CoverageReport {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &CoverageReport{Operations: []OperationCoverage{}}
	var hit, total int
	for _, oc := range c.ops {
		o := OperationCoverage{Vendor: oc.op.spec.vendor, OperationID: oc.op.id, Method: oc.op.method, Path: oc.op.template,
			Exchanges: oc.exchanges, Statuses: items(oc.statuses), Parameters: items(oc.params), EnumValues: items(oc.enums)}
		h, n := countHit(o.Statuses)+countHit(o.Parameters), len(o.Statuses)+len(o.Parameters)
		o.Percent = percent(h, n)
		hit, total = hit+h, total+n
		r.Operations = append(r.Operations, o)
	}
	r.Percent = percent(hit, total)
	return r
}

func items(m map[string]int) []CoverageItem {
	out := make([]CoverageItem, 0, len(m))
	for k, v := range m {
		out = append(out, CoverageItem{Name: k, Hits: v})
	}
	slices.SortFunc(out, func(a, b CoverageItem) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func countHit(items []CoverageItem) int {
	n := 0
	for _, it := range items {
		if it.Hits > 0 {
			n++
		}
	}
	return n
}

func percent(hit, total int) float64 {
	if total == 0 {
		return 100
	}
	return math.Round(1000*float64(hit)/float64(total)) / 10
}

// WriteText prints the coverage as a table, then what was never exercised.
func (r *CoverageReport) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "operation\texchanges\tstatuses\tparameters\tenum values\tcoverage")
	for _, o := range r.Operations {
		fmt.Fprintf(tw, "%s.%s\t%d\t%d/%d\t%d/%d\t%d/%d\t%.1f%%\n", o.Vendor, o.OperationID, o.Exchanges,
			countHit(o.Statuses), len(o.Statuses), countHit(o.Parameters), len(o.Parameters),
			countHit(o.EnumValues), len(o.EnumValues), o.Percent)
	}
	fmt.Fprintf(tw, "all\t\t\t\t\t%.1f%%\n", r.Percent)
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing coverage: %w", err)
	}
	var b strings.Builder
	for _, o := range r.Operations {
		var missing []string
		for _, group := range []struct {
			label string
			items []CoverageItem
		}{{"status", o.Statuses}, {"parameter", o.Parameters}, {"enum value", o.EnumValues}} {
			var names []string
			for _, it := range group.items {
				if it.Hits == 0 {
					names = append(names, strings.TrimPrefix(strings.TrimPrefix(it.Name, "query:"), "path:"))
				}
			}
			if len(names) > 0 {
				missing = append(missing, group.label+" "+strings.Join(names, ", "))
			}
		}
		if len(missing) > 0 {
			fmt.Fprintf(&b, "never exercised in %s: %s\n", o.OperationID, strings.Join(missing, "; "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
