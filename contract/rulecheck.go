package contract

import (
	"hash/maphash"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

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
	id         uint64  // numeric: the id (canonicalUint); else its text's span of Observation.ids (idSpan)
	version    instant // updated_at (or the declared version field); valid when hasVersion
	end        instant // the walk's listedUntil field; valid when hasEnd
	hash       uint64  // fingerprint of the item (same-object), 0 when not taken
	index      int32   // position in the list; -1 for the one item of a get
	hasVersion bool
	hasEnd     bool
	numeric    bool // the id is an integer, kept as its value; its text is not kept
}

// idSpan is where the text of an id that is not numeric is in Observation.ids.
func (it *obsItem) idSpan() (start, end int) { return int(it.id >> 32), int(uint32(it.id)) }

// fieldVal is where one item's value of a field is in the body.
type fieldVal struct {
	start, end int32  // valid when gen is the run's current item
	gen        uint32 // the item this value belongs to; another item's value means the field is absent
}

// ruleRun applies one operation's rules to one exchange.
type ruleRun struct {
	e    *ruleEngine
	r    *opRules
	base Violation
	out  aggregate // one violation per rule, counted (aggregate.go)
	b    []byte
	q    url.Values
	now  instant
	when bool // now is known

	names []string   // slot names: the items' properties (r.slots), then other names the request uses
	vals  []fieldVal // per slot: the current item's value
	gen   uint32     // the current item (1, 2, ...)
	used  []bool     // a rule reads the slot's value

	// The hooks of the rules the request switches on (compiledRule.start), in the registry's order.
	items   []itemCheck
	members []memberCheck
	pages   []pageCheck
	perItem bool // some rule or invariant reads the items

	// What the invariants follow (WithObservations): the slots of their fields (-1 for none), the fingerprint.
	slotID, slotVersion, slotListed int
	hashing                         bool   // take the items' fingerprints (same-object)
	hash                            uint64 // the current item's fingerprint so far
	scratch                         []byte

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

	// Room for the first hooks without allocating; at the end, away from the fields each item reads.
	itemBuf   [3]itemCheck
	memberBuf [1]memberCheck
	pageBuf   [2]pageCheck
	windowBuf windowCheck // the time window's check of one exchange (rule_time_window.go), without allocating
	windowUse bool        // windowBuf is taken

	// perf: kept from run to run by runPool: the observation when the validator does not hand it on
	// (WithObservations off), and fieldActs' array.
	ownObs    Observation
	spareActs []fieldAct
}

// runPool hands out ruleRuns; each Validator has its own. A run comes back zeroed but for its buffers' arrays
// (vals, used, env, scratch, fieldActs), so that the rules of a small exchange allocate almost nothing.
type runPool struct{ p sync.Pool }

func (p *runPool) get() *ruleRun {
	if run, ok := p.p.Get().(*ruleRun); ok {
		return run
	}
	return &ruleRun{}
}

// put takes back a run whose result is complete (finishRules); nothing may use it afterwards.
func (p *runPool) put(run *ruleRun) {
	if run == nil || cap(run.vals) > 1024 || cap(run.env) > 1024 {
		return // keep the pool small after an unusual operation or body
	}
	vals, used, env, scratch, acts := run.vals[:0], run.used[:0], run.env[:0], run.scratch[:0], run.fieldActs[:0]
	if acts == nil {
		acts = run.spareActs
	}
	*run = ruleRun{vals: vals, used: used, env: env, scratch: scratch, spareActs: acts}
	p.p.Put(run)
}

// zeroed returns s resized to n zero elements, reusing its array when it is large enough.
func zeroed[T any](s []T, n int) []T {
	s = slices.Grow(s[:0], n)[:n]
	clear(s)
	return s
}

// startRules prepares the rules of op for an exchange whose response is about to be checked, and returns nil
// when rules are off. Its tap (run.tap()) lets the compiled check feed the rules in its own pass.
func (v *Validator) startRules(ex *Exchange, op *operation, base Violation) *ruleRun {
	p := v.pickResponse(op, ex)
	return v.startRulesPicked(ex, op, base, &p, &requestQuery{u: ex.URL})
}

