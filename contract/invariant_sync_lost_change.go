package contract

// invariant.sync-lost-change, declared as sync: {since: [since_utc, since]} with walk.version and
// walk.listedUntil: a complete since answer holds every item seen earlier in the recording (listed or fetched)
// with a version at or after since, unless its listedUntil time has passed.

import (
	"fmt"
	"slices"
	"time"
)

// syncKey is the member of x-apikit-rules that declares it, and how its value is read.
const syncKey = ruleKey[syncDecl, *syncDecl]("sync")

type syncDecl struct {
	Since []string `json:"since"`
}

func (d *syncDecl) compile(c *opCompiler) error {
	r := c.r
	if r.walk == nil {
		return c.errorf("sync needs walk: an answer is complete only when its walk is")
	}
	if len(d.Since) == 0 {
		return c.errorf("sync.since names no since parameter")
	}
	since := sinceOf(r)
	for _, p := range d.Since {
		i := slices.IndexFunc(since, func(s sinceDecl) bool { return s.Param == p })
		if i < 0 {
			return c.errorf("sync.since: %q is not a param of the since rule", p)
		}
		r.syncSince = append(r.syncSince, since[i])
	}
	return nil
}

// observeSince records in the observation the latest since parameter of the request the sync invariant
// follows.
func observeSince(run *ruleRun) {
	o := run.obs
	since := sinceOf(run.r)
	for _, sd := range run.r.syncSince {
		for i := range since {
			a := &since[i]
			if a.Param != sd.Param {
				continue
			}
			if t, ok := a.value(run); ok && (!o.hasSince || t > o.since) {
				o.since, o.hasSince, o.sinceParam = t, true, a.Param
			}
		}
	}
}

type syncLostChange struct{ noHooks }

func (syncLostChange) decl() declaration { return syncKey }

// complete checks a complete walk that began with a since parameter, unless something changed during it.
func (syncLostChange) complete(c *invCheck, w *walkState) {
	if w.hasSince && !w.disturbed {
		c.syncAnswer(c.src.walkIDs(w), w.startSeq, w.startAt, w.startTimed, w.sinceParam, w.since, w.startIndex)
	}
}

// unpaged checks an unpaged answer with a since parameter.
func (syncLostChange) unpaged(c *invCheck, ids map[idKey]walkID) {
	if o := c.o; o.hasSince {
		c.syncAnswer(ids, c.src.seq, o.at, o.timed, o.sinceParam, o.since, c.res.Index)
	}
}

// syncAnswer checks a complete incremental answer (ids, begun at seq start and time at): every item seen before
// it with a version at or after since must be in it, unless it has ended since (walk.listedUntil).
func (c *invCheck) syncAnswer(ids map[idKey]walkID, start int, at instant, timed bool, param string, since instant, firstEntry int) {
	r := c.r
	wd := r.walk
	if wd == nil {
		return
	}
	lost := func(id idKey, s copySeen, ok bool) bool {
		if !ok || int(s.seq) >= start || !s.hasVersion || s.version < since {
			return false
		}
		if _, ok := ids[id]; ok {
			return false
		}
		// ended (or the time is unknown): it may have left the list of present and future items
		return !s.hasEnd || (timed && s.end >= at)
	}
	// One pass over the copies, in memory of the size of the answer: the first ids to name and the count.
	first := firstIDs[copySeen]{src: c.src}
	own := c.src.copies(r)
	for id, s := range own {
		if lost(id, s, true) {
			first.offer(id, s)
		}
	}
	if p := c.partner(); p != nil {
		for id, s := range c.src.copies(p) {
			if !lost(id, s, true) {
				continue
			}
			if o, ok := own[id]; lost(id, o, ok) { // counted once, named with its latest copy
				if kept := first.value(id); kept != nil && s.seq > kept.seq {
					*kept = s
				}
				continue
			}
			first.offer(id, s)
		}
	}
	for i, k := range first.ids {
		s, id := first.vals[i], c.src.text(k)
		c.add(InvariantSyncLostChange, "", r.ptr,
			fmt.Sprintf("the item with %s %s was seen at %s with %s %s, at or after the request's %s, and is missing from this complete answer",
				wd.ID, idText(r, wd.ID, id), c.entry(int(s.entry)), versionField(r), s.version.time().Format(time.RFC3339Nano), param),
			c.idValue(wd.ID, id))
	}
	c.out.more(InvariantSyncLostChange, "", first.n-len(first.ids))
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
