package mock

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/apikit/apikit/gen/sonderplan"
)

func groupIDs(gs []sonderplan.Group) []int64 {
	ids := make([]int64, len(gs))
	for i, g := range gs {
		if g.ID != nil {
			ids[i] = *g.ID
		}
	}
	return ids
}

func reversed(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Reverse(out)
	return out
}

// groupsWhere computes from the data set the ids of the groups keep accepts, by id.
func groupsWhere(s *Server, keep func(g sonderplan.Group) bool) []int64 {
	var ids []int64
	for _, g := range s.Dataset().Groups {
		if keep(g) {
			ids = append(ids, *g.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func TestSonderplanList(t *testing.T) {
	t.Parallel()
	s := newServer(t, WithSeed(4), WithCount(60))
	v := newValidator(t)
	all := groupsWhere(s, func(sonderplan.Group) bool { return true })
	is := func(acl *sonderplan.ACL, want sonderplan.ACL) bool { return acl != nil && *acl == want }
	admins := groupsWhere(s, func(g sonderplan.Group) bool { return is(g.ACLAdmin, sonderplan.ACLReadWrite) })
	finance := groupsWhere(s, func(g sonderplan.Group) bool { return is(g.ACLFinance, sonderplan.ACLReadWrite) })
	both := groupsWhere(s, func(g sonderplan.Group) bool {
		return is(g.ACLAdmin, sonderplan.ACLReadWrite) && is(g.ACLFinance, sonderplan.ACLReadWrite)
	})
	either := groupsWhere(s, func(g sonderplan.Group) bool {
		return is(g.ACLAdmin, sonderplan.ACLReadWrite) || is(g.ACLFinance, sonderplan.ACLReadWrite)
	})
	editors := groupsWhere(s, func(g sonderplan.Group) bool { return strings.Contains(strings.ToLower(*g.Name), "editor") })
	if len(both) == 0 || len(both) == len(either) || len(editors) == 0 {
		t.Fatalf("the data set does not tell AND from OR (both %d, either %d) or has no editors (%d)", len(both), len(either), len(editors))
	}
	limit := func(ids []int64, n int) []int64 { return ids[:min(n, len(ids))] }

	type pagination struct{ total, count, perPage, currentPage int }
	cases := []struct {
		name, query string
		status      int
		want        []int64     // ids (when fields hides them, the test asks for id too)
		wantPage    *pagination // meta.pagination, when checked
		wantErr     []string
		wantReq     []string
	}{
		{name: "defaults: 10 by id", query: "", status: 200, want: all[:10], wantPage: &pagination{len(all), 10, 10, 1}},
		{name: "page 3 of 7", query: "?limit=7&page=3", status: 200, want: all[14:21], wantPage: &pagination{len(all), 7, 7, 3}},
		{name: "past the last page", query: "?limit=7&page=100", status: 200, want: []int64{}, wantPage: &pagination{len(all), 0, 7, 100}},
		{name: "one page for all", query: fmt.Sprintf("?limit=%d", len(all)+5), status: 200, want: all, wantPage: &pagination{len(all), len(all), len(all) + 5, 1}},
		{name: "id list", query: fmt.Sprintf("?id=%d,%d,1", all[3], all[0]), status: 200, want: []int64{all[0], all[3]}, wantPage: &pagination{2, 2, 10, 1}},
		{name: "id list with spaces and a trailing comma", query: fmt.Sprintf("?id=%d,+%d,", all[5], all[6]), status: 200, want: all[5:7]},
		{name: "name search is case-insensitive", query: "?name=EDITOR&limit=100", status: 200, want: editors},
		{name: "description search", query: "?description=read+only&limit=100", status: 200,
			want: groupsWhere(s, func(g sonderplan.Group) bool { return strings.Contains(strings.ToLower(*g.Description), "read only") })},
		{name: "empty filter counts as absent", query: "?name=&limit=100", status: 200, want: all},
		{name: "one acl filter", query: "?acl_admin=RW&limit=100", status: 200, want: admins},
		{name: "acl filter with the value --", query: "?acl_finance=--&limit=100", status: 200,
			want: groupsWhere(s, func(g sonderplan.Group) bool { return is(g.ACLFinance, sonderplan.ACLNone) })},
		{name: "filters are OR by default", query: "?acl_admin=RW&acl_finance=RW&limit=100", status: 200, want: either},
		{name: "filter_operator=OR", query: "?acl_admin=RW&acl_finance=RW&filter_operator=OR&limit=100", status: 200, want: either},
		{name: "filter_operator=AND", query: "?acl_admin=RW&acl_finance=RW&filter_operator=AND&limit=100", status: 200, want: both, wantPage: &pagination{len(both), len(both), 100, 1}},
		{name: "AND of a name and an acl", query: "?name=editor&acl_task=RW&filter_operator=AND&limit=100", status: 200,
			want: groupsWhere(s, func(g sonderplan.Group) bool {
				return strings.Contains(strings.ToLower(*g.Name), "editor") && is(g.ACLTask, sonderplan.ACLReadWrite)
			})},
		{name: "id restricts even under OR", query: fmt.Sprintf("?id=%d,%d&acl_admin=RW", admins[0], all[0]), status: 200,
			want: groupsWhere(s, func(g sonderplan.Group) bool { return *g.ID == admins[0] })},
		{name: "total counts every match, not the page", query: "?acl_finance=RW&limit=1&page=2", status: 200, want: finance[1:2], wantPage: &pagination{len(finance), 1, 1, 2}},
		{name: "fields with id", query: "?fields=id,name", status: 200, want: all[:10]},
		{name: "order_desc by id", query: "?order_desc=id&limit=100", status: 200, want: reversed(all)},
		{name: "order by a string, ties by id", query: "?order_asc=acl_admin&limit=100", status: 200,
			want: append(groupsWhere(s, func(g sonderplan.Group) bool { return is(g.ACLAdmin, sonderplan.ACLNone) }),
				append(groupsWhere(s, func(g sonderplan.Group) bool { return is(g.ACLAdmin, sonderplan.ACLRead) }),
					admins...)...)},
		{name: "order and page", query: "?order_desc=id&limit=3&page=2", status: 200, want: limit(reversed(all)[3:], 3)},
		{name: "fields: unknown property", query: "?fields=id,colour", status: 400, wantErr: []string{`"fields"`, `"colour"`}},
		{name: "order by an array", query: "?order_asc=members", status: 400, wantErr: []string{`"order_asc"`, `"members"`}},
		{name: "order by a boolean", query: "?order_desc=is_default", status: 400, wantErr: []string{`"order_desc"`, `"is_default"`}},
		{name: "order by an unknown property", query: "?order_asc=size", status: 400, wantErr: []string{`"order_asc"`, `"size"`}},
		{name: "order_asc and order_desc", query: "?order_asc=name&order_desc=id", status: 400, wantErr: []string{`"order_asc"`, `"order_desc"`}},
		{name: "id not an integer", query: "?id=1,two", status: 400, wantErr: []string{`"id"`, `"two"`}},
		{name: "acl value not in the enum", query: "?acl_task=rw", status: 400, wantErr: []string{`"acl_task"`, `"rw"`}, wantReq: []string{"request.query acl_task enum"}},
		{name: "filter_operator not in the enum", query: "?filter_operator=XOR", status: 400, wantErr: []string{`"filter_operator"`}, wantReq: []string{"request.query filter_operator enum"}},
		{name: "limit zero", query: "?limit=0", status: 400, wantErr: []string{`"limit"`, "at least 1"}},
		{name: "page not an integer", query: "?page=first", status: 400, wantErr: []string{`"page"`}, wantReq: []string{"request.query page type"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := get(t, s, v, "/v2/group"+tc.query, DefaultToken)
			if rep.status != tc.status {
				t.Fatalf("got status %d, want %d: %s", rep.status, tc.status, rep.body)
			}
			if got := violationKeys(rep.reqViolations); !slices.Equal(got, tc.wantReq) {
				t.Errorf("harness on the request: got %q, want %q", got, tc.wantReq)
			}
			if tc.status != http.StatusOK {
				e := decode[sonderplan.Error](t, rep.body)
				if e.Message == nil {
					t.Fatalf("got %s, want a message", rep.body)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(*e.Message, w) {
						t.Errorf("got message %q, want it to hold %s", *e.Message, w)
					}
				}
				return
			}
			list := decode[sonderplan.GroupList](t, rep.body)
			if got := groupIDs(list.Data); !slices.Equal(got, tc.want) {
				t.Errorf("got ids %v, want %v", got, tc.want)
			}
			p := list.Meta.Pagination
			if p.Count != len(list.Data) {
				t.Errorf("got meta.pagination.count %d, want %d (the items on the page)", p.Count, len(list.Data))
			}
			if w := tc.wantPage; w != nil {
				if got := (pagination{p.Total, p.Count, p.PerPage, p.CurrentPage}); got != *w {
					t.Errorf("got pagination %+v, want %+v", got, *w)
				}
			}
		})
	}
}

// TestSonderplanFields: a sparse fieldset returns exactly the asked properties, in the model's order, and id is
// not added.
func TestSonderplanFields(t *testing.T) {
	t.Parallel()
	s := newServer(t, WithSeed(4), WithCount(30))
	v := newValidator(t)
	cases := []struct {
		fields string
		want   []string
	}{
		{"name", []string{"name"}},
		{"acl_task,name", []string{"name", "acl_task"}},
		{" members , updated ,", []string{"members", "updated"}},
		{"name,name", []string{"name"}},
		{",", []string{"id", "name", "description", "is_default", "members", "acl_schedule", "acl_project", "acl_task",
			"acl_finance", "acl_report", "acl_contact", "acl_admin", "acl_account", "created_id", "created", "updated_id", "updated"}},
	}
	for _, tc := range cases {
		t.Run(tc.fields, func(t *testing.T) {
			t.Parallel()
			rep := get(t, s, v, "/v2/group?limit=30&fields="+strings.ReplaceAll(tc.fields, " ", "+"), DefaultToken)
			if rep.status != http.StatusOK {
				t.Fatalf("got status %d: %s", rep.status, rep.body)
			}
			var list struct{ Data []json.RawMessage }
			if err := json.Unmarshal(rep.body, &list); err != nil {
				t.Fatal(err)
			}
			for _, item := range list.Data {
				if got := objectKeys(t, item); !slices.Equal(got, tc.want) {
					t.Fatalf("got properties %q, want %q", got, tc.want)
				}
			}
		})
	}
}

// objectKeys returns a JSON object's keys in the order they appear.
func objectKeys(t *testing.T, obj []byte) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(obj)))
	var keys []string
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestSonderplanOrder sorts by every string and integer property both ways and checks the order of the values.
func TestSonderplanOrder(t *testing.T) {
	t.Parallel()
	s := newServer(t, WithSeed(6), WithCount(40))
	v := newValidator(t)
	for _, f := range groupFields {
		if f.kind != kindInt && f.kind != kindString {
			continue
		}
		for _, dir := range []string{"order_asc", "order_desc"} {
			t.Run(dir+"="+f.name, func(t *testing.T) {
				t.Parallel()
				rep := get(t, s, v, "/v2/group?limit=40&fields=id,"+f.name+"&"+dir+"="+f.name, DefaultToken)
				if rep.status != http.StatusOK {
					t.Fatalf("got status %d: %s", rep.status, rep.body)
				}
				var list struct{ Data []map[string]any }
				if err := json.Unmarshal(rep.body, &list); err != nil {
					t.Fatal(err)
				}
				if len(list.Data) != 40 {
					t.Fatalf("got %d groups, want 40", len(list.Data))
				}
				ok := slices.IsSortedFunc(list.Data, func(a, b map[string]any) int {
					var c int
					switch x := a[f.name].(type) {
					case float64:
						c = cmp.Compare(x, b[f.name].(float64))
					case string:
						c = strings.Compare(strings.ToLower(x), strings.ToLower(b[f.name].(string)))
					}
					if dir == "order_desc" {
						c = -c
					}
					return cmp.Or(c, cmp.Compare(a["id"].(float64), b["id"].(float64)))
				})
				if !ok {
					var got []any
					for _, g := range list.Data {
						got = append(got, g[f.name])
					}
					t.Errorf("not ordered by %s: %v", f.name, got)
				}
			})
		}
	}
}
