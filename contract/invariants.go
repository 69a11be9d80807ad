package contract

import (
	"cmp"
	"fmt"
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
}

// NewInvariants returns an Invariants with nothing seen yet.
func NewInvariants() *Invariants { return &Invariants{sources: map[string]*invSource{}} }

// invSource is what one recording has shown so far.
type invSource struct {
	seq       int                               // results checked so far
	lastWrite int                               // seq of the latest request that may change data; 0 when none
	walks     map[string]*walkState             // operation+query (without page) → the walk in progress
	complete  map[string]*walkState             // operation+query (without page, size, skip) → the latest complete walk
	copies    map[*opRules]map[string]*copySeen // per operation: the latest copy of each item
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
	ids        map[string]walkID
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

type walkID struct {
	page, entry int
	hasVersion  bool
	version     instant
	hasEnd      bool
	end         instant
}

// copySeen is the latest copy of an item an operation returned.
type copySeen struct {
	seq, entry int
	version    instant
	hasVersion bool
	end        instant
	hasEnd     bool
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
		src = &invSource{walks: map[string]*walkState{}, complete: map[string]*walkState{}, copies: map[*opRules]map[string]*copySeen{}}
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
	c.base = Violation{Source: res.Source, Index: res.Index, Spec: c.r.op.spec.file, Line: c.r.line, OperationID: c.r.op.id,
		Method: c.r.op.method, Path: c.r.op.template, Status: res.Status, In: InResponseBody, Severity: SeverityError}
	if c.r.walk != nil && o.known {
		c.walk()
	}
	if c.r.sameAs != nil {
		c.sameObject()
	}
	c.remember()
	if len(c.out) > 0 {
		res.Violations = append(res.Violations, c.out...)
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
	out  []Violation
}

func (c *invCheck) add(rule, pointer, msg, value string) {
	v := c.base
	v.Rule, v.Pointer, v.Message, v.Value = rule, pointer, msg, value
	c.out = append(c.out, v)
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

func (c *invCheck) id(it *obsItem) string { return string(c.o.ids[it.id.start:it.id.end]) }

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

// walk follows the pages of walks and checks unique ids, a stable total, unpaged answers and sync answers.
func (c *invCheck) walk() {
	o, r, src := c.o, c.r, c.src
	wd := r.walk
	if o.skip {
		c.skipAnswer()
		return
	}
	if !o.pageOK || !o.itemsFound {
		return
	}
	key := r.op.id + "?" + o.walkKey
	w := src.walks[key]
	if o.page == 1 || w == nil {
		w = &walkState{r: r, firstPage: o.page, startSeq: src.seq, startIndex: c.res.Index, startAt: o.at, startTimed: o.timed,
			ids: map[string]walkID{}, pages: map[int]int{}, size: o.size, sizeOK: o.sizeOK,
			since: o.since, hasSince: o.hasSince, sinceParam: o.sinceParam}
		src.walks[key] = w
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
	_, again := w.pages[o.page]
	for i := range o.items {
		it := &o.items[i]
		id := c.id(it)
		prev, seen := w.ids[id]
		if seen && prev.page != o.page && !w.disturbed {
			c.add(InvariantUniqueAcrossPages, c.itemPtr(it, wd.ID),
				fmt.Sprintf("this item is also on page %d of the walk (%s): no item may be on two pages of one walk", prev.page, c.entry(prev.entry)),
				c.idValue(wd.ID, id))
		}
		if !seen || (again && prev.page == o.page) {
			w.ids[id] = walkID{page: o.page, entry: c.res.Index, hasVersion: it.hasVersion, version: it.version, hasEnd: it.hasEnd, end: it.end}
		}
	}
	if o.hasTotal {
		switch {
		case !w.hasTotal:
			w.total, w.hasTotal, w.totalEntry = o.total, true, c.res.Index
		case o.total != w.total && !w.disturbed:
			c.add(InvariantTotalStable, pointer(r.envSlots[wd.total].path),
				fmt.Sprintf("the total is %d, but it was %d on page %d of the walk (%s): it must not change during a walk", o.total, w.total, w.firstPage, c.entry(w.totalEntry)),
				strconv.FormatInt(o.total, 10))
		}
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
	if w.hasTotal && w.sizeOK && w.size > 0 && (int64(last)*int64(w.size) >= w.total || int64(len(w.ids)) >= w.total) {
		done = true
	}
	if !done {
		return
	}
	w.complete = true
	src.complete[r.op.id+"?"+o.unionKey] = w
	if w.hasSince && !w.disturbed {
		c.syncAnswer(w.ids, w.startSeq, w.startAt, w.startTimed, w.sinceParam, w.since, w.startIndex)
	}
}

func hasKey(m map[int]int, k int) bool {
	_, ok := m[k]
	return ok
}

// skipAnswer checks an unpaged answer against the latest complete walk of the same query, and as a sync answer.
func (c *invCheck) skipAnswer() {
	o, r, src := c.o, c.r, c.src
	if !o.itemsFound {
		return
	}
	ids := make(map[string]walkID, len(o.items))
	for i := range o.items {
		it := &o.items[i]
		ids[c.id(it)] = walkID{page: 0, entry: c.res.Index, hasVersion: it.hasVersion, version: it.version}
	}
	if o.hasSince {
		c.syncAnswer(ids, c.src.seq, o.at, o.timed, o.sinceParam, o.since, c.res.Index)
	}
	w := src.complete[r.op.id+"?"+o.unionKey]
	if w == nil || w.disturbed || src.lastWrite >= w.startSeq {
		return // no walk to compare with, or something may have changed since it began
	}
	if o.timed && w.lastTimed && o.at-w.lastAt > instant(sameTimeWindow) {
		return // not "at the same time"
	}
	wd := r.walk
	walkEntries := c.entry(w.startIndex)
	if w.lastIndex != w.startIndex {
		walkEntries = fmt.Sprintf("entries %d to %d", w.startIndex, w.lastIndex)
	}
	skip := wd.Skip
	var missing []string
	for id, p := range w.ids {
		if _, ok := ids[id]; ok {
			continue
		}
		if p.hasEnd && o.timed && p.end < o.at {
			continue // ended since: it may have left the list of present and future items
		}
		missing = append(missing, id)
	}
	slices.SortFunc(missing, compareIDs)
	for _, id := range missing {
		c.add(InvariantSkipPaginationUnion, r.ptr,
			fmt.Sprintf("the item with %s %s, on page %d of the walk (%s), is missing from this %s answer: it must hold every page's items",
				wd.ID, idText(c.r, wd.ID, id), w.ids[id].page, walkEntries, skip), c.idValue(wd.ID, id))
	}
	for i := range o.items {
		it := &o.items[i]
		id := c.id(it)
		if _, ok := w.ids[id]; ok {
			continue
		}
		if it.hasVersion && w.startTimed && it.version >= w.startAt-instant(clockSkew) {
			continue // changed since the walk began: it may have joined the list since
		}
		c.add(InvariantSkipPaginationUnion, c.itemPtr(it, wd.ID),
			fmt.Sprintf("this item is on no page of the walk (%s), which this %s answer must equal", walkEntries, skip), c.idValue(wd.ID, id))
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

// syncAnswer checks a complete incremental answer (ids, begun at seq start and time at): every item seen before
// it with a version at or after since must be in it, unless it has ended since (walk.listedUntil).
func (c *invCheck) syncAnswer(ids map[string]walkID, start int, at instant, timed bool, param string, since instant, firstEntry int) {
	r := c.r
	wd := r.walk
	if wd == nil {
		return
	}
	var lost []string
	where := map[string]*copySeen{}
	for _, ops := range []*opRules{r, c.partner()} {
		for id, s := range c.src.copies[ops] {
			if s.seq >= start || !s.hasVersion || s.version < since {
				continue
			}
			if _, ok := ids[id]; ok {
				continue
			}
			if s.hasEnd && (!timed || s.end < at) {
				continue // ended (or the time is unknown): it may have left the list of present and future items
			}
			if _, dup := where[id]; !dup {
				lost = append(lost, id)
			}
			if prev := where[id]; prev == nil || s.seq > prev.seq {
				where[id] = s
			}
		}
	}
	slices.SortFunc(lost, compareIDs)
	for _, id := range lost {
		s := where[id]
		c.add(InvariantSyncLostChange, r.ptr,
			fmt.Sprintf("the item with %s %s was seen at %s with %s %s, at or after the request's %s, and is missing from this complete answer",
				wd.ID, idText(r, wd.ID, id), c.entry(s.entry), versionField(r), s.version.time().Format(time.RFC3339Nano), param),
			c.idValue(wd.ID, id))
	}
}

func versionField(r *opRules) string {
	if r.walk != nil && r.walk.Version != "" {
		return r.walk.Version
	}
	if r.sameAs != nil {
		return r.sameAs.version
	}
	return "version"
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

// sameObject compares each item with the latest copy the paired operation returned.
func (c *invCheck) sameObject() {
	sa := c.r.sameAs
	other := c.src.copies[c.partner()]
	otherWhat := "fetched by id"
	if c.r == sa.get {
		otherWhat = "listed"
	}
	for i := range c.o.items {
		it := &c.o.items[i]
		e := other[c.id(it)]
		if e == nil || !e.hasVersion || !it.hasVersion {
			continue
		}
		switch {
		case it.version < e.version:
			c.add(InvariantSameObject, c.itemPtr(it, sa.version),
				fmt.Sprintf("%s is earlier than in the copy %s at %s: a copy must not be older than one seen before", sa.version, otherWhat, c.entry(e.entry)),
				rawExcerpt([]byte(strconv.Quote(it.version.time().Format(time.RFC3339Nano)))))
		case it.version == e.version && it.hash != 0 && e.hash != 0 && it.hash != e.hash:
			c.add(InvariantSameObject, c.itemPtr(it, ""),
				fmt.Sprintf("this copy differs from the one %s at %s, although both have the same %s", otherWhat, c.entry(e.entry), sa.version), "")
		}
	}
}

// remember records this exchange's items as the latest copies its operation returned.
func (c *invCheck) remember() {
	if c.r.sameAs == nil && (c.r.walk == nil || len(c.r.syncSince) == 0) {
		return
	}
	m := c.src.copies[c.r]
	if m == nil {
		m = map[string]*copySeen{}
		c.src.copies[c.r] = m
	}
	for i := range c.o.items {
		it := &c.o.items[i]
		id := c.id(it)
		s := m[id]
		if s == nil {
			s = &copySeen{}
			m[id] = s
		}
		*s = copySeen{seq: c.src.seq, entry: c.res.Index, version: it.version, hasVersion: it.hasVersion,
			end: it.end, hasEnd: it.hasEnd, hash: it.hash}
	}
}
