package sonderplan

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"strings"

	gen "github.com/apikit/apikit/gen/sonderplan"
	"github.com/apikit/apikit/internal/httpx"
)

// ACLFilter keeps the groups whose module permissions match: each non-empty field is sent as its acl_* filter
// (gen.ACLNone "--", gen.ACLRead "R-", gen.ACLReadWrite "RW"). Empty fields do not filter.
type ACLFilter struct {
	Schedule gen.ACL // acl_schedule
	Project  gen.ACL // acl_project
	Task     gen.ACL // acl_task
	Finance  gen.ACL // acl_finance
	Report   gen.ACL // acl_report
	Contact  gen.ACL // acl_contact
	Admin    gen.ACL // acl_admin
	Account  gen.ACL // acl_account
}

// ListGroupsOptions filters, shapes and pages a group listing. The zero value lists every group, a page of the
// server's default size (10) at a time. Filters are combined with FilterOperator (the server's default is OR).
type ListGroupsOptions struct {
	// IDs keeps the groups with these IDs (id, comma separated on the wire).
	IDs []int64
	// Name and Description are full-text searches.
	Name, Description string
	// ACL filters on module permissions.
	ACL ACLFilter
	// FilterOperator combines the filters: gen.FilterOr or gen.FilterAnd; empty leaves the server's default (OR).
	FilterOperator gen.FilterOperator
	// Fields asks for these properties only (sparse fieldsets); the returned groups leave the others nil.
	Fields []string
	// OrderAsc and OrderDesc name a (string or integer) property to sort by.
	OrderAsc, OrderDesc string
	// Page is the page to fetch, from 1 (1 when zero). The iterator starts there.
	Page int
	// Limit is the page size; zero leaves the server's default (10).
	Limit int
}

// ListGroupsPage returns one page of permission groups and its meta.pagination. Response.NextPage is the next
// page, or 0 when this one is the last: it is empty or short, or current_page·per_page reaches total.
//
// Sonderplan docs: API v2 reference, "GET /v2/group" (list permission groups).
//
//apikit:operation listGroups
func (c *Client) ListGroupsPage(ctx context.Context, opts *ListGroupsOptions) ([]gen.Group, *Response, error) {
	const op = "listGroups"
	params, err := opts.params()
	if err != nil {
		return nil, nil, fmt.Errorf("sonderplan %s: %w", op, err)
	}
	rsp, err := c.gen.ListGroups(httpx.WithOperation(ctx, op), params)
	if err != nil {
		return nil, nil, fmt.Errorf("sonderplan %s: %w", op, err)
	}
	resp := &Response{Response: rsp}
	r, err := gen.ParseListGroupsResponse(rsp)
	switch {
	case err != nil && rsp.StatusCode == http.StatusOK:
		return nil, resp, fmt.Errorf("sonderplan %s: decoding the response: %w", op, err)
	case err != nil:
		return nil, resp, newAPIError(op, rsp, nil) // the body did not parse: status and headers only
	case r.JSON200 == nil && rsp.StatusCode == http.StatusOK:
		return nil, resp, fmt.Errorf("sonderplan %s: %w (Content-Type %q)", op, errNotJSON, rsp.Header.Get("Content-Type"))
	case r.JSON200 == nil:
		return nil, resp, newAPIError(op, rsp, r.Body)
	}
	p := r.JSON200.Meta.Pagination
	resp.Pagination = p
	if n := len(r.JSON200.Data); n > 0 && p.PerPage > 0 && n >= p.PerPage && p.CurrentPage*p.PerPage < p.Total {
		resp.NextPage = p.CurrentPage + 1
	}
	return r.JSON200.Data, resp, nil
}

// ListGroups iterates over permission groups, page after page from opts.Page, following meta.pagination until
// the last page. Breaking out of the loop stops the requests; an error is yielded once and ends the iteration.
//
// Sonderplan docs: API v2 reference, "GET /v2/group" (list permission groups).
//
//apikit:operation listGroups
func (c *Client) ListGroups(ctx context.Context, opts *ListGroupsOptions) iter.Seq2[gen.Group, error] {
	first := ListGroupsOptions{}
	if opts != nil {
		first = *opts
	}
	return func(yield func(gen.Group, error) bool) {
		o := first
		if o.Page == 0 {
			o.Page = 1 // a negative page is left for ListGroupsPage to reject
		}
		for {
			groups, resp, err := c.ListGroupsPage(ctx, &o)
			if err != nil {
				yield(gen.Group{}, err)
				return
			}
			if got := resp.Pagination.CurrentPage; got != o.Page {
				// A server that ignores page would otherwise be walked forever.
				yield(gen.Group{}, fmt.Errorf("sonderplan listGroups: asked for page %d, got current_page %d", o.Page, got))
				return
			}
			for _, g := range groups {
				if !yield(g, nil) {
					return
				}
			}
			if resp.NextPage == 0 {
				return
			}
			o.Page = resp.NextPage
		}
	}
}

var errNotJSON = errors.New("the 200 response is not JSON")

// params checks the options and turns them into the generated parameters. page is always sent.
func (o *ListGroupsOptions) params() (*gen.ListGroupsParams, error) {
	if o == nil {
		o = &ListGroupsOptions{}
	}
	if o.Page < 0 || o.Limit < 0 {
		return nil, fmt.Errorf("page %d and limit %d must not be negative", o.Page, o.Limit)
	}
	p := &gen.ListGroupsParams{Page: ptr(max(o.Page, 1))}
	if len(o.IDs) > 0 {
		ids := make([]string, len(o.IDs))
		for i, id := range o.IDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		p.ID = ptr(strings.Join(ids, ","))
	}
	if len(o.Fields) > 0 {
		for _, f := range o.Fields {
			if f == "" || strings.Contains(f, ",") {
				return nil, fmt.Errorf("field %q is not a property name", f)
			}
		}
		p.Fields = ptr(strings.Join(o.Fields, ","))
	}
	p.Name, p.Description = optional(o.Name), optional(o.Description)
	p.OrderAsc, p.OrderDesc = optional(o.OrderAsc), optional(o.OrderDesc)
	if o.Limit > 0 {
		p.Limit = ptr(o.Limit)
	}
	if o.FilterOperator != "" {
		if !o.FilterOperator.Valid() {
			return nil, fmt.Errorf("filter operator %q is not %s or %s", o.FilterOperator, gen.FilterOr, gen.FilterAnd)
		}
		p.FilterOperator = ptr(o.FilterOperator)
	}
	acls := []struct {
		name string
		v    gen.ACL
		dst  **gen.ACL
	}{
		{"acl_schedule", o.ACL.Schedule, &p.ACLSchedule},
		{"acl_project", o.ACL.Project, &p.ACLProject},
		{"acl_task", o.ACL.Task, &p.ACLTask},
		{"acl_finance", o.ACL.Finance, &p.ACLFinance},
		{"acl_report", o.ACL.Report, &p.ACLReport},
		{"acl_contact", o.ACL.Contact, &p.ACLContact},
		{"acl_admin", o.ACL.Admin, &p.ACLAdmin},
		{"acl_account", o.ACL.Account, &p.ACLAccount},
	}
	for _, a := range acls {
		if a.v == "" {
			continue
		}
		if !a.v.Valid() {
			return nil, fmt.Errorf("%s %q is not one of %q, %q, %q", a.name, a.v, gen.ACLNone, gen.ACLRead, gen.ACLReadWrite)
		}
		*a.dst = ptr(a.v)
	}
	return p, nil
}

// optional returns nil for "" (the parameter is not sent), else a pointer to s.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func ptr[T any](v T) *T { return &v }
