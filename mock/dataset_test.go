package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apikit/apikit/gen/doorflow"
	"github.com/apikit/apikit/gen/sonderplan"
)

func TestDefaultNow(t *testing.T) {
	t.Parallel()
	if got, want := defaultNow().Format(time.RFC3339), DefaultNow; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestGenerateLooksReal checks the invariants a reader of the data would expect, over a few seeds.
func TestGenerateLooksReal(t *testing.T) {
	t.Parallel()
	now := defaultNow()
	for _, seed := range []uint64{1, 2, 42} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			d := Generate(seed, 300, now)
			if len(d.GroupReservations) != 300 || len(d.Groups) != 300 {
				t.Fatalf("got %d reservations and %d groups, want 300 of each", len(d.GroupReservations), len(d.Groups))
			}
			kinds := map[string]int{}
			for _, r := range d.GroupReservations {
				if !r.StartTime.Before(r.EndTime) {
					t.Errorf("reservation %d: start %s is not before end %s", r.ID, r.StartTime, r.EndTime)
				}
				if r.CreatedAt.After(r.UpdatedAt) || r.UpdatedAt.After(now) {
					t.Errorf("reservation %d: want created_at %s <= updated_at %s <= now", r.ID, r.CreatedAt, r.UpdatedAt)
				}
				if len(r.GroupIDs) == 0 || r.PersonID == 0 {
					t.Errorf("reservation %d has no groups or no person", r.ID)
				}
				switch {
				case r.State == doorflow.StatePending && r.StartTime.After(now):
					kinds["pending in the future"]++
				case r.State == doorflow.StateActive && !r.StartTime.After(now) && r.EndTime.After(now):
					kinds["active now"]++
				case r.State == doorflow.StateDeactivated && r.EndTime.Before(now):
					kinds["deactivated in the past"]++
				case r.State == doorflow.StateDeactivated && r.StartTime.After(now) && r.UpdatedAt.After(r.CreatedAt):
					kinds["cancelled ahead of time"]++
				default:
					t.Errorf("reservation %d: state %s does not fit its window %s..%s (now %s)", r.ID, r.State, r.StartTime, r.EndTime, now)
				}
			}
			if len(kinds) != 4 {
				t.Errorf("got kinds %v, want all four", kinds)
			}
			names, defaults := map[string]bool{}, 0
			for _, g := range d.Groups {
				if names[*g.Name] {
					t.Errorf("group name %q is used twice", *g.Name)
				}
				names[*g.Name] = true
				if *g.IsDefault {
					defaults++
				}
				if *g.Created > *g.Updated || *g.Updated > now.Unix() {
					t.Errorf("group %d: want created %d <= updated %d <= now", *g.ID, *g.Created, *g.Updated)
				}
				for _, acl := range []*sonderplan.ACL{g.ACLSchedule, g.ACLProject, g.ACLTask, g.ACLFinance, g.ACLReport, g.ACLContact, g.ACLAdmin, g.ACLAccount} {
					if acl == nil || !acl.Valid() {
						t.Errorf("group %d has an invalid ACL", *g.ID)
					}
				}
				for _, m := range g.Members {
					if _, err := mail.ParseAddress(string(*m.PrimaryEmail)); err != nil || *m.FirstName == "" || *m.LastName == "" {
						t.Errorf("group %d: member %d has email %q and name %q %q", *g.ID, *m.ID, *m.PrimaryEmail, *m.FirstName, *m.LastName)
					}
				}
			}
			if defaults != 1 {
				t.Errorf("got %d default groups, want 1", defaults)
			}
		})
	}
}

func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	now := defaultNow()
	js := func(d *Dataset) []byte {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := js(Generate(7, 50, now)), js(Generate(7, 50, now)), js(Generate(8, 50, now))
	if !bytes.Equal(a, b) {
		t.Error("the same seed gave different data sets")
	}
	if bytes.Equal(a, c) {
		t.Error("seeds 7 and 8 gave the same data set")
	}
	if d := Generate(1, -3, now); len(d.GroupReservations)+len(d.Groups) != 0 {
		t.Errorf("a negative count gave %d items, want none", len(d.GroupReservations)+len(d.Groups))
	}
}

