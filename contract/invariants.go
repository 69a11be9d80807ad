package contract

import (
	"cmp"
	"hash/maphash"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Invariants checks what must hold across the exchanges of a recording, from the observations a validator built
// [WithObservations] records in each [Result]:
//
//   - no id is on two pages of one walk (the pages of one query, same parameters but the page, from page 1);
//   - the total does not change during a walk;
//   - an unpaged answer (skip_pagination) holds the ids of the latest complete walk of the same query;
//   - a listed and a fetched copy of an object with the same version are the same object, and a copy is never
//     older than one seen before;
//   - a complete incremental answer (since) holds every item seen before it with a version at or after since.
//
// Which operations, parameters and fields these use is declared in the specs (walk, sameAs and sync in
// x-apikit-rules). Each recording (Result.Source) is a timeline of its own: exchanges of different recordings are
// never compared. An Invariants is stateful and not safe for concurrent use: feed it one recording's results in
// time order with Check, or whole recordings with CheckAll.
type Invariants struct {
	sources map[string]*invSource
	list    []invariant
	seed    maphash.Seed // of the keys of ids that are not integers
}

// NewInvariants returns an Invariants with nothing seen yet.
func NewInvariants() *Invariants {
	return &Invariants{sources: map[string]*invSource{}, list: invariantList(), seed: maphash.MakeSeed()}
}

// The registry: every invariant, one file each (invariant_*.go), in the order they run. Adding one is a new file
// plus one line here; the walk it follows is in invariant_walk.go.
func invariantList() []invariant {
	return []invariant{
		uniqueAcrossPages{},   // invariant_unique_across_pages.go
		totalStable{},         // invariant_total_stable.go
		skipPaginationUnion{}, // invariant_skip_pagination_union.go
		sameObject{},          // invariant_same_object.go
		syncLostChange{},      // invariant_sync_lost_change.go
	}
}

// invariant is one check across the exchanges of a recording. It reads what a declaration of x-apikit-rules
// compiles (walk, sameAs, sync) and is called at the points of a recording it hooks; noHooks fills in the others.
type invariant interface {
	// decl is the member of x-apikit-rules that declares what the invariant follows.
	decl() declaration
	// page is a page of walk w (c.o), before its items are recorded in w.
	page(c *invCheck, w *walkState)
	// complete is walk w, complete with the page c.o.
	complete(c *invCheck, w *walkState)
	// unpaged is an unpaged answer (walk.skip) with its items' ids.
	unpaged(c *invCheck, ids map[idKey]walkID)
	// exchange is every exchange of an operation with rules, after the walk's hooks, before its items are
	// remembered as the operation's latest copies.
	exchange(c *invCheck)
}

// noHooks is the hooks an invariant does not use.
type noHooks struct{}

func (noHooks) page(*invCheck, *walkState)          {}
func (noHooks) complete(*invCheck, *walkState)      {}
func (noHooks) unpaged(*invCheck, map[idKey]walkID) {}
func (noHooks) exchange(*invCheck)                  {}

// invariantDecls lists the declarations the invariants read, each once, in the order of the list.
func invariantDecls() []declaration {
	var out []declaration
	for _, iv := range invariantList() {
		d := iv.decl()
		if !slices.ContainsFunc(out, func(o declaration) bool { return o.key() == d.key() }) {
			out = append(out, d)
		}
	}
	return out
}

// invSource is what one recording has shown so far. Its state is compact: an item is an idKey (8 bytes) and a
// fixed-size record, whatever its id's length; only an id that is not an integer keeps its text (in names),
// once per recording. The latest exchange of each operation and the latest page of each walk are held as their
// observation (40 bytes an item) until something looks them up (copies, walkIDs).
type invSource struct {
	seq        int                     // results checked so far
	lastWrite  int                     // seq of the latest request that may change data; 0 when none
	walks      boundedWalks            // operation+query (without page) → the walk in progress
	complete   boundedWalks            // operation+query (without page, size, skip) → the latest complete walk
	copyTables map[*opRules]*copyTable // per operation: the latest copy of each item
	names      map[idKey]string        // the text of the ids that are not integers
	seed       maphash.Seed            // Invariants.seed
}

// copyTable is the latest copy of each item an operation returned. perf: the items of the operation's latest
// exchange wait in last and enter the map only when something looks the copies up (copies), so that a
// recording's last answer of an operation, often its only large one, is never copied into a map.
type copyTable struct {
	m          map[idKey]copySeen
	last       *Observation // nil when every copy is in m
	seq, entry int32        // of the last exchange
}

// copies returns the latest copy of each item operation r returned, nil when none.
func (src *invSource) copies(r *opRules) map[idKey]copySeen {
	t := src.copyTables[r]
	if t == nil {
		return nil
	}
	if o := t.last; o != nil {
		t.last = nil
		if t.m == nil {
			t.m = make(map[idKey]copySeen, len(o.items))
		}
		for i := range o.items {
			it := &o.items[i]
			t.m[src.key(o, it)] = copySeen{seq: t.seq, entry: t.entry, version: it.version, hasVersion: it.hasVersion,
				end: it.end, hasEnd: it.hasEnd, hash: it.hash}
		}
	}
	return t.m
}

// walkIDs returns the ids of walk w's pages, with the page each was first seen on. perf: the latest page's ids
// wait in w.pend and enter the map only when something reads it, as copies does.
func (src *invSource) walkIDs(w *walkState) map[idKey]walkID {
	if o := w.pend; o != nil {
		w.pend = nil
		if w.ids == nil {
			w.ids = make(map[idKey]walkID, len(o.items))
		}
		for i := range o.items {
			it := &o.items[i]
			k := src.key(o, it)
			if prev, seen := w.ids[k]; !seen || (w.pendAgain && prev.page == w.pendPage) {
				w.ids[k] = walkID{page: w.pendPage, entry: w.pendEntry, hasEnd: it.hasEnd, end: it.end}
			}
		}
	}
	return w.ids
}

// idKey is an item's id in the invariants' state: an id that is a non-negative integer in canonical form is its
// value (below 1<<63); any other id is a 64-bit hash of its text with the top bit set (two such ids meet by
// chance with a probability of about 2^-63 per pair), its text kept in invSource.names for messages.
type idKey uint64

const hashedID idKey = 1 << 63

// key returns the key of an item's id, recording the text of one that is not an integer.
func (c *invCheck) key(it *obsItem) idKey { return c.src.key(c.o, it) }

// key returns the key of the id of item it of o, recording the text of one that is not an integer.
func (src *invSource) key(o *Observation, it *obsItem) idKey {
	if it.numeric {
		return idKey(it.id)
	}
	start, end := it.idSpan()
	b := o.ids[start:end]
	k := idKey(maphash.Bytes(src.seed, b)) | hashedID
	if _, ok := src.names[k]; !ok {
		src.names[k] = string(b)
	}
	return k
}

// canonicalUint parses b as a decimal integer below 1<<63 without sign or leading zero.
func canonicalUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 18 || (b[0] == '0' && len(b) > 1) {
		return 0, false // 18 digits stay below 1<<63
	}
	var n uint64
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + uint64(d-'0')
	}
	return n, true
}

