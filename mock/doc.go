// Package mock is an in-process fake of the two vendor APIs apikit covers, DoorFlow group reservations
// (/api/3/group_reservations, OAuth 2.0 scopes) and Sonderplan permission groups (/v2/group, bearer token), served
// from a deterministic data set and held to the specs in openapi/.
//
// Build a [Server] with [New] and serve it like any [http.Handler]; the same seed always gives byte-identical
// answers:
//
//	srv, err := mock.New(ctx, mock.WithSeed(7), mock.WithCount(200))
//	if err != nil { ... }
//	ts := httptest.NewServer(srv)                     // or mock.Serve(ctx, ln, srv, 10*time.Second)
//	defer ts.Close()
//	// GET ts.URL+"/api/3/group_reservations" with "Authorization: Bearer "+mock.DefaultToken
//
// # Behaviour
//
// Every request is handled in this order, as a real server's middleware would: routing (a path the specs do not
// have is a JSON 404; a known path with another method is a JSON 405), authentication (a missing or unknown
// bearer token is a 401 with the vendor's error model; a DoorFlow token without the operation's scope is a 403),
// then validation of the request against the spec by the contract harness and the mock's own rules (a 400 whose
// JSON body names the parameter). Authentication comes first, so a request with a bad token and a bad parameter
// gets 401.
//
// DoorFlow lists hold present and future reservations (end_time not before now, as the vendor's page says);
// reservations that have ended are only reachable by id. The list is ordered by id; since (local time in the
// zone set by [WithLocation], UTC by default) and since_utc keep reservations with updated_at >= since; page
// (default 1) and per_page (default 500) page it; skip_pagination=true returns every match. Giving both since
// and since_utc is a 400.
//
// Sonderplan's id (comma list) always restricts the result. name and description (case-insensitive substring)
// and the acl_* filters are combined with filter_operator (OR by default); an empty value counts as absent.
// fields returns only the listed properties, in the model's order: id is not added unless asked for. order_asc
// or order_desc (not both) sort by any string or integer property, ties broken by id; without them groups are
// ordered by id. page (default 1) and limit (default 10) page the result, and meta.pagination reports total
// (all matches), count (this page), per_page (the limit) and current_page.
//
// The data come from [Generate] (people, groups and reservations arranged around a fixed "now", see [WithNow]
// and [DefaultNow]) or from a JSON file in the [Dataset] format, read with [ParseDataset].
package mock
