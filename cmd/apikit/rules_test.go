package main

import (
	"strings"
	"testing"
)

const rulesTestdata = "../../contract/testdata/rules/"

// TestValidateRules checks --rules and --time-zone: the recordings under contract/testdata/rules break rules and
// invariants only, so --rules=schema passes them.
func TestValidateRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{name: "rules and invariants by default", args: []string{rulesTestdata + "broken.har"}, code: exitViolation, want: []string{
			"broken.har#1 listGroupReservations response.body /1/id: this item is also on page 1 of the walk (entry 0): no item may be on two pages of one walk (got 2)",
			"broken.har#2 listGroupReservations response.body /0/updated_at: updated_at is before the request's since_utc",
			"broken.har#3 getGroupReservation response.body: this copy differs from the one listed at entry 2",
			"broken.har#4 listGroups response.body /data/1/name: the items are not in ascending order of name",
			"5 exchanges: 1 valid, 4 invalid, 0 skipped",
		}},
		{name: "schema only", args: []string{"--rules=schema", rulesTestdata + "broken.har"}, code: exitOK, want: []string{"5 exchanges: 5 valid"}},
		{name: "since in UTC by default", args: []string{rulesTestdata + "since-local.har"}, code: exitViolation,
			want: []string{"since-local.har#0 listGroupReservations response.body /0/updated_at: updated_at is before the request's since"}},
		{name: "since in the configured zone", args: []string{"--time-zone", "Europe/Berlin", rulesTestdata + "since-local.har"}, code: exitOK},
		{name: "bad --rules", args: []string{"--rules=some", rulesTestdata}, code: exitUsage},
		{name: "bad --time-zone", args: []string{"--time-zone=Mars/Olympus", rulesTestdata}, code: exitUsage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := apikit(t, append([]string{"validate"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q\n%s", w, out)
				}
			}
		})
	}
}