// text returns an id's text.
func (src *invSource) text(k idKey) string {
	if k&hashedID == 0 {
		return strconv.FormatUint(uint64(k), 10)
	}
	return src.names[k]
}

// compareKeys orders ids as compareIDs orders their texts.
func (src *invSource) compareKeys(a, b idKey) int {
	if a&hashedID == 0 && b&hashedID == 0 {
		return cmp.Compare(a, b)
	}
	return compareIDs(src.text(a), src.text(b))
}

// walkState is one walk: the pages of one query from a first page on.
type walkState struct {
	r          *opRules
	firstPage  int
	startSeq   int // seq of the first page
	startIndex int // entry of the first page, for messages
	lastIndex  int
	startAt    instant
	startTimed bool
	lastAt     instant
	lastTimed  bool
	ids        map[idKey]walkID // read it with invSource.walkIDs, which adds pend's
	pend       *Observation     // the latest page, its ids not yet in ids (walkIDs); nil when none
	pendPage   int
	pendEntry  int32
	pendAgain  bool        // the page had been seen before in the walk
	pages      map[int]int // page → items on it
	size       int
	sizeOK     bool
	total      int64
	hasTotal   bool
	totalEntry int
	since      instant
	hasSince   bool
	sinceParam string
	complete   bool
	disturbed  bool // a write or a change was seen during the walk: its pages need not agree
}

