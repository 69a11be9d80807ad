package contract

// The rules read a body in the compiled check's own pass when that check runs (fastbody.go): its walker calls a
// bodyTap at every object, member and array, with byte offsets into the body, and the rules pick out the items
// and the values they need. A second pass over a 10,000-item list would cost as much as the whole compiled
// check; the tap costs a few calls per item. When kin-openapi decides instead (the compiled path falls back, or
// does not cover the schema), the rules scan the body themselves (rulescan.go).

// bodyTap sees the structure of a body as the compiled check walks it. depth is the nesting of the object or
// array (0 for the body itself); offsets are byte offsets into the body.
type bodyTap interface {
	// object is called after an object's '}' with its span, its position in the enclosing array (-1 outside
	// one) and its members, in order. members is valid only during the call.
	object(n *bodyNode, depth, index int, start, end int64, members []tapMember)
	// array is called after an array's ']' with its span and number of elements.
	array(n *bodyNode, depth int, start, end int64, count int)
}

// tapMember is one member of an object: field is its index in the object node's fields (-1 when the node does
// not declare it); the name, with its quotes, spans [nameStart, nameEnd) and the value ends at end. The tap is
// used only on bodies under 2 GiB, so offsets fit.
type tapMember struct {
	field, nameStart, nameEnd, end int32
}

// index is the position in its array of the value being read, -1 when it is not an array element.
func (w *bodyWalker) index() int {
	if len(w.path) == 0 {
		return -1
	}
	return w.path[len(w.path)-1].idx
}

// tapTarget is where the items are in the compiled schema tree of one response.
type tapTarget struct {
	array, item *bodyNode
	depth       int // of the item objects
}

// findTapTarget finds the compiled nodes of the items for the response the compiled check will pick (as
// fastResponse picks it); ok is false when there is none, and the rules then scan the body themselves.
func findTapTarget(p *responsePick, r *opRules) (tapTarget, bool) {
	n := p.node
	if !p.declared || p.media == nil || n == nil { // the compiled check's response, when it is the status's own
		return tapTarget{}, false
	}
	for _, seg := range r.path {
		i, ok := n.names[seg]
		if !ok || n.fields[i].node == nil {
			return tapTarget{}, false
		}
		n = n.fields[i].node
	}
	if !r.list {
		return tapTarget{item: n, depth: len(r.path)}, true
	}
	if n.items == nil {
		return tapTarget{}, false
	}
	return tapTarget{array: n, item: n.items, depth: len(r.path) + 1}, true
}

// fieldAct is what the tap does with a member the item node declares.
type fieldAct struct {
	slot    int32 // where to record its value; -1 when no rule reads it
	ignored bool  // left out of the fingerprint
}

func (run *ruleRun) object(n *bodyNode, depth, index int, start, end int64, members []tapMember) {
	if depth != run.target.depth || n != run.target.item {
		return
	}
	run.beginItem(int(start))
	run.tapIndex = index
	if !run.r.list {
		run.itemsFound, run.count = true, 1
	}
	if run.fieldActs == nil {
		run.fieldActs = zeroed(run.spareActs, len(n.fields)) // perf: the array of a previous run (runPool)
		for i, f := range n.fields {
			a := fieldAct{slot: -1}
			if slot := run.r.slots.find([]byte(f.name)); slot >= 0 {
				a.ignored = run.r.ignored[slot]
				if slot < len(run.used) && run.used[slot] {
					a.slot = int32(slot)
				}
			}
			run.fieldActs[i] = a
		}
	}
	b := run.b
	for _, m := range members {
		if m.field >= 0 && len(run.members) == 0 {
			// The common case, kept short: a declared member, no rule that checks every member (sparse fields).
			a := run.fieldActs[m.field]
			if a.slot >= 0 || run.hashing {
				start := valueStart(b, m.nameEnd, m.end)
				if a.slot >= 0 {
					run.vals[a.slot] = fieldVal{start: int32(start), end: m.end, gen: run.gen}
				}
				if run.hashing && !a.ignored {
					run.hashMember(int(m.nameStart), int(m.nameEnd), start, int(m.end))
				}
			}
			continue
		}
		key, ok := stringBytes(b[m.nameStart:m.nameEnd])
		if !ok {
			continue
		}
		run.memberValue(run.lookup(key), key, int(m.nameStart), int(m.nameEnd), valueStart(b, m.nameEnd, m.end), int(m.end))
	}
	run.itemEnd = int(end)
	run.evalItem(index)
	run.tapIndex = -2
}

// valueStart is where a member's value starts, after its name ends at nameEnd: past the ':' and any whitespace.
func valueStart(b []byte, nameEnd, end int32) int {
	if i := nameEnd + 1; b[nameEnd] == ':' && !isSpace(b[i]) {
		return int(i)
	}
	i := nameEnd
	for i < end && (b[i] == ':' || isSpace(b[i])) {
		i++
	}
	return int(i)
}

func (run *ruleRun) array(n *bodyNode, depth int, start, end int64, count int) {
	if depth != run.target.depth-1 || n != run.target.array {
		return
	}
	run.itemsFound, run.count = true, count
	run.itemsStart, run.itemsEnd = int(start), int(end)
}
