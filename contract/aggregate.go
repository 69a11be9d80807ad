package contract

import (
	"strconv"
	"strings"
)

// shownItems is how many items an aggregated violation names: the first one in full (pointer, message, value),
// then the pointers or ids of the next ones.
const shownItems = 5

// violationGroup is one rule's violations at one field of the items of one exchange: the first ones in full,
// and how many in all.
type violationGroup struct {
	field string      // the member of the items, or the envelope's pointer; "" for the item itself
	shown []Violation // the first shownItems
	n     int         // every violation of the rule at the field in the exchange
}

// aggregate gathers the violations of one exchange's rules or invariants as they are found, keeping per rule
// (and field the rule checks: a filter on two fields fails twice) the first shownItems of them and the count,
// so that a rule failing for every item of a list, or an invariant failing for every item of a recording, costs
// one violation and constant memory per (exchange, rule, field).
type aggregate struct {
	groups []violationGroup // in the order the rules first failed; an exchange has few rules
}

// add counts v, found at field of an item (or at an envelope value, field its pointer), keeping it when it is
// among the first shownItems of its rule and field.
func (a *aggregate) add(v Violation, field string) {
	g := a.group(v.Rule, field)
	if g == nil {
		a.groups = append(a.groups, violationGroup{field: field})
		g = &a.groups[len(a.groups)-1]
	}
	if g.n < shownItems {
		g.shown = append(g.shown, v)
	}
	g.n++
}

// more counts n further violations of a rule that has failed already, beyond the ones its caller added (the
// invariants select the first items of a long list themselves and add only those).
func (a *aggregate) more(rule, field string, n int) {
	if g := a.group(rule, field); g != nil && n > 0 {
		g.n += n
	}
}

func (a *aggregate) group(rule, field string) *violationGroup {
	for i := range a.groups {
		if g := &a.groups[i]; g.field == field && g.shown[0].Rule == rule {
			return &a.groups[i]
		}
	}
	return nil
}

// empty reports whether nothing was added.
func (a *aggregate) empty() bool { return len(a.groups) == 0 }

// appendTo appends one violation per rule to vs: a rule that failed once as it was found; a rule that failed
// for n items as its first violation with Count n and, in its message, how many items and where the next ones
// are. It then forgets what it held.
func (a *aggregate) appendTo(vs []Violation) []Violation {
	for _, g := range a.groups {
		if g.n == 1 {
			vs = append(vs, g.shown[0])
			continue
		}
		vs = append(vs, merged(g))
	}
	a.groups = a.groups[:0]
	return vs
}

// merged is the one violation that stands for a group: the first one, counted, and naming the next ones by
// pointer (or by value when they share the first one's pointer).
func merged(g violationGroup) Violation {
	v := g.shown[0]
	v.Count = g.n
	samePointer := true
	for _, o := range g.shown[1:] {
		samePointer = samePointer && o.Pointer == v.Pointer
	}
	var b strings.Builder
	b.WriteString(v.Message)
	b.WriteString(" [")
	b.WriteString(strconv.Itoa(g.n))
	b.WriteString(" items in all here")
	names := make([]string, 0, len(g.shown)-1)
	for _, o := range g.shown[1:] {
		switch {
		case !samePointer:
			names = append(names, o.Pointer)
		case o.Value != "":
			names = append(names, o.Value)
		}
	}
	if len(names) > 0 {
		b.WriteString("; the next: ")
		b.WriteString(strings.Join(names, ", "))
		if g.n > len(g.shown) {
			b.WriteString(", ...")
		}
	}
	b.WriteString("]")
	v.Message = b.String()
	return v
}

// firstIDs keeps the shownItems smallest ids (compareIDs) offered to it, each with a value, in one pass and
// constant memory: what an invariant names of a long list of failing ids before counting the rest.
type firstIDs[T any] struct {
	src  *invSource // the ids' texts
	ids  []idKey
	vals []T
	n    int // ids offered
}

// offer counts id, offered once, and keeps it when it is among the smallest.
func (f *firstIDs[T]) offer(id idKey, v T) {
	f.n++
	i := len(f.ids)
	for i > 0 && f.src.compareKeys(id, f.ids[i-1]) < 0 {
		i--
	}
	if i >= shownItems {
		return
	}
	if len(f.ids) < shownItems {
		f.ids, f.vals = append(f.ids, 0), append(f.vals, v)
	}
	copy(f.ids[i+1:], f.ids[i:])
	copy(f.vals[i+1:], f.vals[i:])
	f.ids[i], f.vals[i] = id, v
}

// value returns the value kept with id, nil when id is not kept.
func (f *firstIDs[T]) value(id idKey) *T {
	for i, x := range f.ids {
		if x == id {
			return &f.vals[i]
		}
	}
	return nil
}
