// Package sonderplan is a small client for the Sonderplan API v2 (permission groups), over the code generated
// from openapi/sonderplan.yaml. It adds bearer-token auth, typed filters, paging as Go iterators, retries with
// backoff, and typed errors.
//
// Build a client with an API token; filter with typed options, range over the groups, and tell errors apart
// with errors.Is and errors.As:
//
//	c, err := sonderplan.New(sonderplan.DefaultBaseURL, sonderplan.WithToken(token))
//	if err != nil { ... }
//	opts := &sonderplan.ListGroupsOptions{
//		ACL:            sonderplan.ACLFilter{Schedule: gen.ACLReadWrite, Admin: gen.ACLNone},
//		FilterOperator: gen.FilterAnd,
//		Fields:         []string{"id", "name"},
//	}
//	for g, err := range c.ListGroups(ctx, opts) {
//		if err != nil { ... }       // *sonderplan.APIError, or a network error after retries
//		fmt.Println(*g.ID, *g.Name)
//	}
//
// Every method takes a context first; it bounds the call, retries included. gen is package gen/sonderplan,
// whose models (Group, Member) and enums (ACL, FilterOperator) the methods use.
package sonderplan