// walkID is an item of a walk (24 bytes).
type walkID struct {
	page   int
	entry  int32 // an entry index; a recording of 2^31 entries would take hundreds of GB
	hasEnd bool
	end    instant
}

// copySeen is the latest copy of an item an operation returned (40 bytes).
type copySeen struct {
	seq, entry int32 // a result's number in the recording, its entry index
	hasVersion bool
	hasEnd     bool
	version    instant
	end        instant
	hash       uint64
}

// sameTimeWindow is how long after the last page of a walk an unpaged answer may come and still be compared
// with the walk's union: the two are taken "at the same time" when no write is recorded between them and the
// answer follows within this window (when the times are known).
const sameTimeWindow = 2 * time.Minute

// CheckAll checks whole recordings: the results of each Source in time order (Result.Observed's time, an exchange
// without one keeping its place after the one before it), else in the order given. It appends the violations
// it finds to the results, as Check does.
func (inv *Invariants) CheckAll(results []Result) {
	type entry struct {
		i  int
		at instant
	}
	var order []string
	groups := map[string][]entry{}
	for i := range results {
		src := results[i].Source
		g, ok := groups[src]
		if !ok {
			order = append(order, src)
		}
		var at instant
		if len(g) > 0 {
			at = g[len(g)-1].at
		}
		if o := results[i].Observed; o != nil && o.timed {
			at = o.at
		}
		groups[src] = append(g, entry{i, at})
	}
	for _, src := range order {
		g := groups[src]
		slices.SortStableFunc(g, func(a, b entry) int { return cmp.Compare(a.at, b.at) })
		for _, e := range g {
			inv.Check(&results[e.i])
		}
	}
}

// Check checks one result against what its recording showed before it, appends what it finds to
// res.Violations (sorted as the validator sorts them) and clears res.Valid when it finds something. Results
// must come in time order within a recording; a result without an observation (a skipped exchange, or a
// validator without [WithObservations]) still counts as a possible write when its method is not GET, HEAD,
// OPTIONS or TRACE.
func (inv *Invariants) Check(res *Result) {
	src := inv.sources[res.Source]
	if src == nil {
		src = &invSource{copyTables: map[*opRules]*copyTable{}, names: map[idKey]string{}, seed: inv.seed}
		inv.sources[res.Source] = src
	}
	src.seq++
	switch res.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, "":
	default:
		src.lastWrite = src.seq
	}
	o := res.Observed
	if o == nil || o.rules == nil || res.Skipped {
		return
	}
	c := &invCheck{inv: inv, src: src, res: res, o: o, r: o.rules}
	c.base = Violation{Source: res.Source, Index: res.Index, Spec: c.r.op.spec.file, Line: c.r.line, OperationID: c.r.op.name,
		Method: c.r.op.method, Path: c.r.op.template, Status: res.Status, In: InResponseBody, Side: SideResponse, Severity: SeverityError}
	if c.r.walk != nil && o.known {
		c.walk()
	}
	for _, iv := range inv.list {
		iv.exchange(c)
	}
	c.remember()
	if !c.out.empty() {
		res.Violations = c.out.appendTo(res.Violations)
		sortViolations(res.Violations)
		res.Valid = false
	}
}

// invCheck checks one result.
type invCheck struct {
	inv  *Invariants
	src  *invSource
	res  *Result
	o    *Observation
	r    *opRules
	base Violation
	out  aggregate // one violation per invariant, counted (aggregate.go)
}

