package contract

// Rules no schema can express, declared in the specs with the x-apikit-rules extension (README: "Rules beyond
// the schema"). Each rule is one file (rule_*.go: its declaration, its compile step, its hooks) named once in
// ruleList below; each invariant likewise (invariant_*.go, named in invariantList in invariants.go). This file
// reads the extension and compiles the parts every rule shares (the body, the items, their slots); rulecheck.go
// runs a rule's hooks on one exchange, reading the body in the compiled check's pass (rulefast.go) or its own
// (rulescan.go); invariants.go follows a whole recording.

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
	list    []declaration // the rules; nil for ruleList()
}

// withRuleList makes the validator compile the rules of list instead of ruleList() (a test adds a rule so).
func withRuleList(list []declaration) Option {
	return func(c *config) error {
		c.rules.list = list
		return nil
	}
}

// rulesExtension is the extension of an operation that declares its rules and invariants.
const rulesExtension = "x-apikit-rules"

// clockSkew is how far the exchange's clock (a HAR's startedDateTime, a Date header) may be from the server's
// when a rule compares a timestamp with it.
const clockSkew = 5 * time.Minute

// The registry: every rule x-apikit-rules can declare, one file each (rule_*.go), in the order they are
// compiled and run. Adding a rule is a new file plus one line here. The invariants' list is in invariants.go.
func ruleList() []declaration {
	return []declaration{
		sparseFieldsKey, // rule_sparse_fields.go
		orderKey,        // rule_order.go
		filterKey,       // rule_filter.go
		paginationKey,   // rule_pagination.go
		sinceKey{},      // rule_since.go
		maxItemsKey,     // rule_max_items.go
		timeWindowKey,   // rule_time_window.go
	}
}

// declaration is one member of x-apikit-rules (a rule's, or an invariant's such as walk): it knows its key and
// reads its value strictly.
type declaration interface {
	// key is the member of x-apikit-rules that holds the declaration.
	key() string
	// decode reads the member's value (JSON, notes stripped); unknown members are an error. It returns nil for
	// null, which declares nothing.
	decode(raw json.RawMessage) (declared, error)
}

// declared is a declaration as decoded for one operation.
type declared interface {
	// compile checks the declaration against the operation (c.r), with the error messages of c, and adds what it
	// runs to c.r (a rule: c.addRule).
	compile(c *opCompiler) error
}

// compiledRule is a rule compiled for one operation.
type compiledRule interface {
	// start prepares the rule for one exchange: it reads the request (run.q), claims the item fields it reads
	// (run.slot) and registers its hooks (run.onItem, run.onMember, run.onPage). A rule the request does not switch
	// on registers nothing.
	start(run *ruleRun)
}

// ruleKey is a member of x-apikit-rules (its value the key) whose value is read strictly into a T; *T is the
// declaration, compiled for the operation.
type ruleKey[T any, P interface {
	*T
	declared
}] string

func (k ruleKey[T, P]) key() string { return string(k) }

func (ruleKey[T, P]) decode(raw json.RawMessage) (declared, error) {
	p, err := decodeStrict[T](raw)
	if p == nil || err != nil {
		return nil, err
	}
	return P(p), nil
}

// decodeStrict reads raw into a *T, rejecting unknown members; nil for null.
func decodeStrict[T any](raw json.RawMessage) (*T, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var p *T
	if err := dec.Decode(&p); err != nil {
		return nil, err
	}
	return p, nil
}

