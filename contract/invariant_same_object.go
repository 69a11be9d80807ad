package contract

// invariant.same-object, declared as sameAs: {operation: listGroupReservations, id: id, version: updated_at,
// ignore: [state]} on the operation that gets one item: an object fetched by id and listed with the same version
// are the same object (members compared whatever their order, ignore left out); a copy with an earlier version
// than one seen before is stale.

import (
	"fmt"
	"strconv"
	"time"
)

// sameAsKey is the member of x-apikit-rules that declares it, and how its value is read.
const sameAsKey = ruleKey[sameAsDecl, *sameAsDecl]("sameAs")

type sameAsDecl struct {
	Operation string   `json:"operation"`
	ID        string   `json:"id"`
	Version   string   `json:"version"`
	Ignore    []string `json:"ignore"`
}

// sameAsRule pairs a get operation with the list operation that lists the same objects.
type sameAsRule struct {
	list, get *opRules
	id        string
	version   string
	ignore    map[string]bool
}

// compile pairs the operations once every operation is compiled.
func (d *sameAsDecl) compile(c *opCompiler) error {
	r := c.r
	c.later = append(c.later, func(byID map[string]*opRules) error { return d.pair(r, byID) })
	return nil
}

func (d *sameAsDecl) pair(get *opRules, byID map[string]*opRules) error {
	list := byID[get.op.spec.vendor+"."+d.Operation]
	if list == nil || !list.list {
		return fmt.Errorf("%s: %s: sameAs.operation %q is not an operation with x-apikit-rules items", get.where, rulesExtension, d.Operation)
	}
	if get.list {
		return fmt.Errorf("%s: %s: sameAs goes on the operation that gets one item (item), not on a list", get.where, rulesExtension)
	}
	if list.sameAs != nil {
		return fmt.Errorf("%s: %s: %s is already paired by sameAs", get.where, rulesExtension, list.op.id)
	}
	sa := &sameAsRule{list: list, get: get, id: d.ID, version: d.Version, ignore: map[string]bool{}}
	for _, f := range append([]string{d.ID, d.Version}, d.Ignore...) {
		if err := get.field("sameAs", f); err != nil {
			return err
		}
		if err := list.field("sameAs", f); err != nil {
			return err
		}
	}
	for _, f := range d.Ignore {
		sa.ignore[f] = true
	}
	get.sameAs, list.sameAs = sa, sa
	return nil
}

type sameObject struct{ noHooks }

func (sameObject) decl() declaration { return sameAsKey }

// exchange compares each item with the latest copy the paired operation returned.
func (sameObject) exchange(c *invCheck) {
	sa := c.r.sameAs
	if sa == nil {
		return
	}
	other := c.src.copies(c.partner())
	otherWhat := "fetched by id"
	if c.r == sa.get {
		otherWhat = "listed"
	}
	for i := range c.o.items {
		it := &c.o.items[i]
		e, ok := other[c.key(it)]
		if !ok || !e.hasVersion || !it.hasVersion {
			continue
		}
		switch {
		case it.version < e.version:
			c.add(InvariantSameObject, sa.version, c.itemPtr(it, sa.version),
				fmt.Sprintf("%s is earlier than in the copy %s at %s: a copy must not be older than one seen before", sa.version, otherWhat, c.entry(int(e.entry))),
				rawExcerpt([]byte(strconv.Quote(it.version.time().Format(time.RFC3339Nano)))))
		case it.version == e.version && it.hash != 0 && e.hash != 0 && it.hash != e.hash:
			c.add(InvariantSameObject, "", c.itemPtr(it, ""),
				fmt.Sprintf("this copy differs from the one %s at %s, although both have the same %s", otherWhat, c.entry(int(e.entry)), sa.version), "")
		}
	}
}
