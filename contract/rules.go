package contract

// Rules no schema can express, declared in the specs with the x-apikit-rules extension (README: "Rules beyond
// the schema"). This file reads and checks the declarations at New; rulecheck.go applies them to one exchange,
// rulescan.go extracts the values they need from a body in one pass, invariants.go checks a whole recording.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Names of the rules and invariants, as [Violation.Rule] carries them.
const (
	RuleSparseFields             = "rule.sparse-fields"              // items hold exactly the properties the request asked for
	RuleOrder                    = "rule.order"                      // items are sorted as the request asked
	RuleFilter                   = "rule.filter"                     // every item satisfies the request's filters
	RulePagination               = "rule.pagination"                 // the paging envelope agrees with the page and the request
	RuleSince                    = "rule.since"                      // an incremental answer holds only items changed since
	RuleMaxItems                 = "rule.max-items"                  // a page holds no more items than the page size
	RuleTimeWindow               = "rule.time-window"                // start before end; the state agrees with the clock
	InvariantUniqueAcrossPages   = "invariant.unique-across-pages"   // no item on two pages of one walk
	InvariantTotalStable         = "invariant.total-stable"          // the total does not change during a walk
	InvariantSkipPaginationUnion = "invariant.skip-pagination-union" // an unpaged answer is the union of the pages
	InvariantSameObject          = "invariant.same-object"           // a listed and a fetched copy agree
	InvariantSyncLostChange      = "invariant.sync-lost-change"      // an incremental answer loses no change seen before
)

// Rules selects what a [Validator] checks beyond kin-openapi's schema validation.
type Rules int

const (
	// RulesAll runs the schema validation and the per-operation rules declared with x-apikit-rules. It is the
	// default.
	RulesAll Rules = iota + 1
	// RulesSchema runs plain schema validation only.
	RulesSchema
)

// String returns "all" or "schema", as the CLI's --rules flag spells them.
func (r Rules) String() string {
	switch r {
	case RulesAll:
		return "all"
	case RulesSchema:
		return "schema"
	}
	return "Rules(" + strconv.Itoa(int(r)) + ")"
}

// ParseRules reads "all" or "schema" (the CLI's --rules flag).
func ParseRules(s string) (Rules, error) {
	switch s {
	case "all":
		return RulesAll, nil
	case "schema":
		return RulesSchema, nil
	}
	return 0, fmt.Errorf("rules %q: want schema or all", s)
}

// WithRules sets what the validator checks: [RulesAll] (the default) or [RulesSchema].
func WithRules(r Rules) Option {
	return func(c *config) error {
		if r != RulesAll && r != RulesSchema {
			return fmt.Errorf("WithRules: unknown value %d (want RulesAll or RulesSchema)", int(r))
		}
		c.rules.mode = r
		return nil
	}
}

// WithTimeZone sets the time zone of parameters the specs declare as local time (zone: local in x-apikit-rules,
// such as DoorFlow's since). The default is UTC.
func WithTimeZone(loc *time.Location) Option {
	return func(c *config) error {
		if loc == nil {
			return errors.New("WithTimeZone: nil location")
		}
		c.rules.loc = loc
		return nil
	}
}

// WithObservations makes every [Result] carry what the cross-exchange [Invariants] need of its exchange
// ([Result.Observed]): its time and paging, and the ids, versions and fingerprints of its items, extracted in the
// same pass as the rules. Turn it on to feed an [Invariants] (apikit validate does). On a large list it costs
// several times what the per-exchange rules cost (BenchmarkRules), so a validator that checks exchanges one by
// one leaves it off. It needs [RulesAll].
func WithObservations(on bool) Option {
	return func(c *config) error {
		c.rules.observe = on
		return nil
	}
}

// ruleConfig is the part of config the rules read.
type ruleConfig struct {
	mode    Rules
	loc     *time.Location
	observe bool
}

const rulesExtension = "x-apikit-rules"

// clockSkew is how far the exchange's clock (a HAR's startedDateTime, a Date header) may be from the server's
// when a rule compares a timestamp with it.
const clockSkew = 5 * time.Minute