// The compiled rules of one operation. Only read after New.
type opRules struct {
	op    *operation
	where string // "openapi/doorflow.yaml:42: listGroupReservations", for errors at New
	line  int    // line of the x-apikit-rules key, for violations

	list       bool     // items (an array) rather than item (one object)
	path       []string // the items' (or item's) pointer, as segments
	ptr        string   // the same pointer, escaped, as violations print it
	props      map[string]*openapi3.Schema
	slots      slotTable // the items' properties, numbered, for the scanner
	ignored    []bool    // per property: left out of fingerprints (sameAs.ignore)
	params     map[string]*openapi3.Parameter
	secret     map[string]bool // item properties marked x-apikit-secret: their values are never shown
	tree       *scanNode       // what the scanner visits in a body
	envSlots   []envSlot       // envelope values the scanner captures
	needsCount bool            // a rule reads the number of items even when it reads no item

	rules []compiledRule // the rules the operation declares, in the registry's order

	// What the invariants (invariants.go) follow.
	walk      *walkRule
	sameAs    *sameAsRule // on both operations of the pair
	syncSince []sinceDecl // the since entries the sync invariant follows

	statuses map[int]bool // the documented 2xx statuses with a JSON body: rules read only those bodies
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

// compileRules reads every operation's x-apikit-rules with the rules of c (the shipped ruleList unless a test
// gives others) and the invariants. An error names the spec, line and operation.
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
	rules := c.list
	if rules == nil {
		rules = ruleList()
	}
	decls := slices.Concat(rules, invariantDecls())
	byID := map[string]*opRules{}
	var later []func(byID map[string]*opRules) error
	for _, s := range specs {
		for _, o := range s.ops {
			raw, ok := o.route.Operation.Extensions[rulesExtension]
			if !ok {
				continue
			}
			c := &opCompiler{s: s, o: o}
			if err := c.compile(raw, decls); err != nil {
				return nil, err
			}
			e.ops[o] = c.r
			byID[s.vendor+"."+o.id] = c.r // operations are per vendor: sameAs names one of its own spec
			later = append(later, c.later...)
		}
	}
	for _, f := range later {
		if err := f(byID); err != nil {
			return nil, err
		}
	}
	for _, r := range e.ops {
		r.ignored = make([]bool, len(r.slots.names))
		for i, name := range r.slots.names {
			r.ignored[i] = r.sameAs != nil && r.sameAs.ignore[name]
		}
	}
	return e, nil
}

// rulesDecl is the extension's value, member by member, as written in a spec.
type rulesDecl map[string]json.RawMessage

// decodeDecl turns the extension's value (as kin-openapi read it from YAML) into its declarations, in the
// order of decls, strictly: a member no declaration reads is an error, so a typo cannot switch a rule off
// silently. x-apikit-note keys may appear anywhere and are ignored. items and item are the shared pointers.
func decodeDecl(raw any, decls []declaration) (items, item *string, out []declared, err error) {
	data, err := json.Marshal(stripNotes(raw))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot read the value: %w", err)
	}
	var members rulesDecl
	if err := json.Unmarshal(data, &members); err != nil {
		return nil, nil, nil, err
	}
	// Members are read in the order of their names (as json.Marshal wrote them), and the first error wins, as
	// one strict json.Decoder over a struct of every declaration would report it; names match case-insensitively
	// as encoding/json matches them.
	got := make([]declared, len(decls))
	for _, name := range slices.Sorted(maps.Keys(members)) {
		v := members[name]
		switch {
		case strings.EqualFold(name, "items"):
			if items, err = decodeMember[string](v, name); err != nil {
				return nil, nil, nil, err
			}
			continue
		case strings.EqualFold(name, "item"):
			if item, err = decodeMember[string](v, name); err != nil {
				return nil, nil, nil, err
			}
			continue
		}
		i := slices.IndexFunc(decls, func(d declaration) bool { return d.key() == name })
		if i < 0 {
			i = slices.IndexFunc(decls, func(d declaration) bool { return strings.EqualFold(d.key(), name) })
		}
		if i < 0 {
			return nil, nil, nil, fmt.Errorf("json: unknown field %q", name)
		}
		d, err := decls[i].decode(v)
		if err != nil {
			return nil, nil, nil, memberError(err, decls[i].key())
		}
		if d != nil {
			got[i] = d
		}
	}
	for _, d := range got {
		if d != nil {
			out = append(out, d)
		}
	}
	return items, item, out, nil
}

func decodeMember[T any](raw json.RawMessage, name string) (*T, error) {
	p, err := decodeStrict[T](raw)
	if err != nil {
		return nil, memberError(err, name)
	}
	return p, nil
}

// memberError words a type error in a member's value as if the whole extension had been decoded into one
// struct (rulesDecl) with a field per member.
func memberError(err error, key string) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err
	}
	c := *te
	if c.Field == "" {
		c.Struct, c.Field = "rulesDecl", key
	} else {
		c.Field = key + "." + c.Field
	}
	return &c
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

