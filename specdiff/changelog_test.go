package specdiff

import (
	"errors"
	"testing"
)

func TestChangelogAcknowledges(t *testing.T) {
	t.Parallel()
	enumList := Change{ID: "response-property-enum-value-removed", Level: LevelErr, Section: "paths", Method: "GET",
		Path: "/api/3/group_reservations", OperationID: "listGroupReservations"}
	enumGet := Change{ID: "response-property-enum-value-removed", Level: LevelErr, Section: "paths", Method: "GET",
		Path: "/api/3/group_reservations/{id}", OperationID: "getGroupReservation"}
	global := Change{ID: "api-global-security-removed", Level: LevelErr, Section: "security"}
	const head = "# Changelog\n\nThe convention: `response-property-enum-value-removed` listGroupReservations (not in the section).\n\n"
	const older = "\n## v0.1.0\n\n- `response-property-enum-value-removed` getGroupReservation: an old release.\n"
	cases := []struct {
		name, changelog string
		change          Change
		want            bool
	}{
		{"id and operationId", head + "## Unreleased\n\n- Breaking: `response-property-enum-value-removed` in listGroupReservations: no more pending.\n" + older, enumList, true},
		{"id and path", head + "## Unreleased\n- response-property-enum-value-removed GET /api/3/group_reservations/{id}\n", enumGet, true},
		{"keep-a-changelog heading", head + "## [Unreleased]\n- response-property-enum-value-removed (listGroupReservations)\n", enumList, true},
		{"version heading marked unreleased", head + "## v0.2.0 (unreleased)\n- response-property-enum-value-removed, listGroupReservations.\n", enumList, true},
		{"path prefix is not the path", head + "## Unreleased\n- response-property-enum-value-removed /api/3/group_reservations\n", enumGet, false},
		{"operationId prefix is not the operationId", head + "## Unreleased\n- response-property-enum-value-removed getGroupReservations\n", enumGet, false},
		{"id alone is not enough for an operation", head + "## Unreleased\n- response-property-enum-value-removed: pending dropped.\n", enumList, false},
		{"operation alone is not enough", head + "## Unreleased\n- listGroupReservations lost pending\n", enumList, false},
		{"id and operation on different lines", head + "## Unreleased\n- response-property-enum-value-removed\n  in listGroupReservations\n", enumList, false},
		{"id of another check", head + "## Unreleased\n- response-property-enum-value-removed-x listGroupReservations\n", enumList, false},
		{"only under the unreleased heading", head + "## Unreleased\n\nNothing yet.\n" + older, enumGet, false},
		{"header text does not count", head + "## Unreleased\n", enumList, false},
		{"change outside paths needs its id only", head + "## Unreleased\n- `api-global-security-removed`: auth moved per operation.\n", global, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cl, err := ParseChangelog([]byte(tc.changelog))
			if err != nil {
				t.Fatal(err)
			}
			if got := cl.Acknowledges(tc.change); got != tc.want {
				t.Errorf("Acknowledges: got %v, want %v", got, tc.want)
			}
			res := &Result{Changes: []Change{tc.change, {ID: "response-optional-property-added", Level: LevelInfo}}}
			n := res.Acknowledge(cl)
			if wantN := map[bool]int{true: 1, false: 0}[tc.want]; n != wantN || len(res.Unacknowledged()) != 1-wantN {
				t.Errorf("Acknowledge: got %d marked and %d unacknowledged, want %d and %d", n, len(res.Unacknowledged()), wantN, 1-wantN)
			}
		})
	}
}

func TestParseChangelogWithoutUnreleased(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "# Changelog\n\n## v0.1.0\n- first\n", "# Changelog\n\n### Unreleased\n"} {
		if _, err := ParseChangelog([]byte(s)); !errors.Is(err, ErrNoUnreleased) {
			t.Errorf("ParseChangelog(%q): got %v, want ErrNoUnreleased", s, err)
		}
	}
}
