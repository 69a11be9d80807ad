package specdiff

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oasdiff/oasdiff/checker"

	"github.com/apikit/apikit/openapi"
)

// edit returns a function that replaces old with new in a spec, failing the test unless old occurs exactly once,
// so that an edit cannot silently stop applying when the real spec changes.
func edit(old, new string) func(testing.TB, string) string {
	return func(t testing.TB, spec string) string {
		t.Helper()
		if n := strings.Count(spec, old); n != 1 {
			t.Fatalf("edit: %q occurs %d times in the spec, want 1", old, n)
		}
		return strings.Replace(spec, old, new, 1)
	}
}

// writeSpec writes a copy of the real spec of vendor, with the edit applied, into dir, and returns its Source.
func writeSpec(t testing.TB, dir, name, vendor string, fn func(testing.TB, string) string) Source {
	t.Helper()
	data, err := openapi.FS.ReadFile(vendor + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec := string(data)
	if fn != nil {
		spec = fn(t, spec)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	return Source{Path: p}
}

// summary is what a test asserts of a change: "LEVEL id METHOD path".
func summary(c Change) string {
	return strings.TrimSpace(string(c.Level) + " " + c.ID + " " + c.Method + " " + c.Path)
}

func TestCompareRealSpecEdits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, vendor string
		base, rev    func(testing.TB, string) string // edits of the real spec; nil leaves it as it is
		wantBreaking []string                        // summary of each breaking change, in order
		wantMessage  []string                        // substrings of the first breaking change's message
		wantRaised   bool                            // the first breaking change is one apikit raises
		wantOther    string                          // the id of a non-breaking change that must be reported
	}{
		{
			name: "response enum value removed", vendor: "doorflow",
			rev: edit("enum: [pending, active, deactivated]\n      x-enum-varnames: [StatePending, StateActive, StateDeactivated]",
				"enum: [active, deactivated]\n      x-enum-varnames: [StateActive, StateDeactivated]"),
			wantBreaking: []string{
				"ERR response-property-enum-value-removed GET /api/3/group_reservations",
				"ERR response-property-enum-value-removed GET /api/3/group_reservations/{id}",
			},
			wantMessage: []string{"removed", "`pending`", "`items/state`", "`200`"},
			wantRaised:  true,
		},
		{
			name: "shared enum value removed: each request use, and the response once", vendor: "sonderplan",
			rev: edit(`enum: ["--", "R-", "RW"]`+"\n      x-enum-varnames: [ACLNone, ACLRead, ACLReadWrite]",
				`enum: ["R-", "RW"]`+"\n      x-enum-varnames: [ACLRead, ACLReadWrite]"),
			wantBreaking: append(slices.Repeat([]string{"ERR request-parameter-enum-value-removed GET /v2/group"}, 8),
				"ERR response-property-enum-value-removed GET /v2/group"),
			wantMessage: []string{"`--`", "`query`", "`acl_account`"},
		},
		{
			name: "optional parameter became required", vendor: "sonderplan",
			rev: edit("        - name: name\n          in: query\n",
				"        - name: name\n          in: query\n          required: true\n"),
			wantBreaking: []string{"ERR request-parameter-became-required GET /v2/group"},
			wantMessage:  []string{"`query`", "`name`", "required"},
		},
		{
			name: "new required parameter", vendor: "doorflow",
			rev: edit("        - name: since\n          in: query\n",
				"        - name: site_id\n          in: query\n          required: true\n          schema:\n            type: integer\n"+
					"        - name: since\n          in: query\n"),
			wantBreaking: []string{"ERR new-required-request-parameter GET /api/3/group_reservations"},
			wantMessage:  []string{"`query`", "`site_id`"},
		},
		{
			name: "response property type changed integer to string", vendor: "sonderplan",
			rev: edit("        created:\n          type: integer\n          format: int64\n",
				"        created:\n          type: string\n"),
			wantBreaking: []string{"ERR response-property-type-changed GET /v2/group"},
			wantMessage:  []string{"`data/items/created`", "`integer/int64`", "`string`"},
		},
		{
			name: "request parameter narrowed number to integer", vendor: "doorflow",
			base: edit("          schema:\n            type: integer\n            default: 500\n",
				"          schema:\n            type: number\n            default: 500\n"),
			wantBreaking: []string{"ERR request-parameter-type-changed GET /api/3/group_reservations"},
			wantMessage:  []string{"`per_page`", "`number`", "`integer`"},
		},
		{
			name: "optional response property removed", vendor: "sonderplan",
			rev:          edit("        description:\n          type: string\n          example: Full schedule access, limited project access\n", ""),
			wantBreaking: []string{"ERR response-optional-property-removed GET /v2/group"},
			wantMessage:  []string{"removed", "`data/items/description`", "`200`"},
			wantRaised:   true,
		},
		{
			name: "required response property removed", vendor: "doorflow",
			rev: func(t testing.TB, s string) string {
				s = edit("required: [id, person_id, start_time, end_time, state,", "required: [id, person_id, start_time, state,")(t, s)
				return edit("        end_time:\n          type: string\n          format: date-time\n          description: End time of the group reservation\n",
					"        end_at:\n          type: string\n          format: date-time\n          description: End time of the group reservation\n")(t, s)
			},
			wantBreaking: []string{
				"ERR response-required-property-removed GET /api/3/group_reservations",
				"ERR response-required-property-removed GET /api/3/group_reservations/{id}",
			},
			wantMessage: []string{"`items/end_time`"},
			wantOther:   "response-optional-property-added",
		},
		{
			name: "optional response property added is not breaking", vendor: "sonderplan",
			rev:       edit("        is_default:\n", "        notes:\n          type: string\n        is_default:\n"),
			wantOther: "response-optional-property-added",
		},
		{
			name: "no change", vendor: "doorflow",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			base := writeSpec(t, dir, "base.yaml", tc.vendor, tc.base)
			rev := writeSpec(t, dir, "revision.yaml", tc.vendor, tc.rev)
			res, err := Compare(t.Context(), base, rev)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range res.Breaking() {
				got = append(got, summary(c))
			}
			if !slices.Equal(got, tc.wantBreaking) {
				t.Fatalf("breaking changes:\ngot  %q\nwant %q\nall: %+v", got, tc.wantBreaking, res.Changes)
			}
			if len(tc.wantBreaking) > 0 {
				first := res.Changes[0]
				for _, s := range tc.wantMessage {
					if !strings.Contains(first.Message, s) {
						t.Errorf("message %q does not contain %q", first.Message, s)
					}
				}
				if first.Raised != tc.wantRaised {
					t.Errorf("Raised: got %v, want %v", first.Raised, tc.wantRaised)
				}
			}
			if tc.wantOther != "" && !slices.ContainsFunc(res.Changes, func(c Change) bool { return c.ID == tc.wantOther && !c.Breaking() }) {
				t.Errorf("no non-breaking %s change in %+v", tc.wantOther, res.Changes)
			}
			if tc.base == nil && tc.rev == nil && len(res.Changes) != 0 {
				t.Errorf("identical specs: got %d changes, want 0: %+v", len(res.Changes), res.Changes)
			}
			for i, c := range res.Changes {
				if strings.ContainsAny(c.Message, "\n\r") || c.Message == "" {
					t.Errorf("change %d: message %q is not one non-empty line", i, c.Message)
				}
				if i > 0 && compareChanges(res.Changes[i-1], c) > 0 {
					t.Errorf("changes %d and %d out of order: %+v, %+v", i-1, i, res.Changes[i-1], c)
				}
			}
		})
	}
}

