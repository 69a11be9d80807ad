package contract

// invariant.unique-across-pages, declared by walk: no id is on two pages of one walk; page 1 again starts a new
// walk; a page fetched twice is one page; a walk during which something changed is not held to it.

import "fmt"

type uniqueAcrossPages struct{ noHooks }

func (uniqueAcrossPages) decl() declaration { return walkKey }

func (uniqueAcrossPages) page(c *invCheck, w *walkState) {
	if w.disturbed {
		return
	}
	o, wd, ids := c.o, c.r.walk, c.src.walkIDs(w)
	for i := range o.items {
		it := &o.items[i]
		if prev, seen := ids[c.key(it)]; seen && prev.page != o.page {
			c.add(InvariantUniqueAcrossPages, wd.ID, c.itemPtr(it, wd.ID),
				fmt.Sprintf("this item is also on page %d of the walk (%s): no item may be on two pages of one walk", prev.page, c.entry(int(prev.entry))),
				c.idValue(wd.ID, c.id(it)))
		}
	}
}
