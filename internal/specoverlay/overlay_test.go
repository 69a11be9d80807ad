package specoverlay_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/apikit/apikit/internal/specoverlay"
)

const spec = `openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Thing:
      type: object
      properties:
        id: {type: integer}
`

func TestApply(t *testing.T) {
	out, err := specoverlay.Apply([]byte(spec), []byte(`overlay: 1.0.0
info: {title: o, version: "1"}
actions:
  - target: $.components.schemas['Thing']
    update:
      properties:
        name: {type: string}
`), "spec.yaml", "spec.overlay.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "        id: {type: integer}\n        name: {type: string}\n") {
		t.Fatalf("overlaid spec lacks the merged property:\n%s", out)
	}
}

func TestApplyNamesTheActionThatMatchesNothing(t *testing.T) {
	_, err := specoverlay.Apply([]byte(spec), []byte(`overlay: 1.0.0
info: {title: o, version: "1"}
actions:
  - target: $.components.schemas['Thing']
    update: {description: fine}
  - target: $.components.schemas['Gone']
    description: Undeclared property "x" of Gone
    update: {properties: {x: {type: string}}}
`), "openapi/doorflow.yaml", "openapi/doorflow.overlay.yaml")
	var ae *specoverlay.ActionError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an *ActionError", err)
	}
	for _, want := range []string{"overlay openapi/doorflow.overlay.yaml", "action 2 of 2", `(Undeclared property "x" of Gone)`,
		"target $.components.schemas['Gone']", "openapi/doorflow.yaml", "did not match any targets"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestApplyRejectsAnInvalidOverlay(t *testing.T) {
	_, err := specoverlay.Apply([]byte(spec), []byte("overlay: 1.0.0\nactions: []\n"), "s.yaml", "o.yaml")
	if err == nil || !strings.Contains(err.Error(), "overlay o.yaml is not a valid overlay") {
		t.Fatalf("err = %v", err)
	}
}

func TestCodegenPath(t *testing.T) {
	p, err := specoverlay.CodegenPath([]byte("package: x\noutput-options:\n  overlay:\n    path: openapi/x.overlay.yaml\n"))
	if err != nil || p != "openapi/x.overlay.yaml" {
		t.Fatalf("CodegenPath = %q, %v", p, err)
	}
	if p, err := specoverlay.CodegenPath([]byte("package: x\n")); err != nil || p != "" {
		t.Fatalf("CodegenPath without overlay = %q, %v", p, err)
	}
}