// startRulesPicked is startRules for the response p the compiled check picks (pickResponse), with the query q
// the request check parsed.
func (v *Validator) startRulesPicked(ex *Exchange, op *operation, base Violation, p *responsePick, q *requestQuery) *ruleRun {
	e := v.rules
	if e == nil || e.mode != RulesAll {
		return nil
	}
	run := v.runs.get() // perf: a run from the validator's pool, its buffers kept (runPool)
	obs := &run.ownObs
	if e.observe {
		obs = new(Observation) // it outlives the run: Result.Observed
	}
	*obs = Observation{known: !ex.NoRequest}
	if t := ex.When(); !t.IsZero() {
		obs.at, obs.timed = instantOf(t)
	}
	run.e, run.obs = e, obs
	r := e.ops[op]
	if r == nil || !r.statuses[ex.Status] {
		return run
	}
	if mt, ok := parseMediaType(headerValue(ex.ResponseHeader, "Content-Type")); !ok || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return run
	}
	obs.rules = r
	if r.walk != nil && r.walk.header != "" {
		obs.total, obs.hasTotal = headerTotal(ex.ResponseHeader, r.walk.header) // walk.totalHeader
	}
	base.In, base.Severity, base.Line = InResponseBody, SeverityError, r.line
	run.r, run.base, run.b = r, base, ex.ResponseBody
	// The clock the server's states follow: its own Date header when it sent one, else the exchange's time.
	if t := capture.DateHeader(ex.ResponseHeader); !t.IsZero() {
		run.now, run.when = instantOf(t)
	} else {
		run.now, run.when = obs.at, obs.timed
	}
	run.slotID, run.slotVersion, run.slotListed = -1, -1, -1
	run.items, run.members, run.pages = run.itemBuf[:0], run.memberBuf[:0], run.pageBuf[:0]
	if obs.known {
		run.q = q.values() // perf: parsed once for the request check and the rules (nil without a query)
	}
	run.names = slices.Clip(r.slots.names)
	run.vals = zeroed(run.vals, len(run.names))
	run.prepare()
	run.reset()
	run.target, run.tapOK = findTapTarget(p, r)
	return run
}

