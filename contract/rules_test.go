package contract

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	neturl "net/url"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// grp renders a Sonderplan group with the given properties (JSON values, in order).
func grp(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, fmt.Sprintf("%q:%s", kv[i], kv[i+1]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// grpPage renders a Sonderplan list body; a negative count is replaced by the number of groups.
func grpPage(total, count, perPage, page int, items ...string) string {
	if count < 0 {
		count = len(items)
	}
	return fmt.Sprintf(`{"data":[%s],"meta":{"pagination":{"total":%d,"count":%d,"per_page":%d,"current_page":%d}}}`,
		strings.Join(items, ","), total, count, perPage, page)
}

// resv renders a DoorFlow reservation.
func resv(id int, start, end, state, updated string) string {
	return fmt.Sprintf(`{"id":%d,"person_id":1,"start_time":%q,"end_time":%q,"state":%q,"group_ids":[1],"created_at":"2024-01-01T00:00:00.000Z","updated_at":%q}`,
		id, start, end, state, updated)
}

func resvs(items ...string) string { return "[" + strings.Join(items, ",") + "]" }

// ruleNow is the time of the exchanges in these tests: 2024-01-15 10:00 UTC.
var ruleNow = time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)

// activeResv is a reservation that is right for the time ruleNow.
func activeResv(id int, updated string) string {
	return resv(id, "2024-01-15T09:00:00.000Z", "2024-01-15T17:00:00.000Z", "active", updated)
}

func listExchange(t testing.TB, index int, url, body string, when time.Time) *Exchange {
	return &Exchange{Source: "t.har", Index: index, Method: "GET", URL: mustURL(t, url), RequestHeader: bearer(),
		Status: 200, ResponseHeader: jsonHeader(), ResponseBody: []byte(body), Time: when}
}

// ruleFindings lists a result's rule and invariant violations as "rule pointer".
func ruleFindings(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		if strings.HasPrefix(v.Rule, "rule.") || strings.HasPrefix(v.Rule, "invariant.") {
			out = append(out, v.Rule+" "+v.Pointer)
		}
	}
	slices.Sort(out)
	return out
}

const (
	dfList = "https://api.doorflow.com/api/3/group_reservations"
	spList = "https://api.sonderplan.com/v2/group"
)