// TestCompareBodyEnum covers the second raised check on a small hand-written pair: an enum that is the whole
// response body.
func TestCompareBodyEnum(t *testing.T) {
	t.Parallel()
	res, err := Compare(t.Context(), Source{Path: "testdata/body-enum.base.yaml"}, Source{Path: "testdata/body-enum.revision.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ERR response-mediatype-enum-value-removed GET /state"}
	var got []string
	for _, c := range res.Changes {
		got = append(got, summary(c))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if c := res.Changes[0]; !c.Raised || c.OperationID != "getState" || !strings.Contains(c.Message, "`locked`") {
		t.Errorf("got %+v, want raised, operationId getState and a message naming `locked`", c)
	}
}

// TestRaisedChecksAreInfoInOasdiff pins the fact in FIELD-NOTES that the raise rests on: oasdiff knows each raised
// check and rates it INFO by default. When an upgrade changes that, revisit raisedChecks.
func TestRaisedChecksAreInfoInOasdiff(t *testing.T) {
	t.Parallel()
	levels := checker.GetCheckLevels()
	for id := range raisedChecks() {
		if got, ok := levels[id]; !ok || got != checker.INFO {
			t.Errorf("oasdiff level of %s: got %v (known: %v), want INFO", id, got, ok)
		}
	}
}

func TestCompareInputErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeSpec(t, dir, "good.yaml", "doorflow", nil)
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("openapi: 3.0.3\npaths: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ext := filepath.Join(dir, "external.yaml")
	extSpec := "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n        '200':\n" +
		"          description: ok\n          content:\n            application/json:\n              schema: {$ref: 'other.yaml#/S'}\n"
	if err := os.WriteFile(ext, []byte(extSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		base, rev Source
		want      []string // substrings of the error
	}{
		{"missing base file", Source{Path: filepath.Join(dir, "nope.yaml")}, good, []string{"nope.yaml", "no such file"}},
		{"missing revision file", good, Source{Path: filepath.Join(dir, "nope.yaml")}, []string{"nope.yaml"}},
		{"not yaml", good, Source{Path: bad}, []string{"loading spec", "bad.yaml"}},
		{"external ref refused", Source{Path: ext}, good, []string{"loading spec", "external.yaml"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compare(t.Context(), tc.base, tc.rev)
			if err == nil {
				t.Fatal("got no error")
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

func TestParseSource(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		want    Source
		wantErr string
	}{
		{in: "openapi/doorflow.yaml", want: Source{Path: "openapi/doorflow.yaml"}},
		{in: "/abs/doorflow.yaml", want: Source{Path: "/abs/doorflow.yaml"}},
		{in: "main:openapi/doorflow.yaml", want: Source{Rev: "main", Path: "openapi/doorflow.yaml"}},
		{in: "origin/main:openapi/x.yaml", want: Source{Rev: "origin/main", Path: "openapi/x.yaml"}},
		{in: "HEAD~1:openapi/x.yaml", want: Source{Rev: "HEAD~1", Path: "openapi/x.yaml"}},
		{in: "", wantErr: "empty spec source"},
		{in: ":openapi/x.yaml", wantErr: "empty git revision"},
		{in: "main:", wantErr: "empty path"},
		{in: "--output=x:y.yaml", wantErr: "cannot start with '-'"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSource(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if got.String() != tc.in {
				t.Errorf("String: got %q, want %q", got.String(), tc.in)
			}
		})
	}
}
