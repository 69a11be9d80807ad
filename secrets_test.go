package apikit

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apikit/apikit/internal/redact"
)

// TestNoSecretsInTestdata scans every file under the repository's testdata folders and examples/ for
// credentials left unredacted (redact.Scan: Authorization values, credential keys in queries, forms, JSON and
// cassettes, cookies, JWTs, long random strings). A finding names the file, the line and the kind, never the
// value. Fuzz corpora (testdata/fuzz) may hold the fake "SECRET-" markers tests plant.
func TestNoSecretsInTestdata(t *testing.T) {
	t.Parallel()
	var files []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "gen") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (inDir(p, "testdata") || inDir(p, "examples")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no file under testdata/ or examples/: the check would pass vacuously")
	}
	t.Logf("scanning %d files", len(files))
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if inDir(p, "fuzz") {
			data = plantedMarker.ReplaceAll(data, []byte(redact.Placeholder))
		}
		for _, f := range redact.Scan(data) {
			t.Errorf("%s:%d: %s not redacted (redact it, or re-record through contract.Transport)", p, f.Line, f.Kind)
		}
	}
}

// plantedMarker is the fake secret tests plant (STYLE §5), allowed in fuzz corpora.
var plantedMarker = regexp.MustCompile(`SECRET-[A-Za-z0-9-]*`)

// inDir reports whether path p has a folder named dir.
func inDir(p, dir string) bool {
	for _, part := range strings.Split(filepath.ToSlash(filepath.Dir(p)), "/") {
		if part == dir {
			return true
		}
	}
	return false
}
