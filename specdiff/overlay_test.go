package specdiff_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikit/apikit/openapi"
	"github.com/apikit/apikit/specdiff"
)

// overlayDirs writes the shipped doorflow spec into a base and a revision folder, with files added to the
// revision.
func overlayDirs(t *testing.T, files map[string]string) (base, rev string) {
	t.Helper()
	data, err := openapi.FS.ReadFile("doorflow.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base, rev = t.TempDir(), t.TempDir()
	for _, dir := range []string{base, rev} {
		if err := os.WriteFile(filepath.Join(dir, "doorflow.yaml"), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, s := range files {
		p := filepath.Join(rev, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return base, rev
}

const propertyOverlay = `overlay: 1.0.0
info: {title: t, version: "1"}
actions:
  - target: $.components.schemas['GroupReservation']
    update: {properties: {checked_in_at: {type: string, format: date-time}}}
`

func TestCompareAppliesTheOverlay(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"beside":  {"doorflow.overlay.yaml": propertyOverlay},
		"codegen": {"doorflow.codegen.yaml": "output-options:\n  overlay:\n    path: overlays/d.yaml\n", "../overlays/d.yaml": propertyOverlay},
	} {
		t.Run(name, func(t *testing.T) {
			base, rev := overlayDirs(t, files)
			res, err := specdiff.Compare(context.Background(), specdiff.Source{Path: filepath.Join(base, "doorflow.yaml")},
				specdiff.Source{Path: filepath.Join(rev, "doorflow.yaml")})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(res.Revision, "doorflow.yaml with overlay ") || strings.Contains(res.Base, "overlay") {
				t.Errorf("base %q, revision %q: the revision should name its overlay, the base none", res.Base, res.Revision)
			}
			if len(res.Changes) != 2 || len(res.Breaking()) != 0 {
				t.Fatalf("changes %v, want the optional property added to both operations, nothing breaking", res.Changes)
			}
			for _, c := range res.Changes {
				if c.ID != "response-optional-property-added" || !strings.Contains(c.Message, "checked_in_at") {
					t.Errorf("change %s: %s", c.ID, c.Message)
				}
			}
		})
	}
}

func TestCompareOverlayThatDoesNotApply(t *testing.T) {
	base, rev := overlayDirs(t, map[string]string{"doorflow.overlay.yaml": strings.Replace(propertyOverlay, "'GroupReservation'", "'Gone'", 1)})
	_, err := specdiff.Compare(context.Background(), specdiff.Source{Path: filepath.Join(base, "doorflow.yaml")},
		specdiff.Source{Path: filepath.Join(rev, "doorflow.yaml")})
	if err == nil || !strings.Contains(err.Error(), "action 1 of 1") || !strings.Contains(err.Error(), "target $.components.schemas['Gone']") {
		t.Fatalf("err = %v, want one naming the action and its target", err)
	}
}