// TestParseDatasetRoundTrip: a generated data set, written as a data file, reads back the same.
func TestParseDatasetRoundTrip(t *testing.T) {
	t.Parallel()
	want := Generate(11, 40, defaultNow())
	data, err := json.MarshalIndent(want, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseDataset(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("the data set read back differs from the one written")
	}
}

func TestParseDatasetErrors(t *testing.T) {
	t.Parallel()
	const res = `{"id":456,"person_id":12345,"start_time":"2026-06-15T09:00:00.000Z","end_time":"2026-06-15T17:00:00.000Z","state":"active","group_ids":[1],"created_at":"2026-06-10T12:00:00.000Z","updated_at":"2026-06-15T09:00:01.000Z"}`
	const grp = `{"id":5693,"name":"Video Editors","members":[{"id":4,"first_name":"Jane","last_name":"Smith","primary_email":"jane.smith@example.com"}],"acl_task":"RW"}`
	with := func(obj, old, new string) string {
		if !strings.Contains(obj, old) {
			t.Fatalf("%s does not hold %s", obj, old)
		}
		return strings.Replace(obj, old, new, 1)
	}
	file := func(rs, gs string) string { return `{"group_reservations":[` + rs + `],"groups":[` + gs + `]}` }
	cases := []struct {
		name, data string
		want       []string // each must appear in the error
	}{
		{"valid", file(res, grp), nil},
		{"only groups", `{"groups":[` + grp + `]}`, nil},
		{"empty object", `{}`, nil},
		{"not JSON", `{"groups":`, []string{"not a JSON object"}},
		{"unknown top-level key", `{"reservations":[]}`, []string{`"reservations"`}},
		{"trailing data", `{} {}`, []string{"after the JSON object"}},
		{"bad now", `{"now":"today"}`, []string{"/now"}},
		{"state not in the enum", file(with(res, `"active"`, `"cancelled"`), grp), []string{"/group_reservations/0/state", `"pending", "active", "deactivated"`, `"cancelled"`}},
		{"required property missing", file(with(res, `"person_id":12345,`, ``), grp), []string{"/group_reservations/0/person_id", "required"}},
		{"timestamp placeholder", file(with(res, `"created_at":"2026-06-10T12:00:00.000Z"`, `"created_at":"string"`), grp), []string{"/group_reservations/0/created_at", "RFC 3339"}},
		{"undeclared property", file(with(res, `"id":456,`, `"id":456,"door_id":3,`), grp), []string{"/group_reservations/0/door_id", "not declared"}},
		{"reservations not an array", `{"group_reservations":{}}`, []string{"/group_reservations", "array"}},
		{"duplicate reservation id", file(res+","+res, grp), []string{"/group_reservations/1/id", "/group_reservations/0"}},
		{"end before start", file(with(res, `"end_time":"2026-06-15T17:00:00.000Z"`, `"end_time":"2026-06-15T08:00:00.000Z"`), grp), []string{"/group_reservations/0", "start_time must be before end_time"}},
		{"updated before created", file(with(res, `"updated_at":"2026-06-15T09:00:01.000Z"`, `"updated_at":"2026-06-01T00:00:00.000Z"`), grp), []string{"created_at must not be after updated_at"}},
		{"bad ACL", file(res, with(grp, `"RW"`, `"rw"`)), []string{"/groups/0/acl_task", `"rw"`}},
		{"obfuscated email", file(res, with(grp, `jane.smith@example.com`, `[email protected]`)), []string{"/groups/0/members/0/primary_email", "email"}},
		{"group without id", file(res, with(grp, `"id":5693,`, ``)), []string{"/groups/0", "id is missing"}},
		{"duplicate group id", file(res, grp+","+grp), []string{"/groups/1/id"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := ParseDataset(t.Context(), []byte(tc.data))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if _, err := New(t.Context(), WithDataset(d)); err != nil {
					t.Errorf("New with the parsed data set: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want one holding %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error %q, want it to hold %s", err, w)
				}
			}
		})
	}
}

// TestNewRejectsInvalidDataset: a data set built in Go is held to the specs too, as the mock would send it.
func TestNewRejectsInvalidDataset(t *testing.T) {
	t.Parallel()
	bad := Generate(1, 3, defaultNow())
	bad.GroupReservations[1].State = "cancelled"
	acl := sonderplan.ACL("XX")
	bad.Groups[2].ACLAdmin = &acl
	_, err := New(t.Context(), WithDataset(bad))
	for _, w := range []string{"/group_reservations/1/state", "/groups/2/acl_admin"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("got error %v, want it to name %s", err, w)
		}
	}
}

func TestOptionsReject(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opt  Option
		want string
	}{
		{"negative count", WithCount(-1), "out of range"},
		{"count too large", WithCount(MaxCount + 1), "out of range"},
		{"zero now", WithNow(time.Time{}), "zero time"},
		{"nil data set", WithDataset(nil), "nil data set"},
		{"nil location", WithLocation(nil), "nil time zone"},
		{"empty token", WithToken(""), "non-empty"},
		{"token with a space", WithToken("a b"), "white space"},
		{"unknown scope", WithToken("t", "account.door.readonly"), `unknown scope "account.door.readonly"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(t.Context(), tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one holding %q", err, tc.want)
			}
		})
	}
}