// The declaration, as written in a spec. Every key is optional; unknown keys are an error at New, so a typo
// cannot switch a rule off silently. x-apikit-note keys may appear anywhere and are ignored.
type rulesDecl struct {
	Items        *string         `json:"items"` // pointer to the array of items in the response body
	Item         *string         `json:"item"`  // pointer to the one item of a response (a get)
	SparseFields *sparseDecl     `json:"sparseFields"`
	Order        *orderDecl      `json:"order"`
	Filters      *filtersDecl    `json:"filters"`
	Pagination   *paginationDecl `json:"pagination"`
	Since        []sinceDecl     `json:"since"`
	MaxItems     *maxItemsDecl   `json:"maxItems"`
	TimeWindow   *timeWindowDecl `json:"timeWindow"`
	Walk         *walkDecl       `json:"walk"`
	SameAs       *sameAsDecl     `json:"sameAs"`
	Sync         *syncDecl       `json:"sync"`
}

type sparseDecl struct {
	Param          string   `json:"param"`
	AlwaysIncluded []string `json:"alwaysIncluded"`
}

type orderDecl struct {
	Asc  string `json:"asc"`
	Desc string `json:"desc"`
}

type filtersDecl struct {
	Operator string       `json:"operator"`
	Match    []filterDecl `json:"match"`
}

type filterDecl struct {
	Param string `json:"param"`
	Field string `json:"field"`
	Kind  string `json:"kind"` // equals | text | idList
}

type paginationDecl struct {
	At          string `json:"at"`
	Page        string `json:"page"`
	Limit       string `json:"limit"`
	Total       string `json:"total"`
	Count       string `json:"count"`
	PerPage     string `json:"perPage"`
	CurrentPage string `json:"currentPage"`
}

type sinceDecl struct {
	Param string `json:"param"`
	Field string `json:"field"`
	Zone  string `json:"zone"` // UTC | local
}

type maxItemsDecl struct {
	Param  string `json:"param"`
	Unless string `json:"unless"`
}

type timeWindowDecl struct {
	Start  string `json:"start"`
	End    string `json:"end"`
	State  string `json:"state"`
	Before string `json:"before"`
	Within string `json:"within"`
}

type walkDecl struct {
	ID          string `json:"id"`
	Page        string `json:"page"`
	Size        string `json:"size"`
	Skip        string `json:"skip"`
	Total       string `json:"total"`
	Version     string `json:"version"`
	ListedUntil string `json:"listedUntil"`
}

type sameAsDecl struct {
	Operation string   `json:"operation"`
	ID        string   `json:"id"`
	Version   string   `json:"version"`
	Ignore    []string `json:"ignore"`
}

type syncDecl struct {
	Since []string `json:"since"`
}

// The compiled rules of one operation. Only read after New.
type opRules struct {
	op    *operation
	where string // "openapi/doorflow.yaml:42: listGroupReservations", for errors at New
	line  int    // line of the x-apikit-rules key, for violations

	list     bool     // items (an array) rather than item (one object)
	path     []string // the items' (or item's) pointer, as segments
	ptr      string   // the same pointer, escaped, as violations print it
	props    map[string]*openapi3.Schema
	slots    slotTable // the items' properties, numbered, for the scanner
	ignored  []bool    // per property: left out of fingerprints (sameAs.ignore)
	params   map[string]*openapi3.Parameter
	secret   map[string]bool // item properties marked x-apikit-secret: their values are never shown
	tree     *scanNode       // what the scanner visits in a body
	envSlots []envSlot       // envelope values the scanner captures

	sparse     *sparseDecl
	order      *orderDecl
	filters    *filtersDecl
	pagination *paginationRule
	since      []sinceDecl
	maxItems   *maxItemsDecl
	window     *timeWindowDecl
	walk       *walkRule
	sameAs     *sameAsRule // on both operations of the pair
	syncSince  []sinceDecl // the since entries the sync invariant follows

	statuses map[int]bool // the documented 2xx statuses with a JSON body: rules read only those bodies
}

type paginationRule struct {
	paginationDecl
	total, count, perPage, currentPage int // envelope slots
}

type walkRule struct {
	walkDecl
	total int // envelope slot of the total, -1 when not declared
}

// sameAsRule pairs a get operation with the list operation that lists the same objects.
type sameAsRule struct {
	list, get *opRules
	id        string
	version   string
	ignore    map[string]bool
}

// envSlot is a value outside the items that the scanner captures (the paging envelope).
type envSlot struct {
	path []string
}

// scanNode is one object member on the way from the body's root to the items and the envelope values.
type scanNode struct {
	name  string
	kids  []*scanNode
	items bool // the array of items
	item  bool // the one item
	env   int  // envelope slot + 1; 0 when not captured
}

// ruleEngine holds the compiled rules of every operation. It is built once in New and only read afterwards.
type ruleEngine struct {
	mode    Rules
	observe bool // record Observations (WithObservations)
	loc     *time.Location
	seed    maphash.Seed // of the items' fingerprints (same-object), one per Validator
	ops     map[*operation]*opRules
}

