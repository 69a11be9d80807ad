package propose_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/openapi"
	"github.com/apikit/apikit/propose"
	"github.com/apikit/apikit/specdiff"
)

const reservation = `"id":%d,"person_id":2,"start_time":"2026-06-25T06:30:00.000Z","end_time":"2026-06-30T06:30:00.000Z",` +
	`"group_ids":[1],"created_at":"2026-06-15T00:31:39.775Z","updated_at":"2026-06-15T00:31:39.775Z"`

// res returns a reservation with its state and extra members (`,"k":v`).
func res(id int, state, extra string) string {
	return "{" + strings.Replace(reservation, "%d", strconv.Itoa(id), 1) + `,"state":"` + state + `"` + extra + "}"
}

type rec struct {
	path, body string
	status     int
	header     http.Header
}

func exchanges(recs []rec) []*contract.Exchange {
	var out []*contract.Exchange
	for i, r := range recs {
		h := http.Header{"Content-Type": {"application/json"}}
		for k, v := range r.header {
			h[k] = v
		}
		u, _ := url.Parse("https://api.doorflow.com" + r.path)
		out = append(out, &contract.Exchange{Source: "rec.har", Index: i, Method: http.MethodGet, URL: u, NoRequest: true,
			Status: r.status, ResponseHeader: h, ResponseBody: []byte(r.body)})
	}
	return out
}

// drift is a recording with each kind of drift and nothing contradictory.
func drift() []rec {
	return []rec{
		{path: "/api/3/group_reservations", status: 200, body: "[" +
			res(1, "pending", `,"checked_in_at":"2026-06-25T06:31:00Z","contact":"a@example.com","badge":7,"note":null`) + "," +
			res(2, "suspended", `,"checked_in_at":"2026-06-25T06:32:00Z","contact":"b@example.com","badge":8,"note":"late"`) + "]"},
		{path: "/api/3/group_reservations/3", status: 200, body: res(3, "suspended", `,"checked_in_at":"2026-06-25T06:33:00Z"`),
			header: http.Header{"X-Ratelimit-Remaining": {"42"}}},
		{path: "/api/3/group_reservations/4", status: 200, body: res(4, "on_hold", ""),
			header: http.Header{"X-Ratelimit-Remaining": {"41"}}},
		{path: "/api/3/group_reservations/5", status: 409, body: `{"error":"conflict","retry_after":3}`},
		{path: "/api/3/group_reservations/6", status: 409, body: `{"error":"conflict","retry_after":5}`},
		{path: "/api/3/group_reservations/8", status: 503, body: "<html><body>Service Unavailable</body></html>",
			header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}},
	}
}

func collect(t *testing.T, v *contract.Validator, c *propose.Collector, recs []rec) (warnings, violations int) {
	t.Helper()
	return observe(t, v, c, exchanges(recs))
}

// observe validates each exchange with v, hands the verdict to c (when not nil) as apikit validate --propose does,
// and counts the warnings and violations.
func observe(t *testing.T, v *contract.Validator, c *propose.Collector, exs []*contract.Exchange) (warnings, violations int) {
	t.Helper()
	ctx := context.Background()
	for _, ex := range exs {
		r := v.Validate(ctx, ex)
		warnings += len(r.Warnings)
		violations += len(r.Violations)
		if c != nil {
			r.Exchange = ex
			if err := c.Observe(ctx, &r); err != nil {
				t.Fatal(err)
			}
		}
	}
	return warnings, violations
}