// add records a violation at pointer, of the items' field (or at an envelope value, field its pointer).
func (c *invCheck) add(rule, field, pointer, msg, value string) {
	c.addIn(c.base.In, rule, field, pointer, msg, value)
}

// addIn is add at another part of the exchange than the response body (in: one of the In* constants).
func (c *invCheck) addIn(in, rule, field, pointer, msg, value string) {
	v := c.base
	v.In, v.Rule, v.Pointer, v.Message, v.Value = in, rule, pointer, msg, value
	c.out.add(v, field)
}

// itemPtr points at item it of this exchange, or at its field when field is not "".
func (c *invCheck) itemPtr(it *obsItem, field string) string {
	p := c.r.ptr
	if it.index >= 0 {
		p += "/" + strconv.Itoa(int(it.index))
	}
	if field != "" {
		p += "/" + escapeToken(field)
	}
	return p
}

func (c *invCheck) id(it *obsItem) string {
	if it.numeric {
		return strconv.FormatUint(it.id, 10)
	}
	return string(c.idBytes(it))
}

// idBytes is the text of an item's id that is not numeric, as the observation holds it.
func (c *invCheck) idBytes(it *obsItem) []byte {
	start, end := it.idSpan()
	return c.o.ids[start:end]
}

// idValue shows an id in Violation.Value, unless the id field is secret.
func (c *invCheck) idValue(field, id string) string {
	if c.r.secret[field] {
		return ""
	}
	if _, err := strconv.ParseInt(id, 10, 64); err == nil {
		return id
	}
	return rawExcerpt([]byte(strconv.Quote(id)))
}

// entry names another exchange of the same recording in a message.
func (c *invCheck) entry(index int) string {
	if index < 0 {
		return "an earlier exchange"
	}
	return "entry " + strconv.Itoa(index)
}

// walk follows the pages of walks (invariant_walk.go) and calls the invariants' hooks on each page, on a walk
// that completes and on an unpaged answer.
func (c *invCheck) walk() {
	o, r, src := c.o, c.r, c.src
	if o.skip {
		c.skipAnswer()
		return
	}
	if !o.pageOK || !o.itemsFound {
		return
	}
	key := r.op.name + "?" + o.walkKey
	w := src.walks.get(key)
	if o.page == 1 || w == nil {
		w = &walkState{r: r, firstPage: o.page, startSeq: src.seq, startIndex: c.res.Index, startAt: o.at, startTimed: o.timed,
			pages: map[int]int{}, size: o.size, sizeOK: o.sizeOK,
			since: o.since, hasSince: o.hasSince, sinceParam: o.sinceParam}
		src.walks.put(key, w)
	} else {
		if src.lastWrite > w.startSeq {
			w.disturbed = true // a write between the pages: items may move
		}
		if w.startTimed {
			for i := range o.items {
				if it := &o.items[i]; it.hasVersion && it.version >= w.startAt-instant(clockSkew) {
					w.disturbed = true // an item changed during the walk
				}
			}
		}
	}
	w.lastIndex, w.lastAt, w.lastTimed = c.res.Index, o.at, o.timed
	for _, iv := range c.inv.list {
		iv.page(c, w)
	}
	_, again := w.pages[o.page]
	src.walkIDs(w) // the previous page's ids, before this one's wait in pend
	w.pend, w.pendPage, w.pendEntry, w.pendAgain = o, o.page, int32(c.res.Index), again
	if o.hasTotal && !w.hasTotal {
		w.total, w.hasTotal, w.totalEntry = o.total, true, c.res.Index
	}
	w.pages[o.page] = o.count
	if w.complete || w.firstPage != 1 {
		return
	}
	last := 0 // pages 1 to last have been seen
	for hasKey(w.pages, last+1) {
		last++
	}
	if last == 0 {
		return
	}
	done := w.sizeOK && w.size > 0 && w.pages[last] < w.size
	if w.hasTotal && w.sizeOK && w.size > 0 && (int64(last)*int64(w.size) >= w.total || int64(len(src.walkIDs(w))) >= w.total) {
		done = true
	}
	if !done {
		return
	}
	w.complete = true
	src.complete.put(r.op.name+"?"+o.unionKey, w)
	for _, iv := range c.inv.list {
		iv.complete(c, w)
	}
}

