package specdiff_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apikit/apikit/specdiff"
)

// evidenceSpec has two string enums (State in a component, reached from a list and a single item; Kind inline)
// and an integer enum, each in a response.
const evidenceSpec = `openapi: 3.0.3
info: {title: T, version: "1"}
servers: [{url: "https://t.example"}]
paths:
  /things:
    get:
      operationId: listThings
      responses:
        "200":
          description: things
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Thing"}}
  /things/{id}:
    get:
      operationId: getThing
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: a thing
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
components:
  schemas:
    Thing:
      type: object
      properties:
        state: {$ref: "#/components/schemas/State"}
        kind: {type: string, enum: [big, small]}
        level: {type: integer, enum: [1, 2]}
    State:
      type: string
      enum: [active, inactive]
`

const evidenceMark = "seen in 2 exchange(s): rec.har#0, rec.har#3"

// evidenceCompare compares evidenceSpec with revSpec (evidenceSpec when empty) under the overlay ov.
func evidenceCompare(t *testing.T, revSpec, ov string) *specdiff.Result {
	t.Helper()
	if revSpec == "" {
		revSpec = evidenceSpec
	}
	base, rev := t.TempDir(), t.TempDir()
	files := map[string]string{filepath.Join(base, "t.yaml"): evidenceSpec, filepath.Join(rev, "t.yaml"): revSpec}
	if ov != "" {
		files[filepath.Join(rev, "t.overlay.yaml")] = "overlay: 1.0.0\ninfo: {title: t, version: \"1\"}\nactions:\n" + ov
	}
	for p, s := range files {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	res, err := specdiff.Compare(context.Background(), specdiff.Source{Path: filepath.Join(base, "t.yaml")},
		specdiff.Source{Path: filepath.Join(rev, "t.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// levels returns "OPERATION VALUE LEVEL" for each enum-value-added change, sorted.
func levels(t *testing.T, res *specdiff.Result) []string {
	t.Helper()
	var out []string
	for _, c := range res.Changes {
		if c.ID != "response-property-enum-value-added" {
			t.Errorf("unexpected change %s %s: %s", c.Level, c.ID, c.Message)
			continue
		}
		value, _, _ := strings.Cut(strings.TrimPrefix(c.Message, "added the new `"), "`")
		out = append(out, c.OperationID+" "+value+" "+string(c.Level))
		if (c.Level == specdiff.LevelWarn) != (c.Evidence == evidenceMark) {
			t.Errorf("%s %s: level %s with evidence %q", c.OperationID, value, c.Level, c.Evidence)
		}
	}
	slices.Sort(out)
	return out
}

func TestEvidenceLowersOnlyTheValuesItsActionAdds(t *testing.T) {
	marked := "    x-apikit-evidence: '" + evidenceMark + "'\n"
	cases := []struct {
		name, spec, overlay string
		want                []string
	}{{
		name:    "a marked action's value in a component, in both operations",
		overlay: "  - target: $.components.schemas['State']\n    update: {enum: [suspended]}\n" + marked,
		want:    []string{"getThing suspended WARN", "listThings suspended WARN"},
	}, {
		name:    "the same value added without the marker",
		overlay: "  - target: $.components.schemas['State']\n    update: {enum: [suspended]}\n",
		want:    []string{"getThing suspended ERR", "listThings suspended ERR"},
	}, {
		name: "another value added by hand in the same overlay, to the same enum",
		overlay: "  - target: $.components.schemas['State']\n    update: {enum: [suspended]}\n" + marked +
			"  - target: $.components.schemas['State']\n    update: {enum: [archived]}\n",
		want: []string{"getThing archived ERR", "getThing suspended WARN", "listThings archived ERR", "listThings suspended WARN"},
	}, {
		name:    "a value the marked action lists but does not add, since the spec already has it by hand",
		spec:    strings.Replace(evidenceSpec, "enum: [active, inactive]", "enum: [active, inactive, suspended]", 1),
		overlay: "  - target: $.components.schemas['State']\n    update: {enum: [suspended]}\n" + marked,
		// The overlay appends it a second time: oasdiff sees two additions, both ERR.
		want: []string{"getThing suspended ERR", "getThing suspended ERR", "listThings suspended ERR", "listThings suspended ERR"},
	}, {
		name:    "another value added by hand in the spec",
		spec:    strings.Replace(evidenceSpec, "enum: [active, inactive]", "enum: [active, inactive, archived]", 1),
		overlay: "  - target: $.components.schemas['State']\n    update: {enum: [suspended]}\n" + marked,
		want:    []string{"getThing archived ERR", "getThing suspended WARN", "listThings archived ERR", "listThings suspended WARN"},
	}, {
		name:    "the same value by hand in another enum",
		spec:    strings.Replace(evidenceSpec, "enum: [big, small]", "enum: [big, small, suspended]", 1),
		overlay: "  - target: $.components.schemas['State']\n    update: {enum: [suspended]}\n" + marked,
		want:    []string{"getThing suspended ERR", "getThing suspended WARN", "listThings suspended ERR", "listThings suspended WARN"},
	}, {
		name: "an inline enum, the marked action's value and one by hand in the same overlay",
		overlay: "  - target: $.components.schemas['Thing'].properties['kind']\n    update: {enum: [huge]}\n" + marked +
			"  - target: $.components.schemas['Thing'].properties['kind']\n    update: {enum: [tiny]}\n",
		want: []string{"getThing huge WARN", "getThing tiny ERR", "listThings huge WARN", "listThings tiny ERR"},
	}, {
		name:    "an integer enum: the number the marked action adds, not the string, nor another number by hand",
		spec:    strings.Replace(evidenceSpec, "enum: [1, 2]", "enum: [1, 2, 4]", 1),
		overlay: "  - target: $.components.schemas['Thing'].properties['level']\n    update: {enum: [3]}\n" + marked,
		want:    []string{"getThing 3.00 WARN", "getThing 4.00 ERR", "listThings 3.00 WARN", "listThings 4.00 ERR"},
	}, {
		name:    "an integer enum: a marked action that adds the string \"3\" does not cover the number 3 added by hand",
		spec:    strings.Replace(evidenceSpec, "enum: [1, 2]", "enum: [1, 2, 3]", 1),
		overlay: "  - target: $.components.schemas['Thing'].properties['level']\n    update: {enum: [\"3\"]}\n" + marked,
		want:    []string{"getThing 3 WARN", "getThing 3.00 ERR", "listThings 3 WARN", "listThings 3.00 ERR"},
	}, {
		name:    "an action marked with an empty evidence",
		overlay: "  - target: $.components.schemas['State']\n    update: {enum: [suspended]}\n    x-apikit-evidence: ''\n",
		want:    []string{"getThing suspended ERR", "listThings suspended ERR"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := evidenceCompare(t, tc.spec, tc.overlay)
			if got := levels(t, res); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEvidenceShownInTheText(t *testing.T) {
	res := evidenceCompare(t, "", "  - target: $.components.schemas['State']\n    update: {enum: [suspended]}\n    x-apikit-evidence: '"+evidenceMark+"'\n")
	var b strings.Builder
	if err := res.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "WARN response-property-enum-value-added  GET /things/{id} (getThing): added the new `suspended` enum value to the `state` response property for the response status `200` " +
		"[WARN, not ERR: an action of the revision's overlay records it from traffic, " + evidenceMark + "]\n"
	if !strings.Contains(b.String(), want) || !strings.Contains(b.String(), "2 changes: 0 breaking (0 acknowledged), 2 warnings, 0 info") {
		t.Errorf("got\n%s\nwant a line\n%s", b.String(), want)
	}
}

// TestEvidenceNamesTheMediaType: a response with two media types, each with its own enum: the marked action's
// value is WARN only in the media type whose schema it targets.
func TestEvidenceNamesTheMediaType(t *testing.T) {
	const spec = `openapi: 3.0.3
info: {title: T, version: "1"}
servers: [{url: "https://t.example"}]
paths:
  /things:
    get:
      operationId: listThings
      responses:
        "200":
          description: things
          content:
            application/json:
              schema: {type: object, properties: {state: {type: string, enum: [a, b]}}}
            application/vnd.t+json:
              schema: {type: object, properties: {state: {type: string, enum: [a, b]}}}
`
	base, rev := t.TempDir(), t.TempDir()
	ov := "overlay: 1.0.0\ninfo: {title: t, version: \"1\"}\nactions:\n" +
		"  - target: $.paths['/things'].get.responses['200'].content['application/vnd.t+json'].schema.properties['state']\n" +
		"    update: {enum: [c]}\n    x-apikit-evidence: '" + evidenceMark + "'\n" +
		"  - target: $.paths['/things'].get.responses['200'].content['application/json'].schema.properties['state']\n" +
		"    update: {enum: [c]}\n"
	for p, s := range map[string]string{filepath.Join(base, "t.yaml"): spec, filepath.Join(rev, "t.yaml"): spec, filepath.Join(rev, "t.overlay.yaml"): ov} {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	res, err := specdiff.Compare(context.Background(), specdiff.Source{Path: filepath.Join(base, "t.yaml")}, specdiff.Source{Path: filepath.Join(rev, "t.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range res.Changes {
		got = append(got, string(c.Level)+" "+c.Message)
	}
	slices.Sort(got)
	want := []string{
		"ERR added the new `c` enum value to the `state` response property for the response status `200` (media type: application/json)",
		"WARN added the new `c` enum value to the `state` response property for the response status `200` (media type: application/vnd.t+json)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