// TestRules applies one break per case to a valid exchange and asserts the exact rule and pointer, and that
// the valid neighbours of each break raise nothing.
func TestRules(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	old := "2024-01-10T12:00:00.000Z"
	cases := []struct {
		name, url, body string
		when            time.Time
		want            []string
	}{
		// rule.order
		{name: "order_asc strings in order", url: spList + "?order_asc=name",
			body: grpPage(3, -1, 10, 1, grp("id", "1", "name", `"apple"`), grp("id", "2", "name", `"Banana"`), grp("id", "3", "name", `"cherry"`))},
		{name: "order_asc byte-wise order passes though case-insensitively it would not", url: spList + "?order_asc=name",
			body: grpPage(2, -1, 10, 1, grp("id", "1", "name", `"Zed"`), grp("id", "2", "name", `"apple"`))},
		{name: "order_asc out of order", url: spList + "?order_asc=name",
			body: grpPage(3, -1, 10, 1, grp("id", "1", "name", `"b"`), grp("id", "2", "name", `"a"`), grp("id", "3", "name", `"c"`)),
			want: []string{"rule.order /data/1/name"}},
		{name: "order_desc integers out of order", url: spList + "?order_desc=created",
			body: grpPage(3, -1, 10, 1, grp("id", "1", "created", "300"), grp("id", "2", "created", "100"), grp("id", "3", "created", "200")),
			want: []string{"rule.order /data/2/created"}},
		{name: "order skips items without the field", url: spList + "?order_desc=id&fields=name",
			body: grpPage(2, -1, 10, 1, grp("name", `"a"`), grp("name", `"b"`))},
		{name: "order_asc and order_desc together are not checked", url: spList + "?order_asc=id&order_desc=name",
			body: grpPage(2, -1, 10, 1, grp("id", "2", "name", `"a"`), grp("id", "1", "name", `"b"`))},

		// rule.filter
		{name: "filter OR (default) with one filter", url: spList + "?acl_admin=RW",
			body: grpPage(2, -1, 10, 1, grp("id", "1", "acl_admin", `"RW"`), grp("id", "2", "acl_admin", `"--"`)),
			want: []string{"rule.filter /data/1/acl_admin"}},
		{name: "filter OR passes when one of two holds", url: spList + "?acl_schedule=RW&name=editors",
			body: grpPage(1, -1, 10, 1, grp("id", "1", "name", `"Video Editors"`, "acl_schedule", `"R-"`))},
		{name: "filter OR fails when none holds", url: spList + "?acl_schedule=RW&name=editors&filter_operator=OR",
			body: grpPage(1, -1, 10, 1, grp("id", "1", "name", `"Producers"`, "acl_schedule", `"R-"`)),
			want: []string{"rule.filter /data/0"}},
		{name: "filter AND", url: spList + "?acl_schedule=RW&acl_task=RW&filter_operator=AND",
			body: grpPage(2, -1, 10, 1, grp("id", "1", "acl_schedule", `"RW"`, "acl_task", `"RW"`), grp("id", "2", "acl_schedule", `"RW"`, "acl_task", `"R-"`)),
			want: []string{"rule.filter /data/1/acl_task"}},
		{name: "filter AND reports each failing filter", url: spList + "?acl_schedule=RW&acl_task=RW&filter_operator=AND",
			body: grpPage(1, -1, 10, 1, grp("id", "1", "acl_schedule", `"--"`, "acl_task", `"R-"`)),
			want: []string{"rule.filter /data/0/acl_schedule", "rule.filter /data/0/acl_task"}},
		{name: "full text search matches any word, ignoring case", url: spList + "?name=video%20team",
			body: grpPage(1, -1, 10, 1, grp("id", "1", "name", `"Video Editors"`))},
		{name: "full text search miss", url: spList + "?description=finance",
			body: grpPage(1, -1, 10, 1, grp("id", "1", "description", `"Own tasks only"`)),
			want: []string{"rule.filter /data/0/description"}},
		{name: "id list", url: spList + "?id=5693,%205701",
			body: grpPage(2, -1, 10, 1, grp("id", "5701"), grp("id", "5694")),
			want: []string{"rule.filter /data/1/id"}},
		{name: "a filter on a property the item lacks is satisfied", url: spList + "?fields=id,name&acl_schedule=RW",
			body: grpPage(1, -1, 10, 1, grp("id", "1", "name", `"x"`))},

		// rule.sparse-fields
		{name: "sparse fields hold exactly the asked properties", url: spList + "?fields=id,%20name",
			body: grpPage(1, -1, 10, 1, grp("id", "1", "name", `"x"`))},
		{name: "sparse fields: a list without names asks for nothing in particular", url: spList + "?fields=,",
			body: grpPage(1, -1, 10, 1, grp("id", "1", "name", `"x"`, "description", `"y"`))},
		{name: "sparse fields tolerate an unasked id", url: spList + "?fields=name",
			body: grpPage(1, -1, 10, 1, grp("id", "1", "name", `"x"`))},
		{name: "sparse fields leak", url: spList + "?fields=id,name",
			body: grpPage(2, -1, 10, 1, grp("id", "1", "name", `"x"`), grp("id", "2", "name", `"y"`, "description", `"leaked"`)),
			want: []string{"rule.sparse-fields /data/1/description"}},
		{name: "sparse fields: an asked property is missing", url: spList + "?fields=id,name,acl_task,nonsense",
			body: grpPage(1, -1, 10, 1, grp("id", "1", "acl_task", `"RW"`)),
			want: []string{"rule.sparse-fields /data/0/name"}},

		// rule.pagination
		{name: "pagination echoes page and limit", url: spList + "?page=2&limit=2",
			body: grpPage(3, -1, 2, 2, grp("id", "3"))},
		{name: "pagination count is not the items", url: spList,
			body: grpPage(2, 2, 10, 1, grp("id", "1")),
			want: []string{"rule.pagination /meta/pagination/count"}},
		{name: "pagination current_page does not echo page", url: spList + "?page=2&limit=2",
			body: grpPage(3, -1, 2, 1, grp("id", "3")),
			want: []string{"rule.pagination /meta/pagination/current_page"}},
		{name: "pagination per_page does not echo the default limit", url: spList,
			body: grpPage(1, -1, 25, 1, grp("id", "1")),
			want: []string{"rule.pagination /meta/pagination/per_page"}},
		{name: "pagination count over per_page", url: spList + "?limit=1",
			body: grpPage(2, -1, 1, 1, grp("id", "1"), grp("id", "2")),
			want: []string{"rule.pagination /meta/pagination/count"}},
		{name: "pagination count does not fit total", url: spList + "?limit=2",
			body: grpPage(3, -1, 2, 1, grp("id", "1")),
			want: []string{"rule.pagination /meta/pagination/count"}},

		// rule.since
		{name: "since_utc inclusive", url: dfList + "?since_utc=2024-01-15T09:00:00.000Z", when: ruleNow,
			body: resvs(activeResv(1, "2024-01-15T09:00:00.000Z"), activeResv(2, "2024-01-15T09:30:00Z"))},
		{name: "since_utc with an early updated_at", url: dfList + "?since_utc=2024-01-15T09:00:00.000Z", when: ruleNow,
			body: resvs(activeResv(1, "2024-01-15T09:30:00.000Z"), activeResv(2, "2024-01-15T08:59:59.999Z")),
			want: []string{"rule.since /1/updated_at"}},
		{name: "since in local time (UTC by default)", url: dfList + "?since=2024-01-15T09:00:00", when: ruleNow,
			body: resvs(activeResv(1, "2024-01-15T08:30:00.000Z")),
			want: []string{"rule.since /0/updated_at"}},

		// rule.max-items
		{name: "max items from per_page", url: dfList + "?per_page=2", when: ruleNow,
			body: resvs(activeResv(1, old), activeResv(2, old), activeResv(3, old)),
			want: []string{"rule.max-items /2"}},
		{name: "max items: skip_pagination lifts the limit", url: dfList + "?per_page=2&skip_pagination=true", when: ruleNow,
			body: resvs(activeResv(1, old), activeResv(2, old), activeResv(3, old))},

		// rule.time-window
		{name: "time window: every state right for the time", url: dfList, when: ruleNow,
			body: resvs(activeResv(1, old),
				resv(2, "2024-01-16T09:00:00.000Z", "2024-01-16T17:00:00.000Z", "pending", old),
				resv(3, "2024-01-01T09:00:00.000Z", "2024-01-02T17:00:00.000Z", "deactivated", old),
				resv(4, "2024-01-20T09:00:00.000Z", "2024-01-21T17:00:00.000Z", "deactivated", old),
				resv(5, "2024-01-15T10:03:00.000Z", "2024-01-15T17:00:00.000Z", "active", old))}, // within the skew
		{name: "time window: start not before end", url: dfList, when: ruleNow,
			body: resvs(resv(1, "2024-01-16T09:00:00.000Z", "2024-01-16T09:00:00.000Z", "pending", old)),
			want: []string{"rule.time-window /0/end_time"}},
		{name: "time window: start after end with offsets", url: dfList,
			body: resvs(resv(1, "2024-01-16T09:00:00.000+01:00", "2024-01-16T07:30:00.000Z", "deactivated", old)),
			want: []string{"rule.time-window /0/end_time"}},
		{name: "time window: an active reservation whose window is over", url: dfList, when: ruleNow,
			body: resvs(resv(1, "2024-01-14T09:00:00.000Z", "2024-01-14T17:00:00.000Z", "active", old)),
			want: []string{"rule.time-window /0/end_time"}},
		{name: "time window: an active reservation not yet started", url: dfList, when: ruleNow,
			body: resvs(resv(1, "2024-01-15T11:00:00.000Z", "2024-01-15T17:00:00.000Z", "active", old)),
			want: []string{"rule.time-window /0/start_time"}},
		{name: "time window: a pending reservation already started", url: dfList, when: ruleNow,
			body: resvs(resv(1, "2024-01-15T09:00:00.000Z", "2024-01-15T17:00:00.000Z", "pending", old)),
			want: []string{"rule.time-window /0/start_time"}},
		{name: "time window: states are not checked when the time is unknown", url: dfList,
			body: resvs(resv(1, "2024-01-14T09:00:00.000Z", "2024-01-14T17:00:00.000Z", "active", old))},
		{name: "time window on a get", url: dfList + "/1", when: ruleNow,
			body: resv(1, "2024-01-14T09:00:00.000Z", "2024-01-14T17:00:00.000Z", "active", old),
			want: []string{"rule.time-window /end_time"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := v.Validate(t.Context(), listExchange(t, 0, tc.url, tc.body, tc.when))
			got := ruleFindings(res.Violations)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s\n(all violations: %v)", strings.Join(got, "\n"), strings.Join(tc.want, "\n"), res.Violations)
			}
			if len(res.Violations) != len(got) {
				t.Errorf("the exchange breaks its schema too; the case should break one rule only: %v", res.Violations)
			}
			if res.Valid != (len(tc.want) == 0) {
				t.Errorf("got valid=%v", res.Valid)
			}
			for _, vi := range res.Violations {
				if vi.Message == "" || vi.OperationID == "" || vi.In != InResponseBody || vi.Severity != SeverityError || vi.Line == 0 {
					t.Errorf("incomplete violation: %+v", vi)
				}
			}
		})
	}
}