func hasKey(m map[int]int, k int) bool {
	_, ok := m[k]
	return ok
}

// skipAnswer hands an unpaged answer to the invariants, with its items' ids.
func (c *invCheck) skipAnswer() {
	o := c.o
	if !o.itemsFound {
		return
	}
	ids := make(map[idKey]walkID, len(o.items))
	for i := range o.items {
		it := &o.items[i]
		ids[c.key(it)] = walkID{page: 0, entry: int32(c.res.Index)}
	}
	for _, iv := range c.inv.list {
		iv.unpaged(c, ids)
	}
}

// idText shows an id in a message, or "(secret)" for a secret id field.
func idText(r *opRules, field, id string) string {
	if r.secret[field] {
		return "(secret)"
	}
	if _, err := strconv.ParseInt(id, 10, 64); err == nil {
		return id
	}
	return strconv.Quote(id)
}

// compareIDs orders ids numerically when both are integers, else as strings.
func compareIDs(a, b string) int {
	x, err1 := strconv.ParseInt(a, 10, 64)
	y, err2 := strconv.ParseInt(b, 10, 64)
	if err1 == nil && err2 == nil {
		return cmp.Compare(x, y)
	}
	return cmp.Compare(a, b)
}

// partner is the other operation of a sameAs pair, nil when none.
func (c *invCheck) partner() *opRules {
	sa := c.r.sameAs
	switch {
	case sa == nil:
		return nil
	case sa.list == c.r:
		return sa.get
	}
	return sa.list
}

// remember records this exchange's items as the latest copies its operation returned.
func (c *invCheck) remember() {
	if c.r.sameAs == nil && (c.r.walk == nil || len(c.r.syncSince) == 0) {
		return
	}
	t := c.src.copyTables[c.r]
	if t == nil {
		t = &copyTable{}
		c.src.copyTables[c.r] = t
	}
	c.src.copies(c.r) // the previous exchange's copies, before this one's wait in last
	t.last, t.seq, t.entry = c.o, int32(c.src.seq), int32(c.res.Index)
}

// maxWalks is how many walks (queries) a recording follows at once, and how many latest complete walks it keeps:
// past it, the walk least recently started is forgotten (its later pages start a walk of their own, held to
// nothing), so that a recording of many distinct queries holds a bounded number of walks.
const maxWalks = 1024

// boundedWalks maps a query to a walk, keeping the maxWalks most recently put.
type boundedWalks struct {
	m     map[string]walkEntry
	order []walkPut // puts, oldest first; an entry whose n is not the map's current one is stale
	n     int
}

type walkEntry struct {
	w *walkState
	n int
}

type walkPut struct {
	key string
	n   int
}

func (b *boundedWalks) get(key string) *walkState { return b.m[key].w }

// put maps key to w, forgetting the walk least recently put when more than maxWalks are held.
func (b *boundedWalks) put(key string, w *walkState) {
	if b.m == nil {
		b.m = map[string]walkEntry{}
	}
	b.n++
	b.m[key] = walkEntry{w, b.n}
	b.order = append(b.order, walkPut{key, b.n})
	for len(b.m) > maxWalks {
		p := b.order[0]
		b.order = b.order[1:]
		if e, ok := b.m[p.key]; ok && e.n == p.n {
			delete(b.m, p.key)
		}
	}
	if len(b.order) > 4*maxWalks { // drop the stale puts, so that order stays within a few times maxWalks
		live := make([]walkPut, 0, len(b.m))
		for _, p := range b.order {
			if b.m[p.key].n == p.n {
				live = append(live, p)
			}
		}
		b.order = live
	}
}
