package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestName(t *testing.T) {
	const ov = "openapi/doorflow.overlay.yaml"
	cases := []struct {
		name, in, want, err string
	}{
		{"under output-options", "package: d\noutput-options:\n  name-normalizer: X\ncompatibility: {}\n",
			"package: d\noutput-options:\n  overlay:\n    path: " + ov + "\n  name-normalizer: X\ncompatibility: {}\n", ""},
		{"no output-options", "package: d", "package: d\noutput-options:\n  overlay:\n    path: " + ov + "\n", ""},
		{"already named", "output-options:\n  overlay:\n    path: " + ov + "\n", "output-options:\n  overlay:\n    path: " + ov + "\n", ""},
		{"another overlay", "output-options:\n  overlay: {path: other.yaml}\n", "", "names the overlay other.yaml already"},
		{"flow output-options", "output-options: {name-normalizer: X}\n", "", "not a plain block"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := name([]byte(tc.in), ov)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got error %v, want one holding %q", err, tc.err)
				}
				return
			}
			if err != nil || string(out) != tc.want {
				t.Fatalf("got %q, %v; want %q", out, err, tc.want)
			}
		})
	}
}

func TestRunOnTheShippedConfig(t *testing.T) {
	data, err := os.ReadFile("../../openapi/doorflow.codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg, ov := filepath.Join(dir, "doorflow.codegen.yaml"), filepath.Join(dir, "doorflow.overlay.yaml")
	if err := os.WriteFile(cfg, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := run(cfg, ov); err == nil || !strings.Contains(err.Error(), "the overlay") {
		t.Fatalf("a missing overlay: got %v, want an error", err)
	}
	if err := os.WriteFile(ov, []byte("overlay: 1.0.0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := run(cfg, ov); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(string(data), "\noutput-options:\n", "\noutput-options:\n  overlay:\n    path: "+ov+"\n", 1); string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if msg, err := run(cfg, ov); err != nil || !strings.Contains(msg, "already names") {
		t.Errorf("a second run: %q, %v; want it to leave the file alone", msg, err)
	}
}
