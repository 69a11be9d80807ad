package contract

// invariant.total-stable, declared by walk.total (a pointer into the body) or walk.totalHeader (a response
// header): the total does not change during a walk (unless something changed during it).

import (
	"fmt"
	"strconv"
)

type totalStable struct{ noHooks }

func (totalStable) decl() declaration { return walkKey }

func (totalStable) page(c *invCheck, w *walkState) {
	o := c.o
	if !o.hasTotal || !w.hasTotal || o.total == w.total || w.disturbed {
		return
	}
	msg := fmt.Sprintf("the total is %d, but it was %d on page %d of the walk (%s): it must not change during a walk", o.total, w.total, w.firstPage, c.entry(w.totalEntry))
	if h := c.r.walk.header; h != "" {
		c.addIn(InResponseHeader, InvariantTotalStable, "header:"+h, h, msg, strconv.FormatInt(o.total, 10))
		return
	}
	c.add(InvariantTotalStable, "/", pointer(c.r.envSlots[c.r.walk.total].path), msg, strconv.FormatInt(o.total, 10))
}
