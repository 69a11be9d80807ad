package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"mime"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/apikit/apikit/capture"
)

// Observation is what the cross-exchange [Invariants] need of one exchange: its time, its paging, and the ids,
// versions and fingerprints of the items it carries. [Validator.Validate] records it in the same pass over the
// body as the per-exchange rules when the validator is built [WithObservations]; it is never printed.
type Observation struct {
	rules *opRules // nil when the operation declares no rules
	at    instant  // when the exchange happened
	timed bool     // at is known
	known bool     // the request is known (not a bare body)

	walkKey, unionKey string // the query without the page parameter; also without the size and skip ones
	page, size        int
	pageOK, sizeOK    bool
	skip              bool
	total             int64
	hasTotal          bool
	since             instant // the latest since-parameter the sync invariant follows
	hasSince          bool
	sinceParam        string
	count             int
	itemsFound        bool

	ids   []byte // the items' ids, end to end
	items []obsItem
}

type obsItem struct {
	id         span32  // in Observation.ids
	version    instant // updated_at (or the declared version field); valid when hasVersion
	end        instant // the walk's listedUntil field; valid when hasEnd
	hash       uint64  // fingerprint of the item (same-object), 0 when not taken
	index      int32   // position in the list; -1 for the one item of a get
	hasVersion bool
	hasEnd     bool
}

// span32 is a span of Observation.ids.
type span32 struct{ start, end int32 }

// fieldVal is where one item's value of a field is in the body.
type fieldVal struct {
	start, end int32  // valid when gen is the run's current item
	gen        uint32 // the item this value belongs to; another item's value means the field is absent
}

type activeSince struct {
	sinceDecl
	slot int
	t    instant
	ref  *instantRef
}

type activeFilter struct {
	filterDecl
	slot  int
	value string
	words []string        // text: the query's words, lower-cased
	ids   map[string]bool // idList
}

type orderState struct {
	param, field   string
	desc           bool
	slot           int
	kind           byte // 0 before the first value, 'n' numbers, 's' strings
	prevNum        float64
	prevStr        string
	byteOK, foldOK bool
}

// ruleRun applies one operation's rules to one exchange.
type ruleRun struct {
	e           *ruleEngine
	r           *opRules
	base        Violation
	out         []Violation
	b           []byte
	q           url.Values
	now         instant
	when        bool        // now is known
	early, late *instantRef // now minus and plus the clock skew, when now is known

	names   []string   // slot names: the items' properties (r.slots), then other names the request uses
	vals    []fieldVal // per slot: the current item's value
	gen     uint32     // the current item (1, 2, ...)
	allowed []bool     // sparse fields: the slot's property may appear
	used    []bool     // a rule reads the slot's value

	// The slots of the fields the rules read; -1 for none.
	slotStart, slotEnd, slotState, slotID, slotVersion, slotListed int

	// The rules the request switches on.
	since   []activeSince
	filters []activeFilter
	and     bool // filters combine with AND
	order   *orderState
	asked   []int // sparse fields: the slots of the asked properties the items declare
	sparse  bool
	hashing bool   // take the items' fingerprints (same-object)
	hash    uint64 // the current item's fingerprint so far
	perItem bool   // some rule reads the items
	scratch []byte

	obs        *Observation
	collect    bool // record items in obs
	count      int
	itemsFound bool
	env        []fieldVal

	// The tap (rulefast.go).
	target               tapTarget
	tapOK, tapping       bool
	tapIndex             int        // the item being read, -1 for the one item of a get, -2 outside an item
	fieldActs            []fieldAct // per field of the item node: what the tap does with it
	itemsStart, itemsEnd int        // the items array's span, once the tap saw it; -1 before
	itemStart, itemEnd   int        // the current item's span
}