// TestRulesMaxItemsDefault checks the limit taken from per_page's schema default (500).
func TestRulesMaxItemsDefault(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	items := make([]string, 501)
	for i := range items {
		items[i] = resv(i+1, "2024-01-16T09:00:00.000Z", "2024-01-16T17:00:00.000Z", "pending", "2024-01-10T12:00:00.000Z")
	}
	res := v.Validate(t.Context(), listExchange(t, 0, dfList, resvs(items...), ruleNow))
	if got := ruleFindings(res.Violations); fmt.Sprint(got) != "[rule.max-items /500]" {
		t.Errorf("501 items without per_page: got %v, want rule.max-items /500", got)
	}
	res = v.Validate(t.Context(), listExchange(t, 0, dfList, resvs(items[:500]...), ruleNow))
	if !res.Valid {
		t.Errorf("500 items without per_page: got %v, want valid", res.Violations)
	}
}

// TestRulesTimeZone checks that since is read in the configured zone and since_utc in UTC.
func TestRulesTimeZone(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	v := newValidator(t, WithTimeZone(berlin))
	body := resvs(activeResv(1, "2024-01-15T08:30:00.000Z")) // 09:30 in Berlin
	for _, tc := range []struct {
		query string
		want  string
	}{
		{"since=2024-01-15T09:00:00", "[]"},                         // 08:00Z
		{"since=2024-01-15T10:00:00", "[rule.since /0/updated_at]"}, // 09:00Z
		{"since_utc=2024-01-15T08:00:00", "[]"},
		{"since_utc=2024-01-15T09:00:00", "[rule.since /0/updated_at]"},
		{"since=2024-01-15T09:00:00Z", "[rule.since /0/updated_at]"}, // an offset wins over the zone
	} {
		res := v.Validate(t.Context(), listExchange(t, 0, dfList+"?"+tc.query, body, ruleNow))
		if got := fmt.Sprint(ruleFindings(res.Violations)); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.query, got, tc.want)
		}
	}
}

