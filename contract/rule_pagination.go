package contract

// rule.pagination, declared as pagination: {at: /meta/pagination, page: page, limit: limit}. count is the number
// of items, at most per_page; current_page echoes page and per_page echoes limit (their schema defaults when
// absent); count is what total leaves for the page. Member names default to total, count, per_page,
// current_page (total:, count:, perPage:, currentPage: override them).

import (
	"fmt"
	"net/url"
	"slices"
)

// paginationKey is the member of x-apikit-rules that declares it, and how its value is read.
const paginationKey = ruleKey[paginationDecl, *paginationDecl]("pagination")

type paginationDecl struct {
	At          string `json:"at"`
	Page        string `json:"page"`
	Limit       string `json:"limit"`
	Total       string `json:"total"`
	Count       string `json:"count"`
	PerPage     string `json:"perPage"`
	CurrentPage string `json:"currentPage"`
}

// paginationRule is the declaration with its member names defaulted and the envelope slots of the members.
type paginationRule struct {
	paginationDecl
	total, count, perPage, currentPage int // envelope slots
}

func (d *paginationDecl) compile(c *opCompiler) error {
	if err := c.listOnly("pagination"); err != nil {
		return err
	}
	p := &paginationRule{paginationDecl: *d}
	p.Total = cmpOr(p.Total, "total")
	p.Count = cmpOr(p.Count, "count")
	p.PerPage = cmpOr(p.PerPage, "per_page")
	p.CurrentPage = cmpOr(p.CurrentPage, "current_page")
	for _, n := range []struct{ what, name string }{{"pagination.page", p.Page}, {"pagination.limit", p.Limit}} {
		if err := c.param(n.what, n.name); err != nil {
			return err
		}
	}
	at, err := splitPointer(p.At)
	if err != nil {
		return c.errorf("pagination.at: %w", err)
	}
	for _, m := range []struct {
		name string
		slot *int
	}{{p.Total, &p.total}, {p.Count, &p.count}, {p.PerPage, &p.perPage}, {p.CurrentPage, &p.currentPage}} {
		if *m.slot, err = c.envelope(append(slices.Clip(at), m.name)); err != nil {
			return c.errorf("pagination: %w", err)
		}
	}
	c.addRule(p)
	return nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (p *paginationRule) start(run *ruleRun) { run.onPage(p) }

// page checks the paging envelope against the page and the request.
func (p *paginationRule) page(run *ruleRun) {
	total, tok := run.envInt(p.total)
	count, cok := run.envInt(p.count)
	perPage, pok := run.envInt(p.perPage)
	cur, curOK := run.envInt(p.currentPage)
	consistent := true
	if cok && run.itemsFound && count != int64(run.count) {
		envViolation(run, p.count, fmt.Sprintf("%s says %d, but the page holds %d items", p.Count, count, run.count))
		consistent = false
	}
	if cok && pok && count > perPage {
		envViolation(run, p.count, fmt.Sprintf("%s %d is more than %s %d", p.Count, count, p.PerPage, perPage))
		consistent = false
	}
	if run.obs.known {
		if page, ok := run.intParam(p.Page); ok && curOK && cur != int64(page) {
			envViolation(run, p.currentPage, fmt.Sprintf("%s is %d, but the request asked for %s %d%s", p.CurrentPage, cur, p.Page, page, defaulted(run.q, p.Page)))
			consistent = false
		}
		if limit, ok := run.intParam(p.Limit); ok && pok && perPage != int64(limit) {
			envViolation(run, p.perPage, fmt.Sprintf("%s is %d, but the request asked for %s %d%s", p.PerPage, perPage, p.Limit, limit, defaulted(run.q, p.Limit)))
			consistent = false
		}
	}
	if consistent && tok && cok && pok && curOK && perPage > 0 && cur >= 1 {
		want := min(max(total-(cur-1)*perPage, 0), perPage)
		if count != want {
			envViolation(run, p.count, fmt.Sprintf("%s %d does not fit %s %d: page %d of %d items with %d per page holds %d", p.Count, count, p.Total, total, cur, total, perPage, want))
		}
	}
}

// envViolation records a violation at an envelope value.
func envViolation(run *ruleRun, slot int, msg string) {
	v := run.base
	v.Rule, v.Message = RulePagination, msg
	v.Pointer = pointer(run.r.envSlots[slot].path)
	fv := run.env[slot]
	v.Value = rawExcerpt(run.b[fv.start:fv.end])
	run.out.add(v, v.Pointer)
}

// defaulted says "(the default)" when the request leaves the parameter out.
func defaulted(q url.Values, name string) string {
	if q.Get(name) == "" {
		return " (the default)"
	}
	return ""
}
