package contract

// invariant.skip-pagination-union, declared by walk.skip: an unpaged answer holds exactly the ids of the latest
// complete walk of the same query taken at the same time: no request that may write recorded since the walk
// began and, when times are known, the answer within sameTimeWindow of its last page. An extra item updated since
// the walk began, or a missing one whose listedUntil time has passed, is not counted.

import "fmt"

type skipPaginationUnion struct{ noHooks }

func (skipPaginationUnion) decl() declaration { return walkKey }

// unpaged checks an unpaged answer against the latest complete walk of the same query.
func (skipPaginationUnion) unpaged(c *invCheck, ids map[idKey]walkID) {
	o, r, src := c.o, c.r, c.src
	w := src.complete.get(r.op.name + "?" + o.unionKey)
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
	missing := firstIDs[int]{src: src} // the first ids to name, with their page, and the count
	walkIDs := src.walkIDs(w)
	for id, p := range walkIDs {
		if _, ok := ids[id]; ok {
			continue
		}
		if p.hasEnd && o.timed && p.end < o.at {
			continue // ended since: it may have left the list of present and future items
		}
		missing.offer(id, p.page)
	}
	for i, k := range missing.ids {
		id := src.text(k)
		c.add(InvariantSkipPaginationUnion, "", r.ptr,
			fmt.Sprintf("the item with %s %s, on page %d of the walk (%s), is missing from this %s answer: it must hold every page's items",
				wd.ID, idText(c.r, wd.ID, id), missing.vals[i], walkEntries, skip), c.idValue(wd.ID, id))
	}
	c.out.more(InvariantSkipPaginationUnion, "", missing.n-len(missing.ids))
	for i := range o.items {
		it := &o.items[i]
		if _, ok := walkIDs[c.key(it)]; ok {
			continue
		}
		id := c.id(it)
		if it.hasVersion && w.startTimed && it.version >= w.startAt-instant(clockSkew) {
			continue // changed since the walk began: it may have joined the list since
		}
		c.add(InvariantSkipPaginationUnion, wd.ID, c.itemPtr(it, wd.ID),
			fmt.Sprintf("this item is on no page of the walk (%s), which this %s answer must equal", walkEntries, skip), c.idValue(wd.ID, id))
	}
}
