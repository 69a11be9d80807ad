package propose_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/propose"
	"github.com/apikit/apikit/specdiff"
)

// kindsSpec has integer enums (one naming its values in x-enum-varnames, one not), a string enum whose names
// follow no pattern, one whose names differ from the values in case only, and documents only 200.
const kindsSpec = `openapi: 3.0.3
info: {title: T, version: "1"}
servers: [{url: "https://t.example"}]
paths:
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
        level: {type: integer, enum: [1, 2], x-enum-varnames: [Level1, Level2]}
        priority: {type: integer, enum: [10, 20]}
        size: {type: string, enum: [s, m], x-enum-varnames: [Small, Medium]}
        mode: {type: string, enum: [OR, AND], x-enum-varnames: [FilterOr, FilterAnd]}
`

type kindsRec struct {
	id, status  int
	ctype, body string
}

func kindsRun(t *testing.T, fsys fstest.MapFS, c *propose.Collector, recs []kindsRec) (warnings, violations int) {
	t.Helper()
	v, err := contract.New(context.Background(), contract.WithSpecFS(fsys, "specs"), contract.WithRules(contract.RulesSchema))
	if err != nil {
		t.Fatal(err)
	}
	exs := make([]*contract.Exchange, 0, len(recs))
	for i, r := range recs {
		u, _ := url.Parse("https://t.example/things/" + string(rune('0'+r.id)))
		h := http.Header{}
		if r.ctype != "" {
			h.Set("Content-Type", r.ctype)
		}
		exs = append(exs, &contract.Exchange{Source: "t.har", Index: i, Method: http.MethodGet, URL: u, NoRequest: true,
			Status: r.status, ResponseHeader: h, ResponseBody: []byte(r.body)})
	}
	return observe(t, v, c, exs)
}

func TestProposeIntegerEnumsAndBodiesThatAreNotJSON(t *testing.T) {
	const js = "application/json"
	recs := []kindsRec{
		{1, 200, js, `{"level":3,"priority":30,"size":"l","mode":"XOR"}`},
		{2, 200, js, `{"level":-1,"priority":10}`},
		{3, 200, js, `{"level":3}`},
		{4, 502, "", "Bad Gateway"},                        // no Content-Type: no media type to propose
		{5, 500, js, "<html>oops</html>"},                  // says JSON, is not
		{6, 503, "text/plain; charset=utf-8", "try later"}, // not JSON: a media type without a schema
		{7, 503, js, `{"retry":true}`},                     // and the same status in JSON
	}
	specs := fstest.MapFS{"t.yaml": {Data: []byte(kindsSpec)}}
	var out bytes.Buffer
	c, err := propose.New(specs, "specs", &out)
	if err != nil {
		t.Fatal(err)
	}
	if w, vio := kindsRun(t, specs, c, recs); vio == 0 {
		t.Fatalf("the recordings should drift: %d warnings, %d violations", w, vio)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	got := actions(t, out.Bytes())
	want := []struct{ target, update, description string }{
		{"$.components.schemas['Thing'].properties['level']", `enum:
    - -1
    - 3
x-enum-varnames:
    - LevelMinus1
    - Level3
`, `New value(s) -1, 3 of the enum Thing.level (at /level of GET /things/{id} 200)`},
		{"$.components.schemas['Thing'].properties['mode']", "enum:\n    - XOR\nx-enum-varnames:\n    - FilterXOR\n", `New value(s) "XOR" of the enum Thing.mode`},
		{"$.components.schemas['Thing'].properties['priority']", "enum:\n    - 30\n", "New value(s) 30 of the enum"},
		{"$.paths['/things/{id}'].get.responses", `"500":
    content:
        application/json: {}
    description: Undocumented status 500, proposed from recorded traffic
`, "application/json body, no schema (1 of 1 bodies are not JSON)"},
		{"$.paths['/things/{id}'].get.responses", `"502":
    description: Undocumented status 502, proposed from recorded traffic
`, "1 bod(ies) without a Content-Type, so no media type is proposed for them"},
		{"$.paths['/things/{id}'].get.responses", `"503":
    content:
        application/json:
            schema:
                properties:
                    retry:
                        type: boolean
                type: object
        text/plain: {}
    description: Undocumented status 503, proposed from recorded traffic
`, "application/json body inferred as object; text/plain body, no schema (apikit infers the schema of JSON bodies only)"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d actions, want %d:\n%s", len(got), len(want), out.Bytes())
	}
	for i, w := range want {
		g := got[i]
		if g.Target != w.target {
			t.Errorf("action %d: target %s, want %s", i+1, g.Target, w.target)
		}
		if u := yamlOf(t, g.Update); u != w.update {
			t.Errorf("action %d: update\n%s\nwant\n%s", i+1, u, w.update)
		}
		if !strings.Contains(g.Description, w.description) {
			t.Errorf("action %d: description %q lacks %q", i+1, g.Description, w.description)
		}
	}
	// The integers are YAML integers, not strings.
	if vals, _ := got[0].Update["enum"].([]any); len(vals) != 2 || vals[0] != -1 || vals[1] != 3 {
		t.Errorf("the integer enum values are %#v, want the YAML integers -1 and 3", got[0].Update["enum"])
	}
	notes := strings.Join(c.Notes(), "\n")
	if !strings.Contains(notes, "enum Thing.size: its x-enum-varnames follow no one prefix-and-value pattern") {
		t.Errorf("notes lack why size's new value is not proposed:\n%s", notes)
	}

	// Applied, the overlay makes the recordings validate except size's "l", which it leaves to a person.
	applied := fstest.MapFS{"t.yaml": specs["t.yaml"], "t.overlay.yaml": {Data: out.Bytes()}}
	w, vio := kindsRun(t, applied, nil, recs)
	if w != 0 || vio != 1 {
		t.Errorf("with the overlay: %d warnings, %d violations; want only size's value outside its enum", w, vio)
	}

	// And the gate rates the new integer values WARN, with their evidence; nothing breaks.
	base, rev := t.TempDir(), t.TempDir()
	for dir, fsys := range map[string]fstest.MapFS{base: specs, rev: applied} {
		for name, f := range fsys {
			if err := os.WriteFile(filepath.Join(dir, name), f.Data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	res, err := specdiff.Compare(context.Background(), specdiff.Source{Path: filepath.Join(base, "t.yaml")}, specdiff.Source{Path: filepath.Join(rev, "t.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	warns := 0
	for _, ch := range res.Changes {
		if ch.ID == "response-property-enum-value-added" {
			warns++
			if ch.Level != specdiff.LevelWarn || !strings.HasPrefix(ch.Evidence, "seen in ") {
				t.Errorf("%s: %s rated %s, evidence %q", ch.ID, ch.Message, ch.Level, ch.Evidence)
			}
		}
	}
	if warns != 4 || len(res.Breaking()) != 0 {
		t.Errorf("want the 3 new integer values and XOR as warnings and nothing breaking, got %+v", res.Changes)
	}
}