// startRules prepares the rules of op for an exchange whose response is about to be checked, and returns nil
// when rules are off. Its tap (run.tap()) lets the compiled check feed the rules in its own pass.
func (v *Validator) startRules(ex *Exchange, op *operation, base Violation) *ruleRun {
	e := v.rules
	if e == nil || e.mode != RulesAll {
		return nil
	}
	obs := &Observation{known: !ex.NoRequest}
	if t := ex.When(); !t.IsZero() {
		obs.at, obs.timed = instantOf(t)
	}
	run := &ruleRun{e: e, obs: obs}
	r := e.ops[op]
	if r == nil || !r.statuses[ex.Status] {
		return run
	}
	if mt, _, err := mime.ParseMediaType(ex.ResponseHeader.Get("Content-Type")); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return run
	}
	obs.rules = r
	base.In, base.Severity, base.Line = InResponseBody, SeverityError, r.line
	run.r, run.base, run.b = r, base, ex.ResponseBody
	// The clock the server's states follow: its own Date header when it sent one, else the exchange's time.
	if t := capture.DateHeader(ex.ResponseHeader); !t.IsZero() {
		run.now, run.when = instantOf(t)
	} else {
		run.now, run.when = obs.at, obs.timed
	}
	run.slotStart, run.slotEnd, run.slotState, run.slotID, run.slotVersion, run.slotListed = -1, -1, -1, -1, -1, -1
	if obs.known && ex.URL != nil {
		run.q = ex.URL.Query()
	}
	run.names = slices.Clip(r.slots.names)
	run.vals = make([]fieldVal, len(run.names))
	run.prepare()
	run.reset()
	run.target, run.tapOK = v.tapTarget(op, ex, r)
	return run
}

// tap returns what the compiled check calls while it walks the body, or nil when no rule reads it.
func (run *ruleRun) tap() bodyTap {
	if run == nil || run.r == nil || !run.tapOK || len(run.b) >= 1<<31 || !run.perItem && len(run.r.envSlots) == 0 && run.r.maxItems == nil {
		return nil
	}
	run.tapping = true
	return run
}

// finishRules applies the rules once the response's schema check is done; tapped reports whether the compiled
// check walked the whole body with the tap. Rule violations are appended to res.Violations (check() sorts them);
// res.Observed is set for the invariants.
func (v *Validator) finishRules(run *ruleRun, tapped bool, res *Result) {
	if run == nil {
		return
	}
	if run.e.observe {
		res.Observed = run.obs
	}
	if run.r == nil {
		return
	}
	if !run.tapping || !tapped {
		for _, vi := range res.Violations {
			if vi.Rule == "json" && vi.In == InResponseBody {
				run.obs.rules = nil
				return // not JSON: nothing to read
			}
		}
		run.reset()
		run.itemsStart = -1
	}
	if run.itemsStart < 0 || len(run.r.envSlots) > 0 {
		s := &jscan{b: run.b}
		s.ws()
		if !run.node(s, run.r.tree) {
			// The schema check could decode the body, so this does not happen; if it did, say nothing rather
			// than something wrong.
			run.obs.rules = nil
			return
		}
	}
	run.afterScan()
	res.Violations = append(res.Violations, run.out...)
}

// reset clears what a pass over the body gathers, for a fresh pass.
func (run *ruleRun) reset() {
	run.out, run.count, run.itemsFound = nil, 0, false
	run.itemsStart, run.itemsEnd, run.tapIndex = -1, -1, -2
	run.obs.ids, run.obs.items = nil, nil
	if st := run.order; st != nil {
		st.kind, st.byteOK, st.foldOK = 0, true, true
	}
	run.env = make([]fieldVal, len(run.r.envSlots))
	for i := range run.env {
		run.env[i].end = -1
	}
}

// slot returns the slot of a field a rule reads, adding it when the items do not declare it.
func (run *ruleRun) slot(name string) int {
	i := run.lookup([]byte(name))
	if i < 0 {
		run.names = append(run.names, name)
		run.vals = append(run.vals, fieldVal{})
		i = len(run.names) - 1
	}
	for len(run.used) <= i {
		run.used = append(run.used, false)
	}
	run.used[i] = true
	return i
}

// lookup finds the slot of a member name in an item.
func (run *ruleRun) lookup(key []byte) int {
	if i := run.r.slots.find(key); i >= 0 {
		return i
	}
	for i := len(run.r.slots.names); i < len(run.names); i++ {
		if run.names[i] == string(key) {
			return i
		}
	}
	return -1
}

// param returns a query parameter's value, or its schema default when the request does not send it.
func (run *ruleRun) param(name string) (string, bool) {
	if v := run.q.Get(name); v != "" {
		return v, true
	}
	return run.r.paramDefault(name)
}

