package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The small hand-written spec pair of package specdiff: the revision drops an enum value of the response body.
const (
	bodyEnumBase = "../../specdiff/testdata/body-enum.base.yaml"
	bodyEnumRev  = "../../specdiff/testdata/body-enum.revision.yaml"
)

func runDiff(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cmdDiff(t.Context(), args, env{stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }})
	return code, out.String(), errOut.String()
}

func TestDiffExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	acked := write("acked.md", "# Changelog\n\n## Unreleased\n\n- Breaking: `response-mediatype-enum-value-removed` getState: no more locked.\n")
	notAcked := write("other.md", "# Changelog\n\n## Unreleased\n\n- `response-mediatype-enum-value-removed` getStates\n")
	noSection := write("none.md", "# Changelog\n\n## v1.0.0\n")
	base, err := os.ReadFile(bodyEnumBase)
	if err != nil {
		t.Fatal(err)
	}
	added := write("added.yaml", string(base)+"  /other:\n    get:\n      operationId: getOther\n      responses:\n        \"204\": {description: none}\n")
	cases := []struct {
		name       string
		args       []string
		want       int
		wantStdout []string
		wantStderr []string
	}{
		{"breaking", []string{bodyEnumBase, bodyEnumRev}, exitViolation,
			[]string{"ERR  response-mediatype-enum-value-removed  GET /state (getState): ", "`locked`", "raised to ERR", "1 breaking (0 acknowledged)"}, nil},
		{"no change", []string{bodyEnumBase, bodyEnumBase}, exitOK, []string{"no changes"}, nil},
		{"response enum value added is breaking too", []string{bodyEnumRev, bodyEnumBase}, exitViolation,
			[]string{"ERR  response-mediatype-enum-value-added"}, nil},
		{"only info changes", []string{bodyEnumBase, added}, exitOK,
			[]string{"INFO endpoint-added  GET /other (getOther): ", "1 change: 0 breaking (0 acknowledged), 0 warnings, 1 info"}, nil},
		{"acknowledged", []string{"--changelog", acked, bodyEnumBase, bodyEnumRev}, exitOK,
			[]string{"[acknowledged in the changelog]", "1 breaking (1 acknowledged)"}, nil},
		{"changelog names another operation", []string{"--changelog", notAcked, bodyEnumBase, bodyEnumRev}, exitViolation,
			[]string{"1 breaking (0 acknowledged)"}, nil},
		{"changelog without unreleased section", []string{"--changelog", noSection, bodyEnumBase, bodyEnumRev}, exitUsage,
			nil, []string{"none.md", "Unreleased"}},
		{"missing changelog", []string{"--changelog", filepath.Join(dir, "nope.md"), bodyEnumBase, bodyEnumRev}, exitUsage, nil, []string{"nope.md"}},
		{"no arguments", nil, exitUsage, nil, []string{"want 2 specs", "usage: apikit diff"}},
		{"one argument", []string{bodyEnumBase}, exitUsage, nil, []string{"want 2 specs (OLD NEW), got 1"}},
		{"unknown format", []string{"--format", "xml", bodyEnumBase, bodyEnumRev}, exitUsage, nil, []string{`unknown --format "xml"`}},
		{"unknown flag", []string{"--colour", bodyEnumBase, bodyEnumRev}, exitUsage, nil, []string{"colour"}},
		{"bad source", []string{":x.yaml", bodyEnumRev}, exitUsage, nil, []string{"empty git revision"}},
		{"missing file", []string{filepath.Join(dir, "nope.yaml"), bodyEnumRev}, exitUsage, nil, []string{"nope.yaml"}},
		{"help", []string{"-h"}, exitOK, nil, []string{"usage: apikit diff"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runDiff(t, tc.args...)
			if code != tc.want {
				t.Errorf("exit code: got %d, want %d\nstdout: %s\nstderr: %s", code, tc.want, stdout, stderr)
			}
			for _, s := range tc.wantStdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout %q does not contain %q", stdout, s)
				}
			}
			for _, s := range tc.wantStderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr %q does not contain %q", stderr, s)
				}
			}
			if tc.want == exitUsage && stdout != "" {
				t.Errorf("usage error wrote to stdout: %q", stdout)
			}
		})
	}
}

// TestDiffJSON compares `apikit diff --format json` with testdata/golden/TestDiffJSON.json; UPDATE_GOLDEN=1
// rewrites the golden file.
func TestDiffJSON(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runDiff(t, "--format", "json", bodyEnumBase, bodyEnumRev)
	if code != exitViolation {
		t.Fatalf("exit code: got %d, want %d; stderr: %s", code, exitViolation, stderr)
	}
	var v struct{ Changes []map[string]any }
	if err := json.Unmarshal([]byte(stdout), &v); err != nil || len(v.Changes) != 1 {
		t.Fatalf("output is not a JSON object with one change (%v): %s", err, stdout)
	}
	golden := filepath.Join("testdata", "golden", t.Name()+".json")
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	if stdout != string(want) {
		t.Errorf("got\n%s\nwant (%s)\n%s", stdout, golden, want)
	}
}