// TestRulesSwitch checks that RulesSchema runs the schema validation only.
func TestRulesSwitch(t *testing.T) {
	t.Parallel()
	ex := listExchange(t, 0, spList+"?order_asc=name", grpPage(2, -1, 10, 1, grp("id", "1", "name", `"b"`), grp("id", "2", "name", `"a"`)), ruleNow)
	if res := newValidator(t).Validate(t.Context(), ex); res.Valid || res.Observed != nil {
		t.Errorf("default (RulesAll): got valid=%v observed=%v, want the order violation and no observation", res.Valid, res.Observed != nil)
	}
	if res := newValidator(t, WithObservations(true)).Validate(t.Context(), ex); res.Valid || res.Observed == nil {
		t.Errorf("WithObservations: got valid=%v observed=%v, want the order violation and an observation", res.Valid, res.Observed != nil)
	}
	if _, err := New(t.Context(), WithRules(RulesSchema), WithObservations(true)); err == nil {
		t.Error("WithObservations with RulesSchema: got no error")
	}
	res := newValidator(t, WithRules(RulesSchema)).Validate(t.Context(), ex)
	if !res.Valid || res.Observed != nil {
		t.Errorf("RulesSchema: got valid=%v %v observed=%v, want valid and nothing observed", res.Valid, res.Violations, res.Observed != nil)
	}
	if _, err := New(t.Context(), WithRules(Rules(7))); err == nil {
		t.Error("WithRules(7): got no error")
	}
	if _, err := New(t.Context(), WithTimeZone(nil)); err == nil {
		t.Error("WithTimeZone(nil): got no error")
	}
	for _, s := range []string{"all", "schema"} {
		r, err := ParseRules(s)
		if err != nil || r.String() != s {
			t.Errorf("ParseRules(%q) = %v, %v", s, r, err)
		}
	}
	if _, err := ParseRules("some"); err == nil {
		t.Error(`ParseRules("some"): got no error`)
	}
}

