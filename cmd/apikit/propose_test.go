package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikit/apikit/openapi"
)

func TestValidatePropose(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	body := filepath.Join(dir, "reservation.json")
	if err := os.WriteFile(body, []byte(`{"id":1,"person_id":2,"start_time":"2026-06-25T06:30:00.000Z","end_time":"2026-06-30T06:30:00.000Z",`+
		`"state":"suspended","group_ids":[1],"created_at":"2026-06-15T00:31:39.775Z","updated_at":"2026-06-15T00:31:39.775Z",`+
		`"checked_in_at":"2026-06-25T06:31:00Z","mixed":null}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// The specs as written, in a folder of their own (the embedded ones hold any overlay a user applied).
	specs := filepath.Join(dir, "openapi")
	if err := os.Mkdir(specs, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"doorflow.yaml", "sonderplan.yaml"} {
		data, err := openapi.FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(specs, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	overlay := filepath.Join(dir, "doorflow.overlay.yaml")
	code, out, errOut := apikit(t, "validate", "--spec", specs, "--op", "getGroupReservation", "--status", "200", "--propose", overlay, body)
	if code != exitViolation {
		t.Fatalf("exit %d, want 1 (suspended is not a state yet)\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"--propose: wrote " + overlay, `--propose: not proposed: property "mixed" of GroupReservation`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	doc, err := os.ReadFile(overlay)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(doc), "- target:"); n != 2 || !strings.Contains(string(doc), "checked_in_at:") || !strings.Contains(string(doc), "- suspended") {
		t.Fatalf("want 2 actions (checked_in_at, suspended):\n%s", doc)
	}

	// The specs with the overlay beside them: the same body is valid, with one warning left (mixed).
	if err := os.Rename(overlay, filepath.Join(specs, "doorflow.overlay.yaml")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = apikit(t, "validate", "--spec", specs, "--op", "getGroupReservation", "--status", "200", body)
	if code != exitOK || !strings.Contains(out, "1 valid") || !strings.Contains(out, "1 warnings") || !strings.Contains(out, `"mixed"`) {
		t.Fatalf("with the overlay: exit %d\n%s%s", code, out, errOut)
	}
}