func newValidator(t *testing.T, opts ...contract.Option) *contract.Validator {
	t.Helper()
	v, err := contract.New(context.Background(), append(opts, contract.WithRules(contract.RulesSchema))...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// propose runs the recordings through a collector on the shipped specs and returns the overlay it writes.
func proposeFor(t *testing.T, recs []rec) ([]byte, *propose.Collector) {
	t.Helper()
	var out bytes.Buffer
	c, err := propose.New(specFS(t, nil), "openapi", &out)
	if err != nil {
		t.Fatal(err)
	}
	w, vio := collect(t, newValidator(t, contract.WithSpecFS(specFS(t, nil), "openapi")), c, recs)
	if w+vio == 0 {
		t.Fatalf("the recordings should drift: %d warnings, %d violations", w, vio)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), c
}

type action struct {
	Target      string         `yaml:"target"`
	Description string         `yaml:"description"`
	Update      map[string]any `yaml:"update"`
	Evidence    string         `yaml:"x-apikit-evidence"`
}

func actions(t *testing.T, doc []byte) []action {
	t.Helper()
	var o struct {
		Overlay string   `yaml:"overlay"`
		Actions []action `yaml:"actions"`
	}
	if err := yaml.Unmarshal(doc, &o); err != nil {
		t.Fatal(err)
	}
	if o.Overlay != "1.0.0" {
		t.Fatalf("overlay version %q, want 1.0.0", o.Overlay)
	}
	return o.Actions
}

func yamlOf(t *testing.T, v any) string {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestProposeEachDriftOnceWithInferredSchema(t *testing.T) {
	doc, c := proposeFor(t, drift())
	got := actions(t, doc)
	want := []struct{ target, update, evidence string }{
		{"$.components.schemas['GroupReservation']", `properties:
    badge:
        description: 'Not in the vendor''s documentation: seen in recorded traffic (1 exchanges).'
        format: int64
        type: integer
`, "seen in 1 exchange(s): rec.har#0"},
		{"$.components.schemas['GroupReservation']", `properties:
    checked_in_at:
        description: 'Not in the vendor''s documentation: seen in recorded traffic (2 exchanges).'
        format: date-time
        type: string
`, "seen in 2 exchange(s): rec.har#0, rec.har#1"},
		{"$.components.schemas['GroupReservation']", `properties:
    contact:
        description: 'Not in the vendor''s documentation: seen in recorded traffic (1 exchanges).'
        format: email
        type: string
`, "rec.har#0"},
		{"$.components.schemas['GroupReservation']", `properties:
    note:
        description: 'Not in the vendor''s documentation: seen in recorded traffic (1 exchanges).'
        nullable: true
        type: string
`, "rec.har#0"},
		{"$.components.schemas['GroupReservationState']", `enum:
    - on_hold
    - suspended
x-enum-varnames:
    - StateOnHold
    - StateSuspended
`, "seen in 3 exchange(s): rec.har#0, rec.har#1, rec.har#2"},
		{"$.paths['/api/3/group_reservations/{id}'].get.responses", `"409":
    content:
        application/json:
            schema:
                properties:
                    error:
                        type: string
                    retry_after:
                        format: int64
                        type: integer
                type: object
    description: Undocumented status 409, proposed from recorded traffic
`, "seen in 2 exchange(s): rec.har#3, rec.har#4"},
		{"$.paths['/api/3/group_reservations/{id}'].get.responses", `"503":
    content:
        text/html: {}
    description: Undocumented status 503, proposed from recorded traffic
`, "seen in 1 exchange(s): rec.har#5"},
		{"$.paths['/api/3/group_reservations/{id}'].get.responses['200']", `headers:
    X-Ratelimit-Remaining:
        description: Proposed from recorded traffic
        schema:
            type: integer
`, "seen in 2 exchange(s): rec.har#1, rec.har#2"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d actions, want %d (one per drift):\n%s", len(got), len(want), doc)
	}
	for i, w := range want {
		g := got[i]
		if g.Target != w.target {
			t.Errorf("action %d: target %s, want %s", i+1, g.Target, w.target)
		}
		if u := yamlOf(t, g.Update); u != w.update {
			t.Errorf("action %d: update\n%s\nwant\n%s", i+1, u, w.update)
		}
		if !strings.Contains(g.Description, w.evidence) {
			t.Errorf("action %d: description %q does not name the evidence %q", i+1, g.Description, w.evidence)
		}
		if !strings.HasPrefix(g.Evidence, "seen in ") || !strings.Contains(g.Evidence, w.evidence) {
			t.Errorf("action %d: x-apikit-evidence %q, want the evidence %q", i+1, g.Evidence, w.evidence)
		}
	}
	if n := c.Notes(); len(n) != 0 {
		t.Errorf("notes %q, want none", n)
	}
}

func TestProposeConservative(t *testing.T) {
	recs := []rec{
		{path: "/api/3/group_reservations", status: 200, body: "[" +
			res(1, "pending", `,"mixed":"x","when":"2026-06-25T06:31:00Z","nothing":null,"tags":["a"],"deep":{"k":1}`) + "," +
			res(2, "pending", `,"mixed":5,"when":"tomorrow","nothing":null,"tags":[],"deep":{"k":"one"}`) + "]"},
		{path: "/api/3/group_reservations/7", status: 200, body: res(7, "pending", `,"n":1,"ratio":1.5`)},
	}
	doc, c := proposeFor(t, recs)
	var updates []string
	for _, a := range actions(t, doc) {
		updates = append(updates, yamlOf(t, a.Update))
	}
	all := strings.Join(updates, "")
	for _, absent := range []string{"mixed:", "nothing:", "deep:"} {
		if strings.Contains(all, absent) {
			t.Errorf("overlay proposes %s though its observations contradict or say nothing:\n%s", absent, doc)
		}
	}
	for _, want := range []string{
		"when:\n        description: 'Not in the vendor''s documentation: seen in recorded traffic (1 exchanges).'\n        type: string\n", // mixed formats: no format
		"tags:\n        description: 'Not in the vendor''s documentation: seen in recorded traffic (1 exchanges).'\n        items:\n            type: string\n        type: array\n",
		"ratio:\n        description: 'Not in the vendor''s documentation: seen in recorded traffic (1 exchanges).'\n        type: number\n",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("overlay lacks\n%s\ngot:\n%s", want, all)
		}
	}
	notes := strings.Join(c.Notes(), "\n")
	for _, want := range []string{
		`"mixed" of GroupReservation: GroupReservation.mixed: contradictory observations: integer 1 times, string 1 times`,
		`"nothing" of GroupReservation: GroupReservation.nothing: only null was seen (2 values)`,
		`"deep" of GroupReservation: GroupReservation.deep.k: contradictory observations: integer 1 times, string 1 times`,
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if !bytes.Contains(doc, []byte("# not proposed: property \"mixed\"")) {
		t.Errorf("the overlay file does not say why mixed is not proposed:\n%s", doc)
	}
}

// specFS is the shipped specs with overlay as doorflow's; without one, the specs as written (openapi.FS also holds
// an overlay a user applied).
func specFS(t *testing.T, overlay []byte) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	for _, name := range []string{"doorflow.yaml", "sonderplan.yaml"} {
		data, err := openapi.FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		m[name] = &fstest.MapFile{Data: data}
	}
	if overlay != nil {
		m["doorflow.overlay.yaml"] = &fstest.MapFile{Data: overlay}
	}
	return m
}

func TestProposedOverlayMakesTheRecordingsValidate(t *testing.T) {
	doc, _ := proposeFor(t, drift())
	v := newValidator(t, contract.WithSpecFS(specFS(t, doc), "openapi"))
	w, vio := collect(t, v, nil, drift())
	if w != 0 || vio != 0 {
		t.Fatalf("with the proposed overlay: %d warnings, %d violations; want none", w, vio)
	}
	// And the collector proposes nothing more.
	var out bytes.Buffer
	c, err := propose.New(specFS(t, doc), "openapi", &out)
	if err != nil {
		t.Fatal(err)
	}
	collect(t, v, c, drift())
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if a := actions(t, out.Bytes()); len(a) != 0 {
		t.Fatalf("%d actions proposed after applying the overlay, want none:\n%s", len(a), out.Bytes())
	}
}

func TestProposedOverlayPassesTheBreakingGate(t *testing.T) {
	ctx := context.Background()
	doc, _ := proposeFor(t, drift())
	base, rev := t.TempDir(), t.TempDir()
	for dir, fsys := range map[string]fstest.MapFS{base: specFS(t, nil), rev: specFS(t, doc)} {
		for name, f := range fsys {
			if err := os.WriteFile(filepath.Join(dir, name), f.Data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	res, err := specdiff.Compare(ctx, specdiff.Source{Path: filepath.Join(base, "doorflow.yaml")}, specdiff.Source{Path: filepath.Join(rev, "doorflow.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	// Every kind of drift at once, and no changelog: nothing the proposed overlay changes is breaking. The new
	// enum values, which oasdiff rates ERR, are WARN with the evidence of the action that adds them.
	if b := res.Breaking(); len(b) != 0 {
		t.Errorf("breaking changes with no acknowledgement: %+v", b)
	}
	ids := map[string]int{}
	for _, c := range res.Changes {
		ids[c.ID]++
		if c.ID == "response-property-enum-value-added" {
			if c.Level != specdiff.LevelWarn || !strings.Contains(c.Evidence, "seen in 3 exchange(s): rec.har#0, rec.har#1, rec.har#2") {
				t.Errorf("new enum value rated %s with evidence %q; want WARN naming the exchanges", c.Level, c.Evidence)
			}
		}
	}
	for id, n := range map[string]int{
		"response-optional-property-added":   2 * 4, // four properties in the list's items and in the one reservation
		"response-property-enum-value-added": 2 * 2, // on_hold and suspended, in both operations
		"response-non-success-status-added":  2,     // 409 (JSON) and 503 (text)
		"response-header-added":              1,
	} {
		if ids[id] != n {
			t.Errorf("apikit diff reports %s %d times, want %d; changes:\n%+v", id, ids[id], n, res.Changes)
		}
	}
	var out bytes.Buffer
	if err := res.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "[WARN, not ERR: an action of the revision's overlay records it from traffic, seen in 3 exchange(s)") ||
		!strings.Contains(out.String(), " 0 breaking (0 acknowledged)") {
		t.Errorf("apikit diff's text does not show the lowered changes with their evidence:\n%s", out.String())
	}
}

func TestProposeStrict(t *testing.T) {
	// In strict mode undeclared properties are violations, not warnings: still drift.
	var out bytes.Buffer
	c, err := propose.New(specFS(t, nil), "openapi", &out)
	if err != nil {
		t.Fatal(err)
	}
	v := newValidator(t, contract.WithSpecFS(specFS(t, nil), "openapi"), contract.WithStrict(true))
	if w, _ := collect(t, v, c, drift()[1:2]); w != 0 {
		t.Fatalf("strict mode reported %d warnings", w)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	a := actions(t, out.Bytes())
	if len(a) != 3 || !strings.Contains(yamlOf(t, a[0].Update), "checked_in_at:") {
		t.Fatalf("want checked_in_at, the enum and the header proposed:\n%s", out.Bytes())
	}
	if !strings.Contains(a[1].Description, "(at /state of GET /api/3/group_reservations/{id} 200)") {
		t.Errorf("enum evidence: %s", a[1].Description)
	}
}