// TestRulesBareBody checks that a bare body (no request) gets the rules that need no request, and no others.
func TestRulesBareBody(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	ex := &Exchange{Source: "body.json", Index: -1, OperationID: "listGroups", NoRequest: true, Status: 200,
		ResponseHeader: jsonHeader(), ResponseBody: []byte(grpPage(5, 3, 25, 3, grp("id", "1")))}
	got := ruleFindings(v.Validate(t.Context(), ex).Violations)
	// per_page 25 and current_page 3 are not checked against the defaults (the request is unknown), but count is.
	if fmt.Sprint(got) != "[rule.pagination /meta/pagination/count]" {
		t.Errorf("got %v, want only the count", got)
	}
}

// rulesSpec is a tiny spec for declaration errors and for secrets in rule violations.
const rulesSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://t.example"}]
paths:
  /things:
    get:
      operationId: listThings
      x-apikit-rules: %s
      parameters:
        - {name: q, in: query, schema: {type: string}}
        - {name: page, in: query, schema: {type: integer, default: 1}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  items:
                    type: array
                    items:
                      type: object
                      properties:
                        id: {type: integer}
                        secret: {type: string, x-apikit-secret: true}
                  total: {type: integer}
`

func rulesSpecFS(decl string) fstest.MapFS {
	return fstest.MapFS{"things.yaml": {Data: []byte(fmt.Sprintf(rulesSpec, decl))}}
}

// TestRulesDeclarationErrors checks that a wrong declaration fails New with the spec, line and what is wrong.
func TestRulesDeclarationErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ decl, want string }{
		{`{items: /items, order: {asc: q}, x-apikit-note: fine}`, ""},
		{`{items: /items, ordre: {asc: q}}`, `unknown field "ordre"`},
		{`{order: {asc: q}}`, "items (pointer to the list's array) or item"},
		{`{items: /nope}`, `property "nope" is not in the response schema`},
		{`{items: items}`, "is not a JSON pointer"},
		{`{items: /total}`, "is not an array"},
		{`{items: /items, filters: {match: [{param: q, field: nope, kind: equals}]}}`, `filters.match[0].field "nope" is not a property of the items`},
		{`{items: /items, filters: {match: [{param: x, field: id, kind: equals}]}}`, `filters.match[0].param "x" is not a query parameter`},
		{`{items: /items, filters: {match: [{param: q, field: id, kind: fuzzy}]}}`, `kind "fuzzy"`},
		{`{items: /items, since: [{param: q, field: id, zone: Mars}]}`, `zone "Mars"`},
		{`{items: /items, pagination: {at: /, page: page, limit: q}}`, `property "" is not in the response schema`},
		{`{items: /items, sync: {since: [q]}}`, "sync needs walk"},
		{`{item: /items/0}`, "not an object"},
		{`{items: /items, walk: {id: id, page: page, size: page, totalHeader: Total}}`, `no 2xx response of the operation declares the header "Total"`},
		{`{items: /items, walk: {id: id, page: page, size: page, total: /total, totalHeader: Total}}`, "total and totalHeader both"},
	}
	for _, tc := range cases {
		_, err := New(t.Context(), WithSpecFS(rulesSpecFS(tc.decl), "spec"))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: got error %v, want none", tc.decl, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "spec/things.yaml:8: listThings: x-apikit-rules")):
			t.Errorf("%s: got error %v, want one naming spec/things.yaml:8 and containing %q", tc.decl, err, tc.want)
		}
	}
}

// TestRulesNeverShowSecrets plants a secret in a field a rule reports and checks it reaches no output.
func TestRulesNeverShowSecrets(t *testing.T) {
	t.Parallel()
	v := newValidator(t, WithSpecFS(rulesSpecFS(`{items: /items, filters: {match: [{param: q, field: secret, kind: equals}]}}`), "spec"))
	ex := &Exchange{Source: "t", Index: 0, Method: "GET", URL: mustURL(t, "https://t.example/things?q=SECRET-wanted"), Status: 200,
		ResponseHeader: jsonHeader(), ResponseBody: []byte(`{"items":[{"id":1,"secret":"SECRET-value"}],"total":1}`)}
	res := v.Validate(t.Context(), ex)
	if got := ruleFindings(res.Violations); fmt.Sprint(got) != "[rule.filter /items/0/secret]" {
		t.Fatalf("got %v, want the filter violation", got)
	}
	for _, vi := range res.Violations {
		if s := vi.Error() + vi.Value; strings.Contains(s, "SECRET-") {
			t.Errorf("a secret reached the output: %s", s)
		}
	}
}

// TestRulesHeaderTime checks that an exchange without Time takes its time from the Date header.
func TestRulesHeaderTime(t *testing.T) {
	t.Parallel()
	ex := listExchange(t, 0, dfList, resvs(resv(1, "2024-01-14T09:00:00.000Z", "2024-01-14T17:00:00.000Z", "active", "2024-01-10T12:00:00.000Z")), time.Time{})
	ex.ResponseHeader = http.Header{"Content-Type": {"application/json"}, "Date": {ruleNow.Format(http.TimeFormat)}}
	if got := ruleFindings(newValidator(t).Validate(t.Context(), ex).Violations); fmt.Sprint(got) != "[rule.time-window /0/end_time]" {
		t.Errorf("got %v, want the time-window violation", got)
	}
}

// FuzzParseDateTime holds the hand-written date-time parser to time.Parse(time.RFC3339Nano).
func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{"2024-01-15T09:00:00.000Z", "2024-01-15T09:00:00Z", "2024-02-29T23:59:59.123456789+01:00",
		"2023-02-29T00:00:00Z", "2024-01-15T24:00:00Z", "2024-01-15T09:00:00.Z", "2024-01-15T09:00:00.1234567891Z",
		"2024-01-15T09:00:00-23:59", "1677-12-31T23:59:59Z", "2262-01-01T00:00:00Z", "2024-01-15t09:00:00z", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseDateTime([]byte(`"` + s + `"`))
		want, err := time.Parse(time.RFC3339Nano, s)
		if err == nil && want.Year() >= 1678 && want.Year() <= 2261 {
			if !ok || int64(got) != want.UnixNano() {
				t.Fatalf("%q: got %d %v, want %d", s, got, ok, want.UnixNano())
			}
		} else if ok && err != nil {
			t.Fatalf("%q: parsed to %d, but time.Parse fails: %v", s, got, err)
		}
	})
}

// rulesBothWays validates ex, then runs the rules again through their own scanner instead of the compiled
// check's tap, and fails on any difference in rule violations or observations.
func rulesBothWays(t *testing.T, v *Validator, ex *Exchange) {
	t.Helper()
	res := v.Validate(t.Context(), ex)
	if res.Skipped || res.OperationID == "" {
		return
	}
	op := v.router.op(res.OperationID)
	base := Violation{Source: ex.Source, Index: ex.Index, Spec: op.spec.file, Line: op.line, OperationID: op.id,
		Method: op.method, Path: op.template, Severity: SeverityError, Status: ex.Status}
	own := Result{Violations: slices.DeleteFunc(slices.Clone(res.Violations), func(vi Violation) bool { return strings.HasPrefix(vi.Rule, "rule.") })}
	v.finishRules(v.startRules(ex, op, base), false, &own)
	sortViolations(own.Violations)
	setSides(&own) // as Validate does last
	if got, want := fmt.Sprintf("%+v", res.Violations), fmt.Sprintf("%+v", own.Violations); got != want {
		t.Errorf("%s: the tap and the rules' own scanner disagree:\ntap: %s\nown: %s", ex.URL, got, want)
	}
	if (res.Observed == nil) != (own.Observed == nil) {
		t.Fatalf("observed: tap %v, own %v", res.Observed != nil, own.Observed != nil)
	}
	if res.Observed != nil {
		a, b := *res.Observed, *own.Observed
		if a.count != b.count || a.itemsFound != b.itemsFound || string(a.ids) != string(b.ids) || fmt.Sprint(a.items) != fmt.Sprint(b.items) {
			t.Errorf("%s: observations differ:\ntap: %d %v %q %v\nown: %d %v %q %v", ex.URL, a.count, a.itemsFound, a.ids, a.items, b.count, b.itemsFound, b.ids, b.items)
		}
	}
}

// FuzzRulesTapMatchesScan holds the two ways the rules read a body to each other: through the compiled check's
// tap and through their own scanner, on list and get bodies with every rule the query switches on.
func FuzzRulesTapMatchesScan(f *testing.F) {
	pretty := "[\n  " + strings.ReplaceAll(activeResv(1, "2024-01-15T09:30:00.000Z"), ",", ",\n   ") + "\n]"
	for _, seed := range []struct{ url, body string }{
		{dfList + "?since_utc=2024-01-15T09:00:00.000Z&per_page=2", resvs(activeResv(1, "2024-01-15T09:30:00.000Z"), activeResv(2, "2024-01-15T08:00:00Z"), activeResv(3, "2024-01-15T09:00:00+01:00"))},
		{dfList, pretty},
		{dfList + "/7", activeResv(7, "2024-01-15T09:30:00.000Z")},
		{dfList, `[{"id":1,"id":2,"start_time":"x"},{},3,[]]`},
		{spList + "?fields=id,name&order_asc=name&acl_task=RW&name=video%20x&filter_operator=AND&limit=2&page=2",
			grpPage(3, -1, 2, 2, grp("id", "1", "name", `"b"`, "acl_task", `"R-"`), grp("id", "2", "name", `"a\u00e9"`, "extra", `{"a":[1, 2]}`))},
		{spList + "?order_desc=created&id=1,2", `{"meta":{"pagination":{"total":2,"count":2,"per_page":10,"current_page":1}},"data":[{"id":1,"created":5},{"id":3,"created":7}]}`},
	} {
		f.Add(seed.url, seed.body)
	}
	v := newValidator(f, WithObservations(true))
	f.Fuzz(func(t *testing.T, url, body string) {
		u, err := neturl.Parse(url)
		if err != nil || !json.Valid([]byte(body)) {
			return
		}
		rulesBothWays(t, v, &Exchange{Source: "fuzz", Index: 0, Method: "GET", URL: u, RequestHeader: bearer(), Status: 200,
			ResponseHeader: jsonHeader(), ResponseBody: []byte(body), Time: ruleNow})
	})
}

// FuzzInstantRefMatchesParse holds instantRef's byte comparison (its renderings made once per fraction width, in
// place) to comparing the parsed instants, for a reference instant and date-times of every fraction width, each
// compared twice so that the second comparison reads the rendering the first one made. Date-times that do not
// parse are left out: their zulu shape compares as bytes, without a calendar check.
func FuzzInstantRefMatchesParse(f *testing.F) {
	f.Add(int64(1705309200000000000), "2024-01-15T09:00:00.000Z", "2024-01-15T09:00:00Z")
	f.Add(int64(1705309200123456789), "2024-01-15T09:00:00.123Z", "2024-01-15T09:00:00.123456789Z")
	f.Add(int64(1705309200123000000), "2024-01-15T09:00:00.123Z", "2024-01-15T09:00:00.1229Z")
	f.Add(int64(-1), "1969-12-31T23:59:59.999999999Z", "1970-01-01T00:00:00Z")
	f.Add(int64(1705309199999999999), "2024-01-15T09:00:00.0Z", "2024-01-15T08:59:59.99Z")
	f.Fuzz(func(t *testing.T, ref int64, a, b string) {
		at := time.Unix(0, ref).UTC()
		if at.Year() < 1678 || at.Year() > 2261 {
			return
		}
		r := &instantRef{t: instant(ref)}
		for range 2 {
			for _, s := range []string{a, b} {
				raw := []byte(`"` + s + `"`)
				got, ok := r.cmp(raw)
				v, vok := parseDateTime(raw)
				if !vok {
					continue // the zulu shape compares as bytes without a calendar check (the schema's format checks it)
				}
				if !ok || got != cmp.Compare(v, instant(ref)) {
					t.Fatalf("%q against %s: got %d %v, want %d %v", s, at.Format(time.RFC3339Nano), got, ok, cmp.Compare(v, instant(ref)), vok)
				}
			}
		}
	})
}