// tap returns what the compiled check calls while it walks the body, or nil when no rule reads it.
func (run *ruleRun) tap() bodyTap {
	if run == nil || run.r == nil || !run.tapOK || len(run.b) >= 1<<31 || !run.perItem && len(run.r.envSlots) == 0 && !run.r.needsCount {
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
	// perf: the tap read the whole body, and the one item of a get when there is one: nothing left to scan.
	tappedAll := run.tapping && tapped && len(run.r.envSlots) == 0 && (run.itemsStart >= 0 || !run.r.list && run.itemsFound)
	if !tappedAll {
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
	res.Violations = run.out.appendTo(res.Violations)
}

// reset clears what a pass over the body gathers, for a fresh pass.
func (run *ruleRun) reset() {
	run.out, run.count, run.itemsFound = aggregate{}, 0, false
	run.itemsStart, run.itemsEnd, run.tapIndex = -1, -1, -2
	run.obs.ids, run.obs.items = nil, nil
	for _, c := range run.items {
		if s, ok := c.(interface{ reset() }); ok {
			s.reset() // a check that carries state from item to item starts afresh
		}
	}
	run.env = zeroed(run.env, len(run.r.envSlots))
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

// itemCheck is what a rule checks of each item, once its members are read (ruleRun.raw gives their values).
type itemCheck interface {
	item(run *ruleRun, idx int)
}

// memberCheck sees each member of an item as it is read: slot is its field's slot, -1 when no rule reads it
// and the items do not declare it. A rule that needs it makes every member go the slow way.
type memberCheck interface {
	member(run *ruleRun, slot int, key []byte)
}

// pageCheck checks the body once it is read (the count of items, the envelope).
type pageCheck interface {
	page(run *ruleRun)
}

// onItem registers a rule's check of each item.
func (run *ruleRun) onItem(c itemCheck) { run.items = append(run.items, c) }

// onMember registers a rule's check of each member of an item.
func (run *ruleRun) onMember(c memberCheck) { run.members = append(run.members, c) }

// onPage registers a rule's check of the whole body.
func (run *ruleRun) onPage(c pageCheck) { run.pages = append(run.pages, c) }

// prepare starts the rules the operation declares (each registers the hooks this request switches on) and
// works out which fields of the items they and the invariants read.
func (run *ruleRun) prepare() {
	for _, cr := range run.r.rules {
		cr.start(run)
	}
	if run.e.observe {
		run.prepareObservation()
	}
	run.perItem = len(run.items)+len(run.members) > 0 || run.slotID >= 0 || run.hashing
}

// prepareObservation works out what the invariants need of this exchange (WithObservations).
func (run *ruleRun) prepareObservation() {
	r, q, o := run.r, run.q, run.obs
	if w := r.walk; w != nil && o.known {
		run.collect = true
		o.page, o.pageOK = run.intParam(w.Page)
		o.size, o.sizeOK = run.intParam(w.Size)
		if w.Skip != "" {
			if v := q.Get(w.Skip); v != "" { // perf: ParseBool's error for "" allocates
				o.skip, _ = strconv.ParseBool(v)
			}
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
		observeSince(run)
	}
	if sa := r.sameAs; sa != nil {
		run.collect, run.hashing = true, true
		run.slotID = run.slot(sa.id)
		run.slotVersion = run.slot(sa.version)
	}
	if run.slotListed < 0 && run.collect && r.walk == nil && r.sameAs != nil && r.sameAs.list.walk != nil && r.sameAs.list.walk.ListedUntil != "" {
		run.slotListed = run.slot(r.sameAs.list.walk.ListedUntil) // a fetched copy may be expected in a later list
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
	if len(run.members) > 0 {
		run.memberChecks(slot, key)
	}
	if run.hashing && (slot < 0 || slot >= len(run.r.ignored) || !run.r.ignored[slot]) {
		run.hashMember(nameStart, nameEnd, start, end)
	}
}

// memberChecks runs the rules' checks of a member; apart, so that memberValue stays short for the common case
// of none.
func (run *ruleRun) memberChecks(slot int, key []byte) {
	for _, c := range run.members {
		c.member(run, slot, key)
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
	group := field
	if field != "" && run.lookup([]byte(field)) < 0 {
		group = "\x00" // a property neither the spec nor the request names: one group for all, however many
	}
	run.out.add(v, group)
}

// valueOf returns the excerpt of an item's value of a slot, for Violation.Value.
func (run *ruleRun) valueOf(slot int) string {
	return rawExcerpt(run.raw(slot))
}

// evalItem applies the rules' checks to the item just read, and records it for the invariants.
func (run *ruleRun) evalItem(idx int) {
	for _, c := range run.items {
		c.item(run, idx)
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
			// Size the observation once, from the first item: a list's items are much alike (perf: an eighth of
			// margin, so that a first item a little longer than most does not cost a copy of the whole array).
			n := len(run.b)/max((run.itemEnd-run.itemStart)*7/8, 32) + 1
			o.items = make([]obsItem, 0, n)
		}
		it := obsItem{index: int32(idx)}
		// perf: an integer id is kept as its value, parsed once here rather than at each invariant's look-up
		// (invCheck.key); any other id as its text.
		if n, ok := canonicalUint(raw); ok {
			it.id, it.numeric = n, true
		} else {
			start := uint64(len(o.ids))
			o.ids = append(o.ids, raw...)
			it.id = start<<32 | uint64(len(o.ids))
		}
		it.version, it.hasVersion = versionOf(run.raw(run.slotVersion))
		it.end, it.hasEnd = versionOf(run.raw(run.slotListed))
		if run.hashing {
			it.hash = run.hash | 1 // never 0, which means "not taken"
		}
		o.items = append(o.items, it)
	}
}

// afterScan runs the rules' checks of the whole body, and completes the observation.
func (run *ruleRun) afterScan() {
	r, o := run.r, run.obs
	o.count, o.itemsFound = run.count, run.itemsFound
	if w := r.walk; w != nil && w.total >= 0 {
		o.total, o.hasTotal = run.envInt(w.total)
	}
	if !run.collect {
		o.ids, o.items = nil, nil
	}
	for _, c := range run.pages {
		c.page(run)
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
