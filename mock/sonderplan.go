package mock

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/apikit/apikit/gen/sonderplan"
)

// The properties of a Sonderplan group, in the order the vendor's page shows them (and the mock sends them).
const (
	fID = iota
	fName
	fDescription
	fIsDefault
	fMembers
	fACLSchedule
	fACLProject
	fACLTask
	fACLFinance
	fACLReport
	fACLContact
	fACLAdmin
	fACLAccount
	fCreatedID
	fCreated
	fUpdatedID
	fUpdated
	numGroupFields
)

type fieldKind int

const (
	kindInt fieldKind = iota
	kindString
	kindBool
	kindArray
)

var groupFields = [numGroupFields]struct {
	name string
	kind fieldKind
}{
	{"id", kindInt}, {"name", kindString}, {"description", kindString}, {"is_default", kindBool},
	{"members", kindArray}, {"acl_schedule", kindString}, {"acl_project", kindString}, {"acl_task", kindString},
	{"acl_finance", kindString}, {"acl_report", kindString}, {"acl_contact", kindString}, {"acl_admin", kindString},
	{"acl_account", kindString}, {"created_id", kindInt}, {"created", kindInt}, {"updated_id", kindInt},
	{"updated", kindInt},
}

func groupField(name string) (int, bool) {
	for i, f := range groupFields {
		if f.name == name {
			return i, true
		}
	}
	return 0, false
}

func groupFieldNames() string {
	names := make([]string, len(groupFields))
	for i, f := range groupFields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

// groupRow is a group ready to serve: each property rendered once as `"name":value` (nil when the group lacks
// it), and the values filters and ordering read.
type groupRow struct {
	id    int64
	prop  [numGroupFields][]byte
	str   [numGroupFields]string // string properties, as sent
	lower [numGroupFields]string // string properties, lower-cased, for search and ordering
	num   [numGroupFields]int64  // integer properties
	has   [numGroupFields]bool
}

// memberJSON is the wire form of a member, in the order of the vendor's page.
type memberJSON struct {
	ID           *int64  `json:"id,omitempty"`
	FirstName    *string `json:"first_name,omitempty"`
	LastName     *string `json:"last_name,omitempty"`
	PrimaryEmail *string `json:"primary_email,omitempty"`
}

func newGroupRow(g *sonderplan.Group) groupRow {
	row := groupRow{id: *g.ID} // check() made sure every group has an id
	set := func(f int, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // strings, integers, booleans and member structs always marshal
		}
		row.prop[f] = slices.Concat([]byte(`"`+groupFields[f].name+`":`), b)
		row.has[f] = true
	}
	setInt := func(f int, v *int64) {
		if v != nil {
			set(f, *v)
			row.num[f] = *v
		}
	}
	setStr := func(f int, v *string) {
		if v != nil {
			set(f, *v)
			row.str[f], row.lower[f] = *v, strings.ToLower(*v)
		}
	}
	setACL := func(f int, v *sonderplan.ACL) {
		if v != nil {
			s := string(*v)
			setStr(f, &s)
		}
	}
	setInt(fID, g.ID)
	setStr(fName, g.Name)
	setStr(fDescription, g.Description)
	if g.IsDefault != nil {
		set(fIsDefault, *g.IsDefault)
	}
	// A group always has a member list, possibly empty (the Dataset's JSON cannot tell empty from absent).
	members := make([]memberJSON, len(g.Members))
	for i, m := range g.Members {
		members[i] = memberJSON{ID: m.ID, FirstName: m.FirstName, LastName: m.LastName}
		if m.PrimaryEmail != nil {
			e := string(*m.PrimaryEmail)
			members[i].PrimaryEmail = &e
		}
	}
	set(fMembers, members)
	setACL(fACLSchedule, g.ACLSchedule)
	setACL(fACLProject, g.ACLProject)
	setACL(fACLTask, g.ACLTask)
	setACL(fACLFinance, g.ACLFinance)
	setACL(fACLReport, g.ACLReport)
	setACL(fACLContact, g.ACLContact)
	setACL(fACLAdmin, g.ACLAdmin)
	setACL(fACLAccount, g.ACLAccount)
	setInt(fCreatedID, g.CreatedID)
	setInt(fCreated, g.Created)
	setInt(fUpdatedID, g.UpdatedID)
	setInt(fUpdated, g.Updated)
	return row
}

func (s *Server) indexGroups() {
	s.groups = make([]groupRow, len(s.data.Groups))
	for i := range s.data.Groups {
		s.groups[i] = newGroupRow(&s.data.Groups[i])
	}
	slices.SortFunc(s.groups, func(a, b groupRow) int { return cmp.Compare(a.id, b.id) })
}

