package mock

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/oapi-codegen/runtime/types"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/gen/doorflow"
	"github.com/apikit/apikit/gen/sonderplan"
)

// DefaultNow is the instant the mock takes as "now" unless [WithNow] or the data set gives another: generated
// reservations are pending, active or deactivated relative to it, and DoorFlow lists hold what has not ended by
// then. A fixed instant keeps answers identical from run to run.
const DefaultNow = "2026-06-15T09:30:00Z"

// DefaultCount is how many reservations and how many groups [New] generates unless [WithCount] says otherwise.
const DefaultCount = 100

// MaxCount bounds [WithCount]: the mock renders every item once, up front.
const MaxCount = 100_000

func defaultNow() time.Time {
	t, err := time.Parse(time.RFC3339, DefaultNow)
	if err != nil {
		panic(err) // a constant: covered by tests
	}
	return t
}

// Dataset is what the mock serves, and the format of a data file (apikit mock --data FILE): one JSON object
//
//	{
//	  "now": "2026-06-15T09:30:00Z",
//	  "group_reservations": [{"id": 456, "person_id": 12345, "start_time": "2026-06-15T09:00:00.000Z",
//	    "end_time": "2026-06-15T17:00:00.000Z", "state": "active", "group_ids": [1, 3, 5],
//	    "created_at": "2026-06-10T12:00:00.000Z", "updated_at": "2026-06-15T09:00:01.000Z"}],
//	  "groups": [{"id": 5693, "name": "Video Editors", "description": "Full schedule access, limited project access",
//	    "is_default": false, "members": [{"id": 4, "first_name": "Jane", "last_name": "Smith",
//	    "primary_email": "jane.smith@example.com"}], "acl_schedule": "RW", "acl_project": "R-", ...}]
//	}
//
// "now" is optional (see [DefaultNow]); each reservation and group is written as the vendor's API sends it and
// must be valid against its schema in openapi/ (no undeclared properties). The mock also needs: unique ids, an
// id on every group, start_time before end_time, created_at not after updated_at, and created not after
// updated. `apikit mock --print-data` writes a generated data set in this format, a starting point to edit.
type Dataset struct {
	// Now is the instant the data are arranged around; the zero value means [DefaultNow] (or [WithNow]).
	Now time.Time `json:"now,omitzero"`
	// GroupReservations are DoorFlow's group reservations, in any order (the mock orders them by id).
	GroupReservations []doorflow.GroupReservation `json:"group_reservations"`
	// Groups are Sonderplan's permission groups, in any order (the mock orders them by id).
	Groups []sonderplan.Group `json:"groups"`

	// drift (ParseDatasetDrift) lets reservations carry undeclared properties, kept in extra by id as JSON
	// members (`,"k":v`) to serve after the declared ones, and values outside an enum.
	drift bool
	extra map[int64][]byte
}

// ParseDataset decodes a data file in the [Dataset] format and validates it: each item against its vendor's
// schema with the contract harness, then the rules the mock needs (unique ids, times in order). The error lists
// every problem with a JSON pointer into the file.
func ParseDataset(ctx context.Context, data []byte) (*Dataset, error) {
	return parseDataset(ctx, data, false)
}

// ParseDatasetDrift is [ParseDataset] for a drifting vendor (apikit mock --drift): a reservation may carry
// properties its schema does not declare, which the mock serves after the declared ones, and enum values outside
// the spec's (such as a new state). Every other rule holds.
func ParseDatasetDrift(ctx context.Context, data []byte) (*Dataset, error) {
	return parseDataset(ctx, data, true)
}