// compileRules reads every operation's x-apikit-rules. An error names the spec, line and operation.
func compileRules(specs []*spec, c ruleConfig) (*ruleEngine, error) {
	e := &ruleEngine{mode: c.mode, observe: c.observe, loc: c.loc, seed: maphash.MakeSeed(), ops: map[*operation]*opRules{}}
	if e.mode == 0 {
		e.mode = RulesAll
	}
	if e.loc == nil {
		e.loc = time.UTC
	}
	if e.observe && e.mode != RulesAll {
		return nil, errors.New("WithObservations needs WithRules(RulesAll): observations are taken in the rules' pass")
	}
	byID := map[string]*opRules{}
	type pending struct {
		r    *opRules
		decl *sameAsDecl
	}
	var pairs []pending
	for _, s := range specs {
		for _, o := range s.ops {
			raw, ok := o.route.Operation.Extensions[rulesExtension]
			if !ok {
				continue
			}
			r, decl, err := compileOp(s, o, raw)
			if err != nil {
				return nil, err
			}
			e.ops[o] = r
			byID[o.id] = r
			if decl.SameAs != nil {
				pairs = append(pairs, pending{r, decl.SameAs})
			}
		}
	}
	for _, p := range pairs {
		list := byID[p.decl.Operation]
		if list == nil || !list.list {
			return nil, fmt.Errorf("%s: %s: sameAs.operation %q is not an operation with x-apikit-rules items", p.r.where, rulesExtension, p.decl.Operation)
		}
		if p.r.list {
			return nil, fmt.Errorf("%s: %s: sameAs goes on the operation that gets one item (item), not on a list", p.r.where, rulesExtension)
		}
		if list.sameAs != nil {
			return nil, fmt.Errorf("%s: %s: %s is already paired by sameAs", p.r.where, rulesExtension, list.op.id)
		}
		sa := &sameAsRule{list: list, get: p.r, id: p.decl.ID, version: p.decl.Version, ignore: map[string]bool{}}
		for _, f := range append([]string{p.decl.ID, p.decl.Version}, p.decl.Ignore...) {
			if err := p.r.field("sameAs", f); err != nil {
				return nil, err
			}
			if err := list.field("sameAs", f); err != nil {
				return nil, err
			}
		}
		for _, f := range p.decl.Ignore {
			sa.ignore[f] = true
		}
		p.r.sameAs, list.sameAs = sa, sa
	}
	for _, r := range e.ops {
		r.ignored = make([]bool, len(r.slots.names))
		for i, name := range r.slots.names {
			r.ignored[i] = r.sameAs != nil && r.sameAs.ignore[name]
		}
	}
	return e, nil
}

// decodeDecl turns the extension's value (as kin-openapi read it from YAML) into a declaration, strictly.
func decodeDecl(raw any) (*rulesDecl, error) {
	data, err := json.Marshal(stripNotes(raw))
	if err != nil {
		return nil, fmt.Errorf("cannot read the value: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d rulesDecl
	if err := dec.Decode(&d); err != nil {
		return nil, err
	}
	return &d, nil
}

// stripNotes removes x-apikit-note keys at any depth: a decision may be written next to any rule.
func stripNotes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			if k != "x-apikit-note" {
				out[k] = stripNotes(val)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = stripNotes(val)
		}
		return out
	}
	return v
}