func (run *ruleRun) intParam(name string) (int, bool) {
	v, ok := run.param(name)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// prepare works out which rules this request switches on and which fields of the items they read.
func (run *ruleRun) prepare() {
	r, q, known := run.r, run.q, run.obs.known
	if w := r.window; w != nil {
		run.slotStart, run.slotEnd = run.slot(w.Start), run.slot(w.End)
		if w.State != "" && run.when {
			run.slotState = run.slot(w.State)
			run.early, run.late = newInstantRef(run.now-instant(clockSkew)), newInstantRef(run.now+instant(clockSkew))
		}
	}
	if known {
		for _, sd := range r.since {
			v := q.Get(sd.Param)
			if v == "" {
				continue
			}
			loc := run.e.loc
			if sd.Zone == "UTC" {
				loc = time.UTC
			}
			t, ok := parseQueryTime(v, loc)
			if ok {
				run.since = append(run.since, activeSince{sinceDecl: sd, slot: run.slot(sd.Field), t: t, ref: newInstantRef(t)})
			}
		}
		if f := r.filters; f != nil {
			op := "OR"
			if f.Operator != "" {
				op, _ = run.param(f.Operator)
				if op == "" {
					op = "OR"
				}
			}
			if op == "AND" || op == "OR" {
				run.and = op == "AND"
				for _, m := range f.Match {
					v := q.Get(m.Param)
					if v == "" || !inEnum(r.params[m.Param], v) {
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
					run.filters = append(run.filters, af)
				}
			}
		}
		if o := r.order; o != nil {
			asc, desc := "", ""
			if o.Asc != "" {
				asc = q.Get(o.Asc)
			}
			if o.Desc != "" {
				desc = q.Get(o.Desc)
			}
			// Both at once: the page does not say which wins, so nothing is checked.
			if (asc == "") != (desc == "") {
				st := &orderState{param: o.Asc, field: asc, byteOK: true, foldOK: true}
				if desc != "" {
					st.param, st.field, st.desc = o.Desc, desc, true
				}
				st.slot = run.slot(st.field)
				run.order = st
			}
		}
		if sp := r.sparse; sp != nil {
			// A list without a name in it ("fields=,") asks for nothing in particular: not checked.
			if v := q.Get(sp.Param); strings.Trim(v, ", ") != "" {
				run.sparse = true
				allow := func(name string) {
					i := run.slot(name)
					for len(run.allowed) <= i {
						run.allowed = append(run.allowed, false)
					}
					run.allowed[i] = true
				}
				for _, name := range strings.Split(v, ",") {
					name = strings.TrimSpace(name)
					if name == "" {
						continue
					}
					allow(name)
					// Only a property the items declare must be there: a server may ignore an unknown name.
					if r.props[name] != nil && !slices.Contains(run.asked, run.slot(name)) {
						run.asked = append(run.asked, run.slot(name))
					}
				}
				for _, name := range sp.AlwaysIncluded {
					allow(name)
				}
			}
		}
	}
	// What the invariants need, when the validator records it (WithObservations).
	o := run.obs
	if !run.e.observe {
		run.perItem = run.slotStart >= 0 || len(run.since)+len(run.filters)+len(run.asked) > 0 || run.order != nil || run.sparse
		for len(run.allowed) < len(run.names) {
			run.allowed = append(run.allowed, false)
		}
		return
	}
	if w := r.walk; w != nil && known {
		run.collect = true
		o.page, o.pageOK = run.intParam(w.Page)
		o.size, o.sizeOK = run.intParam(w.Size)
		if w.Skip != "" {
			o.skip, _ = strconv.ParseBool(q.Get(w.Skip))
		}
		o.walkKey = queryKey(q, w.Page)
		o.unionKey = queryKey(q, w.Page, w.Size, w.Skip)
		run.slotID = run.slot(w.ID)
		if w.Version != "" {
			run.slotVersion = run.slot(w.Version)
		}
		if w.ListedUntil != "" {
			run.slotListed = run.slot(w.ListedUntil)
		}
		for _, sd := range r.syncSince {
			for _, a := range run.since {
				if a.Param == sd.Param && (!o.hasSince || a.t > o.since) {
					o.since, o.hasSince, o.sinceParam = a.t, true, a.Param
				}
			}
		}
	}
	if sa := r.sameAs; sa != nil {
		run.collect, run.hashing = true, true
		run.slotID = run.slot(sa.id)
		run.slotVersion = run.slot(sa.version)
	}
	if run.slotListed < 0 && run.collect && r.walk == nil && r.sameAs != nil && r.sameAs.list.walk != nil && r.sameAs.list.walk.ListedUntil != "" {
		run.slotListed = run.slot(r.sameAs.list.walk.ListedUntil) // a fetched copy may be expected in a later list
	}
	run.perItem = run.slotStart >= 0 || run.slotID >= 0 || len(run.since)+len(run.filters)+len(run.asked) > 0 ||
		run.order != nil || run.hashing || run.sparse
	for len(run.allowed) < len(run.names) {
		run.allowed = append(run.allowed, false)
	}
}

// queryKey is the query without the named parameters, in a canonical order: pages of one walk share it.
func queryKey(q url.Values, drop ...string) string {
	c := make(url.Values, len(q))
	for k, v := range q {
		if !slices.Contains(drop, k) {
			c[k] = v
		}
	}
	return c.Encode()
}

// node walks the value at s.i according to n.
func (run *ruleRun) node(s *jscan, n *scanNode) bool {
	switch {
	case n.env > 0:
		start := s.i
		_, ok := s.skip()
		run.env[n.env-1] = fieldVal{start: int32(start), end: int32(s.i)}
		return ok
	case n.items && run.itemsStart >= 0 && s.i == run.itemsStart:
		s.i = run.itemsEnd // the tap has read the items already
		return true
	case n.items:
		return run.scanArray(s)
	case n.item && run.itemsFound:
		_, ok := s.skip() // the tap has read the item already
		return ok
	case n.item:
		if !s.at('{') {
			_, ok := s.skip()
			return ok
		}
		run.itemsFound = true
		run.count = 1
		return run.item(s, -1)
	}
	if !s.at('{') {
		_, ok := s.skip()
		return ok
	}
	s.i++
	s.ws()
	if s.at('}') {
		s.i++
		return true
	}
	for {
		key, ok := s.member()
		if !ok {
			return false
		}
		var kid *scanNode
		for _, k := range n.kids {
			if k.name == string(key) {
				kid = k
			}
		}
		if kid != nil {
			if !run.node(s, kid) {
				return false
			}
		} else if _, ok := s.skip(); !ok {
			return false
		}
		more, ok := s.next('}')
		if !ok {
			return false
		}
		if !more {
			return true
		}
	}
}

func (run *ruleRun) scanArray(s *jscan) bool {
	if !s.at('[') {
		_, ok := s.skip()
		return ok
	}
	run.itemsFound = true
	s.i++
	s.ws()
	if s.at(']') {
		s.i++
		return true
	}
	for idx := 0; ; idx++ {
		if s.at('{') && run.perItem {
			if !run.item(s, idx) {
				return false
			}
		} else if _, ok := s.skip(); !ok {
			return false
		}
		run.count++
		more, ok := s.next(']')
		if !ok {
			return false
		}
		if !more {
			return true
		}
	}
}

// item reads one object (s.i at '{') and applies the per-item rules to it.
func (run *ruleRun) item(s *jscan, idx int) bool {
	run.beginItem(s.i)
	s.i++
	s.ws()
	if s.at('}') {
		s.i++
		run.itemEnd = s.i
		run.evalItem(idx)
		return true
	}
	for {
		nameStart := s.i
		key, ok := s.member()
		if !ok {
			return false
		}
		nameEnd := s.lastName
		start := s.i
		if _, ok := s.skip(); !ok {
			return false
		}
		run.tapIndex = idx
		run.memberValue(run.lookup(key), key, nameStart, nameEnd, start, s.i)
		more, ok := s.next('}')
		if !ok {
			return false
		}
		if !more {
			break
		}
	}
	run.itemEnd = s.i
	run.evalItem(idx)
	return true
}

// beginItem starts reading an item at offset at.
func (run *ruleRun) beginItem(at int) {
	run.gen++
	run.itemStart = at
	run.hash = 0
}

// memberValue records one member of the current item (run.tapIndex): its name spans [nameStart, nameEnd) of the
// body (with its quotes), its value [start, end).
func (run *ruleRun) memberValue(slot int, key []byte, nameStart, nameEnd, start, end int) {
	if slot >= 0 {
		run.vals[slot] = fieldVal{start: int32(start), end: int32(end), gen: run.gen}
	}
	if run.sparse && (slot < 0 || !run.allowed[slot]) {
		name := string(key)
		if slot >= 0 {
			name = run.names[slot]
		}
		run.add(RuleSparseFields, run.tapIndex, name, fmt.Sprintf("property %q was not asked for: the request's %s parameter lists the properties the items may hold", name, run.r.sparse.Param), "")
	}
	if run.hashing && (slot < 0 || slot >= len(run.r.ignored) || !run.r.ignored[slot]) {
		run.hashMember(nameStart, nameEnd, start, end)
	}
}

// hashMember adds one member of the current item to its fingerprint (same-object): the member's compact text
// ("name":value without insignificant whitespace) is hashed and the hashes summed, so the fingerprint does not
// depend on the members' order, and the ignored members (sameAs.ignore) are left out by the caller.
func (run *ruleRun) hashMember(nameStart, nameEnd, start, end int) {
	b := run.b
	text := b[nameStart:end]
	if start != nameEnd+1 || b[start] == '{' || b[start] == '[' {
		buf := append(run.scratch[:0], b[nameStart:nameEnd]...)
		buf = append(buf, ':')
		buf = compact(buf, b[start:end])
		run.scratch, text = buf, buf
	}
	run.hash += maphash.Bytes(run.e.seed, text) * 0x9e3779b97f4a7c15
}

// present reports whether the current item has a value for slot.
func (run *ruleRun) present(slot int) bool { return slot >= 0 && run.vals[slot].gen == run.gen }

// raw returns an item's value of a slot, nil when absent.
func (run *ruleRun) raw(slot int) []byte {
	if !run.present(slot) {
		return nil
	}
	return run.b[run.vals[slot].start:run.vals[slot].end]
}

// itemPtr is the pointer to item idx (-1: the one item of a get).
func (run *ruleRun) itemPtr(idx int) string {
	if idx < 0 {
		return run.r.ptr
	}
	return run.r.ptr + "/" + strconv.Itoa(idx)
}

// add records a violation at item idx's field (the item itself when field is ""). value is the raw JSON value
// to show; it is dropped for a field marked x-apikit-secret.
func (run *ruleRun) add(rule string, idx int, field, msg string, value string) {
	v := run.base
	v.Rule, v.Message = rule, msg
	v.Pointer = run.itemPtr(idx)
	if field != "" {
		v.Pointer += "/" + escapeToken(field)
	}
	if value != "" && !run.r.secret[field] {
		v.Value = value
	}
	run.out = append(run.out, v)
}

// valueOf returns the excerpt of an item's value of a slot, for Violation.Value.
func (run *ruleRun) valueOf(slot int) string {
	return rawExcerpt(run.raw(slot))
}

func (run *ruleRun) evalItem(idx int) {
	r := run.r
	if w := r.window; w != nil {
		start, end := run.raw(run.slotStart), run.raw(run.slotEnd)
		sz, ez := zuluShape(start), zuluShape(end)
		if c, ok := cmpDateTimeZ(start, end, sz, ez); ok && c >= 0 {
			run.add(RuleTimeWindow, idx, w.End, fmt.Sprintf("%s is not after %s", w.End, w.Start), run.valueOf(run.slotEnd))
		}
		if run.slotState >= 0 {
			state := run.raw(run.slotState)
			if bytes.IndexByte(state, '\\') >= 0 { // an escaped state: compare it unescaped
				if v, ok := stringValue(state); ok {
					state, _ = json.Marshal(v)
				}
			}
			before := len(state) > 2 && string(state[1:len(state)-1]) == w.Before && state[0] == '"'
			within := len(state) > 2 && string(state[1:len(state)-1]) == w.Within && state[0] == '"'
			if before {
				if c, ok := run.early.cmpZ(start, sz); ok && c < 0 {
					run.add(RuleTimeWindow, idx, w.Start, fmt.Sprintf("state is %q, but %s had already passed at the time of the exchange", w.Before, w.Start), run.valueOf(run.slotStart))
				}
			}
			if within {
				if c, ok := run.late.cmpZ(start, sz); ok && c > 0 {
					run.add(RuleTimeWindow, idx, w.Start, fmt.Sprintf("state is %q, but %s was still ahead at the time of the exchange", w.Within, w.Start), run.valueOf(run.slotStart))
				} else if c, ok := run.early.cmpZ(end, ez); ok && c < 0 {
					run.add(RuleTimeWindow, idx, w.End, fmt.Sprintf("state is %q, but %s had already passed at the time of the exchange", w.Within, w.End), run.valueOf(run.slotEnd))
				}
			}
		}
	}
	for i := range run.since {
		a := &run.since[i]
		if c, ok := a.ref.cmp(run.raw(a.slot)); ok && c < 0 {
			run.add(RuleSince, idx, a.Field, fmt.Sprintf("%s is before the request's %s: the answer must hold only items updated since then", a.Field, a.Param), run.valueOf(a.slot))
		}
	}
	if len(run.filters) > 0 {
		run.filterItem(idx)
	}
	if run.order != nil {
		run.orderItem(idx)
	}
	for _, slot := range run.asked {
		if !run.present(slot) {
			name := run.names[slot]
			run.add(RuleSparseFields, idx, name, fmt.Sprintf("property %q was asked for with the %s parameter but is missing", name, r.sparse.Param), "")
		}
	}
	if run.collect {
		o := run.obs
		raw := run.raw(run.slotID)
		if raw == nil {
			return // an item without an id cannot be followed across exchanges
		}
		if raw[0] == '"' {
			raw, _ = stringBytes(raw)
		}
		if o.items == nil && run.r.list {
			// Size the observation once, from the first item: a list's items are much alike.
			n := len(run.b)/max(run.itemEnd-run.itemStart, 32) + 1
			o.items = make([]obsItem, 0, n)
			o.ids = make([]byte, 0, n*(len(raw)+2))
		}
		start := int32(len(o.ids))
		o.ids = append(o.ids, raw...)
		it := obsItem{id: span32{start, int32(len(o.ids))}, index: int32(idx)}
		it.version, it.hasVersion = versionOf(run.raw(run.slotVersion))
		it.end, it.hasEnd = versionOf(run.raw(run.slotListed))
		if run.hashing {
			it.hash = run.hash | 1 // never 0, which means "not taken"
		}
		o.items = append(o.items, it)
	}
}

// filterItem checks an item against the request's filters. A filter whose field the item lacks (sparse fields)
// cannot be evaluated and counts as satisfied.
func (run *ruleRun) filterItem(idx int) {
	var failed []*activeFilter
	anyHeld := false
	for i := range run.filters {
		f := &run.filters[i]
		raw := run.raw(f.slot)
		held := raw == nil || f.holds(raw)
		if held {
			anyHeld = true
			if !run.and {
				return
			}
			continue
		}
		failed = append(failed, f)
	}
	switch {
	case len(failed) == 0:
	case run.and:
		for _, f := range failed {
			run.add(RuleFilter, idx, f.Field, fmt.Sprintf("%s does not satisfy the request's %s filter (filter_operator AND: every filter must hold)", f.Field, f.Param), run.valueOf(f.slot))
		}
	case !anyHeld && len(run.filters) == 1:
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

// orderItem checks that the item does not sort before the previous one. Integers compare numerically. For
// strings the server's collation is unknown, so the page passes if it is ordered byte-wise or ignoring case;
// the violation marks the item where neither order holds any more. Items without the field are skipped.
func (run *ruleRun) orderItem(idx int) {
	st := run.order
	raw := run.raw(st.slot)
	if raw == nil || (!st.byteOK && !st.foldOK) {
		return
	}
	dir := "ascending"
	if st.desc {
		dir = "descending"
	}
	wrong := func(c int) bool { return (c > 0 && !st.desc) || (c < 0 && st.desc) }
	if s, ok := stringValue(raw); ok {
		if st.kind == 'n' {
			return
		}
		if st.kind == 's' {
			if st.byteOK && wrong(strings.Compare(st.prevStr, s)) {
				st.byteOK = false
			}
			if st.foldOK && wrong(compareFold(st.prevStr, s)) {
				st.foldOK = false
			}
			if !st.byteOK && !st.foldOK {
				run.add(RuleOrder, idx, st.field, fmt.Sprintf("the items are not in %s order of %s as the request's %s asks: this item sorts before the one above it, byte-wise and ignoring case", dir, st.field, st.param), run.valueOf(st.slot))
			}
		}
		st.kind, st.prevStr = 's', s
		return
	}
	n, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || st.kind == 's' {
		return
	}
	if st.kind == 'n' && wrong(cmpFloat(st.prevNum, n)) {
		st.byteOK, st.foldOK = false, false
		run.add(RuleOrder, idx, st.field, fmt.Sprintf("the items are not in %s order of %s as the request's %s asks: this item sorts before the one above it", dir, st.field, st.param), run.valueOf(st.slot))
	}
	st.kind, st.prevNum = 'n', n
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareFold compares two strings as their lower-case forms compare byte-wise (strings.ToLower), without
// allocating for ASCII.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca >= utf8.RuneSelf || cb >= utf8.RuneSelf {
			return strings.Compare(strings.ToLower(a[i:]), strings.ToLower(b[i:]))
		}
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

// afterScan runs the rules that need the whole page, and completes the observation.
func (run *ruleRun) afterScan() {
	r, o := run.r, run.obs
	o.count, o.itemsFound = run.count, run.itemsFound
	if w := r.walk; w != nil && w.total >= 0 {
		o.total, o.hasTotal = run.envInt(w.total)
	}
	if !run.collect {
		o.ids, o.items = nil, nil
	}
	if m := r.maxItems; m != nil && o.known && run.itemsFound {
		skip := false
		if m.Unless != "" {
			skip, _ = strconv.ParseBool(run.q.Get(m.Unless))
		}
		if limit, ok := run.intParam(m.Param); ok && !skip && limit > 0 && run.count > limit {
			run.add(RuleMaxItems, limit, "", fmt.Sprintf("the page holds %d items, more than the %d its %s allows", run.count, limit, m.Param), "")
		}
	}
	if p := r.pagination; p != nil {
		run.checkPagination(p)
	}
}

func (run *ruleRun) envInt(slot int) (int64, bool) {
	fv := run.env[slot]
	if fv.end < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(run.b[fv.start:fv.end]), 10, 64)
	return n, err == nil
}

func (run *ruleRun) envViolation(slot int, msg string) {
	v := run.base
	v.Rule, v.Message = RulePagination, msg
	v.Pointer = pointer(run.r.envSlots[slot].path)
	fv := run.env[slot]
	v.Value = rawExcerpt(run.b[fv.start:fv.end])
	run.out = append(run.out, v)
}

// checkPagination checks the paging envelope against the page and the request.
func (run *ruleRun) checkPagination(p *paginationRule) {
	total, tok := run.envInt(p.total)
	count, cok := run.envInt(p.count)
	perPage, pok := run.envInt(p.perPage)
	cur, curOK := run.envInt(p.currentPage)
	consistent := true
	if cok && run.itemsFound && count != int64(run.count) {
		run.envViolation(p.count, fmt.Sprintf("%s says %d, but the page holds %d items", p.Count, count, run.count))
		consistent = false
	}
	if cok && pok && count > perPage {
		run.envViolation(p.count, fmt.Sprintf("%s %d is more than %s %d", p.Count, count, p.PerPage, perPage))
		consistent = false
	}
	if run.obs.known {
		if page, ok := run.intParam(p.Page); ok && curOK && cur != int64(page) {
			run.envViolation(p.currentPage, fmt.Sprintf("%s is %d, but the request asked for %s %d%s", p.CurrentPage, cur, p.Page, page, defaulted(run.q, p.Page)))
			consistent = false
		}
		if limit, ok := run.intParam(p.Limit); ok && pok && perPage != int64(limit) {
			run.envViolation(p.perPage, fmt.Sprintf("%s is %d, but the request asked for %s %d%s", p.PerPage, perPage, p.Limit, limit, defaulted(run.q, p.Limit)))
			consistent = false
		}
	}
	if consistent && tok && cok && pok && curOK && perPage > 0 && cur >= 1 {
		want := min(max(total-(cur-1)*perPage, 0), perPage)
		if count != want {
			run.envViolation(p.count, fmt.Sprintf("%s %d does not fit %s %d: page %d of %d items with %d per page holds %d", p.Count, count, p.Total, total, cur, total, perPage, want))
		}
	}
}

// defaulted says "(the default)" when the request leaves the parameter out.
func defaulted(q url.Values, name string) string {
	if q.Get(name) == "" {
		return " (the default)"
	}
	return ""
}

// escapeToken escapes one RFC 6901 reference token.
func escapeToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// rawExcerpt shows a raw JSON value, truncated to maxValue bytes; nil gives "".
func rawExcerpt(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	if len(raw) > 0 && (raw[0] == '{' || raw[0] == '[') {
		raw = compact(nil, raw)
	}
	if len(raw) > maxValue {
		return string(raw[:maxValue]) + "…"
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
