package contract_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/openapi"
)

func overlayFS(t *testing.T, files map[string]string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	data, err := openapi.FS.ReadFile("doorflow.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m["doorflow.yaml"] = &fstest.MapFile{Data: data}
	for name, s := range files {
		m[name] = &fstest.MapFile{Data: []byte(s)}
	}
	return m
}

const stateOverlay = `overlay: 1.0.0
info: {title: t, version: "1"}
actions:
  - target: $.components.schemas['GroupReservationState']
    update: {enum: [suspended], x-enum-varnames: [StateSuspended]}
`

func TestOverlayBesideTheSpecApplies(t *testing.T) {
	ctx := context.Background()
	body := `{"id":1,"person_id":2,"start_time":"2026-06-25T06:30:00.000Z","end_time":"2026-06-30T06:30:00.000Z","state":"suspended",` +
		`"group_ids":[1],"created_at":"2026-06-15T00:31:39.775Z","updated_at":"2026-06-15T00:31:39.775Z"}`
	ex := func() *contract.Exchange {
		return &contract.Exchange{Index: -1, OperationID: "getGroupReservation", NoRequest: true, Status: 200,
			ResponseHeader: map[string][]string{"Content-Type": {"application/json"}}, ResponseBody: []byte(body)}
	}
	for name, files := range map[string]map[string]string{
		"beside":  {"doorflow.overlay.yaml": stateOverlay},
		"codegen": {"states.overlay.yaml": stateOverlay, "doorflow.codegen.yaml": "output-options:\n  overlay:\n    path: openapi/states.overlay.yaml\n"},
	} {
		t.Run(name, func(t *testing.T) {
			v, err := contract.New(ctx, contract.WithSpecFS(overlayFS(t, files), "openapi"), contract.WithRules(contract.RulesSchema))
			if err != nil {
				t.Fatal(err)
			}
			if res := v.Validate(ctx, ex()); !res.Valid {
				t.Fatalf("with the overlay, suspended is a state: %v", res.Violations)
			}
		})
	}
	v, err := contract.New(ctx, contract.WithSpecFS(overlayFS(t, nil), "openapi"), contract.WithRules(contract.RulesSchema))
	if err != nil {
		t.Fatal(err)
	}
	if res := v.Validate(ctx, ex()); res.Valid {
		t.Fatal("without the overlay, suspended is not a state")
	}
}

func TestOverlayThatDoesNotApplyIsAnError(t *testing.T) {
	_, err := contract.New(context.Background(), contract.WithSpecFS(overlayFS(t, map[string]string{"doorflow.overlay.yaml": `overlay: 1.0.0
info: {title: t, version: "1"}
actions:
  - target: $.components.schemas['NoSuchSchema']
    update: {properties: {x: {type: string}}}
`}), "openapi"))
	if err == nil {
		t.Fatal("an overlay whose action matches nothing was accepted")
	}
	for _, want := range []string{"openapi/doorflow.overlay.yaml", "action 1 of 1", "target $.components.schemas['NoSuchSchema']"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	_, err = contract.New(context.Background(), contract.WithSpecFS(overlayFS(t, map[string]string{
		"doorflow.codegen.yaml": "output-options:\n  overlay:\n    path: openapi/missing.overlay.yaml\n"}), "openapi"))
	if err == nil || !strings.Contains(err.Error(), "names the overlay openapi/missing.overlay.yaml") {
		t.Fatalf("a codegen config naming a missing overlay: err = %v", err)
	}
	_, err = contract.New(context.Background(), contract.WithSpecFS(overlayFS(t, map[string]string{
		"doorflow.codegen.yaml": "output-options:\n  overlay:\n    path: openapi/states.yaml\n", "states.yaml": stateOverlay}), "openapi"))
	if err == nil || !strings.Contains(err.Error(), "names the overlay openapi/states.yaml: its name must end in .overlay.yaml") {
		t.Fatalf("a codegen config naming an overlay the spec folder would read as a spec: err = %v", err)
	}
}

// TestOverlayKeepsTheSpecFilesLines: the overlaid text is re-encoded (folded notes unfold, blank lines go), but
// messages cite lines of openapi/doorflow.yaml as written.
func TestOverlayKeepsTheSpecFilesLines(t *testing.T) {
	ctx := context.Background()
	body := `{"id":1,"person_id":"2","start_time":"2026-06-25T06:30:00.000Z","end_time":"2026-06-30T06:30:00.000Z","state":"gone",` +
		`"group_ids":[1],"created_at":"string","updated_at":"2026-06-15T00:31:39.775Z"}`
	verdict := func(files map[string]string) []contract.Violation {
		v, err := contract.New(ctx, contract.WithSpecFS(overlayFS(t, files), "openapi"), contract.WithRules(contract.RulesSchema))
		if err != nil {
			t.Fatal(err)
		}
		res := v.Validate(ctx, &contract.Exchange{Index: -1, OperationID: "getGroupReservation", NoRequest: true, Status: 200,
			ResponseHeader: map[string][]string{"Content-Type": {"application/json"}}, ResponseBody: []byte(body)})
		return res.Violations
	}
	plain, with := verdict(nil), verdict(map[string]string{"doorflow.overlay.yaml": stateOverlay})
	if len(plain) != 3 || len(with) != len(plain) {
		t.Fatalf("violations: %d without the overlay, %d with it; want 3 each:\n%v\n%v", len(plain), len(with), plain, with)
	}
	for i := range plain {
		if plain[i].Line == 0 || with[i].Line != plain[i].Line || with[i].Pointer != plain[i].Pointer {
			t.Errorf("%s: line %d with the overlay, %d without", plain[i].Pointer, with[i].Line, plain[i].Line)
		}
	}
}
