package apikit

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMECompiles builds every ```go block of README.md as if it sat in this module, through `-overlay`, so the
// README's code cannot rot: a program (package main) with `go build`, a test file (package x_test) with
// `go test -c`, which compiles it without running it. Nothing is written into the tree.
func TestREADMECompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs with the go tool")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllSubmatch(readme, -1)
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	n := 0
	for i, b := range blocks {
		pkg := regexp.MustCompile(`(?m)^package (\w+)$`).FindSubmatch(b[1])
		if pkg == nil {
			continue
		}
		isTest := strings.HasSuffix(string(pkg[1]), "_test")
		if string(pkg[1]) != "main" && !isTest {
			continue
		}
		n++
		src := filepath.Join(tmp, fmt.Sprintf("block%d.go", i))
		if err := os.WriteFile(src, b[1], 0o600); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, "internal", "readmeblock", fmt.Sprint(i))
		name, tool := "main.go", []string{"build", "-o", os.DevNull}
		if isTest {
			name, tool = "readme_test.go", []string{"test", "-c", "-vet=off", "-o", os.DevNull}
		}
		overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(dir, name): src}})
		ov := filepath.Join(tmp, fmt.Sprintf("overlay%d.json", i))
		if err := os.WriteFile(ov, overlay, 0o600); err != nil {
			t.Fatal(err)
		}
		args := append(tool, "-overlay", ov, "./internal/readmeblock/"+fmt.Sprint(i))
		cmd := exec.CommandContext(t.Context(), "go", args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("README.md go block %d does not compile: %v\n%s", i+1, err, out)
		}
	}
	if n == 0 {
		t.Error("README.md has no ```go block with package main; the check would pass vacuously")
	}
}