// render writes the group as a JSON object holding the properties in fields (every property when nil).
func (g *groupRow) render(b *bytes.Buffer, fields *[numGroupFields]bool) {
	b.WriteByte('{')
	first := true
	for f := range numGroupFields {
		if g.prop[f] == nil || (fields != nil && !fields[f]) {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(g.prop[f])
	}
	b.WriteByte('}')
}

// renderGroups is every group, whole, as a JSON array, as validation reads it.
func (s *Server) renderGroups() []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range s.groups {
		if i > 0 {
			b.WriteByte(',')
		}
		s.groups[i].render(&b, nil)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// groupQuery is a parsed listGroups request.
type groupQuery struct {
	ids         map[int64]bool // nil: no id restriction
	filters     []func(*groupRow) bool
	and         bool
	fields      *[numGroupFields]bool // nil: every property
	order       int                   // -1: by id
	desc        bool
	page, limit int
}

func parseGroupQuery(r *http.Request) (*groupQuery, error) {
	q := r.URL.Query()
	gq := &groupQuery{order: -1}
	if v := q.Get("id"); v != "" {
		gq.ids = map[int64]bool{}
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			id, err := strconv.ParseInt(part, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("query parameter \"id\" must be comma-separated group ids (integers) (got %q)", part)
			}
			gq.ids[id] = true
		}
	}
	for _, f := range []int{fName, fDescription} {
		if v := q.Get(groupFields[f].name); v != "" {
			needle := strings.ToLower(v)
			gq.filters = append(gq.filters, func(g *groupRow) bool { return g.has[f] && strings.Contains(g.lower[f], needle) })
		}
	}
	for f := fACLSchedule; f <= fACLAccount; f++ {
		if v := q.Get(groupFields[f].name); v != "" {
			acl := sonderplan.ACL(v)
			if !acl.Valid() {
				return nil, fmt.Errorf("query parameter %q must be one of \"--\", \"R-\", \"RW\" (got %q)", groupFields[f].name, v)
			}
			gq.filters = append(gq.filters, func(g *groupRow) bool { return g.has[f] && g.str[f] == v })
		}
	}
	switch op := q.Get("filter_operator"); op {
	case "", string(sonderplan.FilterOr):
	case string(sonderplan.FilterAnd):
		gq.and = true
	default:
		return nil, fmt.Errorf("query parameter \"filter_operator\" must be one of \"OR\", \"AND\" (got %q)", op)
	}
	if v := q.Get("fields"); v != "" {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			f, ok := groupField(name)
			if !ok {
				return nil, fmt.Errorf("query parameter \"fields\" names an unknown property %q (properties: %s)", name, groupFieldNames())
			}
			if gq.fields == nil {
				gq.fields = &[numGroupFields]bool{}
			}
			gq.fields[f] = true
		}
	}
	asc, desc := q.Get("order_asc"), q.Get("order_desc")
	if asc != "" && desc != "" {
		return nil, fmt.Errorf("query parameters \"order_asc\" and \"order_desc\" are exclusive: give one")
	}
	param, name := "order_asc", asc
	if desc != "" {
		param, name = "order_desc", desc
	}
	if name != "" {
		f, ok := groupField(name)
		if !ok {
			return nil, fmt.Errorf("query parameter %q names an unknown property %q (properties: %s)", param, name, groupFieldNames())
		}
		if k := groupFields[f].kind; k != kindInt && k != kindString {
			return nil, fmt.Errorf("query parameter %q: %q cannot be ordered by; order by a string or integer property", param, name)
		}
		gq.order, gq.desc = f, desc != ""
	}
	var err error
	if gq.page, err = queryInt(r, "page", 1); err != nil {
		return nil, err
	}
	if gq.limit, err = queryInt(r, "limit", 10); err != nil {
		return nil, err
	}
	return gq, nil
}

func (gq *groupQuery) match(g *groupRow) bool {
	if gq.ids != nil && !gq.ids[g.id] {
		return false
	}
	if len(gq.filters) == 0 {
		return true
	}
	for _, f := range gq.filters {
		if ok := f(g); ok != gq.and { // OR: the first match decides; AND: the first miss decides
			return ok
		}
	}
	return gq.and
}

// compare orders two groups by the asked property (absent values first), then by id.
func (gq *groupQuery) compare(a, b *groupRow) int {
	if f := gq.order; f >= 0 {
		c := cmp.Compare(boolInt(a.has[f]), boolInt(b.has[f]))
		if c == 0 {
			if groupFields[f].kind == kindInt {
				c = cmp.Compare(a.num[f], b.num[f])
			} else {
				c = cmp.Or(strings.Compare(a.lower[f], b.lower[f]), strings.Compare(a.str[f], b.str[f]))
			}
		}
		if gq.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(a.id, b.id)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// listGroups serves GET /v2/group.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) {
	gq, err := parseGroupQuery(r)
	if err != nil {
		badRequest(w, vendorSonderplan, err.Error())
		return
	}
	var matched []*groupRow
	for i := range s.groups {
		if g := &s.groups[i]; gq.match(g) {
			matched = append(matched, g)
		}
	}
	if gq.order >= 0 {
		slices.SortStableFunc(matched, gq.compare)
	}
	lo, hi := window(len(matched), gq.page, gq.limit)
	var b bytes.Buffer
	b.WriteString(`{"data":[`)
	for i, g := range matched[lo:hi] {
		if i > 0 {
			b.WriteByte(',')
		}
		g.render(&b, gq.fields)
	}
	fmt.Fprintf(&b, `],"meta":{"pagination":{"total":%d,"count":%d,"per_page":%d,"current_page":%d}}}`, len(matched), hi-lo, gq.limit, gq.page)
	writeJSON(w, http.StatusOK, b.Bytes())
}
