package contract

// The walk, declared as walk: {id: id, page: page, size: per_page, skip: skip_pagination, total:
// /meta/pagination/total, version: updated_at, listedUntil: end_time}: the pages of one query (same operation,
// same parameters but the page) from page 1. invariants.go follows walks through a recording; the invariants
// unique-across-pages, total-stable, skip-pagination-union and sync-lost-change hook into them.

// walkKey is the member of x-apikit-rules that declares it, and how its value is read.
const walkKey = ruleKey[walkDecl, *walkDecl]("walk")

type walkDecl struct {
	ID          string `json:"id"`
	Page        string `json:"page"`
	Size        string `json:"size"`
	Skip        string `json:"skip"`
	Total       string `json:"total"`
	Version     string `json:"version"`
	ListedUntil string `json:"listedUntil"`
}

// walkRule is the declaration with the envelope slot of its total.
type walkRule struct {
	walkDecl
	total int // envelope slot of the total, -1 when not declared
}

func (wd *walkDecl) compile(c *opCompiler) error {
	if err := c.listOnly("walk"); err != nil {
		return err
	}
	w := &walkRule{walkDecl: *wd, total: -1}
	if err := c.field("walk.id", w.ID); err != nil {
		return err
	}
	for _, p := range []struct{ what, name string }{{"walk.page", w.Page}, {"walk.size", w.Size}} {
		if err := c.param(p.what, p.name); err != nil {
			return err
		}
	}
	if w.Skip != "" {
		if err := c.param("walk.skip", w.Skip); err != nil {
			return err
		}
	}
	for _, f := range []struct{ what, name string }{{"walk.version", w.Version}, {"walk.listedUntil", w.ListedUntil}} {
		if f.name == "" {
			continue
		}
		if err := c.field(f.what, f.name); err != nil {
			return err
		}
	}
	if w.Total != "" {
		segs, err := splitPointer(w.Total)
		if err != nil {
			return c.errorf("walk.total: %w", err)
		}
		if w.total, err = c.envelope(segs); err != nil {
			return c.errorf("walk.total: %w", err)
		}
	}
	c.r.walk = w
	return nil
}