// opCompiler compiles one operation's x-apikit-rules.
type opCompiler struct {
	s     *spec
	o     *operation
	r     *opRules
	body  *openapi3.Schema                       // the 2xx JSON body's schema
	later []func(byID map[string]*opRules) error // steps that need every operation compiled (sameAs)
}

// errorf is an error naming the spec line, the operation and the extension.
func (c *opCompiler) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: %s: "+format, append([]any{c.r.where, rulesExtension}, args...)...)
}

// listOnly fails when the operation declares one item rather than a list.
func (c *opCompiler) listOnly(what string) error {
	if !c.r.list {
		return c.errorf("%s applies to a list (items), not to one item", what)
	}
	return nil
}

// addRule adds a compiled rule to the operation.
func (c *opCompiler) addRule(cr compiledRule) { c.r.rules = append(c.r.rules, cr) }

// compile reads the declaration and the shared parts (the body, the items and their slots), then compiles each
// declaration in the registry's order.
func (c *opCompiler) compile(raw any, decls []declaration) error {
	s, o := c.s, c.o
	r := &opRules{op: o, line: o.line, where: fmt.Sprintf("%s:%d: %s", s.file, o.line, o.id),
		params: map[string]*openapi3.Parameter{}, secret: map[string]bool{}, statuses: map[int]bool{}}
	c.r = r
	if org := o.route.Operation.Origin; org != nil {
		for _, f := range org.Fields {
			if f.Name == rulesExtension {
				r.line = f.Line
				r.where = fmt.Sprintf("%s:%d: %s", s.file, f.Line, o.id)
			}
		}
	}
	items, item, ds, err := decodeDecl(raw, decls)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", r.where, rulesExtension, err)
	}
	for _, p := range slices.Concat(o.route.PathItem.Parameters, o.route.Operation.Parameters) {
		if p != nil && p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
			r.params[p.Value.Name] = p.Value
		}
	}

	// The body the rules read: the documented 2xx JSON responses, which must agree on the schema's shape.
	for code, ref := range o.route.Operation.Responses.Map() {
		n, err := strconv.Atoi(code)
		if err != nil || n < 200 || n > 299 || ref == nil || ref.Value == nil {
			continue
		}
		if mt := ref.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			r.statuses[n] = true
			c.body = mt.Schema.Value
		}
	}
	if c.body == nil {
		return c.errorf("the operation documents no 2xx JSON response for the rules to read")
	}

	switch {
	case items != nil && item != nil:
		return c.errorf("give items (a list) or item (one object), not both")
	case items != nil:
		r.list = true
		r.ptr = *items
	case item != nil:
		r.ptr = *item
	default:
		return c.errorf("items (pointer to the list's array) or item (pointer to the one object) is required")
	}
	r.path, err = splitPointer(r.ptr)
	if err != nil {
		return c.errorf("items/item: %w", err)
	}
	sch, err := schemaAt(c.body, r.path)
	if err != nil {
		return c.errorf("items/item %q: %w", r.ptr, err)
	}
	if r.list {
		if !sch.Type.Is(openapi3.TypeArray) || sch.Items == nil || sch.Items.Value == nil {
			return c.errorf("items %q is not an array in the response schema", r.ptr)
		}
		sch = sch.Items.Value
	}
	if !sch.Type.Is(openapi3.TypeObject) {
		return c.errorf("the items at %q are not objects in the response schema", r.ptr)
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

	for _, d := range ds {
		if err := d.compile(c); err != nil {
			return err
		}
	}
	return nil
}

// param checks that name is a query parameter of the operation.
func (c *opCompiler) param(what, name string) error {
	r := c.r
	if name == "" {
		return fmt.Errorf("%s: %s: %s is required", r.where, rulesExtension, what)
	}
	if r.params[name] == nil {
		return fmt.Errorf("%s: %s: %s %q is not a query parameter of the operation", r.where, rulesExtension, what, name)
	}
	return nil
}

// field checks that name is a property of the items.
func (c *opCompiler) field(what, name string) error {
	return c.r.field(what, name)
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
func (c *opCompiler) envelope(segs []string) (int, error) {
	r, body := c.r, c.body
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
	if len(t.table) == 0 {
		return -1 // the zero table holds no name
	}
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
