package specdiff

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompareSurvivesConstructs compares specs with the OpenAPI 3.0 constructs the harness's own tests hold it to
// (contract/testdata/specs): with themselves (no change) and with an edited copy (changes found, no panic).
func TestCompareSurvivesConstructs(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "contract", "testdata", "specs", "*", "*.yaml"))
	if err != nil || len(files) < 5 {
		t.Fatalf("want the test specs of contract, got %v, %v", files, err)
	}
	for _, f := range files {
		res, err := Compare(t.Context(), Source{Path: f}, Source{Path: f})
		if err != nil {
			t.Errorf("%s with itself: %v", f, err)
			continue
		}
		if len(res.Changes) != 0 {
			t.Errorf("%s with itself: %d changes", f, len(res.Changes))
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		edited := filepath.Join(t.TempDir(), filepath.Base(f))
		// Every integer becomes a string: a change in each schema of the spec.
		if err := os.WriteFile(edited, []byte(strings.ReplaceAll(string(data), "type: integer", "type: string")), 0o600); err != nil {
			t.Fatal(err)
		}
		res, err = Compare(t.Context(), Source{Path: f}, Source{Path: edited})
		if err != nil {
			t.Errorf("%s edited: %v", f, err)
			continue
		}
		if len(res.Changes) == 0 && strings.Contains(string(data), "type: integer") {
			t.Errorf("%s edited: no change found", f)
		}
	}
}