func parseDataset(ctx context.Context, data []byte, drift bool) (*Dataset, error) {
	var raw struct {
		Now               *string         `json:"now"`
		GroupReservations json.RawMessage `json:"group_reservations"`
		Groups            json.RawMessage `json:"groups"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("data set is not a JSON object with now, group_reservations and groups: %w", err)
	}
	if dec.More() {
		return nil, errors.New("data set: unexpected data after the JSON object")
	}
	// The items are checked against their schemas only: the data set is not an answer to a request, so the
	// rules about answers (x-apikit-rules: paging envelope, time windows at the time of the exchange) do not apply.
	v, err := contract.New(ctx, contract.WithRules(contract.RulesSchema))
	if err != nil {
		return nil, fmt.Errorf("data set: loading the specs: %w", err)
	}
	if err := validateItems(ctx, v, raw.GroupReservations, raw.Groups, drift); err != nil {
		return nil, err
	}
	d := &Dataset{drift: drift}
	if raw.Now != nil {
		if d.Now, err = time.Parse(time.RFC3339, *raw.Now); err != nil {
			return nil, fmt.Errorf("data set /now: must be an RFC 3339 date-time such as %s: %w", DefaultNow, err)
		}
	}
	if len(raw.GroupReservations) > 0 {
		if err := json.Unmarshal(raw.GroupReservations, &d.GroupReservations); err != nil {
			return nil, fmt.Errorf("data set /group_reservations: %w", err)
		}
		if drift {
			if d.extra, err = extraMembers(raw.GroupReservations, d.GroupReservations); err != nil {
				return nil, err
			}
		}
	}
	if len(raw.Groups) > 0 {
		if err := json.Unmarshal(raw.Groups, &d.Groups); err != nil {
			return nil, fmt.Errorf("data set /groups: %w", err)
		}
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	return d, nil
}

// maxProblems caps how many problems an invalid data set reports.
const maxProblems = 20

// validateItems checks JSON arrays of reservations and groups against the specs, as the bodies of the list
// operations, and reports each violation or warning with a pointer into the data file.
func validateItems(ctx context.Context, v *contract.Validator, reservations, groups []byte, drift bool) error {
	var problems []error
	check := func(op, prefix, strip string, body []byte) {
		ex := &contract.Exchange{Source: "data set", Index: -1, OperationID: op, NoRequest: true, Status: 200,
			ResponseHeader: http.Header{"Content-Type": {contentTypeJSON}}, ResponseBody: body}
		res := v.Validate(ctx, ex)
		for _, vio := range slices.Concat(res.Violations, res.Warnings) {
			if drift && (vio.Rule == "enum" || vio.Rule == "additionalProperties") {
				continue // the drift a drifting data set is for
			}
			problems = append(problems, fmt.Errorf("data set %s%s: %s", prefix, strings.TrimPrefix(vio.Pointer, strip), describe(vio)))
		}
	}
	if !isAbsent(reservations) {
		check("listGroupReservations", "/group_reservations", "", reservations)
	}
	if !isAbsent(groups) {
		body := slices.Concat([]byte(`{"data":`), groups, []byte(`,"meta":{"pagination":{"total":0,"count":0,"per_page":10,"current_page":1}}}`))
		check("listGroups", "/groups", "/data", body)
	}
	return problemsError(problems)
}

func isAbsent(raw []byte) bool {
	s := bytes.TrimSpace(raw)
	return len(s) == 0 || string(s) == "null"
}

func problemsError(problems []error) error {
	if len(problems) == 0 {
		return nil
	}
	n := len(problems)
	if n > maxProblems {
		problems = append(problems[:maxProblems], fmt.Errorf("... and %d more problems", n-maxProblems))
	}
	return fmt.Errorf("data set is invalid (%d problems):\n%w", n, errors.Join(problems...))
}

// check enforces what the mock needs beyond the schemas.
func (d *Dataset) check() error {
	var problems []error
	add := func(format string, args ...any) { problems = append(problems, fmt.Errorf("data set "+format, args...)) }
	seen := map[int64]int{}
	for i, r := range d.GroupReservations {
		if j, dup := seen[r.ID]; dup {
			add("/group_reservations/%d/id: id %d is also the id of /group_reservations/%d", i, r.ID, j)
		}
		seen[r.ID] = i
		if !r.StartTime.Before(r.EndTime) {
			add("/group_reservations/%d: start_time must be before end_time", i)
		}
		if r.CreatedAt.After(r.UpdatedAt) {
			add("/group_reservations/%d: created_at must not be after updated_at", i)
		}
	}
	clear(seen)
	for i, g := range d.Groups {
		if g.ID == nil {
			add("/groups/%d: id is missing; the mock needs it to filter, order and page groups", i)
			continue
		}
		if j, dup := seen[*g.ID]; dup {
			add("/groups/%d/id: id %d is also the id of /groups/%d", i, *g.ID, j)
		}
		seen[*g.ID] = i
		if g.Created != nil && g.Updated != nil && *g.Created > *g.Updated {
			add("/groups/%d: created must not be after updated", i)
		}
	}
	return problemsError(problems)
}

// Generate builds a realistic data set, the same for the same arguments: count group reservations of people
// (pending in the future, active now, deactivated after they ended or when cancelled) and count permission groups
// with ACLs and members, arranged around now. A count below zero counts as zero.
func Generate(seed uint64, count int, now time.Time) *Dataset {
	count = max(count, 0)
	now = now.UTC().Truncate(time.Millisecond)
	g := &generator{r: rand.New(rand.NewPCG(seed, 0x61706b69742d6d6b)), now: now} // "apikit-mk"
	d := &Dataset{Now: now, GroupReservations: make([]doorflow.GroupReservation, 0, count), Groups: make([]sonderplan.Group, 0, count)}

	id := int64(400)
	for range count {
		id += 1 + g.r.Int64N(3)
		d.GroupReservations = append(d.GroupReservations, g.reservation(id, count))
	}
	people := g.people(12 + count/3)
	names := map[string]int{}
	id = 5690
	for i := range count {
		id += 1 + g.r.Int64N(3)
		d.Groups = append(d.Groups, g.group(i, id, people, names))
	}
	return d
}

const day = 24 * time.Hour

type generator struct {
	r   *rand.Rand
	now time.Time
}

// between returns a random duration in [lo, hi] with millisecond resolution.
func (g *generator) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(g.r.Int64N(int64((hi-lo)/time.Millisecond)+1))*time.Millisecond
}

// slot rounds a booking time down to a quarter hour, as people book.
func slot(t time.Time) time.Time { return t.Truncate(15 * time.Minute) }

// workday places a booking of a working day or less within office hours of t's day (starting 07:00 to 09:45
// UTC); longer bookings start at t's quarter hour.
func (g *generator) workday(t time.Time, dur time.Duration) time.Time {
	if dur > 8*time.Hour {
		return slot(t)
	}
	return t.Truncate(day).Add(time.Duration(7+g.r.IntN(3))*time.Hour + time.Duration(g.r.IntN(4))*15*time.Minute)
}

// future is workday for a booking that must start after now.
func (g *generator) future(t time.Time, dur time.Duration) time.Time {
	if s := g.workday(t, dur); s.After(g.now) {
		return s
	}
	return slot(t).Add(15 * time.Minute)
}

// stamp is a server timestamp: never after now.
func (g *generator) stamp(t time.Time) time.Time {
	if t.After(g.now) {
		return g.now
	}
	return t.Truncate(time.Millisecond)
}

var durations = [...]time.Duration{time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 8 * time.Hour, day, 2 * day, 5 * day, 14 * day}

func (g *generator) reservation(id int64, count int) doorflow.GroupReservation {
	now, dur := g.now, durations[g.r.IntN(len(durations))]
	r := doorflow.GroupReservation{ID: id, PersonID: 12000 + 1 + g.r.Int64N(int64(10+count/2))}
	switch roll := g.r.IntN(100); {
	case roll < 35: // pending: booked recently, starts in the future
		r.State = doorflow.StatePending
		r.StartTime = g.future(now.Add(g.between(time.Hour, 45*day)), dur)
		r.EndTime = r.StartTime.Add(dur)
		r.CreatedAt = g.stamp(now.Add(-g.between(0, 30*day)))
		r.UpdatedAt = r.CreatedAt
		if g.r.IntN(10) < 3 { // edited since
			r.UpdatedAt = g.stamp(r.CreatedAt.Add(g.between(0, now.Sub(r.CreatedAt))))
		}
	case roll < 60: // active: started, not ended; the state changed when it started
		r.State = doorflow.StateActive
		r.StartTime = slot(now.Add(-g.between(15*time.Minute, 3*day)))
		r.EndTime = slot(now.Add(g.between(30*time.Minute, 5*day)))
		r.CreatedAt = g.stamp(r.StartTime.Add(-g.between(time.Hour, 21*day)))
		r.UpdatedAt = g.stamp(r.StartTime.Add(g.between(0, 2*time.Minute)))
	case roll < 75: // cancelled before it started: deactivated, its window still ahead
		r.State = doorflow.StateDeactivated
		r.StartTime = g.future(now.Add(g.between(time.Hour, 30*day)), dur)
		r.EndTime = r.StartTime.Add(dur)
		r.CreatedAt = g.stamp(now.Add(-g.between(day, 30*day)))
		r.UpdatedAt = g.stamp(r.CreatedAt.Add(g.between(0, now.Sub(r.CreatedAt))))
	default: // completed: deactivated when it ended
		r.State = doorflow.StateDeactivated
		r.StartTime = g.workday(now.Add(-dur-g.between(15*time.Minute, 60*day)), dur)
		r.EndTime = r.StartTime.Add(dur)
		if !r.EndTime.Before(now) {
			r.StartTime = slot(now.Add(-dur - 15*time.Minute))
			r.EndTime = r.StartTime.Add(dur)
		}
		r.CreatedAt = g.stamp(r.StartTime.Add(-g.between(time.Hour, 21*day)))
		r.UpdatedAt = g.stamp(r.EndTime.Add(g.between(0, 2*time.Minute)))
	}
	n := 1 + g.r.IntN(3)
	for len(r.GroupIDs) < n {
		gid := 1 + g.r.Int64N(24)
		if !slices.Contains(r.GroupIDs, gid) {
			r.GroupIDs = append(r.GroupIDs, gid)
		}
	}
	slices.Sort(r.GroupIDs)
	return r
}

// people makes n users with unique emails, ids ascending.
func (g *generator) people(n int) []sonderplan.Member {
	out := make([]sonderplan.Member, 0, n)
	emails := map[string]bool{}
	id := int64(1)
	for range n {
		id += 1 + g.r.Int64N(3)
		first, last := firstNames[g.r.IntN(len(firstNames))], lastNames[g.r.IntN(len(lastNames))]
		local := asciiLower(first) + "." + asciiLower(last)
		domain := emailDomains[g.r.IntN(len(emailDomains))]
		email := local + "@" + domain
		for k := 2; emails[email]; k++ {
			email = fmt.Sprintf("%s%d@%s", local, k, domain)
		}
		emails[email] = true
		e := types.Email(email)
		out = append(out, sonderplan.Member{ID: ptr(id), FirstName: ptr(first), LastName: ptr(last), PrimaryEmail: &e})
	}
	return out
}

func (g *generator) group(i int, id int64, people []sonderplan.Member, names map[string]int) sonderplan.Group {
	var t groupTemplate
	name := ""
	if i < len(groupTemplates) {
		t = groupTemplates[i]
		name = t.name
	} else {
		t = groupTemplates[1+g.r.IntN(len(groupTemplates)-1)]
		name = fmt.Sprintf("%s (%s)", t.name, sites[g.r.IntN(len(sites))])
		// A site's group differs a little from the template: one module (not admin or account) one step off.
		m := g.r.IntN(6)
		switch t.acl[m] {
		case no:
			t.acl[m] = ro
		case ro:
			t.acl[m] = [2]sonderplan.ACL{no, rw}[g.r.IntN(2)]
		case rw:
			t.acl[m] = ro
		}
	}
	if n := names[name]; n > 0 {
		names[name] = n + 1
		name = fmt.Sprintf("%s %d", name, n+1)
	}
	names[name]++

	nm := g.r.IntN(9)
	if t.acl[6] == rw { // admins: few
		nm = 1 + g.r.IntN(3)
	}
	var members []sonderplan.Member
	for picked := map[int]bool{}; len(members) < min(nm, len(people)); {
		if k := g.r.IntN(len(people)); !picked[k] {
			picked[k] = true
			members = append(members, people[k])
		}
	}
	slices.SortFunc(members, func(a, b sonderplan.Member) int { return cmp.Compare(*a.ID, *b.ID) })

	created := g.now.Add(-g.between(30*day, 4*365*day)).Unix()
	updated := created
	if g.r.IntN(2) == 0 {
		updated = created + g.r.Int64N(g.now.Unix()-created+1)
	}
	return sonderplan.Group{
		ID: ptr(id), Name: ptr(name), Description: ptr(t.description), IsDefault: ptr(i == 0), Members: members,
		ACLSchedule: ptr(t.acl[0]), ACLProject: ptr(t.acl[1]), ACLTask: ptr(t.acl[2]), ACLFinance: ptr(t.acl[3]),
		ACLReport: ptr(t.acl[4]), ACLContact: ptr(t.acl[5]), ACLAdmin: ptr(t.acl[6]), ACLAccount: ptr(t.acl[7]),
		CreatedID: people[g.r.IntN(3)].ID, Created: ptr(created), UpdatedID: people[g.r.IntN(3)].ID, Updated: ptr(updated),
	}
}

// asciiLower folds a name into the local part of an email address: "O'Brien" → "obrien", "Müller" → "muller".
func asciiLower(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case strings.ContainsRune("áàâäãå", r):
			b.WriteByte('a')
		case strings.ContainsRune("éèêë", r):
			b.WriteByte('e')
		case strings.ContainsRune("íìîï", r):
			b.WriteByte('i')
		case strings.ContainsRune("óòôöõø", r):
			b.WriteByte('o')
		case strings.ContainsRune("úùûü", r):
			b.WriteByte('u')
		case r == 'ñ':
			b.WriteByte('n')
		case r == 'ç':
			b.WriteByte('c')
		}
	}
	return b.String()
}

func ptr[T any](v T) *T { return &v }

// extraMembers returns, by reservation id, the members of each raw reservation that the wire form does not
// declare, as JSON members (`,"k":v`) in key order.
func extraMembers(raw []byte, rs []doorflow.GroupReservation) (map[int64][]byte, error) {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("data set /group_reservations: %w", err)
	}
	known := map[string]bool{}
	t := reflect.TypeFor[reservationJSON]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
	}
	out := map[int64][]byte{}
	for i, item := range items {
		var keys []string
		for k := range item {
			if !known[k] {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		var b bytes.Buffer
		for _, k := range keys {
			name, _ := json.Marshal(k)
			b.WriteByte(',')
			b.Write(name)
			b.WriteByte(':')
			if err := json.Compact(&b, item[k]); err != nil {
				return nil, fmt.Errorf("data set /group_reservations/%d/%s: %w", i, k, err)
			}
		}
		if b.Len() > 0 {
			out[rs[i].ID] = b.Bytes()
		}
	}
	return out, nil
}