func compileOp(s *spec, o *operation, raw any) (*opRules, *rulesDecl, error) {
	r := &opRules{op: o, line: o.line, where: fmt.Sprintf("%s:%d: %s", s.file, o.line, o.id),
		params: map[string]*openapi3.Parameter{}, secret: map[string]bool{}, statuses: map[int]bool{}}
	if org := o.route.Operation.Origin; org != nil {
		for _, f := range org.Fields {
			if f.Name == rulesExtension {
				r.line = f.Line
				r.where = fmt.Sprintf("%s:%d: %s", s.file, f.Line, o.id)
			}
		}
	}
	fail := func(format string, args ...any) (*opRules, *rulesDecl, error) {
		return nil, nil, fmt.Errorf("%s: %s: "+format, append([]any{r.where, rulesExtension}, args...)...)
	}
	d, err := decodeDecl(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", r.where, rulesExtension, err)
	}
	for _, p := range slices.Concat(o.route.PathItem.Parameters, o.route.Operation.Parameters) {
		if p != nil && p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
			r.params[p.Value.Name] = p.Value
		}
	}

	// The body the rules read: the documented 2xx JSON responses, which must agree on the schema's shape.
	var body *openapi3.Schema
	for code, ref := range o.route.Operation.Responses.Map() {
		n, err := strconv.Atoi(code)
		if err != nil || n < 200 || n > 299 || ref == nil || ref.Value == nil {
			continue
		}
		if mt := ref.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			r.statuses[n] = true
			body = mt.Schema.Value
		}
	}
	if body == nil {
		return fail("the operation documents no 2xx JSON response for the rules to read")
	}

	switch {
	case d.Items != nil && d.Item != nil:
		return fail("give items (a list) or item (one object), not both")
	case d.Items != nil:
		r.list = true
		r.ptr = *d.Items
	case d.Item != nil:
		r.ptr = *d.Item
	default:
		return fail("items (pointer to the list's array) or item (pointer to the one object) is required")
	}
	r.path, err = splitPointer(r.ptr)
	if err != nil {
		return fail("items/item: %w", err)
	}
	sch, err := schemaAt(body, r.path)
	if err != nil {
		return fail("items/item %q: %w", r.ptr, err)
	}
	if r.list {
		if !sch.Type.Is(openapi3.TypeArray) || sch.Items == nil || sch.Items.Value == nil {
			return fail("items %q is not an array in the response schema", r.ptr)
		}
		sch = sch.Items.Value
	}
	if !sch.Type.Is(openapi3.TypeObject) {
		return fail("the items at %q are not objects in the response schema", r.ptr)
	}
	r.props = map[string]*openapi3.Schema{}
	for name, p := range sch.Properties {
		if p != nil && p.Value != nil {
			r.props[name] = p.Value
			r.secret[name] = isSecret(p.Value)
		}
	}
	r.slots = newSlotTable(slices.Sorted(maps.Keys(r.props)))
	root := &scanNode{}
	r.tree = root
	itemsNode := root.at(r.path)
	itemsNode.items, itemsNode.item = r.list, !r.list

	listOnly := func(what string) error {
		if !r.list {
			return fmt.Errorf("%s: %s: %s applies to a list (items), not to one item", r.where, rulesExtension, what)
		}
		return nil
	}
	if d.SparseFields != nil {
		if err := listOnly("sparseFields"); err != nil {
			return nil, nil, err
		}
		if err := r.param("sparseFields.param", d.SparseFields.Param); err != nil {
			return nil, nil, err
		}
		for _, f := range d.SparseFields.AlwaysIncluded {
			if err := r.field("sparseFields.alwaysIncluded", f); err != nil {
				return nil, nil, err
			}
		}
		r.sparse = d.SparseFields
	}
	if d.Order != nil {
		if err := listOnly("order"); err != nil {
			return nil, nil, err
		}
		for _, p := range []string{d.Order.Asc, d.Order.Desc} {
			if p == "" {
				continue
			}
			if err := r.param("order", p); err != nil {
				return nil, nil, err
			}
		}
		if d.Order.Asc == "" && d.Order.Desc == "" {
			return fail("order needs asc or desc")
		}
		r.order = d.Order
	}
	if d.Filters != nil {
		if err := listOnly("filters"); err != nil {
			return nil, nil, err
		}
		if d.Filters.Operator != "" {
			if err := r.param("filters.operator", d.Filters.Operator); err != nil {
				return nil, nil, err
			}
		}
		if len(d.Filters.Match) == 0 {
			return fail("filters.match lists no filter")
		}
		for i, m := range d.Filters.Match {
			what := fmt.Sprintf("filters.match[%d]", i)
			if err := r.param(what+".param", m.Param); err != nil {
				return nil, nil, err
			}
			if err := r.field(what+".field", m.Field); err != nil {
				return nil, nil, err
			}
			switch m.Kind {
			case "equals", "text", "idList":
			default:
				return fail("%s.kind %q: want equals, text or idList", what, m.Kind)
			}
		}
		r.filters = d.Filters
	}
	if d.Pagination != nil {
		if err := listOnly("pagination"); err != nil {
			return nil, nil, err
		}
		p := &paginationRule{paginationDecl: *d.Pagination}
		p.Total = cmpOr(p.Total, "total")
		p.Count = cmpOr(p.Count, "count")
		p.PerPage = cmpOr(p.PerPage, "per_page")
		p.CurrentPage = cmpOr(p.CurrentPage, "current_page")
		for _, n := range []struct{ what, name string }{{"pagination.page", p.Page}, {"pagination.limit", p.Limit}} {
			if err := r.param(n.what, n.name); err != nil {
				return nil, nil, err
			}
		}
		at, err := splitPointer(p.At)
		if err != nil {
			return fail("pagination.at: %w", err)
		}
		for _, m := range []struct {
			name string
			slot *int
		}{{p.Total, &p.total}, {p.Count, &p.count}, {p.PerPage, &p.perPage}, {p.CurrentPage, &p.currentPage}} {
			if *m.slot, err = r.envelope(body, append(slices.Clip(at), m.name)); err != nil {
				return fail("pagination: %w", err)
			}
		}
		r.pagination = p
	}
	for i, sd := range d.Since {
		what := fmt.Sprintf("since[%d]", i)
		if err := listOnly("since"); err != nil {
			return nil, nil, err
		}
		if err := r.param(what+".param", sd.Param); err != nil {
			return nil, nil, err
		}
		if err := r.field(what+".field", sd.Field); err != nil {
			return nil, nil, err
		}
		if sd.Zone != "UTC" && sd.Zone != "local" {
			return fail("%s.zone %q: want UTC or local", what, sd.Zone)
		}
	}
	r.since = d.Since
	if d.MaxItems != nil {
		if err := listOnly("maxItems"); err != nil {
			return nil, nil, err
		}
		if err := r.param("maxItems.param", d.MaxItems.Param); err != nil {
			return nil, nil, err
		}
		if d.MaxItems.Unless != "" {
			if err := r.param("maxItems.unless", d.MaxItems.Unless); err != nil {
				return nil, nil, err
			}
		}
		r.maxItems = d.MaxItems
	}
	if w := d.TimeWindow; w != nil {
		if err := r.field("timeWindow.start", w.Start); err != nil {
			return nil, nil, err
		}
		if err := r.field("timeWindow.end", w.End); err != nil {
			return nil, nil, err
		}
		if w.State != "" {
			if err := r.field("timeWindow.state", w.State); err != nil {
				return nil, nil, err
			}
			for _, v := range []string{w.Before, w.Within} {
				if v != "" && !enumHas(r.props[w.State], v) {
					return fail("timeWindow: %q is not a value of %s", v, w.State)
				}
			}
		} else if w.Before != "" || w.Within != "" {
			return fail("timeWindow: before and within need state")
		}
		r.window = w
	}
	if wd := d.Walk; wd != nil {
		if err := listOnly("walk"); err != nil {
			return nil, nil, err
		}
		w := &walkRule{walkDecl: *wd, total: -1}
		if err := r.field("walk.id", w.ID); err != nil {
			return nil, nil, err
		}
		for _, p := range []struct{ what, name string }{{"walk.page", w.Page}, {"walk.size", w.Size}} {
			if err := r.param(p.what, p.name); err != nil {
				return nil, nil, err
			}
		}
		if w.Skip != "" {
			if err := r.param("walk.skip", w.Skip); err != nil {
				return nil, nil, err
			}
		}
		for _, f := range []struct{ what, name string }{{"walk.version", w.Version}, {"walk.listedUntil", w.ListedUntil}} {
			if f.name == "" {
				continue
			}
			if err := r.field(f.what, f.name); err != nil {
				return nil, nil, err
			}
		}
		if w.Total != "" {
			segs, err := splitPointer(w.Total)
			if err != nil {
				return fail("walk.total: %w", err)
			}
			if w.total, err = r.envelope(body, segs); err != nil {
				return fail("walk.total: %w", err)
			}
		}
		r.walk = w
	}
	if d.Sync != nil {
		if r.walk == nil {
			return fail("sync needs walk: an answer is complete only when its walk is")
		}
		if len(d.Sync.Since) == 0 {
			return fail("sync.since names no since parameter")
		}
		for _, p := range d.Sync.Since {
			i := slices.IndexFunc(r.since, func(s sinceDecl) bool { return s.Param == p })
			if i < 0 {
				return fail("sync.since: %q is not a param of the since rule", p)
			}
			r.syncSince = append(r.syncSince, r.since[i])
		}
	}
	return r, d, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// param checks that name is a query parameter of the operation.
