package apikit

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestREADMECompiles builds every ```go block of README.md that is a whole program (package main) as if it sat in
// this module, through `go build -overlay`, so the README's code cannot rot. Nothing is written into the tree.
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
		if !regexp.MustCompile(`(?m)^package main$`).Match(b[1]) {
			continue
		}
		n++
		src := filepath.Join(tmp, fmt.Sprintf("block%d.go", i))
		if err := os.WriteFile(src, b[1], 0o600); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, "internal", "readmeblock", fmt.Sprint(i))
		overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(dir, "main.go"): src}})
		ov := filepath.Join(tmp, fmt.Sprintf("overlay%d.json", i))
		if err := os.WriteFile(ov, overlay, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.CommandContext(t.Context(), "go", "build", "-overlay", ov, "-o", os.DevNull, "./internal/readmeblock/"+fmt.Sprint(i))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("README.md go block %d does not compile: %v\n%s", i+1, err, out)
		}
	}
	if n == 0 {
		t.Error("README.md has no ```go block with package main; the check would pass vacuously")
	}
}
