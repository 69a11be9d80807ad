package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// specs is the folder of contract's small test specs.
func specs(name string) string {
	return filepath.Join("..", "..", "contract", "testdata", "specs", name)
}

func TestValidateSpecWarningsAndStrictSpec(t *testing.T) {
	t.Parallel()
	body := filepath.Join(t.TempDir(), "things.json")
	if err := os.WriteFile(body, []byte(`[1, 2]`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := apikit(t, "validate", "--spec", specs("badexample"), "--op", "listThings", "--status", "200", body)
	if code != exitOK {
		t.Fatalf("exit %d, want 0: %s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "spec warning: "+specs("badexample")+"/acme.yaml:10: ") {
		t.Errorf("stderr: want one line `spec warning: FILE:10: ...`, got:\n%s", errOut)
	}
	code, _, errOut = apikit(t, "validate", "--strict-spec", "--spec", specs("badexample"), "--op", "listThings", "--status", "200", body)
	if code != exitUsage || !strings.Contains(errOut, "acme.yaml:10:") {
		t.Errorf("--strict-spec: exit %d, want %d and the problem named: %s", code, exitUsage, errOut)
	}
}

// TestProxySpecWarnings: apikit proxy --spec prints the spec's warnings as apikit validate does, and
// --strict-spec refuses the spec.
func TestProxySpecWarnings(t *testing.T) {
	t.Parallel()
	r := startProxyCmd(t, "--target", "http://127.0.0.1:1", "--spec", specs("badexample"))
	if _, lines := r.stop(t); !slices.ContainsFunc(lines, func(l string) bool {
		return strings.HasPrefix(l, "spec warning: "+specs("badexample")+"/acme.yaml:10: ")
	}) {
		t.Errorf("stderr: want a line `spec warning: FILE:10: ...`, got:\n%s", strings.Join(lines, "\n"))
	}
	var stderr bytes.Buffer
	code := cmdProxy(t.Context(), []string{"--target", "http://127.0.0.1:1", "--strict-spec", "--spec", specs("badexample")}, mockTestEnv(io.Discard, &stderr))
	if code != exitUsage || !strings.Contains(stderr.String(), "acme.yaml:10:") {
		t.Errorf("--strict-spec: exit %d, want %d and the problem named: %s", code, exitUsage, stderr.String())
	}
}

func TestValidateOpWithVendor(t *testing.T) {
	t.Parallel()
	body := filepath.Join(t.TempDir(), "groups.json")
	if err := os.WriteFile(body, []byte(`["a"]`), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := specs("shared")
	if code, out, errOut := apikit(t, "validate", "--spec", dir, "--op", "alpha.listGroups", "--status", "200", body); code != exitOK {
		t.Errorf("alpha.listGroups: exit %d: %s%s", code, out, errOut)
	}
	code, out, _ := apikit(t, "validate", "--spec", dir, "--op", "beta.listGroups", "--status", "200", body)
	if code != exitViolation || !strings.Contains(out, "beta.listGroups response.body /0") {
		t.Errorf("beta.listGroups: exit %d, want %d and the vendor in the output: %s", code, exitViolation, out)
	}
	code, _, errOut := apikit(t, "validate", "--spec", dir, "--op", "listGroups", "--status", "200", body)
	if code != exitUsage || !strings.Contains(errOut, "alpha.listGroups, beta.listGroups") {
		t.Errorf("ambiguous --op: exit %d, want %d and the candidates: %s", code, exitUsage, errOut)
	}
	if code, out, errOut := apikit(t, "validate", "--spec", dir, "--op", "ping", "--status", "404", body); code == exitUsage {
		t.Errorf("a bare id one spec has: exit %d: %s%s", code, out, errOut)
	}
}