func (r *opRules) param(what, name string) error {
	if name == "" {
		return fmt.Errorf("%s: %s: %s is required", r.where, rulesExtension, what)
	}
	if r.params[name] == nil {
		return fmt.Errorf("%s: %s: %s %q is not a query parameter of the operation", r.where, rulesExtension, what, name)
	}
	return nil
}

// field checks that name is a property of the items.
func (r *opRules) field(what, name string) error {
	if name == "" {
		return fmt.Errorf("%s: %s: %s is required", r.where, rulesExtension, what)
	}
	if r.props[name] == nil {
		return fmt.Errorf("%s: %s: %s %q is not a property of the items", r.where, rulesExtension, what, name)
	}
	return nil
}

// envelope registers a value outside the items for the scanner to capture, and returns its slot.
func (r *opRules) envelope(body *openapi3.Schema, segs []string) (int, error) {
	for i, e := range r.envSlots {
		if slices.Equal(e.path, segs) {
			return i, nil
		}
	}
	if len(segs) == 0 {
		return 0, errors.New("the pointer names the whole body")
	}
	if _, err := schemaAt(body, segs); err != nil {
		return 0, fmt.Errorf("%q: %w", "/"+strings.Join(segs, "/"), err)
	}
	if slices.Equal(segs[:min(len(segs), len(r.path))], r.path) {
		return 0, fmt.Errorf("%q lies inside the items", "/"+strings.Join(segs, "/"))
	}
	r.envSlots = append(r.envSlots, envSlot{path: segs})
	n := r.tree.at(segs)
	n.env = len(r.envSlots)
	return len(r.envSlots) - 1, nil
}

