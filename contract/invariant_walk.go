package contract

// The walk, declared as walk: {id: id, page: page, size: per_page, skip: skip_pagination, total:
// /meta/pagination/total, version: updated_at, listedUntil: end_time}, with totalHeader: Total instead of total
// when the total travels in a response header: the pages of one query (same operation,
// same parameters but the page) from page 1. invariants.go follows walks through a recording; the invariants
// unique-across-pages, total-stable, skip-pagination-union and sync-lost-change hook into them.

import (
	"net/http"
	"strconv"
	"strings"
)

// walkKey is the member of x-apikit-rules that declares it, and how its value is read.
const walkKey = ruleKey[walkDecl, *walkDecl]("walk")

type walkDecl struct {
	ID          string `json:"id"`
	Page        string `json:"page"`
	Size        string `json:"size"`
	Skip        string `json:"skip"`
	Total       string `json:"total"`
	TotalHeader string `json:"totalHeader"`
	Version     string `json:"version"`
	ListedUntil string `json:"listedUntil"`
}

// walkRule is the declaration with the envelope slot of its total.
type walkRule struct {
	walkDecl
	total  int    // envelope slot of the total, -1 when not declared (or declared as a header)
	header string // the response header of the total, canonical; "" when not declared as a header
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
	if w.TotalHeader != "" {
		if w.Total != "" {
			return c.errorf("walk: total and totalHeader both name the total: give one")
		}
		if !c.declaresHeader(w.TotalHeader) {
			return c.errorf("walk.totalHeader: no 2xx response of the operation declares the header %q", w.TotalHeader)
		}
		w.header = http.CanonicalHeaderKey(w.TotalHeader)
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

// declaresHeader reports whether a 2xx response of the operation declares the response header name.
func (c *opCompiler) declaresHeader(name string) bool {
	for code, ref := range c.o.route.Operation.Responses.Map() {
		if !strings.HasPrefix(code, "2") || ref == nil || ref.Value == nil {
			continue
		}
		for h := range ref.Value.Headers {
			if strings.EqualFold(h, name) {
				return true
			}
		}
	}
	return false
}

// headerTotal reads the walk's total from its response header; ok is false when the header is absent or not an
// integer (the header's own schema check reports that).
func headerTotal(h http.Header, name string) (int64, bool) {
	vals := h[name]
	if len(vals) == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(vals[0], 10, 64)
	return n, err == nil
}