// at returns the node for a path of member names under n, adding the nodes on the way.
func (n *scanNode) at(segs []string) *scanNode {
	for _, s := range segs {
		var next *scanNode
		for _, k := range n.kids {
			if k.name == s {
				next = k
			}
		}
		if next == nil {
			next = &scanNode{name: s}
			n.kids = append(n.kids, next)
		}
		n = next
	}
	return n
}

// schemaAt follows object properties from s along segs.
func schemaAt(s *openapi3.Schema, segs []string) (*openapi3.Schema, error) {
	for _, seg := range segs {
		if !s.Type.Is(openapi3.TypeObject) {
			return nil, fmt.Errorf("%q is inside a value that is not an object", seg)
		}
		p := s.Properties[seg]
		if p == nil || p.Value == nil {
			return nil, fmt.Errorf("property %q is not in the response schema", seg)
		}
		s = p.Value
	}
	return s, nil
}

// splitPointer splits an RFC 6901 pointer into unescaped member names; "" is the whole document.
func splitPointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("%q is not a JSON pointer (RFC 6901): it must be empty or start with /", p)
	}
	segs := strings.Split(p[1:], "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return segs, nil
}

func enumHas(s *openapi3.Schema, v string) bool {
	if s == nil || len(s.Enum) == 0 {
		return true
	}
	for _, e := range s.Enum {
		if e == v {
			return true
		}
	}
	return false
}

// paramDefault returns the schema default of a query parameter, as text.
func (r *opRules) paramDefault(name string) (string, bool) {
	p := r.params[name]
	if p == nil || p.Schema == nil || p.Schema.Value == nil || p.Schema.Value.Default == nil {
		return "", false
	}
	switch d := p.Schema.Value.Default.(type) {
	case string:
		return d, true
	case float64:
		return strconv.FormatFloat(d, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(d), true
	}
	return fmt.Sprint(p.Schema.Value.Default), true
}

// slotTable numbers the properties of the items and finds a member name's number without hashing it as a map
// would: an open-addressing table keyed on the name's length and first and last bytes.
type slotTable struct {
	names []string
	table []uint16 // slot+1; 0 is empty
	mask  uint32
}

func newSlotTable(names []string) slotTable {
	size := 16
	for size < 4*len(names) {
		size *= 2
	}
	t := slotTable{names: names, table: make([]uint16, size), mask: uint32(size - 1)}
	for i, n := range names {
		h := slotHash([]byte(n)) & t.mask
		for t.table[h] != 0 {
			h = (h + 1) & t.mask
		}
		t.table[h] = uint16(i + 1)
	}
	return t
}

func slotHash(k []byte) uint32 {
	n := uint32(len(k))
	if n == 0 {
		return 0
	}
	return n*0x9e3779b1 ^ uint32(k[0])*0x85ebca6b ^ uint32(k[n-1])*0xc2b2ae35
}

// find returns the number of a property name, -1 when the items do not declare it.
func (t *slotTable) find(k []byte) int {
	for h := slotHash(k) & t.mask; ; h = (h + 1) & t.mask {
		i := int(t.table[h]) - 1
		if i < 0 {
			return -1
		}
		if t.names[i] == string(k) {
			return i
		}
	}
}
